"""The spec's own request examples (``x-oaiMeta.examples``, curl form) as node input messages.

A curl example names the URL (path and query parameters) and either a JSON body (``-d '{...}'``)
or multipart fields (``-F name=value``, ``@file`` for an upload). Each becomes the message a user
of that operation's node would send: parameters as ``msg.<name>``, the body as ``msg.payload``.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flowengine.nodes.openai.spec import load_spec

FILE = b"\x89PNG\r\n\x1a\n0000"
JSON = dict[str, Any]


@dataclass
class Example:
    """One curl example of one operation, turned into a node input message (or why it cannot be)."""

    operation_id: str
    title: str
    msg: JSON = field(default_factory=dict)
    problem: str | None = None


def _examples(op: JSON) -> list[JSON]:
    raw = (op.get("x-oaiMeta") or {}).get("examples")
    if isinstance(raw, dict):
        return [raw]
    return [e for e in raw or [] if isinstance(e, dict)]


def _curl(example: JSON) -> str | None:
    request = example.get("request")
    if isinstance(request, dict):
        value = request.get("curl")
        return value if isinstance(value, str) else None
    return None


def _path_values(template: str, path: str) -> dict[str, str] | None:
    names = re.findall(r"{([^}]+)}", template)
    pattern = "^" + re.sub(r"\\{[^}]+\\}", "([^/]+)", re.escape(template)) + "/?$"
    found = re.match(pattern, path)
    return dict(zip(names, found.groups(), strict=True)) if found else None


def _form_value(payload: JSON, name: str, value: str) -> None:
    """``name=value`` into ``payload``: ``a[]`` appends to a list, ``a[b]`` sets a nested field, ``@x`` is a file."""
    item: Any = FILE if value.startswith("@") else value
    keys = re.findall(r"\[([^\]]*)\]", name)
    target, key = payload, name.split("[", 1)[0]
    for sub in keys:
        if sub == "":
            target.setdefault(key, []).append(item)
            return
        target = target.setdefault(key, {})
        key = sub
    target[key] = item


def _parse(operation_id: str, template: str, title: str, curl: str) -> Example:
    ex = Example(operation_id, title)
    try:
        words = shlex.split(curl.replace("\\\n", " "))
    except ValueError as err:
        ex.problem = f"curl text does not parse as shell words: {err}"
        return ex
    url, data, form = None, None, {}
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("-d", "--data", "--data-raw", "--json"):
            data, i = words[i + 1], i + 2
            continue
        if word in ("-F", "--form"):
            name, _, value = words[i + 1].partition("=")
            _form_value(form, name, value.split(";")[0])
            i += 2
            continue
        if word in ("-H", "--header", "-X", "--request", "-o", "--output", "-w"):
            i += 2
            continue
        if word.startswith("http://") or word.startswith("https://"):
            url = word
        i += 1
    if url is None:
        ex.problem = "no URL in the curl text"
        return ex
    parts = urlsplit(url)
    path = parts.path.removeprefix("/v1")
    values = _path_values(template.split("?")[0], path)
    if values is None:
        ex.problem = f"URL path {path} does not match {template}"
        return ex
    ex.msg.update(values)
    for key, value in parse_qsl(parts.query):
        if key.endswith("[]"):
            ex.msg.setdefault(key[:-2], []).append(value)
        else:
            ex.msg[key] = value
    if data is not None and data.strip():
        if data.startswith("@"):
            ex.problem = "body read from a local file"
            return ex
        try:
            ex.msg["payload"] = json.loads(data)
        except json.JSONDecodeError as err:
            ex.problem = f"the -d body is not JSON: {err.msg} at line {err.lineno}"
            return ex
    elif form:
        ex.msg["payload"] = form
        ex.msg["filename"] = "upload.png"
    return ex


def spec_examples(spec_path: Path) -> list[Example]:
    """Every curl request example in the spec, one ``Example`` each, in spec order."""
    doc = load_spec(spec_path)
    out: list[Example] = []
    for template, item in doc["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or method not in ("get", "post", "put", "patch", "delete"):
                continue
            for example in _examples(op):
                curl = _curl(example)
                if curl is not None:
                    out.append(_parse(op.get("operationId", f"{method} {template}"), template,
                                      str(example.get("title") or ""), curl))
    return out

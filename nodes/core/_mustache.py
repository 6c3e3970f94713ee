"""A small Mustache renderer with mustache.js behaviour (what Node-RED's template node uses).

Differences from other Python implementations that flows notice: HTML escaping of
``& < > " ' / ` =`` (``&#39;``, ``&#x2F;``, ``&#x60;``, ``&#x3D;``), JavaScript stringification of
values (``[1, 2]`` -> ``1,2``, ``True`` -> ``true``, objects -> ``[object Object]``), mustache.js's
standalone-line rules and its dotted-name lookup through the context stack. A ``fallback`` is
asked for names the view stack does not have (the template node resolves ``flow.``/``global.``/
``env.`` there). Lambdas and partials are not supported (Node-RED offers neither).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flowengine.typed import js_string
from flowengine.types import UNDEFINED

__all__ = ["MustacheError", "html_escape", "parse", "render"]

Token = list[Any]
Fallback = Callable[[str], Any]

_ENTITIES = {
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "/": "&#x2F;", "`": "&#x60;", "=": "&#x3D;",
}
_ESCAPE_RE = re.compile(r"[&<>\"'`=/]")
_LINE_PIECES = re.compile(r"[^\n]*\n|[^\n]+")


class MustacheError(ValueError):
    """The template cannot be parsed (unclosed section or tag)."""


def html_escape(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _ENTITIES[m.group(0)], text)


def parse(template: str, tags: tuple[str, str] = ("{{", "}}")) -> list[Token]:
    """Tokens of ``template``: ``["text", s]``, ``["name"|"&", key]``, ``["#"|"^", key, children]``."""
    otag, ctag = tags
    root: list[Token] = []
    stack: list[tuple[Token, list[Token]]] = []
    current = root
    line: list[tuple[list[Token], int]] = []  # whitespace-only text tokens of the current line
    has_tag = non_space = False
    pos, n = 0, len(template)

    def strip_line() -> None:
        nonlocal has_tag, non_space
        if has_tag and not non_space:
            for container, idx in reversed(line):
                container[idx] = ["text", ""]
        line.clear()
        has_tag = non_space = False

    while pos < n:
        start = template.find(otag, pos)
        text = template[pos : start if start >= 0 else n]
        for piece in _LINE_PIECES.findall(text):
            body = piece[:-1] if piece.endswith("\n") else piece
            if body.strip(" \t\r\f\v"):
                non_space = True
                current.append(["text", piece])
            else:
                current.append(["text", piece])
                line.append((current, len(current) - 1))
            if piece.endswith("\n"):
                strip_line()
        if start < 0:
            break
        tag_start = start + len(otag)
        kind = template[tag_start : tag_start + 1]
        if kind in ("#", "^", "/", ">", "{", "&", "=", "!"):
            tag_start += 1
        else:
            kind = "name"
        close = ctag
        if kind == "{":
            close = "}" + ctag
        elif kind == "=":
            close = "=" + ctag
        end = template.find(close, tag_start)
        if end < 0:
            raise MustacheError(f"Unclosed tag at {start}")
        value = template[tag_start:end].strip()
        pos = end + len(close)
        has_tag = True
        if kind in ("name", "{", "&"):
            non_space = True
            current.append(["&" if kind in ("{", "&") else "name", value])
        elif kind in ("#", "^"):
            section: Token = [kind, value, []]
            current.append(section)
            stack.append((section, current))
            current = section[2]
        elif kind == "/":
            if not stack or stack[-1][0][1] != value:
                raise MustacheError(f"Unopened section {value!r} at {start}")
            _section, current = stack.pop()
        elif kind == "=":
            new = value.split()
            if len(new) != 2:
                raise MustacheError(f"Invalid tags {value!r}")
            otag, ctag = new[0], new[1]
        # comments and partials render nothing
    if stack:
        raise MustacheError(f"Unclosed section {stack[-1][0][1]!r}")
    return root


class _Context:
    __slots__ = ("parent", "view")

    def __init__(self, view: Any, parent: _Context | None = None):
        self.view = view
        self.parent = parent

    def lookup(self, name: str) -> Any:
        if name == ".":
            return self.view
        ctx: _Context | None = self
        while ctx is not None:
            if "." in name and not name.startswith("."):
                value: Any = ctx.view
                hit = False
                names = name.split(".")
                for i, key in enumerate(names):
                    if value is None or value is UNDEFINED:
                        break
                    if i == len(names) - 1:
                        hit = _has(value, key)
                    value = _get(value, key)
            else:
                hit = _has(ctx.view, name)
                value = _get(ctx.view, name)
            if hit:
                return value
            ctx = ctx.parent
        return UNDEFINED


def _has(obj: Any, key: str) -> bool:
    if isinstance(obj, dict):
        return key in obj
    if isinstance(obj, list | str | bytes | bytearray):
        return key == "length" or (key.isdigit() and int(key) < len(obj))
    return False


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, UNDEFINED)
    if isinstance(obj, list | str | bytes | bytearray):
        if key == "length":
            return len(obj)
        if key.isdigit() and int(key) < len(obj):
            return obj[int(key)]
    return UNDEFINED


def render(
    template: str | list[Token],
    view: Any,
    fallback: Fallback | None = None,
    string_filter: Callable[[str], str] | None = None,
) -> str:
    """Render ``template`` against ``view``; ``fallback(name)`` answers names the view lacks.

    ``string_filter`` transforms string values found in the view before output (the template
    node escapes them for JSON output).
    """
    tokens = parse(template) if isinstance(template, str) else template
    out: list[str] = []
    _render(tokens, _Context(view), fallback, string_filter, out)
    return "".join(out)


def _lookup(ctx: _Context, name: str, fallback: Fallback | None, string_filter: Callable[[str], str] | None) -> Any:
    value = ctx.lookup(name)
    if value is not UNDEFINED:
        if string_filter is not None and isinstance(value, str):
            return string_filter(value)
        return value
    return fallback(name) if fallback is not None else UNDEFINED


def _truthy(value: Any) -> bool:
    if value is UNDEFINED or value is None or value is False or value == "":
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0 and value == value
    return True


def _render(
    tokens: list[Token],
    ctx: _Context,
    fallback: Fallback | None,
    string_filter: Callable[[str], str] | None,
    out: list[str],
) -> None:
    for token in tokens:
        kind = token[0]
        if kind == "text":
            out.append(token[1])
        elif kind in ("name", "&"):
            value = _lookup(ctx, token[1], fallback, string_filter)
            if value is None or value is UNDEFINED:
                continue
            if kind == "&" or (isinstance(value, int | float) and not isinstance(value, bool)):
                out.append(js_string(value))
            else:
                out.append(html_escape(js_string(value)))
        elif kind == "#":
            value = _lookup(ctx, token[1], fallback, string_filter)
            if not _truthy(value):
                continue
            if isinstance(value, list):
                for item in value:
                    _render(token[2], _Context(item, ctx), fallback, string_filter, out)
            elif value is True:
                _render(token[2], ctx, fallback, string_filter, out)
            else:
                _render(token[2], _Context(value, ctx), fallback, string_filter, out)
        elif kind == "^":
            value = _lookup(ctx, token[1], fallback, string_filter)
            if not _truthy(value) or (isinstance(value, list) and not value):
                _render(token[2], ctx, fallback, string_filter, out)

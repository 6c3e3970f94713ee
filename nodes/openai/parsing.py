"""Structured outputs parsed, as the official SDKs' ``parse`` helpers do.

When a request asks for a JSON-schema format (Responses: ``text.format.type == "json_schema"``;
chat completions: ``response_format.type == "json_schema"``), ``add_parsed`` parses the model's
text into objects:

* Responses: each ``output_text`` content part of a ``message`` item gets ``parsed``, and the
  response gets ``output_parsed`` (the first one; None when the model refused);
* chat completions: each choice's ``message.parsed``, and ``output_parsed`` = the first choice's.

Text that is not JSON (a response cut short by ``max_output_tokens``, say) raises
``OpenAIError`` with type ``parse_error``: a catchable error, the message kept.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import OpenAIError

__all__ = ["add_parsed", "wants_parse"]


def _format_type(container: Any) -> str | None:
    kind = container.get("type") if isinstance(container, dict) else None
    return kind if isinstance(kind, str) else None


def wants_parse(path: str, body: Any) -> bool:
    """True when a request to ``path`` with JSON ``body`` asks for a JSON-schema output."""
    if not isinstance(body, dict):
        return False
    if path.startswith("/responses"):
        text = body.get("text")
        return _format_type(text.get("format") if isinstance(text, dict) else None) == "json_schema"
    if path == "/chat/completions":
        return _format_type(body.get("response_format")) == "json_schema"
    return False


def _parse(text: Any, where: str) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise OpenAIError(f"the {where} is not the JSON the json_schema format asks for ({exc}); "
                          f"it starts {text[:80]!r}", type="parse_error", code="parse_error", body=text) from exc


def add_parsed(path: str, body: Any, data: Any) -> Any:
    """``data`` (a response or chat completion) with its parsed output, when the request asked for one."""
    if not wants_parse(path, body) or not isinstance(data, dict):
        return data
    if path.startswith("/responses"):
        first: Any = None
        found = False
        for item in data.get("output") or []:
            if not isinstance(item, dict) or item.get("type") != "message":
                continue
            for part in item.get("content") or []:
                if isinstance(part, dict) and part.get("type") == "output_text":
                    part["parsed"] = _parse(part.get("text"), "response's output text")
                    if not found:
                        first, found = part["parsed"], True
        data["output_parsed"] = first
        return data
    parsed_first: Any = None
    for index, choice in enumerate(data.get("choices") or []):
        message = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(message, dict):
            refused = bool(message.get("refusal"))
            message["parsed"] = None if refused else _parse(message.get("content"), "chat completion's message")
            if index == 0:
                parsed_first = message["parsed"]
    data["output_parsed"] = parsed_first
    return data

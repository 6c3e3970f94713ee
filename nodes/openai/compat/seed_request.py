"""A seed node's properties and message, read as node-red-openai read them, as a catalog request.

For each parameter the seed read ``<method>_<param>`` with its type ``<method>_<param>Type``:
``"str"`` is the literal value, anything else a message property path. A value that is not
JavaScript-truthy falls back to ``msg.<api name>`` (``msg.file_id``, ``msg.model``...), except the
method's first file parameter (``image``, ``file``), which falls back to ``msg.payload`` as the seed
did; a required path parameter still missing then takes a string or number ``msg.payload`` (the
generated template's fallback). JSON-body methods send the whole ``msg.payload``: an object (a
Buffer holding JSON text, or null for an empty body, as JavaScript's ``typeof`` let through);
anything else is the seed's error ``Unsupported type: '<typeof>', msg.payload must be JSON object
or buffer.``. The result is handed to ``build_request`` as an ``openai-*`` node's message, so the
request, its validation and what is sent are the catalog node's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flowengine.errors import NodeError
from flowengine.jsutil import js_truthy, js_typeof
from flowengine.types import UNDEFINED, Msg

from ..errors import RequestInvalidError
from ..multipart import is_file_value, resolve_file
from ..request import Operation, PreparedRequest, build_request
from .seed_methods import SeedMethod, SeedParam

__all__ = ["path_as_file", "seed_request", "unsupported_type"]

ReadMsg = Callable[[str, Msg], Any]


def unsupported_type(payload: Any) -> RequestInvalidError:
    """The seed's error for a JSON-body method whose ``msg.payload`` is not an object."""
    return RequestInvalidError(
        f"Unsupported type: '{js_typeof(payload)}', msg.payload must be JSON object or buffer.", param="payload")


def _given(props: dict[str, Any], param: SeedParam, msg: Msg, read: ReadMsg) -> Any:
    raw = props.get(param.prop)
    if (props.get(param.prop + "Type") or "str") == "str":
        return raw
    if not isinstance(raw, str) or not raw:
        return UNDEFINED
    try:
        return read(raw, msg)
    except NodeError as exc:
        raise RequestInvalidError(f"property '{param.prop}': cannot read msg.{raw}: {exc}", param=param.prop) from exc


def _json_body(payload: Any) -> Any:
    if isinstance(payload, dict | list):
        return payload
    if payload is None:
        return {}
    if isinstance(payload, bytes | bytearray):
        try:
            return json.loads(bytes(payload))
        except ValueError as exc:
            raise RequestInvalidError("msg.payload is a buffer that does not hold JSON", param="payload") from exc
    raise unsupported_type(payload)


def path_as_file(value: Any, name: str, root: Path) -> Any:
    """A path given as text becomes the file's content (inside the file directory only), so a
    method that also takes JSON still sends a multipart body as the seed did."""
    if isinstance(value, str) and not is_file_value(value):
        part = resolve_file(value, name, root)
        return {"data": part.content, "filename": part.filename, "content_type": part.content_type}
    return value


def seed_request(method: SeedMethod, op: Operation, props: dict[str, Any], msg: Msg, read: ReadMsg,
                 file_dir: Path | Callable[[], Path]) -> PreparedRequest:
    """The request a seed node configured with ``props`` makes for ``msg`` (see the module docstring)."""
    payload = msg.get("payload", UNDEFINED)
    required_path = {p["name"] for p in op.params if p["in"] == "path" and p["required"]}
    first_file = next((p.name for p in method.params if p.kind == "file"), None)
    params: dict[str, Any] = {}
    form: dict[str, Any] = {}
    for param in method.params:
        value = _given(props, param, msg, read)
        if not js_truthy(value):
            value = payload if param.name == first_file else msg.get(param.name, UNDEFINED)
        if (not js_truthy(value) and param.name in required_path and isinstance(payload, str | int | float)
                and not isinstance(payload, bool)):
            value = payload
        if value is UNDEFINED or value is None or value == "":
            if param.name in required_path:
                raise RequestInvalidError(
                    f"{method.name}: parameter '{param.name}' is required: set property '{param.prop}' "
                    f"or msg.{param.name}", param=param.prop)
            continue
        if param.kind == "param":
            params[param.name] = value
        else:
            root = file_dir if isinstance(file_dir, Path) else file_dir()
            form[param.name] = path_as_file(value, param.name, root) if param.kind == "file" else value
    if method.json_body:
        body: Any = _json_body(payload)
    else:
        body = form
    request_msg: Msg = {**params, "payload": body}
    if isinstance(msg.get("filename"), str):
        request_msg["filename"] = msg["filename"]
    return build_request(op, {}, request_msg, file_dir)

"""What an operation answers, read from the spec: response kind, streaming switch and pagination style.

* ``kind``: ``binary`` when a binary media type is declared (octet-stream, zip, audio/image/video),
  else ``json``, else ``text`` (``text/*``, SDP), else ``none``. ``BINARY_OVERRIDES`` lists the
  downloads the spec mis-declares (FACTS §1.5.2); nothing else is guessed from the path.
* ``stream``: how a request asks for SSE: a ``stream`` body field, a ``stream`` query parameter, or
  ``stream_format`` (speech).
* ``pagination``: a list (a GET whose JSON has ``data``) pages in one of two styles:
  ``{"kind": "cursor", "param": "after", "cursor": "last_id" | "next" | "id"}`` (the next request
  sends ``after`` = that response field, ``id`` meaning the last item's id) or
  ``{"kind": "page", "param": "page", "cursor": "next_page"}`` (the usage and costs endpoints: the
  next request sends ``page`` = the response's ``next_page``), both while ``has_more``.
"""

from __future__ import annotations

from typing import Any

from .spec import deref

__all__ = ["BINARY_OVERRIDES", "response_shape"]

JSON = dict[str, Any]
_BINARY_TYPES = ("application/octet-stream", "application/zip", "application/binary")
# Responses the spec mis-declares (FACTS §1.5.2): declared as a JSON string or as nothing, but the body
# is the raw file. Every other response kind follows the declared media types.
BINARY_OVERRIDES = frozenset({
    ("GET", "/files/{file_id}/content"),
    ("GET", "/containers/{container_id}/files/{file_id}/content"),
})


def _kind(method: str, path: str, media: list[str], sse: bool) -> str:
    if (method.upper(), path) in BINARY_OVERRIDES:
        return "binary"
    if any(mt in _BINARY_TYPES or mt.split("/")[0] in ("audio", "image", "video") for mt in media):
        return "binary"
    if "application/json" in media:
        return "json"
    if any(mt.startswith("text/") or mt == "application/sdp" for mt in media if mt != "text/event-stream"):
        return "text"
    return "json" if sse else "none"


def _properties(doc: JSON, schema: Any, depth: int = 0) -> set[str]:
    """Top-level property names of a response schema (through ``$ref`` and ``allOf``)."""
    schema = deref(doc, schema)
    if not isinstance(schema, dict) or depth > 8:
        return set()
    names = set(schema.get("properties") or {})
    for part in schema.get("allOf") or []:
        names |= _properties(doc, part, depth + 1)
    return names


def _pagination(method: str, props: set[str], query: set[str]) -> JSON | None:
    if method != "get" or "data" not in props:
        return None
    if "after" in query:
        cursor = "last_id" if "last_id" in props else "next" if "next" in props else "id"
        return {"kind": "cursor", "param": "after", "cursor": cursor}
    if "page" in query and "next_page" in props:
        return {"kind": "page", "param": "page", "cursor": "next_page"}
    return None


def response_shape(doc: JSON, method: str, path: str, op: JSON, body: JSON | None, params: list[JSON]) -> JSON:
    """The catalog's ``response`` entry of one operation."""
    media: list[str] = []
    schema: Any = None
    for code, resp in (op.get("responses") or {}).items():
        if not str(code).startswith("2"):
            continue
        resp = deref(doc, resp)
        for mt, m in (resp.get("content") or {}).items():
            media.append(mt)
            if mt == "application/json" and schema is None:
                schema = (m or {}).get("schema")
    sse = "text/event-stream" in media
    stream = None
    fields = set((body or {}).get("fields") or [])
    if "stream" in fields:
        stream = "body"
    elif any(p["in"] == "query" and p["name"] == "stream" for p in params):
        stream = "query"
    elif "stream_format" in fields:
        stream = "format"
    out: JSON = {"kind": _kind(method, path, media, sse), "media": media, "sse": bool(sse or stream),
                 "stream": stream}
    pagination = _pagination(method, _properties(doc, schema), {p["name"] for p in params if p["in"] == "query"})
    if pagination is not None:
        out["pagination"] = pagination
    return out

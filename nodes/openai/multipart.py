"""Multipart bodies: file parts from bytes, data URLs or paths, and form fields encoded as the SDK does.

A file value may be ``bytes``, a Node-RED Buffer object (``{"type": "Buffer", "data": [...]}``),
a ``data:`` URL, a dict ``{"data": ..., "filename": ..., "content_type": ...}``, or a path inside
the configured file directory (``settings.fileDirectory``, default ``<user_dir>/files``); paths
that resolve outside it are refused. The file name sent is the given one (``msg.filename``),
else the path's base name, else ``file`` plus an extension derived from the content type.
Form fields: arrays become repeated ``name[]`` fields, objects ``a[b]`` fields, booleans
``true``/``false``, numbers their text (qs "brackets" format).
"""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import RequestInvalidError

__all__ = ["FilePart", "encode_multipart", "form_fields", "is_file_value", "resolve_file"]

_EXTRA_EXT = {"audio/mpeg": ".mp3", "audio/wav": ".wav", "audio/x-wav": ".wav", "image/png": ".png",
              "image/jpeg": ".jpg", "image/webp": ".webp", "application/jsonl": ".jsonl",
              "application/json": ".json", "text/plain": ".txt", "video/mp4": ".mp4",
              "application/zip": ".zip", "application/pdf": ".pdf"}


@dataclass(frozen=True)
class FilePart:
    """One file part: the bytes are kept so a retried request can send them again."""

    filename: str
    content: bytes
    content_type: str

    def as_httpx(self) -> tuple[str, bytes, str]:
        return (self.filename, self.content, self.content_type)


def _ext(content_type: str) -> str:
    return _EXTRA_EXT.get(content_type) or mimetypes.guess_extension(content_type) or ".bin"


def _type_of(filename: str | None) -> str | None:
    if not filename:
        return None
    guessed, _ = mimetypes.guess_type(filename)
    if guessed is None and filename.endswith(".jsonl"):
        return "application/jsonl"
    return guessed


def _data_url(value: str, field: str) -> tuple[bytes, str]:
    header, sep, data = value.partition(",")
    if not sep:
        raise RequestInvalidError(f"field '{field}': malformed data URL", param=field)
    media = header[5:].split(";")
    ctype = media[0] or "text/plain"
    try:
        raw = base64.b64decode(data, validate=True) if "base64" in media[1:] else data.encode()
    except (binascii.Error, ValueError) as exc:
        raise RequestInvalidError(f"field '{field}': data URL is not valid base64", param=field) from exc
    return raw, ctype


def _read_path(value: str, root: Path, field: str) -> tuple[bytes, str]:
    base = root.resolve()
    candidate = Path(value)
    full = (candidate if candidate.is_absolute() else base / candidate).resolve()
    if not full.is_relative_to(base):
        raise RequestInvalidError(
            f"field '{field}': path {value!r} is outside the file directory {base} (settings.fileDirectory)",
            param=field,
        )
    try:
        return full.read_bytes(), full.name
    except OSError as exc:
        raise RequestInvalidError(f"field '{field}': cannot read {value!r}: {exc.strerror}", param=field) from exc


def resolve_file(value: Any, field: str, root: Path, filename: str | None = None) -> FilePart:
    """A file part from one of the accepted value forms (see the module docstring)."""
    ctype: str | None = None
    name: str | None = None
    if isinstance(value, dict) and value.get("type") == "Buffer" and isinstance(value.get("data"), list):
        value = bytes(value["data"])
    elif isinstance(value, dict) and "data" in value:
        name = value.get("filename") or value.get("name")
        ctype = value.get("content_type")
        value = value["data"]
        if isinstance(value, dict) or (isinstance(value, str) and not value.startswith("data:")):
            return resolve_file(value, field, root, filename or name)
    if isinstance(value, (bytes, bytearray, memoryview)):
        content = bytes(value)
    elif isinstance(value, str) and value.startswith("data:"):
        content, ctype = _data_url(value, field)
    elif isinstance(value, str) and value:
        content, name = _read_path(value, root, field)
    else:
        raise RequestInvalidError(
            f"field '{field}' must be bytes, a data URL or a path inside the file directory", param=field
        )
    name = filename or name
    ctype = ctype or _type_of(name) or "application/octet-stream"
    if not name:
        name = "file" + _ext(ctype)
    return FilePart(str(name), content, ctype)


def is_file_value(value: Any) -> bool:
    """Whether a value is unmistakably file content (bytes, a Buffer object, a data URL, ``{data}``)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return True
    if isinstance(value, str):
        return value.startswith("data:")
    if isinstance(value, dict):
        return (value.get("type") == "Buffer" and isinstance(value.get("data"), list)) or "data" in value
    if isinstance(value, list):
        return any(is_file_value(v) for v in value)
    return False


def _quote(name: str) -> str:
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode_multipart(fields: list[tuple[str, str]], files: list[tuple[str, FilePart]]) -> tuple[str, bytes]:
    """``(content type, body)`` of a multipart/form-data body (kept as bytes so retries can resend it)."""
    boundary = os.urandom(16).hex()
    chunks: list[bytes] = []
    for name, value in fields:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode())
        chunks.append(value.encode() + b"\r\n")
    for name, part in files:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"; '
            f'filename="{_quote(part.filename)}"\r\nContent-Type: {part.content_type}\r\n\r\n'.encode()
        )
        chunks.append(part.content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value)


def form_fields(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Non-file body fields as (name, text) pairs in qs "brackets" format."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = list(reversed(list(body.items())))
    for _ in range(100_000):  # bounded flattening
        if not stack:
            return out
        key, value = stack.pop()
        if value is None:
            continue
        if isinstance(value, dict):
            stack.extend(reversed([(f"{key}[{k}]", v) for k, v in value.items()]))
        elif isinstance(value, list):
            name = key if key.endswith("[]") else key + "[]"
            for item in value:
                out.append((name, _scalar(item)))
        else:
            out.append((key, _scalar(value)))
    raise RequestInvalidError("form body too large to encode")

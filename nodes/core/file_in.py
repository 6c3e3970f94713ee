"""The ``file in`` node: read a file into ``msg.payload``.

``format``: "utf8" one string, "" one Buffer (bytes), "lines" one message per line, "stream" one
message per 64 KiB chunk (Node's read-stream high-water mark). Line and chunk messages are new
messages holding only ``topic``, ``filename``, ``payload`` and ``parts`` (``parts.id`` = the
incoming ``_msgid``) unless ``allProps`` copies the whole message; a file ending in a newline gives
a last empty line (corpus file_in_formats). A read error goes to catch nodes and, with
``sendError`` (legacy mode, on when the property is absent), also out as a copy of the message
without ``payload`` and with ``msg.error`` (corpus file_write_read).
"""

from __future__ import annotations

import asyncio
from typing import IO, Any

from flowengine.message import clone_msg
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._fs import ENCODINGS, FilenameProperty, FileSystemError, codec_for, fs_error
from ._help import node_help
from .file_node import FILENAME_TYPES

CHUNK = 64 * 1024


class FileInNode(Node):
    """Read a file: whole (text or bytes), by lines or in chunks."""

    type = "file in"
    category = "storage"
    label = "read file"
    color = "BurlyWood"
    icon = "file-in.svg"
    schema = {
        "type": "object",
        "properties": {
            "filename": {"type": "string", "default": "", "title": "Filename",
                         "description": "The file's path (absolute, or relative to the fileWorkingDirectory "
                                        "setting), or where to find it (msg property, context, env variable, "
                                        "JSONata)."},
            "filenameType": {"type": "string", "enum": FILENAME_TYPES, "default": "str", "title": "Filename type"},
            "format": {"type": "string", "enum": ["utf8", "lines", "", "stream"], "default": "utf8",
                       "title": "Output",
                       "description": "utf8: a single string; lines: a msg per line; \"\": a single buffer; "
                                      "stream: a msg per 64 KiB chunk."},
            "chunk": {"type": "boolean", "default": False, "title": "Chunk",
                      "description": "Kept for old flows; the output format decides."},
            "sendError": {"type": "boolean", "default": False, "title": "Send message on error (legacy mode)"},
            "encoding": {"type": "string", "enum": ["none", *ENCODINGS], "default": "none", "title": "Encoding",
                         "description": "How the text is decoded (utf8 and lines formats); none = UTF-8."},
            "allProps": {"type": "boolean", "default": False,
                         "title": "Include all existing properties in each msg"},
        },
    }
    help = node_help("file in")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.filename = FilenameProperty(self, config)
        self.format = str(config.get("format") or "")
        self.encoding = str(config.get("encoding") or "none")
        self.all_props = bool(config.get("allProps"))
        self.send_error = bool(config["sendError"]) if "sendError" in config else True  # absent = legacy on

    async def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        named = self.filename.for_message(msg, done, strip_breaks=True)
        if named is None:
            return
        msg["filename"], full = named
        try:
            codec = codec_for(self.encoding)
        except LookupError:
            done(f"unknown encoding {self.encoding!r}: set the node's 'encoding' to one of Node-RED's encodings")
            return
        try:
            if self.format in ("lines", "stream"):
                await self._read_parts(full, msg, send, codec.decoder())
            else:
                data = await asyncio.to_thread(_read_all, full)
                msg["payload"] = codec.decoder()(data, True) if self.format == "utf8" else data
                send(msg)
        except FileSystemError as exc:
            self.error(exc, msg)
            if self.send_error:
                out = clone_msg(msg)
                out.pop("payload", None)
                out["error"] = exc
                send(out)
        done()

    def on_close(self, removed: bool) -> None:
        self.status({})

    def _part(self, msg: Msg, payload: Any, parts: dict[str, Any]) -> Msg:
        if self.all_props:
            out = clone_msg(msg)
        else:
            out = {"topic": msg.get("topic", UNDEFINED), "filename": msg["filename"]}
        out["payload"] = payload
        out["parts"] = parts
        return out

    async def _read_parts(self, full: str, msg: Msg, send: Send, decode: Any) -> None:
        """Send one message per line or per chunk while reading (Node-RED's read-stream loop)."""
        lines = self.format == "lines"
        ch, kind = ("\n", "string") if lines else ("", "buffer")
        msgid = msg.get("_msgid")
        handle = await asyncio.to_thread(_open, full)
        count = 0
        spare = ""
        full_chunk = False  # the last chunk filled the buffer: the end is only known at EOF
        try:
            while True:
                chunk = await asyncio.to_thread(_read_chunk, handle)
                if not chunk:
                    break
                if lines:
                    spare += decode(chunk, False)
                    *complete, spare = spare.split("\n")
                    for line in complete:
                        send(self._part(msg, line, {"index": count, "ch": ch, "type": kind, "id": msgid}))
                        count += 1
                else:
                    parts: dict[str, Any] = {"index": count, "ch": ch, "type": kind, "id": msgid}
                    count += 1
                    full_chunk = len(chunk) == CHUNK
                    if not full_chunk:
                        parts["count"] = count
                    send(self._part(msg, chunk, parts))
        finally:
            handle.close()
        if lines:
            spare += decode(b"", True)
            send(self._part(msg, spare, {"index": count, "count": count + 1, "ch": ch, "type": kind, "id": msgid}))
        elif full_chunk:  # Node-RED then sends a closing message with only parts
            send({"parts": {"index": count, "count": count, "ch": ch, "type": kind, "id": msgid}})


def _open(path: str) -> IO[bytes]:
    try:
        return open(path, "rb")  # closed by the reading loop
    except IsADirectoryError as exc:  # Node opens a directory and fails on the first read
        raise fs_error(exc, "read", "") from exc
    except OSError as exc:
        raise fs_error(exc, "open", path) from exc


def _read_chunk(handle: IO[bytes]) -> bytes:
    try:
        return handle.read(CHUNK)
    except OSError as exc:
        raise fs_error(exc, "read", "") from exc


def _read_all(path: str) -> bytes:
    with _open(path) as handle:
        try:
            return handle.read()
        except OSError as exc:
            raise fs_error(exc, "read", "") from exc


NODES: list[type[Node]] = [FileInNode]

"""The ``file`` node: write ``msg.payload`` to a file (overwrite or append), or delete the file.

The file name is a typed input (``filename``/``filenameType``; a node saved before Node-RED 3 with
an empty name uses ``msg.filename``) and is put on ``msg.filename``. Objects are written as JSON,
numbers and booleans as text, bytes as they are; ``appendNewline`` adds a newline to all but bytes.
``encoding`` re-encodes the text ("none" = UTF-8, "setbymsg" = ``msg.encoding``). After the write
the message goes on. Messages are handled one at a time in arrival order (Node-RED queues them), and
closing the node waits for the queue. Errors use Node-RED's texts ("failed to write to file: Error:
EACCES: ...") and are catchable; deleting a missing file is one (corpus file_write_read).
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from typing import Any

from flowengine.jsutil import js_string
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._fs import ENCODINGS, FilenameProperty, FileSystemError, codec_for, fs_error
from ._help import node_help
from ._jsjson import js_stringify

FILENAME_TYPES = ["str", "msg", "jsonata", "env", "flow", "global", ""]
_FILENAME_SCHEMA: dict[str, Any] = {
    "filename": {"type": "string", "default": "", "title": "Filename",
                 "description": "The file's path (absolute, or relative to the fileWorkingDirectory setting), "
                                "or where to find it (msg property, context, env variable, JSONata)."},
    "filenameType": {"type": "string", "enum": FILENAME_TYPES, "default": "str", "title": "Filename type"},
}


class FileNode(Node):
    """Write, append to or delete a file."""

    type = "file"
    category = "storage"
    label = "write file"
    color = "BurlyWood"
    icon = "file-out.svg"
    schema = {
        "type": "object",
        "properties": {
            **_FILENAME_SCHEMA,
            "overwriteFile": {"type": ["string", "boolean"], "enum": ["false", "true", "delete", True, False],
                              "default": "false", "title": "Action",
                              "description": "\"false\" appends to the file, \"true\" overwrites it, "
                                             "\"delete\" deletes it."},
            "appendNewline": {"type": "boolean", "default": True, "title": "Add newline (\\n) to each payload?"},
            "createDir": {"type": "boolean", "default": False, "title": "Create directory if it doesn't exist?"},
            "encoding": {"type": "string", "enum": ["none", "setbymsg", *ENCODINGS], "default": "none",
                         "title": "Encoding",
                         "description": "How text is encoded: none = UTF-8, setbymsg = msg.encoding."},
        },
    }
    help = node_help("file")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.filename = FilenameProperty(self, config)
        self.action = js_string(config.get("overwriteFile", "false"))
        self.append_newline = bool(config.get("appendNewline"))
        self.create_dir = bool(config.get("createDir"))
        self.encoding = str(config.get("encoding") or "none")
        self._queue: deque[tuple[Msg, Send, Done]] = deque()
        self._worker: asyncio.Task[None] | None = None

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        self._queue.append((msg, send, done))
        if self._worker is None or self._worker.done():
            self._worker = self.spawn(self._drain())

    async def _drain(self) -> None:
        while self._queue:
            msg, send, done = self._queue[0]
            try:
                await self._process(msg, send, done)
            except Exception as exc:  # an unexpected failure ends this message, not the queue
                self.error(exc, msg)
                done()
            finally:
                self._queue.popleft()

    async def on_close(self, removed: bool) -> None:
        worker = self._worker
        if worker is not None and not worker.done():
            await asyncio.wait([worker])  # Node-RED finishes the queued writes before closing
        self.status({})

    async def _process(self, msg: Msg, send: Send, done: Done) -> None:
        named = self.filename.for_message(msg, done)
        if named is None:
            return
        msg["filename"], full = named
        if self.action == "delete":
            try:
                await asyncio.to_thread(_unlink, full)
            except FileSystemError as exc:
                self.error(f"failed to delete file: Error: {exc}", msg)
            else:
                send(msg)
            done()
            return
        payload = msg.get("payload", UNDEFINED)
        if payload is UNDEFINED:
            done()
            return
        encoding = self.encoding
        if encoding == "setbymsg":
            encoding = js_string(msg.get("encoding") or "none")
        try:
            data = _payload_bytes(payload, self.append_newline, encoding)
        except LookupError:
            self.error(f"unknown encoding {encoding!r}: set the node's 'encoding' (or msg.encoding) to one "
                       "of Node-RED's encodings", msg)
            done()
            return
        overwrite = self.action == "true"
        try:
            await asyncio.to_thread(_write, full, data, overwrite, self.create_dir)
        except FileSystemError as exc:
            what = "create" if exc.syscall == "mkdir" else "write to" if overwrite else "append to"
            self.error(f"failed to {what} file: Error: {exc}", msg)
            done()
            return
        send(msg)
        done()


def _payload_bytes(payload: Any, newline: bool, encoding: str) -> bytes:
    """The bytes written for ``payload``, as Node-RED prepares them."""
    codec = codec_for(encoding)
    if isinstance(payload, bytes | bytearray):
        if encoding == "none":
            return bytes(payload)
        return codec.encode(bytes(payload).decode("utf-8", errors="replace"))  # iconv-lite reads it as text
    if isinstance(payload, str):
        text = payload
    elif isinstance(payload, bool | int | float):
        text = js_string(payload)
    else:
        text = js_stringify(payload) or ""
    if newline:
        text += os.linesep
    return codec.encode(text)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError as exc:
        raise fs_error(exc, "unlink", path) from exc


def _write(path: str, data: bytes, overwrite: bool, create_dir: bool) -> None:
    """Write (or append) ``data``; a failure names the step (mkdir, open, write) as Node.js does."""
    if create_dir:
        try:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        except OSError as exc:
            raise fs_error(exc, "mkdir") from exc
    try:
        handle = open(path, "wb" if overwrite else "ab")
    except OSError as exc:
        raise fs_error(exc, "open", path) from exc
    try:
        with handle:
            handle.write(data)
    except OSError as exc:
        raise fs_error(exc, "write", "") from exc


NODES: list[type[Node]] = [FileNode]

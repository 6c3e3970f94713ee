"""The worker process of a function node that has a timeout (``python -m flowengine.nodes.core._function_worker``).

It runs the node's code on messages the parent sends and calls back for everything that lives
in the runtime (context, env, send, status, logs). The parent kills it when a call overruns the
timeout, so an endless loop never blocks the runtime. Frames on stdin/stdout are a 4-byte
big-endian length followed by a pickle (both ends are this project's Python); the user's
``print`` output goes to stderr.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import pickle
import struct
import sys
from typing import Any, BinaryIO

from flowengine.nodes.core._function_code import Backend, build_names, compile_code, import_libs, normalise_results

_HEADER = struct.Struct(">I")


class Channel:
    """Length-prefixed pickle frames over two binary streams."""

    def __init__(self, reader: BinaryIO, writer: BinaryIO) -> None:
        self.reader = reader
        self.writer = writer

    def read(self) -> dict[str, Any] | None:
        head = self.reader.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack(head)
        data = self.reader.read(size)
        if len(data) < size:
            return None
        frame: dict[str, Any] = pickle.loads(data)
        return frame

    def write(self, frame: dict[str, Any]) -> None:
        data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.write(_HEADER.pack(len(data)) + data)
        self.writer.flush()


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class PipeBackend(Backend):
    """Forwards the function code's calls to the parent process."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.msgid: Any = None

    def send(self, msgs: Any, clone: bool) -> None:
        self.channel.write({"op": "send", "results": normalise_results(msgs, self.msgid)})

    def done(self) -> None:
        self.channel.write({"op": "done"})

    def log(self, level: str, text: Any) -> None:
        self.channel.write({"op": "log", "level": level, "text": text if isinstance(text, str) else repr(text)})

    def error(self, err: Any, msg: Any) -> None:
        text = error_text(err) if isinstance(err, BaseException) else str(err)
        self.channel.write({"op": "error", "text": text, "msg": msg})

    def status(self, status: Any) -> None:
        self.channel.write({"op": "status", "status": status})

    def context(self, scope: str, op: str, key: Any, value: Any, store: Any) -> Any:
        return self._call("context", scope, op, key, value, store)

    def env(self, name: str) -> Any:
        return self._call("env", name)

    def _call(self, fn: str, *args: Any) -> Any:
        self.channel.write({"op": "call", "fn": fn, "args": args})
        reply = self.channel.read()
        if reply is None:
            raise SystemExit(0)
        if reply.get("error"):
            raise RuntimeError(reply["error"])
        return reply.get("value")


def main() -> int:
    frames_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # user prints must not corrupt the frame stream
    sys.stdout = sys.stderr
    channel = Channel(sys.stdin.buffer, frames_out)
    init = channel.read()
    if init is None:
        return 0
    backend = PipeBackend(channel)
    loop = asyncio.new_event_loop()
    try:
        libs = import_libs(init.get("libs"))
        extra = tuple(libs)
        code = compile_code(init.get("func") or "", "function", extra)
        setup = compile_code(init.get("initialize") or "", "initialize", extra)
        teardown = compile_code(init.get("finalize") or "", "finalize", extra)
        names = {**build_names(backend, init["id"], init.get("name") or "", int(init.get("outputs") or 1)), **libs}
        if not setup.empty:
            _run(loop, setup.fn(msg=None, **names))
    except Exception as exc:  # reported to the parent, which shows it as the node's error
        channel.write({"op": "fail", "error": error_text(exc)})
        return 1
    channel.write({"op": "ready"})
    while True:
        frame = channel.read()
        if frame is None or frame.get("op") == "close":
            if not teardown.empty:
                try:
                    _run(loop, teardown.fn(msg=None, **names))
                except Exception as exc:  # the finalize code's error is reported, then we exit
                    channel.write({"op": "log", "level": "error", "text": error_text(exc)})
            if frame is not None:
                channel.write({"op": "closed"})
            return 0
        msg = frame.get("msg")
        backend.msgid = msg.get("_msgid") if isinstance(msg, dict) else None
        try:
            result = _run(loop, code.fn(msg=msg, **names))
            channel.write({"op": "result", "results": normalise_results(result, backend.msgid)})
        except Exception as exc:  # the message's error; the worker keeps serving
            channel.write({"op": "fail", "error": error_text(exc)})


def _run(loop: asyncio.AbstractEventLoop, value: Any) -> Any:
    if inspect.iscoroutine(value):
        return loop.run_until_complete(value)
    return value


if __name__ == "__main__":
    sys.exit(main())

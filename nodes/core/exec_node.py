"""The exec node: run a system command; stdout, stderr and the return code on three outputs.

Exec mode (``useSpawn`` "false") runs the command line through ``/bin/bash -c`` and sends once
it ended: stdout on port 1, stderr on port 2 (only when there was some), both with ``msg.rc``, and
``{code: 0}`` - or ``{code, message[, signal]}`` - on port 3. Spawn mode splits the line itself
(Node-RED's quote rule, no shell), streams stdout/stderr chunks as they arrive and sends
``{code[, signal]}`` at the end; a command that cannot start gives only ``{code: -errno}``
(corpus cases exec_basic, exec_errors). Output is text when it is valid UTF-8, else bytes.

The command line is ``command``, then the message property named by ``addpay`` (as JavaScript
text), then ``append``. ``msg.kill`` signals the running process (the one named by ``msg.pid``
when several run); ``timer`` seconds kill it with SIGTERM. Processes belong to the node: closing
it (redeploy, shutdown) stops every one of them, see ``_exec_process``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import math
import signal
from collections.abc import Iterator
from typing import Any

from flowengine.errors import NodeError
from flowengine.jsutil import js_string, to_number
from flowengine.message import clone_msg
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._exec_process import CHUNK, SHELL, Child, Collected, as_payload, signal_named, split_command_line
from ._help import node_help
from ._jsprops import compile_path, js_get, resolve_path

__all__ = ["NODES", "ExecNode"]

DEFAULT_MAX_BUFFER = 10_000_000  # bytes per stream in exec mode (Node-RED's execMaxBufferSize)
_FLAG = {"type": ["boolean", "string"], "default": False}
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "command": {"type": "string", "default": "", "title": "Command",
                    "description": "The command line to run, e.g. `ls -l`."},
        "addpay": {"type": ["string", "boolean"], "default": "",
                   "title": "Append msg property",
                   "description": "Name of the message property appended to the command "
                                  "(usually `payload`); empty appends nothing."},
        "append": {"type": "string", "default": "", "title": "Extra arguments",
                   "description": "Appended after the message property."},
        "useSpawn": {"anyOf": [{"type": "string", "enum": ["false", "true"]},
                               # Node-RED compares with == "true": a boolean true (seen in users' flows)
                               # or "" deploys and means exec mode
                               {"type": ["boolean", "string"], "x-tolerated": True}],
                     "default": "false", "title": "Output",
                     "description": "`false`: exec mode, output once the command has ended (runs "
                                    "through a shell); `true`: spawn mode, output while it runs."},
        "timer": {"type": ["string", "number"], "default": "", "title": "Timeout (seconds)",
                  "description": "Kill the command after this many seconds; empty for no limit."},
        "winHide": {**_FLAG, "title": "Hide console",
                    "description": "Windows only: hide the console window. No effect elsewhere."},
        "oldrc": {**_FLAG, "title": "Old style return code",
                  "description": "Send the bare return code instead of `{code: ...}`."},
    },
}


class ExecNode(Node):
    """Run a system command per message."""

    type = "exec"
    category = "function"
    label = "exec"
    color = "#E9967A"  # Node-RED's "darksalmon"
    icon = "cog.svg"
    outputs = 3
    schema = _SCHEMA
    help = node_help("exec")

    TERM_GRACE = 1.0
    """Seconds a process gets to end after SIGTERM when the node closes, before SIGKILL."""

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.command = str(config.get("command") or "").strip()
        addpay = config.get("addpay", True)  # flows from before the option existed appended payload
        self.addpay = "payload" if addpay is True else addpay if isinstance(addpay, str) else ""
        self.append = str(config.get("append") or "").strip()
        self.use_spawn = config.get("useSpawn") == "true"
        timer = to_number(config.get("timer") or 0)
        self.timeout = float(timer) if timer > 0 and math.isfinite(timer) else 0.0
        self.old_rc = js_string(config.get("oldrc") or False) != "false"
        extra = getattr(host.settings, "extra", None) or {}
        limit = to_number(extra.get("execMaxBufferSize") or DEFAULT_MAX_BUFFER)
        self.max_buffer = int(limit) if limit > 0 and math.isfinite(limit) else DEFAULT_MAX_BUFFER
        self._children: dict[str, Child] = {}
        self._closing = False

    @property
    def running(self) -> list[int]:
        """Process ids of the commands running now."""
        return [c.pid for c in self._children.values()]

    async def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if "kill" in msg:
            self._kill(msg)
            done()
            return
        line = self.command
        if self.addpay:
            value = js_get(msg, compile_path(self.addpay) or resolve_path(self.addpay, msg))
            if value is not UNDEFINED:
                line += " " + js_string(value)
        if self.append:
            line += " " + self.append
        self.debug_log(line)
        if self.use_spawn:
            await self._spawn(line, msg, send)
        else:
            await self._exec(line, msg, send)
        done()

    def _kill(self, msg: Msg) -> None:
        name = msg["kill"]
        if not isinstance(name, str) or not name.upper().startswith("SIG"):
            name = "SIGTERM"
        if "pid" in msg:
            child = self._children.get(js_string(msg["pid"]))
        else:
            child = next(iter(self._children.values())) if len(self._children) == 1 else None
        if child is not None:  # the signal name is checked only when there is a process to signal
            child.kill(signal_named(name.upper()))
            self.status(fill="red", shape="dot", text="killed")

    @contextlib.contextmanager
    def _running(self, child: Child) -> Iterator[None]:
        """Track ``child`` while it runs: status, timeout, ``msg.kill``, the node's close."""
        key = str(child.pid)
        self._children[key] = child
        self.status(fill="blue", shape="dot", text=f"pid:{child.pid}")
        timer = self.call_later(self.timeout, child.kill) if self.timeout else None
        try:
            yield
        except BaseException:
            child.kill(signal.SIGKILL)  # cancelled or failed half-way: leave nothing running
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if self._children.get(key) is child:
                del self._children[key]
            child.finished.set()

    # --- exec mode ---
    async def _exec(self, line: str, msg: Msg, send: Send) -> None:
        try:
            child = await Child.start([SHELL, "-c", line])
        except OSError as exc:  # the shell itself cannot start: Node.js's spawn error
            name = errno.errorcode.get(exc.errno or 0, "UNKNOWN")
            self._exec_done(msg, send, b"", b"", {"code": name, "message": f"spawn {SHELL} {name}"})
            return
        collected = Collected(self.max_buffer, child.kill)
        with self._running(child):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(collected.read(child.stdout, "stdout"))
                tg.create_task(collected.read(child.stderr, "stderr"))
            await child.proc.wait()
        if self._closing:
            return
        code, sig = child.exit_status()
        rc: dict[str, Any] | None = None
        if collected.overflow is not None:
            rc = {"code": "ERR_CHILD_PROCESS_STDIO_MAXBUFFER",
                  "message": f"{collected.overflow} maxBuffer length exceeded"}
        elif code != 0:
            # Node.js's text; it reads stderr as "binary" (latin-1), so UTF-8 shows as mojibake there
            rc = {"code": code, "message": f"Command failed: {line}\n{collected.stderr.decode('latin-1')}"}
            if sig is not None:
                rc["signal"] = sig
        self._exec_done(msg, send, bytes(collected.stdout), bytes(collected.stderr), rc)

    def _exec_done(self, msg: Msg, send: Send, stdout: bytes, stderr: bytes, rc: dict[str, Any] | None) -> None:
        msg.pop("payload", None)  # re-added below, so payload follows the other keys as in Node-RED
        msg2 = None
        if stderr:
            msg2 = clone_msg(msg)
            msg2["payload"] = as_payload(stderr)
        msg["payload"] = as_payload(stdout)
        self.status({})
        msg3 = None
        if rc is not None:
            msg3 = clone_msg(msg)
            msg3["payload"] = rc
            killed = rc["code"] is None
            self.status(fill="red", shape="dot", text="killed" if killed else f"error:{js_string(rc['code'])}")
        elif not self.old_rc:
            msg3 = clone_msg(msg)
            msg3["payload"] = {"code": 0}
        if msg3 is not None:
            msg["rc"] = dict(msg3["payload"])
            if msg2 is not None:
                msg2["rc"] = dict(msg3["payload"])
        send([msg, msg2, msg3])

    # --- spawn mode ---
    async def _spawn(self, line: str, msg: Msg, send: Send) -> None:
        argv = split_command_line(line)
        if not argv:
            raise NodeError("exec: nothing to run in spawn mode: set the node's 'command' property")
        try:
            child = await Child.start(argv)
        except OSError as exc:  # Node.js reports this as exit code -errno (-2: command not found)
            self._spawn_done(msg, send, -(exc.errno or 0), None)
            return
        with self._running(child):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._stream(child.stdout, 0, msg, send))
                tg.create_task(self._stream(child.stderr, 1, msg, send))
            await child.proc.wait()
        if not self._closing:
            self._spawn_done(msg, send, *child.exit_status())

    async def _stream(self, stream: asyncio.StreamReader, port: int, msg: Msg, send: Send) -> None:
        while chunk := await stream.read(CHUNK):
            if self._closing:
                continue  # read to the end so the pipe closes; a closed node sends nothing
            msg["payload"] = as_payload(chunk)
            out: list[Msg | None] = [None, None, None]
            out[port] = clone_msg(msg)
            send(out)

    def _spawn_done(self, msg: Msg, send: Send, code: int | None, sig: str | None) -> None:
        if self.old_rc:
            msg["payload"] = code
        else:
            msg["payload"] = {"code": code}
            if sig is not None:
                msg["payload"]["signal"] = sig
        if code == 0:
            self.status({})
        # Node-RED then also sets the yellow "rc:0" (its if/else chain), which users see after success
        if code is None:
            self.status(fill="red", shape="dot", text="killed")
        elif code < 0:
            self.status(fill="red", shape="dot", text=f"rc:{code}")
        else:
            self.status(fill="yellow", shape="dot", text=f"rc:{code}")
        send([None, None, clone_msg(msg)])

    async def on_close(self, removed: bool) -> None:
        self._closing = True
        children = list(self._children.values())
        self._children.clear()
        ended = await asyncio.gather(*(c.stop(self.TERM_GRACE) for c in children))
        for child, ok in zip(children, ended, strict=True):
            if not ok:
                self.warn(f"process {child.pid} was killed but its output stayed open "
                          "(held by a process it started in a session of its own)")
        self.status({})


NODES: list[type[Node]] = [ExecNode]

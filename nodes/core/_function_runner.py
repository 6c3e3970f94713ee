"""Runs a function node's code in a worker process (``isolation: process``), one message at a time.

The parent side of ``_function_worker``: messages queue in order; while the worker handles one,
the runner answers its context/env calls and forwards its sends, logs and statuses. When the
time limit passes the worker is killed and the message fails with "Function timed out"; when the
worker dies (``os._exit``, a crash) the message fails saying so and a warning names the exit code.
Either way a new worker (running ``initialize`` again) is started for the next message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import struct
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flowengine
from flowengine.errors import NodeError
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._function_code import timed_out_text

if TYPE_CHECKING:
    from .function import FunctionNode

_HEADER = struct.Struct(">I")
_SHARED = ("req", "res")  # not picklable; kept in the parent and put back on the results
_START_TIMEOUT = 30.0
_EXIT_WAIT = 5.0  # a worker whose pipe closed has this long to exit before it is killed


class WorkerRunner:
    """One worker process per function node, restarted after a timeout or a crash."""

    def __init__(self, node: FunctionNode, timeout: float) -> None:
        self.node = node
        self.timeout = timeout
        self.queue: asyncio.Queue[tuple[Msg, Send, Done]] = asyncio.Queue()
        self.proc: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self.active = 0
        """1 while the worker runs a message."""

    def held(self) -> int:
        """Messages waiting for the worker or running in it (a shutdown's drain waits for them)."""
        return self.queue.qsize() + self.active

    def start(self) -> None:
        self._task = self.node.spawn(self._serve())

    def submit(self, msg: Msg, send: Send, done: Done) -> None:
        self.queue.put_nowait((msg, send, done))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        proc = self.proc
        self.proc = None
        if proc is not None and proc.returncode is None:
            try:
                await self._write(proc, {"op": "close"})
                await asyncio.wait_for(self._until_closed(proc), timeout=5.0)
            except (OSError, TimeoutError, asyncio.IncompleteReadError):
                proc.kill()
            await proc.wait()

    async def _until_closed(self, proc: asyncio.subprocess.Process) -> None:
        while True:
            frame = await self._read(proc)
            if frame.get("op") == "closed":
                return
            await self._handle_side_frame(proc, frame, None, None)

    # --- serving messages ---
    async def _serve(self) -> None:
        while True:
            msg, send, done = await self.queue.get()
            self.active = 1
            try:
                await self._run_one(msg, send, done)
            except asyncio.CancelledError:
                raise
            except (asyncio.IncompleteReadError, BrokenPipeError, ConnectionResetError):
                code = await self._kill(ended=True)
                text = (f"Function worker process ended (exit code {code}) while handling the message; "
                        "a new worker is started for the next message")
                self.node.warn(text)
                done(NodeError(text))
            except Exception as exc:  # a broken worker fails this message; the next one restarts it
                await self._kill()
                done(NodeError(f"Function worker failed: {type(exc).__name__}: {exc}"))
            finally:
                self.active = 0

    async def _ensure_worker(self) -> asyncio.subprocess.Process:
        if self.proc is not None and self.proc.returncode is None:
            return self.proc
        root = str(Path(flowengine.__file__).resolve().parents[1])  # where the flowengine package is
        env = dict(os.environ)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "flowengine.nodes.core._function_worker",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
        )
        self.proc = proc
        cfg = self.node.config
        await self._write(proc, {
            "op": "init", "id": self.node.id, "name": self.node.name, "outputs": self.node.n_outputs,
            "func": self.node.func, "initialize": cfg.get("initialize") or "", "finalize": cfg.get("finalize") or "",
            "libs": cfg.get("libs") or [],
        })
        while True:
            frame = await asyncio.wait_for(self._read(proc), _START_TIMEOUT)
            if frame.get("op") == "ready":
                return proc
            if frame.get("op") == "fail":
                await self._kill()
                raise NodeError(str(frame.get("error")))
            await self._handle_side_frame(proc, frame, None, None)

    async def _run_one(self, msg: Msg, send: Send, done: Done) -> None:
        try:
            proc = await self._ensure_worker()
        except NodeError as exc:
            done(exc)
            return
        shared = {k: msg[k] for k in _SHARED if k in msg}
        payload = {k: v for k, v in msg.items() if k not in shared}
        await self._write(proc, {"op": "run", "msg": payload})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout if self.timeout else None
        while True:
            remaining = None if deadline is None else deadline - loop.time()
            try:
                if remaining is not None and remaining <= 0:
                    raise TimeoutError
                frame = await asyncio.wait_for(self._read(proc), remaining)
            except TimeoutError:
                await self._kill()
                done(NodeError(timed_out_text(self.node, self.timeout)))
                return
            op = frame.get("op")
            if op == "result":
                self.node.deliver_results(_restore(frame.get("results"), shared, msg), send, done, msg.get("_msgid"))
                return
            if op == "fail":
                done(NodeError(str(frame.get("error"))))
                return
            await self._handle_side_frame(proc, frame, (send, shared, msg), done)

    async def _handle_side_frame(
        self, proc: asyncio.subprocess.Process, frame: dict[str, Any],
        sending: tuple[Send, dict[str, Any], Msg] | None, done: Done | None,
    ) -> None:
        from ._function_context import context_op

        op = frame.get("op")
        node = self.node
        if op == "call":
            try:
                if frame["fn"] == "env":
                    value = node.env(frame["args"][0])
                    reply: dict[str, Any] = {"value": None if value is UNDEFINED else value}
                else:
                    reply = {"value": context_op(node, *frame["args"])}
            except Exception as exc:  # the error is raised inside the user's code
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            await self._write(proc, reply)
        elif op == "send":
            results = frame.get("results")
            if results is not None:
                if sending is not None:
                    send, shared, original = sending
                    send(_restore(results, shared, original))
                else:
                    node.send(results)
        elif op == "done":
            if done is not None:
                done()
        elif op == "log":
            level, text = frame.get("level"), frame.get("text")
            if level == "warn":
                node.warn(text)
            elif level == "error":
                node.error(str(text))
            else:
                node.info(text)
        elif op == "error":
            node.error(str(frame.get("text")), frame.get("msg"))
        elif op == "status":
            node.status(frame.get("status"))

    # --- process plumbing ---
    async def _kill(self, ended: bool = False) -> int | None:
        """Kill the worker if it still runs; its exit code. ``ended``: its pipe closed, so it has
        exited or is exiting: wait for that first. Killing it then would make asyncio's subprocess
        poll (and reap) it before the event loop's child watcher does, which then reports exit code
        255 instead of the real one."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if ended and proc.returncode is None:
            try:
                return await asyncio.wait_for(proc.wait(), _EXIT_WAIT)
            except TimeoutError:
                pass
        if proc.returncode is None:
            proc.kill()
        return await proc.wait()

    @staticmethod
    async def _write(proc: asyncio.subprocess.Process, frame: dict[str, Any]) -> None:
        assert proc.stdin is not None
        data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.write(_HEADER.pack(len(data)) + data)
        await proc.stdin.drain()

    @staticmethod
    async def _read(proc: asyncio.subprocess.Process) -> dict[str, Any]:
        assert proc.stdout is not None
        head = await proc.stdout.readexactly(_HEADER.size)
        (size,) = _HEADER.unpack(head)
        frame: dict[str, Any] = pickle.loads(await proc.stdout.readexactly(size))
        return frame


def _restore(results: Any, shared: dict[str, Any], original: Msg) -> Any:
    """Put ``req``/``res`` back on result messages that carry the incoming message's id."""
    if not shared or not isinstance(results, list):
        return results
    msgid = original.get("_msgid")
    for entry in results:
        for m in entry if isinstance(entry, list) else [entry]:
            if isinstance(m, dict) and m.get("_msgid") == msgid:
                for k, v in shared.items():
                    m.setdefault(k, v)
    return results

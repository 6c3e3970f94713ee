"""The function node: the user's code handles each message, in JavaScript or in Python.

A node runs **JavaScript** with Node-RED's sandbox (``_js_function``) unless it has
``"language": "python"`` (DESIGN §3): flows exported from Node-RED carry no ``language``.

Python: the code in ``func`` is the body of a function of ``msg, node, context, flow, global_, env``
(plus the modules named in ``libs``: ``[{"var": "np", "module": "numpy"}]``). It returns a msg, a
list with one entry per output (an entry may be a list of msgs), or None; ``node.send(...)``
sends at any time. ``initialize`` runs on start and ``finalize`` on close. Code using ``await``
runs as a coroutine. An exception becomes the node's error ``"<ExcType>: <text>"`` on the msg
(catchable). The code runs in-process (compiled once); the runtime's watchdog interrupts it when
it holds the event loop longer than ``timeout`` seconds (or the ``functionTimeout`` setting, 10 s
by default): the message fails with "Function timed out ..." and the node keeps its state and
serves the next message. With ``isolation: "process"`` (or the ``functionIsolation`` setting) the
code runs in a worker process that survives ``os._exit`` and crashes; the worker is killed and
restarted - with ``initialize`` run again - when a message overruns or the worker dies.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowengine.errors import NodeError
from flowengine.jsvalues import JsError
from flowengine.node import Node
from flowengine.types import Done, Msg, Send
from flowengine.watchdog import Guarded, Interrupt, TimedOut, Watchdog

from ._function_code import (
    CompiledCode,
    build_names,
    compile_code,
    import_libs,
    normalise_results,
    timed_out_text,
)
from ._function_local import LocalBackend
from ._function_runner import WorkerRunner
from ._help import node_help
from .link import call_link, find_link_in

if TYPE_CHECKING:
    from ._js_function import JsFunctionRunner

_CALLS_DONE = re.compile(r"node\.done\s*\(\s*\)")


class FunctionNode(Node):
    type = "function"
    keeps_empty_name = True  # Node-RED copies n.name, so msg.error/status sources show ""
    category = "function"
    color = "#fdd0a2"
    icon = "function.svg"
    schema = {
        "type": "object",
        "properties": {
            "language": {"type": "string", "enum": ["python", "javascript"], "default": "python",
                         "title": "Language",
                         "description": "The language of the code. Flows imported from Node-RED have none: "
                                        "their code is JavaScript."},
            "func": {"type": "string", "default": "return msg", "x-widget": "code"},
            "outputs": {"type": ["integer", "string"], "default": 1},
            "timeout": {"type": ["number", "string"], "default": 0,
                        "title": "Timeout (s)",
                        "description": "Seconds the code may run for one message before it is interrupted; "
                                       "0 uses the functionTimeout setting (10 s unless set)."},
            "isolation": {"type": "string", "enum": ["", "none", "process"], "default": "",
                          "title": "Isolation (Python)",
                          "description": "process: run the Python code in a worker process that survives "
                                         "os._exit and crashes (restarted when it dies); none: in the runtime; "
                                         "empty: the functionIsolation setting."},
            "noerr": {"type": ["integer", "string"], "default": 0},
            "initialize": {"type": "string", "default": ""},
            "finalize": {"type": "string", "default": ""},
            "libs": {"type": "array", "default": []},
        },
    }
    help = node_help("function")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.func = str(config.get("func") or "")
        self.language = "python" if config.get("language") == "python" else "javascript"
        outputs = str(config.get("outputs") if config.get("outputs") is not None else 1)
        self.n_outputs = int(outputs) if outputs.isdigit() else 1
        if self.language == "javascript":
            # the JavaScript engine (QuickJS, ~7 ms to load) is imported by the first JavaScript function
            from ._js_function import calls_done

            self.auto_done = not calls_done(self.func)
        else:
            self.auto_done = not _CALLS_DONE.search(self.func)
        self.timeout = _seconds(config.get("timeout")) or _seconds(getattr(host.settings, "functionTimeout", 0))
        isolation = str(config.get("isolation") or getattr(host.settings, "functionIsolation", "none") or "none")
        self.isolated = self.language == "python" and isolation == "process"
        self._watchdog: Watchdog = host.watchdog
        self._code: CompiledCode | None = None
        self._finalize: CompiledCode | None = None
        self._names: dict[str, Any] = {}
        self._libs: dict[str, Any] = {}
        self._backend: LocalBackend | None = None
        self._runner: WorkerRunner | None = None
        self._js: JsFunctionRunner | None = None
        self._link_calls: dict[str, tuple[Callable[[bool, Any], None], Any]] = {}
        self._running = 0  # messages of async Python code still running

    @classmethod
    def check_config(cls, config: dict[str, Any]) -> list[tuple[str | None, str, str]]:
        problems: list[tuple[str | None, str, str]] = []
        python = config.get("language") == "python"
        if not python:
            from ._js_crypto import libs_problems  # only JavaScript function nodes need it

            problems.extend(("libs", text, "error") for text in libs_problems(config.get("libs")))
        for prop in ("func", "initialize", "finalize"):
            code = config.get(prop)
            if not isinstance(code, str) or not code.strip():
                continue
            if python:
                try:
                    compile_code(code, f"{prop}")
                except SyntaxError as exc:
                    problems.append((prop, f"not valid Python (language is python): SyntaxError: {exc}", "warning"))
            else:
                from ._js_engine import check_syntax

                error = check_syntax(code, "async" if prop != "finalize" else "sync")
                if error:
                    problems.append((prop, f"not valid JavaScript (no language set, so the code is JavaScript as "
                                           f"in Node-RED; set language to python for Python code): {error}",
                                     "warning"))
        return problems

    async def on_start(self) -> None:
        if self.language == "javascript":
            from ._js_function import JsFunctionRunner

            self._js = JsFunctionRunner(self, self.timeout)
            self._js.start()
            return
        if self.isolated:
            try:  # report syntax errors now, not once per message from the worker
                for source, label in ((self.func, "function"), (self.config.get("initialize"), "initialize"),
                                      (self.config.get("finalize"), "finalize")):
                    compile_code(str(source or ""), f"{label}:{self.id}")
            except SyntaxError as exc:
                self.error(f"function node {self.id}: SyntaxError: {exc}")
                return
            self._runner = WorkerRunner(self, self.timeout)
            self._runner.start()
            return
        try:
            self._libs = import_libs(self.config.get("libs"))
            extra = tuple(self._libs)
            self._code = compile_code(self.func, f"function:{self.id}", extra)
            setup = compile_code(str(self.config.get("initialize") or ""), f"initialize:{self.id}", extra)
            self._finalize = compile_code(str(self.config.get("finalize") or ""), f"finalize:{self.id}", extra)
        except (SyntaxError, ImportError) as exc:
            self._code = None
            self.error(f"function node {self.id}: {type(exc).__name__}: {exc}")
            return
        self._backend = LocalBackend(self)
        if self.timeout:
            self._watchdog.start()
        self._names = {**build_names(self._backend, self.id, self.name, self.n_outputs), **self._libs}
        if not setup.empty:
            try:
                await self._run_guarded(setup)
            except (Exception, SystemExit, KeyboardInterrupt) as exc:  # logged, the node keeps running
                self.error(f"initialize: {_log_text(exc, self)}")

    async def _run_guarded(self, block: CompiledCode) -> Any:
        """Run initialize/finalize code under the watchdog's limit."""
        if block.is_async:
            return await Guarded(self._watchdog, self.timeout, block.fn(None, **self._names))
        return self._watchdog.call(self.timeout, block.fn, None, **self._names)

    # --- node.linkcall (Node-RED 5): call a link-in subroutine and wait for its return ---
    def link_call(self, target: str, msg: Msg, timeout: float | None, settle: Callable[[bool, Any], None]) -> None:
        target_id = find_link_in(self, target)
        if target_id is None:
            settle(False, JsError("Error", f"target link-in node '{target}' not found"))
            return
        event_id = os.urandom(14).hex()
        timer = self.call_later(30.0 if timeout is None else timeout, lambda: self._link_timed_out(event_id))
        self._link_calls[event_id] = (settle, timer)
        if not call_link(self, target_id, msg, event_id):
            self._link_calls.pop(event_id, None)
            timer.cancel()
            settle(False, JsError("Error", f"target link-in node '{target}' not found"))

    def return_message(self, event_id: str, msg: Msg) -> None:
        """Called by a ``return`` link out: the message a ``node.linkcall`` waits for."""
        entry = self._link_calls.pop(event_id, None)
        if entry is not None:
            entry[1].cancel()
            entry[0](True, msg)

    def _link_timed_out(self, event_id: str) -> None:
        entry = self._link_calls.pop(event_id, None)
        if entry is not None:
            entry[0](False, JsError("Error", "timeout"))

    def held(self) -> int:
        held = self._running + (self._runner.held() if self._runner is not None else 0)
        return held + (self._js.held() if self._js is not None else 0)

    def on_drain(self) -> None:
        if self._js is not None:
            self._js.stop_intervals()

    async def on_close(self, removed: bool) -> None:
        for _, timer in self._link_calls.values():
            timer.cancel()
        self._link_calls.clear()
        if self._js is not None:
            await self._js.close()
            return
        if self._runner is not None:
            await self._runner.close()
            return
        if self._finalize is not None and not self._finalize.empty:
            try:
                await self._run_guarded(self._finalize)
            except (Exception, SystemExit, KeyboardInterrupt) as exc:  # logged, closing continues
                self.error(f"finalize: {_log_text(exc, self)}")

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if self._js is not None:
            self._js.on_input(msg, send, done)
            return
        if self._runner is not None:
            self._runner.submit(msg, send, done)
            return
        code, backend = self._code, self._backend
        if code is None or backend is None:
            done()
            return
        msgid = msg.get("_msgid")
        if code.is_async:
            names = {**self._names, **build_names(LocalBackend(self, send, done, msgid), self.id, self.name,
                                                   self.n_outputs)}
            self._running += 1
            self.spawn(self._finish(code.fn(msg, **names), send, done, msgid))
            return
        # a code that never calls node.done() needs no done: none kept, so no reference to msg stays
        backend.bind(send, None if self.auto_done else done, msgid)
        wd, limit = self._watchdog, self.timeout
        if limit:  # Watchdog.arm, inlined: this is the hot path (started in on_start)
            wd.seq += 1
            wd.limit = limit
        try:
            try:
                result = code.fn(msg, **self._names)
            finally:
                if limit:  # Watchdog.disarm, inlined
                    wd.limit = 0.0
                    if wd.pending:
                        wd.disarm()
        except Interrupt:  # the watchdog: the code held the event loop past its limit
            wd.disarm()
            done(_user_error(TimedOut(self.timeout), self))
            return
        except (Exception, SystemExit, KeyboardInterrupt) as exc:  # the message's (catchable) error:
            done(_user_error(exc, self))  # sys.exit() or KeyboardInterrupt must not end the runtime
            return
        self.deliver_results(result, send, done, msgid)

    async def _finish(self, coro: Any, send: Send, done: Done, msgid: Any) -> None:
        try:
            result = await Guarded(self._watchdog, self.timeout, coro)
        except (Exception, SystemExit, KeyboardInterrupt) as exc:  # the message's (catchable) error
            done(_user_error(exc, self))
            return
        finally:
            self._running -= 1
        self.deliver_results(result, send, done, msgid)

    def deliver_results(self, result: Any, send: Send, done: Done, msgid: Any) -> None:
        """Send what the code returned, then complete the message unless the code calls done."""
        try:
            ports = normalise_results(result, msgid)
        except TypeError as exc:
            done(NodeError(str(exc)))
            return
        if ports is not None:
            send(ports)
        if self.auto_done:
            done()


def _user_error(exc: BaseException, node: FunctionNode) -> BaseException:
    """An error of the user's code as the message's error; exits and interrupts become plain errors,
    a time-out says which node and which limit."""
    if isinstance(exc, TimedOut):
        return NodeError(timed_out_text(node, exc.seconds))
    if isinstance(exc, Exception):
        return exc
    return NodeError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


def _log_text(exc: BaseException, node: FunctionNode) -> str:
    if isinstance(exc, TimedOut):
        return timed_out_text(node, exc.seconds)
    return f"{type(exc).__name__}: {exc}"


def _seconds(value: Any) -> float:
    try:
        n = float(value)
    except (TypeError, ValueError):
        return 0.0
    return n if n > 0 else 0.0


NODES: list[type[Node]] = [FunctionNode]

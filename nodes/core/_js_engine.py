"""An embedded JavaScript engine (QuickJS, from the ``quickjs-ng`` package) with an interrupt.

Why QuickJS: it runs in-process with no Node.js, and a call with a small message and a JSON round
trip costs about 5 us here (V8 through mini-racer or jsrun: 126-270 us, their calls cross a
thread). quickjs-ng is the maintained fork of QuickJS with current ECMAScript (``Array.at``...)
and line:column positions in stacks.

Why the interrupt handler is installed here: the Python binding offers only ``set_time_limit``,
which refuses every call from JavaScript into Python while a limit is set, and the sandbox needs
such calls (context, env, timers). QuickJS itself polls an interrupt handler while it runs; we
install ours through the library's exported ``JS_SetInterruptHandler``. It stops the running code
once ``deadline`` (monotonic seconds) has passed; the context stays usable afterwards, as a Node.js
vm context does after its timeout. The binding keeps the runtime and context pointers right after
the object header; ``JsEngine`` checks that layout (``JS_GetRuntime(context) == runtime``) before it
relies on it, and refuses to run when it does not hold (a changed binding version).
"""

from __future__ import annotations

import ctypes
import math
import re
import time
from collections.abc import Callable
from typing import Any

import _quickjs  # type: ignore[import-not-found]
import quickjs  # type: ignore[import-not-found]

__all__ = ["JsEngine", "JsEngineError", "JsException", "JsInterrupted", "check_syntax"]

JsException = quickjs.JSException

_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_lib = ctypes.CDLL(_quickjs.__file__)
_lib.JS_GetRuntime.restype = ctypes.c_void_p
_lib.JS_GetRuntime.argtypes = [ctypes.c_void_p]
_lib.JS_SetInterruptHandler.restype = None
_lib.JS_SetInterruptHandler.argtypes = [ctypes.c_void_p, _HANDLER, ctypes.c_void_p]
_POINTERS_AT = ctypes.sizeof(ctypes.c_ssize_t) + ctypes.sizeof(ctypes.c_void_p)  # after PyObject_HEAD

MEMORY_LIMIT = 512 * 1024 * 1024
STACK_LIMIT = 1024 * 1024


class JsEngineError(RuntimeError):
    """The JavaScript engine cannot be used (its binding is not the one this module knows)."""


class JsInterrupted(Exception):
    """The running code passed its deadline and was stopped."""


class JsEngine:
    """One QuickJS context with a deadline: ``call`` runs a global function, ``drain`` its promise jobs."""

    def __init__(self) -> None:
        self.context = quickjs.Context()
        self.context.set_memory_limit(MEMORY_LIMIT)
        self.context.set_max_stack_size(STACK_LIMIT)
        self.deadline = math.inf
        runtime, js_context = (ctypes.c_void_p * 2).from_address(id(self.context) + _POINTERS_AT)
        if not runtime or _lib.JS_GetRuntime(js_context) != runtime:
            raise JsEngineError("quickjs: unexpected binding layout; install quickjs-ng==0.17.0.2")
        self._handler = _HANDLER(self._interrupt)  # kept alive as long as the context
        _lib.JS_SetInterruptHandler(runtime, self._handler, None)
        self._interrupted = False

    def _interrupt(self, _runtime: Any, _opaque: Any) -> int:
        if time.monotonic() > self.deadline:
            self._interrupted = True
            return 1
        return 0

    def add_callable(self, name: str, fn: Callable[..., Any]) -> None:
        self.context.add_callable(name, fn)

    def eval(self, source: str) -> Any:
        return self._guard(self.context.eval, source)

    def function(self, name: str) -> Any:
        return self.context.get(name)

    def call(self, fn: Any, *args: Any) -> Any:
        """Call a JavaScript function object; raises ``JsInterrupted`` past the deadline."""
        return self._guard(fn, *args)

    def drain(self) -> bool:
        """Run pending promise jobs (``await`` continuations, ``then`` handlers) until none is left;
        False when there was none."""
        return bool(self._guard(self._drain))

    def _drain(self) -> bool:
        if not self.context.execute_pending_job():
            return False
        while self.context.execute_pending_job():
            pass
        return True

    def _guard(self, fn: Callable[..., Any], *args: Any) -> Any:
        self._interrupted = False
        try:
            return fn(*args)
        except JsException:
            if self._interrupted:
                raise JsInterrupted() from None
            raise


def check_syntax(source: str, wrapper: str = "async") -> str | None:
    """The syntax error of function-node code (``"SyntaxError: ... (line N)"``), or None when it parses."""
    ctx = quickjs.Context()
    head = "(async function (msg) {\n" if wrapper == "async" else "(function () {\n"
    try:
        ctx.eval(head + source + "\n})")
    except JsException as exc:
        return syntax_message(str(exc))
    return None


def syntax_message(text: str) -> str:
    """QuickJS's error text with the line number counted in the user's code (one wrapper line)."""
    first, _, rest = text.partition("\n")
    m = re.search(r"<input>:(\d+)(?::(\d+))?", rest)
    if m:
        line = int(m.group(1)) - 1
        col = f", col {m.group(2)}" if m.group(2) else ""
        return f"{first} (line {line}{col})"
    return first

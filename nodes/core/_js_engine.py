"""An embedded JavaScript engine (QuickJS, from the ``quickjs-ng`` package): one runtime shared by
the function nodes of a flow runtime, one realm per node, and an interrupt.

Why QuickJS: it runs in-process with no Node.js, and a call with a small message and a JSON round
trip costs about 5 us here (V8 through mini-racer or jsrun: 126-270 us, their calls cross a
thread). quickjs-ng is the maintained fork of QuickJS with current ECMAScript (``Array.at``...)
and line:column positions in stacks.

Why one runtime with a realm per node: a message returned by one function node and taken by the
next can then stay a JavaScript object (no JSON text each way, which is most of a hop's cost),
while each node still has its own global object and built-ins, as each Node-RED function node has
its own ``vm`` context: a variable one node's code assigns without declaring it is not seen by
another's. The binding creates one runtime per ``quickjs.Context`` and has no call for more
contexts, so realms are made with the library's exported ``JS_NewContext`` on the binding's
runtime and reached from the main realm through their global objects (``__fe_realms``). The
libraries (``Buffer``, ``util``, ``RED.util``) are evaluated once, in the main realm, and every
realm reads the same ones: a Buffer is the same class in every node, as in Node-RED.

Why the interrupt handler is installed here: the binding offers only ``set_time_limit``, which
refuses every call from JavaScript into Python while a limit is set, and the sandbox needs such
calls (context, env, timers). QuickJS polls an interrupt handler while it runs; ours, installed
through ``JS_SetInterruptHandler``, stops the running code once ``deadline`` (monotonic seconds) has
passed; the realm stays usable afterwards, as a Node.js vm context does after its timeout.

The binding keeps the runtime and context pointers right after the object header; ``JsEngine``
checks that layout (``JS_GetRuntime(context) == runtime``) before it relies on it, and refuses to
run when it does not hold (a changed binding version).
"""

from __future__ import annotations

import ctypes
import itertools
import math
import re
import time
from collections.abc import Callable
from typing import Any

import _quickjs  # type: ignore[import-not-found]
import quickjs  # type: ignore[import-not-found]

from .js import library_source

__all__ = ["JsEngine", "JsEngineError", "JsException", "JsInterrupted", "JsRealm", "check_syntax"]

JsException = quickjs.JSException
JsObject = quickjs.Object


class _JSValue(ctypes.Structure):
    _fields_ = [("u", ctypes.c_uint64), ("tag", ctypes.c_int64)]


_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_lib = ctypes.CDLL(_quickjs.__file__)
_lib.JS_GetRuntime.restype = ctypes.c_void_p
_lib.JS_GetRuntime.argtypes = [ctypes.c_void_p]
_lib.JS_SetInterruptHandler.restype = None
_lib.JS_SetInterruptHandler.argtypes = [ctypes.c_void_p, _HANDLER, ctypes.c_void_p]
_lib.JS_NewContext.restype = ctypes.c_void_p
_lib.JS_NewContext.argtypes = [ctypes.c_void_p]
_lib.JS_FreeContext.restype = None
_lib.JS_FreeContext.argtypes = [ctypes.c_void_p]
_lib.JS_GetGlobalObject.restype = _JSValue
_lib.JS_GetGlobalObject.argtypes = [ctypes.c_void_p]
_lib.JS_SetPropertyStr.restype = ctypes.c_int
_lib.JS_SetPropertyStr.argtypes = [ctypes.c_void_p, _JSValue, ctypes.c_char_p, _JSValue]
_lib.JS_FreeValue.restype = None
_lib.JS_FreeValue.argtypes = [ctypes.c_void_p, _JSValue]
_POINTERS_AT = ctypes.sizeof(ctypes.c_ssize_t) + ctypes.sizeof(ctypes.c_void_p)  # after PyObject_HEAD

MEMORY_LIMIT = 512 * 1024 * 1024
STACK_LIMIT = 1024 * 1024

# Main-realm glue: the realms by id, every realm's Object.prototype (so a plain object from any
# realm is recognised as plain), and what each new realm shares with the main one.
_MAIN = """(function () {
  const realms = new Map();
  const evals = new Map();
  const protos = new Set([Object.prototype]);
  // what Node-RED's sandbox also takes from the main context: Buffer, util, Date (RED.util by its getter)
  const SHARED = ["Buffer", "util", "__RED_util", "TextEncoder", "TextDecoder", "Date"];
  globalThis.__fe_realms = realms;
  globalThis.__fe_adopt = function (id) {
    const g = globalThis.__fe_realm_in;
    delete globalThis.__fe_realm_in;
    realms.set(id, g);
    evals.set(id, g.eval);
    protos.add(g.Object.prototype);
    // the main realm's libraries, read on first use (they load lazily); a realm may assign its own
    for (const name of SHARED) {
      Object.defineProperty(g, name, {
        enumerable: true, configurable: true,
        get() { return globalThis[name]; },
        set(value) { Object.defineProperty(g, name, { value, writable: true, enumerable: true, configurable: true }); },
      });
    }
    Object.defineProperty(g, "__fe_protos", { value: protos });
  };
  globalThis.__fe_drop = function (id) {
    const g = realms.get(id);
    if (g === undefined) return;
    realms.delete(id);
    evals.delete(id);
    protos.delete(g.Object.prototype);
  };
  globalThis.__fe_eval = function (id, source) { return evals.get(id)(source); };
  globalThis.__fe_get = function (id, name) { return realms.get(id)[name]; };
  globalThis.__fe_give = function (id, name, from) {
    realms.get(id)[name] = globalThis[from];
    delete globalThis[from];
  };
})();
"""


class JsEngineError(RuntimeError):
    """The JavaScript engine cannot be used (its binding is not the one this module knows)."""


class JsInterrupted(Exception):
    """The running code passed its deadline and was stopped."""


class JsEngine:
    """One QuickJS runtime: the main realm (libraries, glue), realms made by ``realm()``, a deadline
    for ``call``, and ``run`` (a call, then its promise jobs)."""

    def __init__(self) -> None:
        self.context = quickjs.Context()
        self.context.set_memory_limit(MEMORY_LIMIT)
        self.context.set_max_stack_size(STACK_LIMIT)
        self.deadline = math.inf
        runtime, js_context = (ctypes.c_void_p * 2).from_address(id(self.context) + _POINTERS_AT)
        if not runtime or _lib.JS_GetRuntime(js_context) != runtime:
            raise JsEngineError("quickjs: unexpected binding layout; install quickjs-ng==0.17.0.2")
        self._runtime = runtime
        self._main = js_context
        self._handler = _HANDLER(self._interrupt)  # kept alive as long as the context
        _lib.JS_SetInterruptHandler(runtime, self._handler, None)
        self._interrupted = False
        self._realms: dict[int, int] = {}
        self._ids = itertools.count(1)
        self.context.eval(library_source())
        self.context.eval(_MAIN)
        self._adopt = self.context.get("__fe_adopt")
        self._drop = self.context.get("__fe_drop")
        self._eval = self.context.get("__fe_eval")
        self._get = self.context.get("__fe_get")
        self._give = self.context.get("__fe_give")

    def _interrupt(self, _runtime: Any, _opaque: Any) -> int:
        if time.monotonic() > self.deadline:
            self._interrupted = True
            return 1
        return 0

    # --- realms ---
    def realm(self) -> JsRealm:
        """A new realm (its own globals and built-ins) in this runtime."""
        ptr = _lib.JS_NewContext(self._runtime)
        if not ptr:
            raise JsEngineError("quickjs: cannot create a context (out of memory?)")
        ident = next(self._ids)
        self._realms[ident] = ptr
        main_global = _lib.JS_GetGlobalObject(self._main)
        _lib.JS_SetPropertyStr(self._main, main_global, b"__fe_realm_in", _lib.JS_GetGlobalObject(ptr))
        _lib.JS_FreeValue(self._main, main_global)
        self._adopt(ident)
        return JsRealm(self, ident)

    def drop(self, realm: JsRealm) -> None:
        """Forget a realm; its objects live on while anything still refers to them."""
        ptr = self._realms.pop(realm.ident, None)
        if ptr is None:
            return
        self._drop(realm.ident)
        _lib.JS_FreeContext(ptr)

    def close(self) -> None:
        """Drop every realm (before the binding frees the runtime, which needs them gone)."""
        for ident in list(self._realms):
            self.drop(JsRealm(self, ident))

    def __del__(self) -> None:
        realms = getattr(self, "_realms", None)
        if realms:
            for ptr in realms.values():
                _lib.JS_FreeContext(ptr)
            realms.clear()

    # --- calls ---
    def call(self, fn: Any, *args: Any) -> Any:
        """Call a JavaScript function object; raises ``JsInterrupted`` past the deadline."""
        return self._guard(fn, *args)

    def run(self, fn: Any, *args: Any) -> tuple[Any, bool]:
        """``call``, then every pending promise job: the result, and whether any job ran (one turn)."""
        self._interrupted = False
        context = self.context
        try:
            result = fn(*args)
            if not context.execute_pending_job():
                return result, False
            while context.execute_pending_job():
                pass
            return result, True
        except JsException:
            if self._interrupted:
                raise JsInterrupted() from None
            raise

    def _guard(self, fn: Callable[..., Any], *args: Any) -> Any:
        self._interrupted = False
        try:
            return fn(*args)
        except JsException:
            if self._interrupted:
                raise JsInterrupted() from None
            raise


class JsRealm:
    """One node's realm: ``eval`` in its global scope, ``function`` to get one of its globals."""

    __slots__ = ("engine", "ident")

    def __init__(self, engine: JsEngine, ident: int) -> None:
        self.engine = engine
        self.ident = ident

    def eval(self, source: str) -> Any:
        return self.engine.call(self.engine._eval, self.ident, source)

    def function(self, name: str) -> Any:
        return self.engine._get(self.ident, name)

    def add_callable(self, name: str, fn: Callable[..., Any]) -> None:
        temp = f"__fe_callable_{self.ident}"
        self.engine.context.add_callable(temp, fn)
        self.engine._give(self.ident, name, temp)


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

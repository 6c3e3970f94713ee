"""Compiling and calling the Python code of a function node (shared by in-process and worker modes).

The user's code is the body of a function with the parameters ``msg, node, context, flow,
global_, env`` (plus imported ``libs``). Code that uses ``await`` becomes an ``async def``. Line
numbers in tracebacks are the user's own.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from typing import Any

__all__ = [
    "PARAMS", "Backend", "CompiledCode", "ContextApi", "EnvApi", "NodeApi", "build_names", "compile_code",
    "import_libs", "normalise_results", "timed_out_text",
]

PARAMS = ("msg", "node", "context", "flow", "global_", "env")


class CompiledCode:
    """One compiled code block: ``call(**names)`` returns its value (a coroutine when async)."""

    def __init__(self, fn: Callable[..., Any], is_async: bool, empty: bool) -> None:
        self.fn = fn
        self.is_async = is_async
        self.empty = empty


def compile_code(source: str, label: str, extra_names: tuple[str, ...] = ()) -> CompiledCode:
    """Compile ``source`` as a function body; raises ``SyntaxError`` with user line numbers."""
    body = source if source.strip() else "pass"
    try:
        user = ast.parse(body, filename=label, mode="exec")
    except SyntaxError as exc:
        raise SyntaxError(f"{exc.msg} (line {exc.lineno})") from None
    is_async = any(isinstance(n, ast.Await | ast.AsyncFor | ast.AsyncWith) for n in _outer_nodes(user))
    params = [ast.arg(arg=name) for name in (*PARAMS, *extra_names)]
    fn_def: ast.AsyncFunctionDef | ast.FunctionDef
    args = ast.arguments(posonlyargs=[], args=params, vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                         defaults=[])
    extra: dict[str, Any] = {"type_params": []} if sys.version_info >= (3, 12) else {}
    if is_async:
        fn_def = ast.AsyncFunctionDef(name="__function__", args=args, body=user.body, decorator_list=[],
                                      returns=None, type_comment=None, **extra)
    else:
        fn_def = ast.FunctionDef(name="__function__", args=args, body=user.body, decorator_list=[], returns=None,
                                 type_comment=None, **extra)
    fn_def.lineno = 1
    fn_def.col_offset = 0
    module = ast.Module(body=[fn_def], type_ignores=[])
    ast.fix_missing_locations(module)
    namespace: dict[str, Any] = {"__name__": f"flowengine_function_{label}"}
    exec(compile(module, label, "exec"), namespace)  # the function node exists to run user code
    return CompiledCode(namespace["__function__"], is_async, not source.strip())


def _outer_nodes(tree: ast.AST) -> list[ast.AST]:
    """Nodes of ``tree`` outside nested function definitions (where ``await`` would be theirs)."""
    out: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


def timed_out_text(node: Any, seconds: float) -> str:
    """The error of a message whose code ran longer than ``seconds`` (names the node)."""
    label = f"{node.name} ({node.id})" if node.name and node.name != node.id else node.id
    return (f"Function timed out: function node {label} ran longer than {seconds:g} s "
            "(its timeout, or the functionTimeout setting)")


def import_libs(libs: Any) -> dict[str, Any]:
    """Node-RED's ``libs`` setting ``[{var, module}]``, as Python imports bound to ``var``."""
    names: dict[str, Any] = {}
    for lib in libs or []:
        if not isinstance(lib, dict) or not lib.get("var") or not lib.get("module"):
            continue
        names[str(lib["var"])] = importlib.import_module(str(lib["module"]))
    return names


def normalise_results(results: Any, msgid: Any) -> list[Any] | None:
    """A returned value as a per-port send list; raises ``TypeError`` for non-message values.

    ``None`` -> nothing; a dict -> port 0; a list -> one entry per port, each ``None``, a msg or a
    list of msgs. Messages without ``_msgid`` get the incoming message's id.
    """
    if results is None:
        return None
    ports = [results] if isinstance(results, dict) else results
    if not isinstance(ports, list | tuple):
        raise TypeError(f"Function tried to send a message of type {type(results).__name__}")
    out: list[Any] = []
    for entry in ports:
        if entry is None:
            out.append(None)
            continue
        msgs = entry if isinstance(entry, list | tuple) else [entry]
        for m in msgs:
            if m is None:
                continue
            if not isinstance(m, dict):
                raise TypeError(f"Function tried to send a message of type {type(m).__name__}")
            if msgid is not None and "_msgid" not in m:
                m["_msgid"] = msgid
        out.append(list(msgs) if isinstance(entry, list | tuple) else entry)
    return out


class Backend:
    """What the user-facing objects call; the in-process node and the worker pipe implement it."""

    def send(self, msgs: Any, clone: bool) -> None:
        raise NotImplementedError

    def done(self) -> None:
        raise NotImplementedError

    def log(self, level: str, text: Any) -> None:
        raise NotImplementedError

    def error(self, err: Any, msg: Any) -> None:
        raise NotImplementedError

    def status(self, status: Any) -> None:
        raise NotImplementedError

    def context(self, scope: str, op: str, key: Any, value: Any, store: Any) -> Any:
        raise NotImplementedError

    def env(self, name: str) -> Any:
        raise NotImplementedError


_MISSING: Any = object()


class NodeApi:
    """``node`` inside function code: send/done/error/warn/log/status, id, name, outputs."""

    def __init__(self, backend: Backend, node_id: str, name: str, outputs: int) -> None:
        self._backend = backend
        self.id = node_id
        self.name = name
        self.outputs = outputs

    def send(self, msgs: Any, clone: bool = True) -> None:
        """Send now (``msgs`` like a return value); messages are cloned unless ``clone=False``."""
        self._backend.send(msgs, clone)

    def done(self) -> None:
        """Mark the current message handled (only needed when the code calls it explicitly)."""
        self._backend.done()

    def error(self, err: Any, msg: Any = None) -> None:
        """Report an error; with ``msg`` it goes to catch nodes."""
        self._backend.error(err, msg)

    def warn(self, text: Any) -> None:
        self._backend.log("warn", text)

    def log(self, text: Any) -> None:
        self._backend.log("info", text)

    def debug(self, text: Any) -> None:
        self._backend.log("debug", text)

    def status(self, status: Any = None, **kw: Any) -> None:
        """``node.status(fill="green", shape="dot", text="ok")``, a dict, or a text."""
        self._backend.status(kw if status is None else status)


class ContextApi:
    """``context`` / ``flow`` / ``global_`` inside function code (``None`` stands for undefined)."""

    def __init__(self, backend: Backend, scope: str) -> None:
        self._backend = backend
        self._scope = scope

    def get(self, key: Any, store: Any = None) -> Any:
        """The value of ``key`` (a property path; a list of keys gives a list), or None."""
        return self._backend.context(self._scope, "get", key, None, store)

    def set(self, key: Any, value: Any = _MISSING, store: Any = None) -> None:
        """Set ``key``; without a value (or ``None`` via ``delete``) the key is removed."""
        self._backend.context(self._scope, "set" if value is not _MISSING else "delete", key, value, store)

    def delete(self, key: Any, store: Any = None) -> None:
        self._backend.context(self._scope, "delete", key, None, store)

    def keys(self, store: Any = None) -> list[str]:
        return list(self._backend.context(self._scope, "keys", None, None, store))

    def incr(self, key: str, by: int | float = 1, store: Any = None) -> Any:
        """Add ``by`` to the number at ``key`` (missing = 0); the new value. Atomic across the
        processes of a queue-mode deployment (the ``redis`` context store)."""
        return self._backend.context(self._scope, "incr", key, by, store)

    def compare_and_set(self, key: str, expected: Any, value: Any, store: Any = None) -> bool:
        """Set ``key`` to ``value`` only if it holds ``expected`` (None: absent); True when set."""
        return bool(self._backend.context(self._scope, "cas", key, [expected, value], store))


class EnvApi:
    """``env`` inside function code: ``env.get("NAME")``."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def get(self, name: str) -> Any:
        return self._backend.env(name)


def build_names(backend: Backend, node_id: str, name: str, outputs: int) -> dict[str, Any]:
    """The objects function code sees besides ``msg``."""
    return {
        "node": NodeApi(backend, node_id, name, outputs),
        "context": ContextApi(backend, "node"),
        "flow": ContextApi(backend, "flow"),
        "global_": ContextApi(backend, "global"),
        "env": EnvApi(backend),
    }

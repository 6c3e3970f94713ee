"""A parsed JSONata expression (``jsonata-python``) with Node-RED's extra functions, and the
conversions of values across the boundary. Imported on the first ``compile_jsonata`` (``jsonata_ext``).

Values cross the boundary converted: ``UNDEFINED`` keys are left out and bytes become arrays of ints
on the way in; on the way out JSONata's "no result" becomes ``UNDEFINED`` and its ``null`` ``None``.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
from typing import Any

from jsonata import Jsonata
from jsonata.jexception import JException
from jsonata.timebox import Timebox
from jsonata.utils import Utils

from .context import parse_context_key
from .jsonata_ext import JsonataError
from .jsutil import normalise_number
from .types import UNDEFINED

__all__ = ["JsonataExpression", "from_jsonata", "to_jsonata"]


class JsonataExpression:
    """A parsed JSONata expression, evaluated against a message on behalf of a node."""

    default_timeout_ms = 10_000
    """A runaway expression (infinite recursion, huge loops) fails after this long instead of
    blocking the event loop forever."""

    def __init__(self, expr: str, timeout_ms: int | None = None) -> None:
        self.expr = expr
        self.timeout_ms = self.default_timeout_ms if timeout_ms is None else timeout_ms
        try:
            self._compiled = Jsonata(expr)
        except JException as exc:
            raise JsonataError(str(exc), exc.error, exc.location, expr) from exc
        except Exception as exc:  # the parser raises plain errors for some malformed input
            raise JsonataError(str(exc) or type(exc).__name__, None, None, expr) from exc
        self._compiled.set_validate_input(False)
        self._compiled.set_output_convert_nulls(False)

    def evaluate(self, node: Any, msg: Any, bindings: dict[str, Any] | None = None) -> Any:
        """The expression's value for ``msg`` (``UNDEFINED`` when it yields nothing).

        ``node`` gives context and env access (may be ``None``: the extension functions then yield
        nothing). Raises ``JsonataError``.
        """
        frame = Jsonata.Frame(None)
        Timebox(frame, self.timeout_ms, None)  # per evaluation: its clock starts now
        for k, v in _node_functions(node).items():
            frame.bind(k, v)
        if bindings:
            for k, v in bindings.items():
                frame.bind(k, _jsonata_value(v))
        data = to_jsonata(msg) if msg is not None and msg is not UNDEFINED else None
        compiled = self._compiled
        Jsonata.CURRENT.jsonata = compiled  # $now()/$millis() and higher-order functions read it
        try:
            result = compiled.evaluate(data, frame)
        except JException as exc:
            raise JsonataError(str(exc), exc.error, exc.location, self.expr) from exc
        except RecursionError as exc:
            raise JsonataError("Stack overflow error: expression too deep", "D1011", None, self.expr) from exc
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError) as exc:
            raise JsonataError(f"{type(exc).__name__}: {exc}", None, None, self.expr) from exc
        return from_jsonata(result)

    def __repr__(self) -> str:
        return f"<JsonataExpression {self.expr!r}>"


def _node_functions(node: Any) -> dict[str, Any]:
    def flow_context(key: Any, store: Any = None) -> Any:
        return _context_get(node, "flow", key, store)

    def global_context(key: Any, store: Any = None) -> Any:
        return _context_get(node, "global", key, store)

    def env(name: Any) -> Any:
        if node is None:
            return ""
        value = node.env(str(name))
        return "" if value is UNDEFINED else _jsonata_value(value)

    def moment(*args: Any) -> Any:
        now = _dt.datetime.now(_dt.UTC)
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"

    def clone(value: Any = None) -> Any:
        return _clone(value)

    return {
        "flowContext": Jsonata.JLambda(flow_context),
        "globalContext": Jsonata.JLambda(global_context),
        "env": Jsonata.JLambda(env),
        "moment": Jsonata.JLambda(moment),
        "clone": Jsonata.JLambda(clone),
    }


def _context_get(node: Any, kind: str, key: Any, store: Any) -> Any:
    if node is None:
        return ""
    store_name, path = parse_context_key(str(key))
    if isinstance(store, str) and store:
        store_name = store
    scope = node.flow_context() if kind == "flow" else node.global_context()
    return _jsonata_value(scope.get(path, store_name))


def _clone(value: Any) -> Any:
    # JSONata's null (Utils.NULL_VALUE) is compared by identity: a deep copy must keep the singleton.
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value


def _jsonata_value(value: Any) -> Any:
    """A single value handed to JSONata: ``UNDEFINED`` -> its undefined (None), ``None`` -> its null."""
    if value is UNDEFINED:
        return None
    if value is None:
        return Utils.NULL_VALUE
    return to_jsonata(value)


def to_jsonata(value: Any) -> Any:
    """Message data as JSONata input: ``UNDEFINED`` keys dropped, bytes -> list of ints, tuples/sets
    -> lists. Returns ``value`` itself when nothing needed converting (no copy on the hot path)."""
    cls = value.__class__
    if cls is dict:
        out: dict[str, Any] | None = None
        for i, (k, v) in enumerate(value.items()):
            if v is UNDEFINED:
                nv: Any = _DROP
            elif v.__class__ in _CONTAINERS:
                nv = to_jsonata(v)
            else:
                nv = v
            if out is None and (nv is not v or k.__class__ is not str):
                out = {str(k2): v2 for k2, v2 in itertools.islice(value.items(), i)}
            if out is not None and nv is not _DROP:
                out[str(k)] = nv
        return value if out is None else out
    if cls is list:
        items: list[Any] | None = None
        for i, v in enumerate(value):
            nv = None if v is UNDEFINED else to_jsonata(v) if v.__class__ in _CONTAINERS else v
            if items is None and nv is not v:
                items = value[:i]
            if items is not None:
                items.append(nv)
        return value if items is None else items
    if cls in (bytes, bytearray):
        return list(value)
    if cls in (tuple, set, frozenset):
        return [to_jsonata(v) for v in value]
    if value is UNDEFINED:
        return None
    return value


_DROP = object()
_CONTAINERS = (dict, list, bytes, bytearray, tuple, set, frozenset)


def from_jsonata(value: Any) -> Any:
    """A JSONata result as message data: nothing -> ``UNDEFINED``, null -> ``None``, sequences -> lists,
    integral floats -> ints. (JSONata leaves undefined out of the objects and arrays it builds, so a
    ``None`` inside a container is a ``null`` taken from the input.)"""
    if value is None:
        return UNDEFINED
    return _out(value)


def _out(value: Any) -> Any:
    if value is None or value is Utils.NULL_VALUE:
        return None
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return normalise_number(value) if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: _out(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_out(v) for v in value]
    if isinstance(value, Jsonata.JFunctionCallable) or callable(value):
        return UNDEFINED
    return value

"""Messages and values crossing between Python and a function node's JavaScript sandbox.

The wire format is text: ``"0" + JSON`` when the value is plain JSON, ``"1" + JSON`` when it holds
tagged values ``{"__fe$": kind, ...}`` for what JSON cannot carry (undefined, NaN, Buffers, Dates,
RegExps, Maps, Sets, BigInts, functions, Errors). Plain messages, the common case, take the fast
path on both sides (``json.dumps`` / ``JSON.parse``) with no per-value hook.

Objects that must stay the same object (``msg.req`` and ``msg.res`` of an HTTP request, anything
the runtime shares by reference) cross as a *reference*: JavaScript sees a plain copy of their
fields and, when the message comes back, the original object is put back in its place.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import math
from collections import OrderedDict
from typing import Any

from flowengine.jsvalues import JsBigInt, JsError, JsFunction, JsMap, JsRegExp, JsSet
from flowengine.types import UNDEFINED

from ._js_crypto import NodeModule

__all__ = ["ValueBridge"]

TAG = "__fe$"
_PLAIN = (str, int, float, bool, type(None), dict, list)
_MAX_REFS = 10_000
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


class ValueBridge:
    """Encodes Python values for one sandbox and decodes what it sends back (references included)."""

    def __init__(self) -> None:
        self._refs: OrderedDict[int, Any] = OrderedDict()
        self._ref_ids: dict[int, int] = {}
        self._next_ref = 0
        self._tagged = False
        # one encoder per bridge: json.dumps with options builds a new encoder on every call
        self._strict = json.JSONEncoder(default=self._tag, allow_nan=False, ensure_ascii=False,
                                        separators=(",", ":"))
        self._lenient = json.JSONEncoder(default=self._tag, ensure_ascii=False, separators=(",", ":"))
        self._plain_decode = json.JSONDecoder().decode
        self._tagged_decode = json.JSONDecoder(object_hook=self._untag).decode

    # --- Python -> JavaScript ---
    def encode(self, value: Any) -> str:
        """``value`` as wire text for ``decode`` in the sandbox."""
        self._tagged = False
        if value.__class__ is dict:
            for v in value.values():
                if v.__class__ not in _PLAIN:  # msg.req / msg.res: shared objects, sent as references
                    value = {k: (x if x.__class__ in _PLAIN else self._tag(x)) for k, x in value.items()}
                    break
        try:
            text = self._strict.encode(value)
        except (ValueError, RecursionError):  # NaN/Infinity, or nesting past json's recursion limit
            self._tagged = True
            text = self._lenient.encode(self._tag_floats(value, 0))
        return ("1" if self._tagged else "0") + text

    def _tag(self, v: Any) -> Any:
        self._tagged = True
        if v is UNDEFINED:
            return {TAG: "u"}
        if isinstance(v, bytes | bytearray | memoryview):
            return {TAG: "b", "v": base64.b64encode(bytes(v)).decode("ascii")}
        if isinstance(v, float):
            return {TAG: "n", "v": "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")}
        if isinstance(v, _dt.datetime):
            aware = v if v.tzinfo is not None else v.replace(tzinfo=_dt.UTC)
            return {TAG: "d", "v": round((aware - _EPOCH).total_seconds() * 1000)}
        if isinstance(v, JsRegExp):
            return {TAG: "re", "s": v.source, "f": v.flags}
        if isinstance(v, JsFunction):
            return {TAG: "fn", "v": v.name}
        if isinstance(v, JsBigInt):
            return {TAG: "big", "v": str(v.value)}
        if isinstance(v, JsMap):
            return {TAG: "map", "v": [[k, x] for k, x in v.entries]}
        if isinstance(v, JsSet | set | frozenset):
            return {TAG: "set", "v": list(v.values if isinstance(v, JsSet) else v)}
        if isinstance(v, JsError):
            tagged = {TAG: "err", "name": v.js_name, "message": v.message, "stack": v.stack, "props": v.props}
            if v.js_text is not None:
                tagged["text"] = v.js_text
            return tagged
        if isinstance(v, NodeModule):
            return {TAG: "mod", "name": v.name}
        if isinstance(v, BaseException):
            return {TAG: "err", "name": type(v).__name__, "message": str(v), "stack": None, "props": {}}
        if isinstance(v, tuple):
            return list(v)
        return {TAG: "ref", "id": self._ref(v), "view": self._view(v)}

    def _tag_floats(self, v: Any, depth: int) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return self._tag(v)
        if depth > 5000:
            return None
        if v.__class__ is dict:
            return {k: self._tag_floats(x, depth + 1) for k, x in v.items()}
        if v.__class__ is list or v.__class__ is tuple:
            return [self._tag_floats(x, depth + 1) for x in v]
        return v

    def _ref(self, obj: Any) -> int:
        ident = self._ref_ids.get(id(obj))
        if ident is not None and self._refs.get(ident) is obj:
            self._refs.move_to_end(ident)
            return ident
        self._next_ref += 1
        ident = self._next_ref
        self._refs[ident] = obj
        self._ref_ids[id(obj)] = ident
        while len(self._refs) > _MAX_REFS:  # bounded: a reference older than this is shown as {}
            _, old = self._refs.popitem(last=False)
            self._ref_ids.pop(id(old), None)
        return ident

    @staticmethod
    def _view(obj: Any) -> Any:
        if isinstance(obj, dict):  # msg.req: its fields (headers, query, params, body...) are readable
            return {str(k): v for k, v in obj.items() if v.__class__ in _PLAIN}
        return {}

    # --- JavaScript -> Python ---
    def decode(self, text: str) -> Any:
        """A value from the sandbox's ``encode``; references come back as their original objects."""
        if not text:
            return UNDEFINED
        if text[0] == "0":
            return self._plain_decode(text[1:])
        return self._tagged_decode(text[1:])

    def _untag(self, obj: dict[str, Any]) -> Any:
        kind = obj.get(TAG)
        if kind is None:
            return obj
        if kind == "u":
            return UNDEFINED
        if kind == "n":
            return float(obj["v"].replace("Infinity", "inf"))
        if kind == "b":
            return base64.b64decode(obj["v"])
        if kind == "d":
            ms = obj["v"]
            return None if ms is None else _EPOCH + _dt.timedelta(milliseconds=ms)
        if kind == "re":
            return JsRegExp(obj["s"], obj["f"])
        if kind == "fn":
            return JsFunction(obj.get("v") or "")
        if kind == "big":
            return JsBigInt(int(obj["v"]))
        if kind == "map":
            return JsMap(tuple((k, x) for k, x in obj["v"]))
        if kind == "set":
            return JsSet(tuple(obj["v"]))
        if kind == "err":
            return JsError(obj["name"], obj["message"], obj.get("stack"), obj.get("props"), obj.get("text"))
        if kind == "mod":
            return NodeModule(obj["name"])
        if kind == "ref":
            return self._refs.get(obj["id"], {})
        return obj

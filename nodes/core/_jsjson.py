"""``JSON.stringify`` as JavaScript does it, for nodes whose text output flows compare.

Integral floats print without ``.0``, NaN/Infinity become ``null``, ``UNDEFINED`` object members
are left out (``null`` inside arrays), bytes become Node's Buffer JSON
(``{"type":"Buffer","data":[...]}``), non-ASCII text stays as-is.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flowengine.encoding import to_json_text
from flowengine.types import UNDEFINED

__all__ = ["js_stringify", "to_json_value"]


def to_json_value(value: Any) -> Any:
    """``value`` converted to what ``JSON.stringify`` would see; ``UNDEFINED`` stays undefined."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        if value.is_integer() and abs(value) < 1e21:
            return int(value)
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if v is UNDEFINED or callable(v):
                continue
            out[str(k)] = to_json_value(v)
        return out
    if isinstance(value, list | tuple):
        return [None if v is UNDEFINED or callable(v) else to_json_value(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return {"type": "Buffer", "data": list(value)}
    if value is UNDEFINED:
        return UNDEFINED
    return str(value)


def js_stringify(value: Any, indent: int = 0) -> str | None:
    """``JSON.stringify(value, null, indent)``; None where JavaScript returns ``undefined``."""
    plain = to_json_value(value)
    if plain is UNDEFINED:
        return None
    if not indent:
        return to_json_text(plain)
    out: list[str] = []
    _pretty(plain, " " * indent, "", out)
    return "".join(out)


def _pretty(value: Any, step: str, pad: str, out: list[str]) -> None:
    if isinstance(value, dict) and value:
        inner = pad + step
        out.append("{\n")
        for i, (k, v) in enumerate(value.items()):
            out.append(("" if i == 0 else ",\n") + inner + json.dumps(k, ensure_ascii=False) + ": ")
            _pretty(v, step, inner, out)
        out.append("\n" + pad + "}")
    elif isinstance(value, list) and value:
        inner = pad + step
        out.append("[\n")
        for i, v in enumerate(value):
            out.append(("" if i == 0 else ",\n") + inner)
            _pretty(v, step, inner, out)
        out.append("\n" + pad + "]")
    else:
        out.append(to_json_text(value))

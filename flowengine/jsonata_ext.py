"""JSONata for flows: ``jsonata-python`` plus Node-RED's extra functions.

``compile_jsonata(expr)`` parses once (cached) and gives a ``JsonataExpression`` (``jsonata_expr``);
``JsonataExpression.evaluate(node, msg, bindings)`` evaluates against the message with
``$flowContext(key[, store])``, ``$globalContext(key[, store])``, ``$env(name)``, ``$moment()``,
``$clone(o)`` and the caller's bindings (join's ``$A``, ``$I``, ``$N``).

The library itself (~60 ms and 4 MiB to import) loads with the first expression compiled, not with
the runtime: this module holds only what nodes import at start (the error class, the compiler).
``JsonataExpression``, ``to_jsonata`` and ``from_jsonata`` are reached through here too and load it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from .errors import NodeError

if TYPE_CHECKING:
    from .jsonata_expr import JsonataExpression, from_jsonata, to_jsonata

__all__ = ["JsonataError", "JsonataExpression", "compile_jsonata", "from_jsonata", "to_jsonata"]


class JsonataError(NodeError):
    """A JSONata expression failed to parse or evaluate. ``str()`` is JSONata's own message
    (``$error("boom")`` gives ``"boom"``); ``code`` is the JSONata error code (``D3137``...)."""

    def __init__(self, message: str, code: str | None = None, position: int | None = None, expr: str = ""):
        super().__init__(message)
        self.code = code
        self.position = position
        self.expr = expr


@functools.lru_cache(maxsize=1024)
def compile_jsonata(expr: str) -> JsonataExpression:
    """Parse ``expr`` (cached: the same text gives the same object). Raises ``JsonataError``."""
    from .jsonata_expr import JsonataExpression

    return JsonataExpression(expr)


def __getattr__(name: str) -> Any:
    if name in ("JsonataExpression", "to_jsonata", "from_jsonata"):
        from . import jsonata_expr

        return getattr(jsonata_expr, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

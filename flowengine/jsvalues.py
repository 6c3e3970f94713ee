"""JavaScript values that have no Python equivalent, as they travel in messages.

A JavaScript function node can put values into a message that JSON cannot carry and Python has no
type for: a RegExp, a function, a Map, a BigInt, an Error object. Node-RED keeps them as they are,
and its debug sidebar shows each in its own way (``{"__enc__": true, "type": "regexp", ...}``). These
small classes carry them through the runtime to the next JavaScript node (which gets the original
kind of value back) and to the debug encoder (``flowengine.encoding``), which renders them as
Node-RED does. Python nodes see plain, immutable objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["JsBigInt", "JsError", "JsFunction", "JsMap", "JsRegExp", "JsSet"]


@dataclass(frozen=True, slots=True)
class JsRegExp:
    """A regular expression literal: ``/source/flags``."""

    source: str
    flags: str = ""

    def __str__(self) -> str:
        return f"/{self.source}/{self.flags}"


@dataclass(frozen=True, slots=True)
class JsFunction:
    """A function value (it cannot leave its JavaScript context; only its name travels)."""

    name: str = ""

    def __str__(self) -> str:
        return f"[Function: {self.name or '(anonymous)'}]"


@dataclass(frozen=True, slots=True)
class JsBigInt:
    """A BigInt: an integer kept apart from numbers, as JavaScript does."""

    value: int

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True, slots=True)
class JsMap:
    """A Map: insertion-ordered ``(key, value)`` pairs with keys of any type."""

    entries: tuple[tuple[Any, Any], ...] = ()

    def as_object(self) -> dict[str, Any]:
        """The pairs as an object with string keys (how Node-RED's debug sidebar shows a Map)."""
        return {str(k): v for k, v in self.entries}


@dataclass(frozen=True, slots=True)
class JsSet:
    """A Set: insertion-ordered distinct values of any type."""

    values: tuple[Any, ...] = ()


class JsError(Exception):
    """An Error object thrown or created by JavaScript code: ``name``, ``message``, ``stack``, extras.

    ``str(err)`` is the message; ``js_name`` is what ``flowengine.jsutil.js_error_name`` reports, so
    the error text flows see is JavaScript's ``String(err)``: ``"TypeError: bad type"``, or
    ``js_text`` when the error has its own ``toString`` (Node's errors with a code:
    ``"TypeError [ERR_INVALID_ARG_TYPE]: ..."``). Extra own properties of the Error (``code``...)
    are in ``props`` and also readable as attributes.
    """

    def __init__(self, name: str, message: str, stack: str | None = None,
                 props: dict[str, Any] | None = None, text: str | None = None) -> None:
        super().__init__(message)
        self.js_name = name
        self.message = message
        self.stack = stack
        self.props: dict[str, Any] = dict(props or {})
        self.js_text = text

    def __getattr__(self, key: str) -> Any:
        props = self.__dict__.get("props") or {}
        if key in props:
            return props[key]
        raise AttributeError(key)

    def __reduce__(self) -> Any:
        return (JsError, (self.js_name, self.message, self.stack, self.props, self.js_text))


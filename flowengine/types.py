"""The protocol between the engine and node types, in one place.

A message is the user's dict (``Msg``). A node's input handler receives the message, a ``Send``
callable and a ``Done`` callable, exactly like Node-RED's ``(msg, send, done)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

Msg = dict[str, Any]
"""A message: a plain dict, owned by whoever holds it (clones are taken on fan-out)."""

SendArg = Msg | list[Any] | None
"""What ``send`` accepts: one msg (port 0), or a list with one entry per port, where an entry
is a msg, ``None`` (skip the port) or a list of msgs (sent in order on that port)."""

Send = Callable[[SendArg], None]
Done = Callable[..., None]
"""``done()`` marks the message handled; ``done(err)`` reports ``err`` as the node's error."""


class _Undefined:
    """JavaScript's ``undefined``: a property that is absent. Falsy, a singleton."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Final = _Undefined()
"""Returned by property and context look-ups when nothing is there (Node-RED's ``undefined``)."""

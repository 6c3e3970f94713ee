"""What the JavaScript function nodes of one flow runtime share: the engine (one QuickJS runtime, a
realm per node), the value bridge (so a reference made for one node, ``msg.req``, is understood by the
next), and the messages on their way from one function node to the next as JavaScript objects.

A message a function node returns, when its only output goes to exactly one other JavaScript
function node, travels as a *resident*: the runtime routes a small stand-in dict (``_msgid`` only)
and the next node takes the JavaScript object that stands behind it, with no JSON text either way.
A stand-in that would leave that path (its node was stopped, or more residents wait than
``MAX_RESIDENTS``) is first filled in with the message itself, so nothing is lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowengine.types import Msg

from ._js_engine import JsEngine, JsRealm
from ._js_values import ValueBridge

__all__ = ["MAX_RESIDENTS", "JsShared", "shared_for"]

MAX_RESIDENTS = 50_000
_KEY = "function_js_shared"
_SANDBOX = (Path(__file__).parent / "js" / "sandbox.js").read_text(encoding="utf-8")
_INSTALL = "(id) => globalThis.__fe_make_sandbox(globalThis.__fe_realms.get(id))"


class JsShared:
    """The engine, bridge and residents of the function nodes of one runtime; counted by realm."""

    def __init__(self) -> None:
        self.engine = JsEngine()
        self.engine.context.eval(_SANDBOX)
        self._install = self.engine.context.eval(_INSTALL)
        self.bridge = ValueBridge()
        self.users = 0
        self._residents: dict[int, tuple[Msg, Any, Any]] = {}

    def realm(self) -> JsRealm:
        self.users += 1
        return self.engine.realm()

    def install_sandbox(self, realm: JsRealm) -> None:
        """Set Node-RED's function sandbox up in ``realm`` (its ``__host`` callable given first)."""
        self.engine.call(self._install, realm.ident)

    def release(self, realm: JsRealm, extra: dict[str, Any]) -> None:
        """A node is done with its realm; the last one closes the engine (residents filled in first)."""
        self.engine.drop(realm)
        self.users -= 1
        if self.users <= 0:
            self.fill_all()
            self.engine.close()
            if extra.get(_KEY) is self:
                del extra[_KEY]

    # --- residents ---
    def keep(self, msgid: Any, obj: Any, encode: Any) -> Msg:
        """The stand-in to route for ``obj`` (a JavaScript message); ``encode`` is its realm's encoder."""
        stand_in: Msg = {"_msgid": msgid} if msgid is not None else {}
        residents = self._residents
        if len(residents) >= MAX_RESIDENTS:
            self._fill(next(iter(residents)))
        residents[id(stand_in)] = (stand_in, obj, encode)
        return stand_in

    def take(self, msg: Msg) -> Any:
        """The JavaScript object behind ``msg`` (and forget it), or None when ``msg`` is a real message."""
        entry = self._residents.pop(id(msg), None)
        if entry is None or entry[0] is not msg:
            return None
        return entry[1]

    def fill(self, msg: Msg) -> None:
        """Make a stand-in the message it stands for (no-op for a real message)."""
        if id(msg) in self._residents and self._residents[id(msg)][0] is msg:
            self._fill(id(msg))

    def fill_all(self) -> None:
        for key in list(self._residents):
            self._fill(key)

    def _fill(self, key: int) -> None:
        stand_in, obj, encode = self._residents.pop(key)
        self.materialize(stand_in, obj, encode)

    def materialize(self, msg: Msg, obj: Any, encode: Any) -> None:
        """Fill the stand-in ``msg`` with the JavaScript message ``obj`` (encoded by its realm's ``encode``)."""
        value = self.bridge.decode(self.engine.call(encode, obj))
        if isinstance(value, dict):
            msg.update(value)


def shared_for(extra: dict[str, Any]) -> JsShared:
    """The runtime's ``JsShared`` (kept in its settings' ``extra``), made on first use."""
    shared = extra.get(_KEY)
    if shared is None:
        shared = extra[_KEY] = JsShared()
    return shared  # type: ignore[no-any-return]

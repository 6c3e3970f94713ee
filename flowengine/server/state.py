"""What every route handler reaches through ``request.app.state.flowengine``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import HTTPConnection

from ..runtime import Runtime
from ..settings import Settings
from .auth import AdminAuth, Session
from .guard import SESSION_KEY

if TYPE_CHECKING:
    from .comms import CommsHub
    from .http_nodes_router import HttpNodeRouter

__all__ = ["ServerState", "server_state", "session_of"]


@dataclass(frozen=True)
class ServerState:
    """The objects one app serves: created by ``create_app``, never global."""

    runtime: Runtime
    settings: Settings
    auth: AdminAuth
    comms: CommsHub | None
    http_router: HttpNodeRouter | None

    def is_config(self, node: dict[str, Any]) -> bool:
        """Whether a flow entry is a config node (by its registered type, else by its shape)."""
        kind = node.get("type", "")
        if kind in ("tab", "subflow", "group", "junction") or kind.startswith("subflow:"):
            return False
        cls = self.runtime.registry.get(kind)
        if cls is not None:
            return cls.is_config
        return "x" not in node and "wires" not in node


def server_state(conn: HTTPConnection) -> ServerState:
    state = conn.app.state.flowengine
    assert isinstance(state, ServerState)
    return state


def session_of(conn: HTTPConnection) -> Session | None:
    session = conn.scope.get(SESSION_KEY)
    return session if isinstance(session, Session) else None

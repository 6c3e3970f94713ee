"""The runtime: owns the running flows, deploys new configurations, starts and stops.

INTERFACE STUB — the signatures and docstrings below are the contract the server, the CLI and
node tests rely on. The engine work fills in the bodies (and may add private helpers/modules).
"""

from __future__ import annotations

from typing import Any

from .events import EventBus
from .node import Node
from .registry import Registry
from .settings import Settings

__all__ = ["Runtime"]


class Runtime:
    """One runtime: registry + settings + storage + context + credentials + running flows.

    States: ``"stop"`` (nothing running), ``"start"``, ``"safe"`` (loaded, not started).
    Events go to ``self.events`` (see events.py for topics).
    """

    def __init__(
        self,
        registry: Registry,
        settings: Settings,
        events: EventBus | None = None,
        *,
        persist: bool = True,
    ) -> None:
        """``persist=False`` keeps flows, credentials and context in memory only (tests)."""
        raise NotImplementedError

    # --- lifecycle ---
    async def start(self, flows: list[dict[str, Any]] | None = None) -> None:
        """Load flows (from storage when ``flows`` is None) and start them (unless safe mode)."""
        raise NotImplementedError

    async def close(self) -> None:
        """Shutdown: close every node within nodeCloseTimeout, flush context, stop timers."""
        raise NotImplementedError

    # --- configuration ---
    @property
    def state(self) -> str:
        raise NotImplementedError

    @property
    def revision(self) -> str | None:
        raise NotImplementedError

    def get_flows(self) -> list[dict[str, Any]]:
        """The current flow config as saved (no credentials), in its original order."""
        raise NotImplementedError

    async def deploy(
        self,
        flows: list[dict[str, Any]],
        deploy_type: str = "full",
        rev: str | None = None,
        credentials: dict[str, dict[str, Any]] | None = None,
    ) -> str:
        """Validate, save and start a new configuration; return its revision.

        Serialised (one deploy at a time). Raises ``DeployConflictError`` when ``rev`` is given and
        stale, ``FlowValidationError`` when refused (nothing running is touched). Per-node
        ``credentials`` keys inside ``flows`` are stripped and stored encrypted. Returns after the
        old nodes stopped and the new config was saved; ``notification/runtime-deploy`` is
        published once the new nodes have started.
        """
        raise NotImplementedError

    async def reload(self) -> str:
        """Re-read storage and restart everything (deploy type ``reload``)."""
        raise NotImplementedError

    async def set_state(self, state: str) -> str:
        """``"start"`` / ``"stop"`` the flows (persisted across restarts)."""
        raise NotImplementedError

    # --- running nodes ---
    def node(self, node_id: str) -> Node | None:
        """A running node (top-level or config) by id."""
        raise NotImplementedError

    def inject(self, node_id: str, body: dict[str, Any] | None = None) -> bool:
        raise NotImplementedError

    def set_debug_active(self, node_id: str, active: bool) -> bool:
        raise NotImplementedError

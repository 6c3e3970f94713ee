"""``Revisions``: a worker's runtimes, one per flows rev that still has messages to run.

A worker runs each entry on the rev that produced it: the first entry naming a rev loads that rev's
flows from Redis (``FlowStore``), keeps the part a worker runs (``worker_view``) and starts a
``Runtime`` for it (memory only: nothing of it is written to the worker's disk). A rev older than
the newest one loaded is closed once its last hop has ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from ..errors import FlowEngineError
from ..registry import Registry
from ..route import Route
from ..runtime import Runtime
from ..settings import Settings
from ..types import Msg
from .flowstore import FlowStore, worker_view

__all__ = ["Revisions", "UnknownRevision"]

log = logging.getLogger("flowengine.queue")


class UnknownRevision(FlowEngineError):
    """The flows rev an entry names is not in Redis (deleted long ago, or never published)."""


class Revisions:
    """Runtimes by rev; ``acquire(rev)`` for a hop, ``release(rev)`` after it."""

    def __init__(self, registry: Registry, settings: Settings, store: FlowStore, is_boundary: Callable[[str], bool],
                 boundary_for: Callable[[str, Route], Callable[[Msg], None] | None],
                 listener: Callable[[str, Any], None] | None = None,
                 error_hook: Callable[[Any, Any, Msg], bool] | None = None) -> None:
        """``boundary_for(rev, route)`` is the handoff installed on boundary routes of rev's runtime;
        ``listener`` hears every runtime's events (the worker forwards debug and status);
        ``error_hook`` becomes each runtime's ``error_hook`` (the worker parks rate-limited calls)."""
        self.registry = registry
        self.settings = settings
        self.store = store
        self.is_boundary = is_boundary
        self.boundary_for = boundary_for
        self.listener = listener
        self.error_hook = error_hook
        self.runtimes: dict[str, Runtime] = {}
        self.users: dict[str, int] = {}
        self.newest: str | None = None
        self._lock = asyncio.Lock()

    async def acquire(self, rev: str) -> Runtime:
        """The running runtime of ``rev`` (loaded and started on first use); ``UnknownRevision`` or
        ``FlowEngineError`` (missing node types, invalid flows) when it cannot run."""
        async with self._lock:
            runtime = self.runtimes.get(rev)
            if runtime is None:
                runtime = await self._load(rev)
                self.runtimes[rev] = runtime
                self.newest = rev
            self.users[rev] = self.users.get(rev, 0) + 1
            return runtime

    async def release(self, rev: str) -> None:
        self.users[rev] = self.users.get(rev, 1) - 1
        await self._retire()

    async def _load(self, rev: str) -> Runtime:
        secret = self.settings.credentialSecret
        flows = await self.store.load(rev, secret if isinstance(secret, str) and secret else None)
        if flows is None:
            raise UnknownRevision(f"flows rev {rev[:12]} is not in Redis (replaced by later deploys, or never "
                                  "published by a coordinator)")
        runtime = Runtime(self.registry, self.settings, persist=False)
        runtime.boundary = lambda route: self.boundary_for(rev, route)
        if self.listener is not None:
            runtime.events.listen(self.listener)
        runtime.error_hook = self.error_hook
        await runtime.start(worker_view(flows, self.is_boundary))
        await runtime.wait_started()
        if runtime.state != "start":
            problems = "; ".join(str(p) for p in runtime.problems if p.level == "error")
            missing = ", ".join(runtime.missing_types)
            await runtime.close()
            raise FlowEngineError(f"flows rev {rev[:12]} cannot run on this worker: "
                                  + (f"missing node types {missing}" if missing else problems or runtime.state))
        log.info("queue: flows rev %s started (%d nodes)", rev[:12], len(runtime.routes))
        return runtime

    async def _retire(self) -> None:
        """Close the runtimes of revs older than the newest that no hop uses any more."""
        async with self._lock:
            for rev in [r for r in self.runtimes if r != self.newest and self.users.get(r, 0) <= 0]:
                runtime = self.runtimes.pop(rev)
                self.users.pop(rev, None)
                await runtime.close()
                log.info("queue: flows rev %s closed (superseded)", rev[:12])

    async def close(self) -> None:
        async with self._lock:
            for runtime in self.runtimes.values():
                await runtime.close()
            self.runtimes.clear()

    def load(self) -> dict[str, Any]:
        return {rev[:12]: self.users.get(rev, 0) for rev in self.runtimes}

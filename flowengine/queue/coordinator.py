"""``Coordinator``: queue mode in ``flowengine serve --queue``.

The coordinator's runtime runs the flows as usual (admin API, editor, trigger nodes, HTTP-in), except
that a message delivered to a boundary node is handed to the queue: an envelope naming the flows
rev, the node and the message is added to the work stream, and a worker runs it. Each deployed
configuration is published to Redis (``FlowStore``) before the first envelope that names its rev.
Workers' debug and status events are relayed to this runtime's event bus (the editor shows them),
and ``GET <admin root>/queue`` reports the queue and the workers (``status.py``). Trigger nodes fire
only while this coordinator holds the trigger lease and the backlog is under ``high_water``
(``triggers.py``, ``lease.py``). An HTTP-in request whose message went to the queue is answered here
when a worker's ``http response`` sends it back (``replies.py``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable
from typing import Any

from ..errors import CredentialsError, NodeError
from ..route import Route
from ..runtime import RUNTIME_DEPLOY, Runtime
from ..types import Msg
from .boundary import boundary_types
from .config import QueueConfig
from .envelope import Envelope
from .events import EventRelay
from .flowstore import FlowStore
from .keys import Keys
from .lease import TriggerLease
from .publisher import Publisher
from .redis_client import UNREACHABLE, check_reachable, connect, ensure_group, keep_cancellation, stop_tasks
from .replies import ReplyReader, ResponseStash
from .status import queue_status
from .triggers import TriggerGate
from .trim import forget_gone_workers, trim_work

__all__ = ["Coordinator"]

log = logging.getLogger("flowengine.queue")
QUEUE_TOPIC = "notification/queue"
ANNOUNCE_S = 2.0


class Coordinator:
    """Hands the coordinator runtime's boundary messages to Redis and publishes its deploys."""

    def __init__(self, runtime: Runtime, config: QueueConfig, redis: Any = None) -> None:
        if config.url is None and redis is None:
            raise ValueError("queue mode needs [queue] url")
        self.runtime = runtime
        self.config = config
        self.keys = Keys(config.prefix)
        self.redis = redis if redis is not None else connect(str(config.url))
        self.store = FlowStore(self.redis, self.keys)
        self.publisher = Publisher(self.redis, self.keys, before=self._publish_revs)
        self.is_boundary = boundary_types(runtime.registry, config)
        self._snapshots: dict[str, tuple[list[Any], dict[str, dict[str, Any]]]] = {}
        self._published: set[str] = set()
        self._unlisten: Callable[[], None] | None = None
        self.relay = EventRelay(self.redis, self.keys, runtime.events)
        self.name = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"
        self.lease = TriggerLease(self.redis, self.keys, self.name, config.lease)
        self.gate = TriggerGate(self.lease, config.high_water, lambda: runtime.by_hand > 0)
        self._tasks: list[asyncio.Task[None]] = []
        self.stash = ResponseStash(self.name)
        self.refused = 0
        self.trimmed = 0
        self.trim_runs = 0
        self.replies = ReplyReader(self.redis, self.keys, self.stash, runtime)
        runtime.boundary = self.boundary_for
        if "/queue" not in {r.path for r in runtime.registry.routes}:
            runtime.registry.add_route("/queue", self.status_endpoint, ["GET"])

    async def start(self) -> None:
        """Create the stream and group, start the publisher; call before ``runtime.start()``.
        ``FlowEngineError`` when Redis does not answer."""
        await check_reachable(self.redis, self.config.url)
        await ensure_group(self.redis, self.keys)
        self._unlisten = self.runtime.events.listen(self._on_event)
        self.publisher.start()
        await self.lease.step()  # the first coordinator holds the lease before its flows start
        loop = asyncio.get_running_loop()
        backlog = self.gate.watch_backlog(self.redis, self.keys)
        self._tasks = [loop.create_task(self.relay.run(), name="flowengine-queue-relay"),
                       loop.create_task(self.lease.run(), name="flowengine-queue-lease"),
                       loop.create_task(backlog, name="flowengine-queue-backlog"),
                       loop.create_task(self.replies.run(), name="flowengine-queue-replies"),
                       loop.create_task(self._announce(), name="flowengine-queue-announce"),
                       loop.create_task(self._trim(), name="flowengine-queue-trim")]

    async def close(self) -> None:
        """Write what is buffered (bounded), then close the connection; after ``runtime.close()``."""
        if self._unlisten is not None:
            self._unlisten()
        tasks, self._tasks = self._tasks, []
        await stop_tasks(tasks, "coordinator loops")
        await self.lease.release()
        await self.publisher.close()
        await self.redis.aclose()

    def boundary_for(self, route: Route) -> Callable[[Msg], None] | None:
        """The handoff of a boundary node's route (``Runtime.boundary``), None for other nodes."""
        self.gate.wrap(route)
        if not self.is_boundary(route.spec.type):
            return None
        node_id = route.spec.id

        def handoff(msg: Msg) -> None:
            if self.gate.paused and self.stash.refuse(msg):
                self.refused += 1  # backpressure: the HTTP client gets 503 instead of a growing queue
                return
            rev = self.runtime.revision or ""
            self._snapshot(rev)
            try:
                envelope = Envelope.of(rev, node_id, self.stash.outgoing(msg))
            except NodeError as exc:
                route.node.error(exc, msg)
                return
            route.node.stats.received += 1
            self.publisher.put(envelope)

        return handoff

    def stats(self) -> dict[str, Any]:
        return {"name": self.name, "enqueued": self.publisher.added, "buffered": len(self.publisher.buffer),
                "dropped": self.publisher.dropped, "relayed": self.relay.relayed,
                "trigger_lease": self.lease.holds(), "term": self.lease.token, "triggers_skipped": self.gate.skipped,
                "triggers_paused": self.gate.paused, "backlog": self.gate.backlog,
                "http_waiting": len(self.stash.pending), "http_answered": self.replies.answered,
                "http_refused": self.refused, "trimmed": self.trimmed}

    async def status(self) -> dict[str, Any]:
        """The queue's state (``status.queue_status``) plus this coordinator's counters."""
        return {**await queue_status(self.redis, self.keys, self.config), "coordinator": self.stats()}

    async def _announce(self) -> None:
        """Publish the workers and the backlog (retained ``notification/queue``, for the editor's
        top bar) whenever they change, checked every ``ANNOUNCE_S``."""
        last: Any = None
        while True:
            status = await queue_status(self.redis, self.keys, self.config)
            if "error" not in status:
                summary = {"workers": [{k: w.get(k) for k in ("name", "alive", "load", "concurrency")}
                                       for w in status["workers"]],
                           "pending": status["stream"]["pending"], "lag": status["stream"]["lag"],
                           "dead": status["dead"], "paused": self.gate.paused}
                if summary != last:
                    self.runtime.events.publish(QUEUE_TOPIC, summary, retain=True)
                    last = summary
            await asyncio.sleep(ANNOUNCE_S)

    async def _trim(self) -> None:
        """Drop acknowledged history from the work stream every ``trim_every`` seconds (trim.py)."""
        while True:
            await asyncio.sleep(self.config.trim_every)
            try:
                self.trimmed += await trim_work(self.redis, self.keys)
                for name in await forget_gone_workers(self.redis, self.keys, self.config.lease):
                    log.info("queue: worker %s forgotten (silent for a long time, holding nothing)", name)
                self.trim_runs += 1
            except UNREACHABLE as exc:
                keep_cancellation()
                log.warning("queue: work stream not trimmed (%s)", exc)

    async def status_endpoint(self, request: Any, runtime: Any) -> dict[str, Any]:
        """``GET <admin root>/queue`` (contributed through the registry; admin auth applies)."""
        return await self.status()

    def _on_event(self, topic: str, data: Any) -> None:
        if topic == RUNTIME_DEPLOY and isinstance(data, dict) and data.get("revision"):
            self._snapshot(str(data["revision"]))
            self.publisher.nudge()

    def _snapshot(self, rev: str) -> None:
        """Keep the flows of ``rev`` (the running ones) until they are published."""
        if rev and rev not in self._published and rev not in self._snapshots and rev == self.runtime.revision:
            self._snapshots[rev] = (self.runtime.get_flows(), self.runtime.credentials.snapshot())

    async def _publish_revs(self, revs: set[str]) -> None:
        for rev in sorted(set(self._snapshots) | revs):
            if rev in self._published or rev not in self._snapshots:
                continue
            flows, creds = self._snapshots[rev]
            secret = self.runtime.settings.credentialSecret
            try:
                await self.store.publish(rev, flows, creds, secret if isinstance(secret, str) and secret else None)
            except CredentialsError as exc:  # workers then dead-letter this rev's messages, naming it
                log.error("queue: flows rev %s not published: %s", rev[:12], exc)
            self._published.add(rev)
            del self._snapshots[rev]
            log.info("queue: flows rev %s published to Redis", rev[:12])

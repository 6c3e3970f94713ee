"""``Worker``: ``flowengine worker --queue URL``, the process that runs boundary nodes.

Loops, all owned by ``run()``:

- read: ``XREADGROUP`` new entries, as many as there are free slots (``concurrency``);
- renew: every ``lease/3`` the entries in flight are claimed again by this worker (``XCLAIM ...
  JUSTID``, which resets their idle time), so a long OpenAI call keeps its entry;
- reclaim: every ``lease/2`` ``XAUTOCLAIM`` takes over entries idle for longer than ``lease``: those
  of a worker that died (Redis never redelivers by itself). An entry delivered more than
  ``max_deliver`` times goes to the dead-letter stream and to the flow's catch nodes instead;
- parking: entries parked after a rate limit go back to the stream when due (``parking.py``);
- heartbeat: this worker's load in the ``workers`` hash (status pages);
- events: the runtimes' debug and status events to the coordinators' editors (``events.py``).

Each entry is one ``Hop`` on the runtime of the rev that produced it; its outputs are added to the
stream and the entry acknowledged in one ``MULTI`` (``commit``). A hop that fails for a reason of
the worker's own (Redis gone mid-commit) is left pending: reclaim retries it after the lease.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import time
from typing import Any

from ..errors import FlowEngineError, NodeError
from ..registry import Registry
from ..route import Route
from ..settings import Settings
from ..types import Msg
from .boundary import boundary_types
from .config import QueueConfig
from .envelope import Envelope, encode_msg
from .events import EventForwarder
from .flowstore import FlowStore
from .holds import SharedHolds
from .hop import Hop, Result
from .keys import GROUP, Keys
from .parking import move_due, park, rate_limit_wait
from .publisher import Publisher
from .redis_client import UNREACHABLE, check_reachable, connect, ensure_group, keep_cancellation, stop_tasks
from .replies import RESPONSE_TYPES, reply_coordinator
from .revisions import Revisions

__all__ = ["Worker"]

log = logging.getLogger("flowengine.queue")
RESULT_TTL_S = 86400
PARKING_POLL_S = 0.25


class Worker:
    """One worker process's queue loops; ``run()`` until ``stop`` is set."""

    def __init__(self, registry: Registry, settings: Settings, config: QueueConfig, redis: Any = None,
                 name: str | None = None) -> None:
        config.share_context(settings)
        self.settings = settings
        self.config = config
        self.keys = Keys(config.prefix)
        self.redis = redis if redis is not None else connect(str(config.url))
        # OpenAI config nodes of this worker's runtimes share their 429 holds through Redis
        settings.extra["openai_holds"] = SharedHolds(self.redis, self.keys)
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"
        self.store = FlowStore(self.redis, self.keys)
        self.publisher = Publisher(self.redis, self.keys)
        self.forwarder = EventForwarder(self.redis, self.keys)
        self.revisions = Revisions(registry, settings, self.store, boundary_types(registry, config), self._handoff,
                                   self.forwarder.listener, self._error_hook)
        self._parkable: dict[int, Hop] = {}
        self.parked = 0
        self.inflight: dict[str, asyncio.Task[None]] = {}
        self.stop = asyncio.Event()
        self.done = 0
        self.dead = 0
        self.reclaimed = 0
        self._freed = asyncio.Event()
        self._cursor = "0-0"

    # --- lifecycle ---
    async def run(self) -> None:
        """Serve entries until ``self.stop`` is set; then let the hops in flight finish (within
        ``nodeCloseTimeout``), close the runtimes and leave the heartbeat table. ``FlowEngineError``
        when Redis does not answer at the start."""
        await check_reachable(self.redis, self.config.url)
        await ensure_group(self.redis, self.keys)
        self.publisher.start()
        loop = asyncio.get_running_loop()
        steps = [(self._read, "read"), (self._move_parked, "parking")]
        if self.config.reclaim:
            steps.append((self._reclaim, "reclaim"))
        # taking work stops first; renewing, the heartbeat and events go on until the hops in flight end
        taking = [loop.create_task(self._loop(step, what), name=f"queue-{what}") for step, what in steps]
        keeping = [loop.create_task(self._loop(step, what), name=f"queue-{what}") for step, what in (
            (self._renew, "renew"), (self._heartbeat, "heartbeat"), (self.forwarder.run, "events"))]
        log.info("queue worker %s: concurrency %d, lease %gs, max_deliver %d", self.name, self.config.concurrency,
                 self.config.lease, self.config.max_deliver)
        try:
            await self.stop.wait()
        finally:
            await stop_tasks(taking, "worker loops")
            hops = list(self.inflight.values())
            if hops:
                _, late = await asyncio.wait(hops, timeout=self.settings.close_timeout_s)
                await stop_tasks(list(late), "hops")  # left pending: another worker takes them over
            await self.revisions.close()  # its last status events go out with the forwarder
            await self.forwarder.drain(1.0)
            await stop_tasks(keeping, "worker loops")
            await self.publisher.close()
            try:
                await self.redis.hdel(self.keys.workers, self.name)
            except UNREACHABLE as exc:
                log.warning("queue: could not leave the workers table: %s", exc)
            await self.redis.aclose()

    async def _loop(self, step: Any, what: str) -> None:
        """Run ``step`` forever; Redis outages are waited out with backoff, never end the worker."""
        failures = 0
        while True:
            try:
                await step()
                failures = 0
            except UNREACHABLE as exc:
                keep_cancellation()
                failures += 1
                if failures in (1, 10) or failures % 100 == 0:
                    log.warning("queue %s: Redis unreachable (%s); retrying", what, exc)
                await asyncio.sleep(min(2.0, 0.05 * 2 ** min(failures, 6)))
            except Exception as exc:  # e.g. NOGROUP after Redis lost its data: recreate and go on
                keep_cancellation()
                if "NOGROUP" in str(exc):
                    await ensure_group(self.redis, self.keys)
                    continue
                log.exception("queue %s loop failed; retrying", what)
                await asyncio.sleep(1.0)

    # --- loops ---
    def _free(self) -> int:
        return self.config.concurrency - len(self.inflight)

    async def _read(self) -> None:
        free = self._free()
        if free <= 0:
            self._freed.clear()
            await self._freed.wait()
            return
        reply = await self.redis.xreadgroup(GROUP, self.name, {self.keys.work: ">"}, count=free, block=1000)
        for _stream, entries in reply or []:
            for entry_id, fields in entries:
                self._begin(_text(entry_id), fields, delivered=1)

    async def _reclaim(self) -> None:
        await asyncio.sleep(max(0.05, self.config.lease / 2))
        free = self._free()
        if free <= 0:
            return
        reply = await self.redis.xautoclaim(self.keys.work, GROUP, self.name, int(self.config.lease * 1000),
                                            start_id=self._cursor, count=free)
        # go on from where this scan stopped next time ("0-0" again once the pending list was covered)
        self._cursor = _text(reply[0]) if reply else "0-0"
        claimed = reply[1] if len(reply) > 1 else []
        for entry_id, fields in claimed:
            entry = _text(entry_id)
            if not fields:  # deleted from the stream while pending: nothing to run
                await self.redis.xack(self.keys.work, GROUP, entry)
                continue
            info = await self.redis.xpending_range(self.keys.work, GROUP, min=entry, max=entry, count=1)
            delivered = int(info[0]["times_delivered"]) if info else 1
            self.reclaimed += 1
            log.info("queue: reclaimed entry %s (delivery %d)", entry, delivered)
            self._begin(entry, fields, delivered=delivered)

    async def _move_parked(self) -> None:
        await asyncio.sleep(PARKING_POLL_S)
        await move_due(self.redis, self.keys)

    def _error_hook(self, node: Any, err: Any, msg: Msg) -> bool:
        """A boundary node's rate limit (429) in a hop: park the entry instead of reporting it."""
        hop = self._parkable.get(id(msg))
        if hop is None or hop.first.node is not node or hop.parks >= self.config.max_deliver:
            return False
        wait = rate_limit_wait(err)
        if wait is None:
            return False
        hop.parked = wait
        return True

    async def _renew(self) -> None:
        await asyncio.sleep(max(0.05, self.config.lease / 3))
        ids = list(self.inflight)
        if ids:
            await self.redis.xclaim(self.keys.work, GROUP, self.name, 0, ids, justid=True)

    async def _heartbeat(self) -> None:
        beat = {"load": len(self.inflight), "concurrency": self.config.concurrency, "done": self.done,
                "dead": self.dead, "reclaimed": self.reclaimed, "parked": self.parked, "seen": time.time(),
                "pid": os.getpid()}
        await self.redis.hset(self.keys.workers, self.name, json.dumps(beat))
        await asyncio.sleep(max(0.2, self.config.lease / 3))

    # --- one entry ---
    def _begin(self, entry: str, fields: Any, delivered: int) -> None:
        if entry in self.inflight:
            return
        task = asyncio.get_running_loop().create_task(self._entry(entry, fields, delivered), name=f"hop:{entry}")
        self.inflight[entry] = task

        def ended(t: asyncio.Task[None]) -> None:
            self.inflight.pop(entry, None)
            self._freed.set()
            if not t.cancelled() and t.exception() is not None:
                log.error("queue: entry %s failed, left pending for a retry: %s", entry, t.exception())

        task.add_done_callback(ended)

    async def _entry(self, entry: str, fields: Any, delivered: int) -> None:
        try:
            envelope = Envelope.parse(fields)
        except ValueError as exc:
            await self._dead(entry, fields, f"not a flowengine queue entry ({exc})")
            return
        if delivered > self.config.max_deliver:
            await self._dead(entry, fields, f"delivered {delivered} times, more than max_deliver "
                             f"({self.config.max_deliver}): moved to the dead-letter stream {self.keys.dead}",
                             envelope)
            return
        try:
            runtime = await self.revisions.acquire(envelope.rev)
        except FlowEngineError as exc:
            await self._dead(entry, fields, str(exc))
            return
        try:
            route = runtime.routes.get(envelope.node)
            if route is None or route.closed:
                await self._dead(entry, fields, f"node {envelope.node} is not running in flows rev "
                                 f"{envelope.rev[:12]} on this worker")
                return
            msg = envelope.message()
            result_key = self.keys.result(entry, envelope.node)
            # a result is kept only by a delivery that ran the boundary node: never before the first
            cached = await self.redis.get(result_key) if delivered > 1 else None
            hop = Hop(route, msg, runtime.routes, json.loads(cached) if cached else None)
            hop.parks = envelope.parks

            async def keep(result: Result) -> None:
                await self.redis.set(result_key, json.dumps(result), ex=RESULT_TTL_S)

            self._parkable[id(msg)] = hop
            try:
                outputs = await hop.run(keep, self.config.hop_timeout)
            finally:
                self._parkable.pop(id(msg), None)
            if hop.parked is not None:
                await park(self.redis, self.keys, entry, envelope, hop.parked, result_key)
                self.parked += 1
                log.info("queue: entry %s parked for %.1fs after a rate limit", entry, hop.parked)
                return
            await self._commit(entry, envelope.rev, outputs, result_key if delivered > 1 or hop.result_kept else None)
            self.done += 1
        finally:
            await self.revisions.release(envelope.rev)

    async def _commit(self, entry: str, rev: str, outputs: list[tuple[Route, Msg]], result_key: str | None) -> None:
        """Add the hop's outputs, acknowledge its input and remove its kept result (``result_key``,
        None when none can exist): one transaction (a lone ``XACK`` needs no ``MULTI``)."""
        fields: list[tuple[str, dict[str, str]]] = []
        for target, msg in outputs:
            stream = self._stream_for(target, msg)
            if stream is None:
                continue
            try:
                envelope = Envelope(rev, target.spec.id, encode_msg(msg), int(time.time() * 1000))
                fields.append((stream, envelope.fields()))
            except NodeError as exc:
                target.node.error(exc, msg)
        if not fields and result_key is None:
            await self.redis.xack(self.keys.work, GROUP, entry)
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            for stream, f in fields:
                pipe.xadd(stream, f)
            pipe.xack(self.keys.work, GROUP, entry)
            if result_key is not None:
                pipe.delete(result_key)
            await pipe.execute()

    async def _dead(self, entry: str, fields: Any, reason: str, envelope: Envelope | None = None) -> None:
        """Move ``entry`` to the dead-letter stream (with ``reason``) and tell the flow's catch nodes."""
        record = {(_text(k)): _text(v) for k, v in dict(fields or {}).items()}
        record.update({"error": reason, "entry": entry, "worker": self.name})
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.keys.dead, record)
            pipe.xack(self.keys.work, GROUP, entry)
            await pipe.execute()
        self.dead += 1
        log.error("queue: entry %s dead-lettered: %s", entry, reason)
        if envelope is None:
            return
        try:
            runtime = await self.revisions.acquire(envelope.rev)
        except FlowEngineError:
            return
        try:
            route = runtime.routes.get(envelope.node)
            if route is not None:
                route.node.error(NodeError(f"queue: {reason}"), envelope.message())
        finally:
            await self.revisions.release(envelope.rev)

    def _stream_for(self, target: Route, msg: Msg) -> str | None:
        """Where a message for ``target`` goes: the work stream, or (an ``http response`` node) the
        replies of the coordinator holding the request; None (the node warns) when there is none."""
        if target.spec.type not in RESPONSE_TYPES:
            return self.keys.work
        coordinator = reply_coordinator(msg)
        if coordinator is None:
            target.node.warn("No response object", msg)
            return None
        return self.keys.replies(coordinator)

    def _handoff(self, rev: str, route: Route) -> Any:
        """Boundary and ``http response`` routes of a worker runtime: a hop collects their messages
        (``Hop.outputs``); one that reaches them outside a hop (a late send, a catch node's flow)
        is added to its stream directly."""
        if not self.revisions.is_boundary(route.spec.type) and route.spec.type not in RESPONSE_TYPES:
            return None
        node_id = route.spec.id

        def handoff(msg: Msg) -> None:
            stream = self._stream_for(route, msg)
            if stream is None:
                return
            try:
                self.publisher.put(Envelope.of(rev, node_id, msg), stream)
            except NodeError as exc:
                route.node.error(exc, msg)

        return handoff


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)

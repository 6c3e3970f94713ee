"""Trigger nodes in queue mode: only the trigger lease's holder fires them; when it stops renewing
(killed, stalled), another coordinator takes over within the lease and no tick fires on both; above
``high_water`` waiting entries they pause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from queue_flows import Deployment, entries_for, fn, queue_settings, until
from redis_server import RedisServer

from flowengine.queue.keys import Keys
from flowengine.queue.lease import TriggerLease
from flowengine.registry import Registry

KEYS = Keys()


def ticking(name: str) -> list[dict[str, Any]]:
    """An inject every 0.1 s whose payload names the coordinator (tab env COORD) into a boundary."""
    return [
        {"id": "t", "type": "tab", "label": "queue", "env": [{"name": "COORD", "value": name, "type": "str"}]},
        {"id": "tick", "type": "inject", "z": "t", "repeat": "0.1", "once": True, "onceDelay": 0,
         "props": [{"p": "payload"}], "payload": "COORD", "payloadType": "env", "wires": [["work"]]},
        fn("work", "return msg"),
    ]


async def test_only_the_lease_holder_fires_and_a_successor_takes_over(registry: Registry, redis_server: RedisServer,
                                                                      redis: Any, tmp_path: Path) -> None:
    first = Deployment(registry, queue_settings(tmp_path / "a", redis_server.url))
    second = Deployment(registry, queue_settings(tmp_path / "b", redis_server.url))
    try:
        await first.start(ticking("a"))
        await second.start(ticking("b"))
        assert first.coordinator.lease.holds() and not second.coordinator.lease.holds()

        async def ticks(n: int) -> bool:
            return len(await entries_for(redis, KEYS.work, "work")) >= n

        await until(lambda: ticks(5), what="five ticks")
        # the holder stalls (as a killed or cut-off coordinator does): it stops renewing the lease
        for task in first.coordinator._tasks:
            if task.get_name() == "flowengine-queue-lease":
                task.cancel()

        async def taken_over() -> bool:
            return second.coordinator.lease.holds()

        # the successor takes over once the stalled holder's lease expires; no tighter bound than
        # until's ceiling (10 leases): how soon is a timing a loaded 2-core machine stretches
        await until(taken_over, timeout=10 * first.config.lease, what="the second coordinator to take the lease")
        count = len(await entries_for(redis, KEYS.work, "work"))
        await until(lambda: ticks(count + 3), what="ticks from the successor")
        payloads = [m["payload"] for m in await entries_for(redis, KEYS.work, "work")]
        switch = payloads.index("b")
        assert set(payloads[:switch]) == {"a"} and set(payloads[switch:]) == {"b"}  # no tick on both
        assert second.coordinator.lease.token is not None and first.coordinator.lease.token is not None
        assert second.coordinator.lease.token > first.coordinator.lease.token
        assert second.coordinator.gate.skipped > 0  # its inject ran all along, gated
    finally:
        await second.close()
        await first.close()


async def test_triggers_pause_above_high_water(registry: Registry, redis_server: RedisServer, redis: Any,
                                               tmp_path: Path) -> None:
    deployment = Deployment(registry, queue_settings(tmp_path, redis_server.url, high_water=3))
    try:
        await deployment.start(ticking("a"))  # no worker: entries pile up

        async def paused() -> bool:
            return deployment.coordinator.gate.paused

        await until(paused, what="the triggers to pause")
        skipped = deployment.coordinator.gate.skipped
        await until(lambda: _more(deployment, skipped), what="ticks skipped while paused")
        assert len(await entries_for(redis, KEYS.work, "work")) <= 3 + 1 + 5  # high water + ticks of one poll
    finally:
        await deployment.close()


async def _more(deployment: Deployment, skipped: int) -> bool:
    return deployment.coordinator.gate.skipped > skipped + 2


async def test_inject_button_on_a_coordinator_without_the_lease_injects(
        registry: Registry, redis_server: RedisServer, redis: Any, tmp_path: Path) -> None:
    def button(name: str) -> list[dict[str, Any]]:
        flows = ticking(name)
        flows[1] = {**flows[1], "repeat": "", "once": False}  # no timer: the editor's button only
        return flows

    holder = Deployment(registry, queue_settings(tmp_path / "a", redis_server.url))
    follower = Deployment(registry, queue_settings(tmp_path / "b", redis_server.url, high_water=1))
    try:
        await holder.start(button("a"))
        await follower.start(button("b"))
        assert holder.coordinator.lease.holds() and not follower.coordinator.lease.holds()
        assert follower.runtime.inject("tick", None)  # what POST /inject/tick does on that coordinator

        async def injected(n: int) -> bool:
            return len(await entries_for(redis, KEYS.work, "work")) >= n

        await until(lambda: injected(1), what="the follower's button message in the work stream")
        assert holder.runtime.inject("tick", None)
        await until(lambda: injected(2), what="the holder's button message in the work stream")
        assert follower.coordinator.gate.skipped == 0

        async def paused() -> bool:  # no worker: two entries wait, more than high_water
            return follower.coordinator.gate.paused

        await until(paused, what="the follower's triggers to pause")
        assert follower.runtime.inject("tick", None)  # a person's one message, backlog or not
        await until(lambda: injected(3), what="the button message while paused")
        assert [m["payload"] for m in await entries_for(redis, KEYS.work, "work")] == ["b", "a", "b"]
        assert follower.runtime.by_hand == 0
    finally:
        await follower.close()
        await holder.close()


async def test_a_holder_stalled_past_its_validity_keeps_the_term_while_the_key_is_its_own(redis: Any) -> None:
    now = [0.0]
    lease = TriggerLease(redis, KEYS, "c1", lease=30.0, clock=lambda: now[0])
    other = TriggerLease(redis, KEYS, "c2", lease=30.0, clock=lambda: now[0])
    await lease.step()
    assert lease.holds() and lease.token is not None
    term = lease.token
    now[0] += 25.0  # a stall longer than the local validity (0.8 lease), shorter than the key's life
    assert not lease.holds()  # it has stopped firing...
    await other.step()
    assert not other.holds()  # ...and nobody else can take the key yet
    await lease.step()
    assert lease.holds() and lease.token == term and lease.terms == 1  # renewed: no gap of a lease
    await redis.delete(KEYS.leader)  # the key expired (or was taken) meanwhile: the term is over
    await other.step()
    await lease.step()
    assert other.holds() and not lease.holds() and lease.token is None

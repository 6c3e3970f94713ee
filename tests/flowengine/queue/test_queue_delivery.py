"""Queue mode's delivery guarantees, in one process on a real Redis: reclaim of a dead consumer's
entries, dead letters after ``max_deliver`` (and the catch nodes told), the boundary result cache,
lease renewal of long calls, and messages finishing on the flows rev that produced them."""

from __future__ import annotations

import json
from typing import Any

from queue_flows import Deployment, change, entries_for, fn, tab, until

from flowengine.queue.keys import GROUP, Keys

KEYS = Keys()


def flow(work_code: str = 'msg["payload"] = msg["payload"] * 2\nreturn msg') -> list[dict[str, Any]]:
    return tab(
        change("in", "before", [["work"]]),
        fn("work", work_code, [["sink"]]),
        fn("sink", "return msg"),
        {"id": "c", "type": "catch", "z": "t", "scope": None, "uncaught": False, "wires": [["caught"]]},
        fn("caught", "return msg"),
    )


async def queued(redis: Any, node_id: str, count: int) -> None:
    async def enough() -> bool:
        return len(await entries_for(redis, KEYS.work, node_id)) >= count

    await until(enough, what=f"{count} entries for {node_id}")


async def settled(redis: Any) -> None:
    async def done() -> bool:
        return (await redis.xpending(KEYS.work, GROUP))["pending"] == 0 and \
            (await redis.xinfo_groups(KEYS.work))[0]["lag"] == 0

    await until(done, what="every entry acknowledged")


async def ghost_takes_one(redis: Any) -> str:
    """A consumer that reads one entry and dies (never acknowledges): the entry's id."""
    reply = await redis.xreadgroup(GROUP, "ghost", {KEYS.work: ">"}, count=1)
    return str(reply[0][1][0][0].decode())


async def test_entry_of_a_dead_consumer_is_reclaimed(deployment: Deployment, redis: Any) -> None:
    await deployment.start(flow())
    deployment.send("in", {"payload": 21})
    await queued(redis, "work", 1)
    await ghost_takes_one(redis)
    worker = deployment.worker()
    await queued(redis, "sink", 1)
    assert [m["payload"] for m in await entries_for(redis, KEYS.work, "sink")] == [42]
    assert worker.reclaimed == 1
    await settled(redis)


async def test_entry_delivered_too_often_is_dead_lettered_and_caught(deployment: Deployment, redis: Any) -> None:
    await deployment.start(flow())
    deployment.send("in", {"payload": 1})
    await queued(redis, "work", 1)
    entry = await ghost_takes_one(redis)
    deployment.worker(max_deliver=1)
    await queued(redis, "caught", 1)
    caught = (await entries_for(redis, KEYS.work, "caught"))[0]
    assert "delivered 2 times, more than max_deliver (1)" in caught["error"]["message"]
    assert caught["error"]["source"]["id"] == "work"
    dead = await redis.xrange(KEYS.dead)
    assert len(dead) == 1 and dead[0][1][b"entry"] == entry.encode()
    assert b"max_deliver" in dead[0][1][b"error"] and dead[0][1][b"node"] == b"work"
    assert await entries_for(redis, KEYS.work, "sink") == []  # the node never ran it
    await settled(redis)


async def test_finished_result_is_not_computed_again(deployment: Deployment, redis: Any) -> None:
    await deployment.start(flow('msg["payload"] = "computed again"\nreturn msg'))
    deployment.send("in", {"payload": 1})
    await queued(redis, "work", 1)
    entry = await ghost_takes_one(redis)
    # what the ghost's call returned before it died, as the worker caches it
    await redis.set(KEYS.result(entry, "work"), json.dumps([["sink", json.dumps({"payload": "paid once"})]]))
    deployment.worker()
    await queued(redis, "sink", 1)
    assert [m["payload"] for m in await entries_for(redis, KEYS.work, "sink")] == ["paid once"]
    await settled(redis)
    assert await redis.exists(KEYS.result(entry, "work")) == 0


async def test_long_call_renews_its_lease(deployment: Deployment, redis: Any) -> None:
    slow = 'import asyncio\nawait asyncio.sleep(1.5)\nmsg["payload"] = "slow"\nreturn msg'
    await deployment.start(flow(slow))
    first = deployment.worker()
    deployment.send("in", {"payload": 1})
    await queued(redis, "work", 1)

    async def taken() -> bool:
        return bool(first.inflight)

    await until(taken, what="the first worker to take the entry")
    second = deployment.worker()  # idle, reclaiming every lease/2 (lease 0.6 s, the call takes 1.5 s)
    await queued(redis, "sink", 1)
    await settled(redis)
    assert len(await entries_for(redis, KEYS.work, "sink")) == 1
    assert first.reclaimed == second.reclaimed == 0


async def test_messages_finish_on_the_rev_that_produced_them(deployment: Deployment, redis: Any) -> None:
    await deployment.start(flow())
    for i in (1, 2, 3):
        deployment.send("in", {"payload": i})
    await queued(redis, "work", 3)
    await deployment.runtime.deploy(flow('msg["payload"] = msg["payload"] * 10\nreturn msg'))
    await deployment.runtime.wait_started()
    for i in (4, 5, 6):
        deployment.send("in", {"payload": i})
    await queued(redis, "work", 6)
    assert len({fields[b"rev"] for _, fields in await redis.xrange(KEYS.work)}) == 2
    deployment.worker()
    await queued(redis, "sink", 6)
    assert sorted(m["payload"] for m in await entries_for(redis, KEYS.work, "sink")) == [2, 4, 6, 40, 50, 60]
    await settled(redis)


async def test_stopping_worker_finishes_its_hops_and_leaves(deployment: Deployment, redis: Any) -> None:
    slow = 'import asyncio\nawait asyncio.sleep(0.5)\nreturn msg'
    await deployment.start(flow(slow))
    worker = deployment.worker()
    deployment.send("in", {"payload": 1})

    async def taken() -> bool:
        return bool(worker.inflight)

    await until(taken, what="the worker to take the entry")
    worker.stop.set()  # SIGTERM: read nothing more, finish what is in flight
    for w, task in deployment.workers:
        if w is worker:
            await task
    assert len(await entries_for(redis, KEYS.work, "sink")) == 1
    assert (await redis.xpending(KEYS.work, GROUP))["pending"] == 0
    assert not await redis.hexists(KEYS.workers, worker.name)


async def test_hop_whose_node_never_finishes_ends_after_hop_timeout(deployment: Deployment, redis: Any,
                                                                    caplog: Any) -> None:
    # the code names node.done(), so the function node waits for it - and it is never called
    never_done = 'import asyncio\nawait asyncio.sleep(0)\nnode.send(msg)\nif False:\n    node.done()'
    await deployment.start(flow(never_done))
    deployment.worker(hop_timeout=0.3)
    deployment.send("in", {"payload": 1})
    await queued(redis, "sink", 1)
    await settled(redis)
    assert "ended after hop_timeout (0.3s) with deliveries still open (no done() from function:work)" in caplog.text


async def test_acknowledged_history_is_trimmed_but_nothing_waiting(registry: Any, redis_server: Any, redis: Any,
                                                                   tmp_path: Any) -> None:
    from queue_flows import queue_settings

    deployment = Deployment(registry, queue_settings(tmp_path, redis_server.url, trim_every=0.1))
    try:
        await deployment.start(flow())
        worker = deployment.worker()
        for i in range(10):
            deployment.send("in", {"payload": i})

        async def trimmed() -> bool:
            return deployment.coordinator.trimmed >= 19 and await redis.xlen(KEYS.work) == 1

        await until(trimmed, what="the acknowledged entries trimmed")  # 10 into work + 10 into sink, one kept
        worker.stop.set()
        await deployment.workers[0][1]
        deployment.send("in", {"payload": 99})  # undelivered: no worker
        await queued(redis, "work", 1)
        taken = await ghost_takes_one(redis)  # pending, never acknowledged
        deployment.send("in", {"payload": 100})  # undelivered again
        await queued(redis, "work", 2)
        before = deployment.coordinator.trim_runs

        async def trims_ran() -> bool:
            return deployment.coordinator.trim_runs >= before + 3

        await until(trims_ran, what="three trims after the new entries")
        ids = [i.decode() for i, _ in await redis.xrange(KEYS.work)]
        assert taken in ids and len(await entries_for(redis, KEYS.work, "work")) == 2  # pending + undelivered
    finally:
        await deployment.close()


async def test_gone_workers_are_forgotten_unless_they_hold_entries(redis: Any) -> None:
    import json as _json
    import time

    from flowengine.queue.redis_client import ensure_group
    from flowengine.queue.trim import forget_gone_workers

    await ensure_group(redis, KEYS)
    await redis.xadd(KEYS.work, {"rev": "r", "node": "n", "msg": "{}", "t": "0"})
    await redis.xreadgroup(GROUP, "holder", {KEYS.work: ">"}, count=1)  # holds an entry: kept
    await redis.xgroup_createconsumer(KEYS.work, GROUP, "idle")
    await redis.hset(KEYS.workers, "idle", _json.dumps({"seen": time.time() - 60}))
    forgotten: list[str] = []

    async def gone() -> bool:
        forgotten.extend(await forget_gone_workers(redis, KEYS, lease=0.01))  # gone after 0.1 s of silence
        names = [c["name"].decode() for c in await redis.xinfo_consumers(KEYS.work, GROUP)]
        return "idle" not in names

    await until(gone, what="the idle worker forgotten")
    names = [c["name"].decode() for c in await redis.xinfo_consumers(KEYS.work, GROUP)]
    assert names == ["holder"] and not await redis.hexists(KEYS.workers, "idle") and "idle" in forgotten


async def test_result_is_kept_while_the_hop_runs_on_after_its_boundary_node(deployment: Deployment,
                                                                            redis: Any) -> None:
    flows = tab(
        change("in", "before", [["work"]]),
        fn("work", 'msg["payload"] = "paid"\nreturn msg', [["hold"]]),
        # an exec node runs on the worker within the hop (not a boundary) and holds it for two seconds
        {"id": "hold", "type": "exec", "z": "t", "command": "sleep 2", "addpay": "", "append": "",
         "useSpawn": "false", "wires": [["sink"], [], []]},
        fn("sink", "return msg"),
    )
    await deployment.start(flows)
    deployment.worker()
    deployment.send("in", {"payload": 1})
    await queued(redis, "work", 1)
    entry = (await redis.xrange(KEYS.work))[0][0].decode()

    async def kept() -> bool:
        return bool(await redis.exists(KEYS.result(entry, "work")))

    await until(kept, what="the boundary node's result kept while the exec node holds the hop")
    kept_result = json.loads(await redis.get(KEYS.result(entry, "work")))
    assert [(target, json.loads(text)["payload"]) for target, text in kept_result] == [("hold", "paid")]
    await queued(redis, "sink", 1)
    await settled(redis)
    assert await redis.exists(KEYS.result(entry, "work")) == 0  # removed by the hop's commit


async def test_a_hop_that_ends_with_its_boundary_node_costs_no_result_round_trips(deployment: Deployment,
                                                                                  redis: Any) -> None:
    await deployment.start(flow())
    deployment.worker()
    deployment.send("in", {"payload": 1})
    await queued(redis, "sink", 1)  # the worker's connection is up and its runtime loaded
    await redis.config_resetstat()
    for i in range(5):
        deployment.send("in", {"payload": i})

    async def five_more() -> bool:
        return len(await entries_for(redis, KEYS.work, "sink")) == 6

    await until(five_more, what="five more messages through the boundary")
    await settled(redis)
    stats = await redis.info("commandstats")
    assert "cmdstat_xack" in stats  # the statistics count the worker's commands
    assert "cmdstat_get" not in stats and "cmdstat_set" not in stats  # a first delivery: no cached result

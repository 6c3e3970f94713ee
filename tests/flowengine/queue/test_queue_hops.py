"""Queue mode in one process: a coordinator runtime and a worker share a real Redis; messages cross
boundary nodes as stream entries and run on the worker (flowengine/queue/)."""

from __future__ import annotations

import json
from typing import Any

from queue_flows import Deployment, change, entries_for, fn, tab, until

from flowengine.queue.keys import GROUP, Keys

KEYS = Keys()


DOUBLE = tab(
    change("in", "before", [["double"]]),
    fn("double", "msg[\"payload\"] = msg[\"payload\"] * 2\nreturn msg", [["mark"]]),
    change("mark", "after", [["sink"]]),
    fn("sink", "return msg"),
)


async def test_messages_cross_boundaries_and_run_on_a_worker(deployment: Deployment, redis: Any) -> None:
    await deployment.start(DOUBLE)
    deployment.worker()
    for i in range(20):
        deployment.send("in", {"payload": i})

    async def twenty() -> bool:
        return len(await entries_for(redis, KEYS.work, "sink")) == 20

    await until(twenty, what="20 messages into the second boundary")
    sunk = await entries_for(redis, KEYS.work, "sink")
    assert sorted(m["payload"] for m in sunk) == [2 * i for i in range(20)]
    assert {m["topic"] for m in sunk} == {"after"}  # the change node between the boundaries ran on the worker
    into_double = await entries_for(redis, KEYS.work, "double")
    assert {m["topic"] for m in into_double} == {"before"}  # ... and the one before them on the coordinator

    async def settled() -> bool:
        return (await redis.xpending(KEYS.work, GROUP))["pending"] == 0 and \
            (await redis.xinfo_groups(KEYS.work))[0]["lag"] == 0

    await until(settled, what="every entry acknowledged")
    assert await redis.xlen(KEYS.dead) == 0
    assert await redis.keys(f"{KEYS.prefix}:res:*") == []  # results are dropped with the acknowledgement


async def test_flows_are_published_with_credentials_sealed(deployment: Deployment, redis: Any) -> None:
    flows = [*DOUBLE, {"id": "cfg", "type": "http proxy", "url": "http://127.0.0.1:9",
                       "credentials": {"username": "u", "password": "hunter2-secret"}}]
    await deployment.start(flows)

    async def published() -> bool:
        return await redis.get(KEYS.current) == (deployment.runtime.revision or "").encode()

    await until(published, what="the flows in Redis")
    stored = await redis.hgetall(KEYS.flows(deployment.runtime.revision or ""))
    assert b"hunter2-secret" not in stored[b"credentials"] and b"hunter2-secret" not in stored[b"flows"]
    assert json.loads(stored[b"credentials"])["alg"] == "aes-256-gcm"
    from flowengine.queue.flowstore import FlowStore

    loaded = await FlowStore(redis, KEYS).load(deployment.runtime.revision or "", deployment.settings.credentialSecret
                                               if isinstance(deployment.settings.credentialSecret, str) else None)
    assert loaded is not None
    assert next(n for n in loaded if n["id"] == "cfg")["credentials"]["password"] == "hunter2-secret"


async def test_worker_debug_and_status_reach_the_coordinator(deployment: Deployment, redis: Any) -> None:
    await deployment.start(tab(
        change("in", "before", [["work"]]),
        fn("work", 'node.status({"fill": "green", "shape": "dot", "text": "called"})\nreturn msg', [["dbg"]]),
        {"id": "dbg", "type": "debug", "z": "t", "active": True, "tosidebar": True, "complete": "payload",
         "wires": []},
    ))
    seen: list[tuple[str, Any]] = []
    deployment.runtime.events.listen(lambda topic, data: seen.append((topic, data)))
    worker = deployment.worker()
    deployment.send("in", {"payload": "from a worker"})

    async def both() -> bool:
        return any(t == "debug" and d.get("id") == "dbg" for t, d in seen) and \
            any(t == "status/work" for t, _ in seen)

    await until(both, what="the worker's debug message and status on the coordinator's bus")
    debug = next(d for t, d in seen if t == "debug" and d.get("id") == "dbg")
    assert "from a worker" in debug["msg"]
    assert next(d for t, d in seen if t == "status/work")["text"] == "called"
    assert deployment.runtime.events.retained("status/work")  # the editor gets it on (re)connect

    async def listed() -> bool:
        status = await deployment.coordinator.status()
        return [w["name"] for w in status["workers"] if w["alive"]] == [worker.name]

    await until(listed, what="the worker in GET /queue")
    status = await deployment.coordinator.status()
    assert status["stream"]["pending"] == 0 and status["dead"] == 0
    assert status["coordinator"]["enqueued"] == 1 and status["coordinator"]["relayed"] >= 2
    assert any(r.path == "/queue" for r in deployment.runtime.registry.routes)

    async def announced() -> bool:  # the editor's top bar: retained, so a new editor gets it at once
        found = deployment.runtime.events.retained("notification/queue")
        return bool(found) and [w["name"] for w in found[0][1]["workers"] if w["alive"]] == [worker.name]

    await until(announced, what="notification/queue naming the worker")


async def test_a_javascript_message_into_a_javascript_boundary_is_whole(deployment: Deployment, redis: Any) -> None:
    # JavaScript function nodes hand messages to each other as JavaScript objects behind a stand-in
    # (nodes/core/_js_shared.py); into a boundary the whole message must go, not the stand-in
    flows = tab(
        {"id": "js1", "type": "function", "z": "t", "func": "msg.payload = msg.payload + 1;\nreturn msg;",
         "wires": [["js2"]]},
        {"id": "js2", "type": "function", "z": "t", "func": "return msg;", "wires": [[]]},
    )
    await deployment.start(flows)
    deployment.worker()
    for i in range(5):
        deployment.send("js1", {"payload": i, "topic": "kept"})

    async def five() -> bool:
        return len(await entries_for(redis, KEYS.work, "js2")) == 5

    await until(five, what="5 messages into the JavaScript boundary")
    into = await entries_for(redis, KEYS.work, "js2")
    assert sorted((m["payload"], m["topic"]) for m in into) == [(i + 1, "kept") for i in range(5)]

"""The ``redis`` context store: shared by every process naming the same Redis, nested writes that
never lose a concurrent update, atomic ``incr`` and ``compare_and_set``; queue mode uses it for
all context, so a worker's ``flow.set`` is what the coordinator's ``flow.get`` reads."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from queue_flows import Deployment, change, fn, tab, until
from redis_server import RedisServer

from flowengine.context import ContextManager
from flowengine.settings import Settings
from flowengine.types import UNDEFINED


def manager(tmp_path: Path, url: str, **extra: Any) -> ContextManager:
    settings = Settings.load(None, tmp_path, contextStorage={
        "default": {"module": "memory"}, "shared": {"module": "redis", "config": {"url": url}}}, **extra)
    return ContextManager(settings, persist=False)


def test_values_are_shared_between_processes(redis_server: RedisServer, tmp_path: Path) -> None:
    one, two = manager(tmp_path, redis_server.url), manager(tmp_path, redis_server.url)
    try:
        a, b = one.flow_scope("tab1"), two.flow_scope("tab1")
        a.set("obj.list[1]", "x", "shared")
        a.set("buf", b"\x00\x01", "shared")
        assert b.get("obj", "shared") == {"list": [None, "x"]}  # Node-RED's path creation
        assert b.get("obj.list[1]", "shared") == "x" and b.get("buf", "shared") == b"\x00\x01"
        assert sorted(b.keys("shared")) == ["buf", "obj"]
        b.set("obj.list", UNDEFINED, "shared")
        assert a.get("obj", "shared") == {}
        a.delete("buf", "shared")
        assert b.get("buf", "shared") is UNDEFINED and b.get("missing.deep", "shared") is UNDEFINED
        assert b.get("obj", None) is UNDEFINED  # the default store is each process's memory
        assert one.global_scope().get("x", "shared") is UNDEFINED
    finally:
        for m in (one, two):
            for name in m.stores():
                m.store(name).close()


def test_concurrent_writers_lose_nothing(redis_server: RedisServer, tmp_path: Path) -> None:
    managers = [manager(tmp_path, redis_server.url) for _ in range(4)]

    def write(i: int) -> None:
        scope = managers[i].global_scope()
        for n in range(50):
            scope.incr("count", 1, "shared")
            scope.set(f"nested.w{i}_{n}", n, "shared")  # one top-level key: WATCH transactions

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    scope = managers[0].global_scope()
    try:
        assert scope.get("count", "shared") == 200
        assert len(scope.get("nested", "shared")) == 200
        assert scope.incr("ratio", 0.5, "shared") == 0.5
        assert scope.compare_and_set("lock", UNDEFINED, "me", "shared")
        assert not managers[1].global_scope().compare_and_set("lock", UNDEFINED, "other", "shared")
        assert managers[1].global_scope().compare_and_set("lock", "me", UNDEFINED, "shared")
        assert scope.get("lock", "shared") is UNDEFINED
        memory = managers[0].global_scope()
        assert memory.incr("n") == 1 and memory.compare_and_set("n", 1, 2) and memory.get("n") == 2
    finally:
        for m in managers:
            m.store("shared").close()


async def test_queue_mode_shares_flow_context_between_worker_and_coordinator(deployment: Deployment) -> None:
    await deployment.start(tab(
        change("in", "x", [["work"]]),
        fn("work", 'flow.set("last", msg["payload"])\nglobal_.set("seen.by_worker", True)\nreturn msg'),
    ))
    deployment.worker()
    deployment.send("in", {"payload": {"answer": 42}})
    scope = deployment.runtime.context.flow_scope("t")

    async def written() -> bool:
        return scope.get("last") == {"answer": 42}

    await until(written, what="the worker's flow.set seen by the coordinator")
    assert deployment.runtime.context.global_scope().get("seen") == {"by_worker": True}


def test_redis_store_without_url_names_the_setting(tmp_path: Path) -> None:
    import pytest

    from flowengine.errors import SettingsError

    with pytest.raises(SettingsError, match=r"contextStorage.default: the redis module needs config.url"):
        ContextManager(Settings.load(None, tmp_path, contextStorage={"default": {"module": "redis"}}))


async def test_function_nodes_on_two_workers_count_atomically(deployment: Deployment) -> None:
    await deployment.start(tab(
        change("in", "x", [["work"]]),
        fn("work", 'flow.incr("count")\nif flow.compare_and_set("first", None, msg["payload"]):\n'
                   '    global_.incr("winners")\nreturn msg'),
    ))
    deployment.worker()
    deployment.worker()
    for i in range(30):
        deployment.send("in", {"payload": i})
    scope = deployment.runtime.context.flow_scope("t")

    async def counted() -> bool:
        return scope.get("count") == 30

    await until(counted, what="30 increments from two workers")
    assert deployment.runtime.context.global_scope().get("winners") == 1
    assert scope.get("first") in range(30)


async def test_javascript_function_nodes_on_two_workers_count_atomically(deployment: Deployment) -> None:
    code = ('flow.incr("count");\nif (flow.compareAndSet("first", undefined, msg.payload)) global.incr("winners");\n'
            'return msg;')
    await deployment.start(tab(
        change("in", "x", [["work"]]),
        {"id": "work", "type": "function", "z": "t", "func": code, "outputs": 1, "wires": [[]]},
    ))
    deployment.worker()
    deployment.worker()
    for i in range(30):
        deployment.send("in", {"payload": i})
    scope = deployment.runtime.context.flow_scope("t")

    async def counted() -> bool:
        return scope.get("count") == 30

    await until(counted, what="30 increments from JavaScript function nodes on two workers")
    assert deployment.runtime.context.global_scope().get("winners") == 1
    assert scope.get("first") in range(30)

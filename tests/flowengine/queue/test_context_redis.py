"""The ``redis`` context store: shared by every process naming the same Redis, nested writes that
never lose a concurrent update, atomic ``incr`` and ``compare_and_set``; queue mode uses it for
all context, so a worker's ``flow.set`` is what the coordinator's ``flow.get`` reads."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from queue_flows import Deployment, change, fn, tab, until
from redis_server import RedisServer

from flowengine.context import ContextManager
from flowengine.errors import SettingsError
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
    with pytest.raises(SettingsError, match=r"contextStorage.default: the redis module needs config.url"):
        ContextManager(Settings.load(None, tmp_path, contextStorage={"default": {"module": "redis"}}))


PY_COUNTER = ('flow.incr("count")\nif flow.compare_and_set("first", None, msg["payload"]):\n'
              '    global_.incr("winners")\nreturn msg')
JS_COUNTER = ('flow.incr("count");\nif (flow.compareAndSet("first", undefined, msg.payload)) global.incr("winners");\n'
              'return msg;')


@pytest.mark.parametrize("counter", [
    fn("work", PY_COUNTER),
    {"id": "work", "type": "function", "z": "t", "func": JS_COUNTER, "outputs": 1, "wires": [[]]},
], ids=["python", "javascript"])
async def test_function_nodes_on_two_workers_count_atomically(deployment: Deployment, counter: dict[str, Any]) -> None:
    await deployment.start(tab(change("in", "x", [["work"]]), counter))
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


async def test_a_deploy_removes_the_redis_context_of_deleted_nodes_and_flows(deployment: Deployment,
                                                                              redis: Any) -> None:
    write = 'context.set("n", msg["payload"])\nflow.set("f", msg["payload"])\nglobal_.set("g", 1)\nreturn msg'
    other_tab = [{"id": "t2", "type": "tab", "label": "other"},
                 {**fn("other", write), "z": "t2"}, {**change("in2", "x", [["other"]]), "z": "t2"}]
    flows = [*tab(change("in", "x", [["keep", "gone"]]), fn("keep", write), fn("gone", write)), *other_tab]
    await deployment.start(flows)
    deployment.worker()
    deployment.send("in", {"payload": 1})
    deployment.send("in2", {"payload": 2})

    def hashes() -> set[str]:
        return {k.decode() for k in keys}

    async def written() -> bool:
        nonlocal keys
        keys = await redis.keys("flowengine:ctx:*")
        return hashes() >= {"flowengine:ctx:keep:t", "flowengine:ctx:gone:t", "flowengine:ctx:other:t2",
                            "flowengine:ctx:t", "flowengine:ctx:t2", "flowengine:ctx:global"}

    keys: list[bytes] = []
    await until(written, what="node, flow and global context written by the worker")
    await deployment.runtime.deploy([*tab(change("in", "x", [["keep"]]), fn("keep", write))])
    keys = await redis.keys("flowengine:ctx:*")
    assert hashes() == {"flowengine:ctx:keep:t", "flowengine:ctx:t", "flowengine:ctx:global"}
    assert deployment.runtime.context.flow_scope("t").get("f") == 1  # kept scopes keep their values


def test_clean_false_and_prefixes_keep_other_instances_context(redis_server: RedisServer, tmp_path: Path) -> None:
    def store(prefix: str, clean: bool = True) -> ContextManager:
        settings = Settings.load(None, tmp_path, contextStorage={"default": {"module": "redis", "config": {
            "url": redis_server.url, "prefix": prefix, "clean": clean}}})
        return ContextManager(settings, persist=False)

    starred, plain, keeper = store("a*"), store("ab"), store("kept", clean=False)
    try:
        for m in (starred, plain, keeper):
            m.node_scope("n1", "t").set("x", 1)
            m.flow_scope("t").set("x", 1)
        starred.clean({"t"})  # n1 deleted: only the "a*" instance's n1 goes
        keeper.clean(set())
        assert starred.node_scope("n1", "t").get("x") is UNDEFINED and starred.flow_scope("t").get("x") == 1
        assert plain.node_scope("n1", "t").get("x") == 1
        assert keeper.node_scope("n1", "t").get("x") == 1 and keeper.flow_scope("t").get("x") == 1
    finally:
        for m in (starred, plain, keeper):
            m.default.close()
    with pytest.raises(SettingsError, match=r"contextStorage.default: config.clean must be true or false"):
        store("p", clean="no")  # type: ignore[arg-type]

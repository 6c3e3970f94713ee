"""OpenAI nodes are boundary nodes by default: the call runs on a worker, with the API key that
reached it encrypted through Redis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from queue_flows import Deployment, change, entries_for, fn, queue_settings, tab, until
from redis_server import RedisServer

from flowengine.queue.keys import Keys
from flowengine.registry import Registry

KEYS = Keys()


async def test_openai_call_runs_on_a_worker_with_the_sealed_key(registry: Registry, redis_server: RedisServer,
                                                                 redis: Any, tmp_path: Path) -> None:
    keys_seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys_seen.append(request.headers.get("authorization", ""))
        question = json.loads(request.content)["messages"][-1]["content"]
        return httpx.Response(200, json={
            "id": "c1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": f"echo {question}"}}]})

    settings = queue_settings(tmp_path, redis_server.url)
    settings.extra["openai_transport"] = httpx.MockTransport(handler)
    deployment = Deployment(registry, settings)
    try:
        await deployment.start(tab(
            {"id": "cfg", "type": "openai-config", "credentials": {"api_key": "sk-queue-secret"}},
            change("in", "asked", [["chat"]]),
            {"id": "chat", "type": "openai-create-chat-completion", "z": "t", "config": "cfg", "model": "m",
             "wires": [["sink"]]},
            fn("sink", "return msg"),
        ))
        for i in range(3):
            deployment.send("in", {"payload": f"q{i}"})

        async def queued() -> bool:
            return len(await entries_for(redis, KEYS.work, "chat")) == 3

        await until(queued, what="three messages for the OpenAI node in the stream")
        assert keys_seen == []  # the coordinator made no call: the node is a boundary
        assert b"sk-queue-secret" not in b"".join(
            v for v in (await redis.hgetall(KEYS.flows(deployment.runtime.revision or ""))).values())
        deployment.worker()

        async def answered() -> bool:
            return len(await entries_for(redis, KEYS.work, "sink")) == 3

        await until(answered, what="three answers")
        answers = sorted(m["payload"]["choices"][0]["message"]["content"]
                         for m in await entries_for(redis, KEYS.work, "sink"))
        assert answers == ["echo q0", "echo q1", "echo q2"]
        assert keys_seen == ["Bearer sk-queue-secret"] * 3
    finally:
        await deployment.close()


async def test_rate_limited_call_is_parked_and_runs_again(registry: Registry, redis_server: RedisServer,
                                                          redis: Any, tmp_path: Path) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        question = json.loads(request.content)["messages"][-1]["content"]
        calls.append(question)
        if len(calls) == 1:
            return httpx.Response(429, json={"error": {"message": "slow down", "type": "rate_limit"}},
                                  headers={"retry-after-ms": "300"})
        return httpx.Response(200, json={
            "id": "c1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": question}}]})

    settings = queue_settings(tmp_path, redis_server.url)
    settings.extra["openai_transport"] = httpx.MockTransport(handler)
    deployment = Deployment(registry, settings)
    try:
        await deployment.start(tab(
            {"id": "cfg", "type": "openai-config", "max_retries": 0, "credentials": {"api_key": "sk-x"}},
            change("in", "asked", [["chat"]]),
            {"id": "chat", "type": "openai-create-chat-completion", "z": "t", "config": "cfg", "model": "m",
             "wires": [["sink"]]},
            fn("sink", "return msg"),
            {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["caught"]]},
            fn("caught", "return msg"),
        ))
        deployment.send("in", {"payload": "first"})
        deployment.send("in", {"payload": "second"})

        async def queued() -> bool:
            return len(await entries_for(redis, KEYS.work, "chat")) == 2

        await until(queued, what="both questions in the stream")
        worker = deployment.worker(concurrency=1)  # one slot: "second" runs only if "first" frees it

        async def parked() -> bool:
            return worker.parked == 1

        await until(parked, what="the rate-limited entry parked")
        assert await redis.zcard(KEYS.delayed) in (0, 1)  # due after 300 ms, then moved back

        async def answered() -> bool:
            return len(await entries_for(redis, KEYS.work, "sink")) == 2

        await until(answered, what="the parked call made again")
        assert calls == ["first", "second", "first"]
        # the parked question's slot went to the next entry: it was answered first
        sunk = await entries_for(redis, KEYS.work, "sink")
        answers = [m["payload"]["choices"][0]["message"]["content"] for m in sunk]
        assert answers == ["second", "first"]
        assert await entries_for(redis, KEYS.work, "caught") == []  # the 429 never reached the catch node
        assert await redis.zcard(KEYS.delayed) == 0
    finally:
        await deployment.close()


async def test_entry_parked_max_deliver_times_goes_to_the_catch_node(registry: Registry, redis_server: RedisServer,
                                                                     redis: Any, tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"error": {"message": "slow down"}}, headers={"retry-after-ms": "50"})

    settings = queue_settings(tmp_path, redis_server.url, max_deliver=2)
    settings.extra["openai_transport"] = httpx.MockTransport(handler)
    deployment = Deployment(registry, settings)
    try:
        await deployment.start(tab(
            {"id": "cfg", "type": "openai-config", "max_retries": 0, "credentials": {"api_key": "sk-x"}},
            change("in", "asked", [["chat"]]),
            {"id": "chat", "type": "openai-create-chat-completion", "z": "t", "config": "cfg", "model": "m",
             "wires": [[]]},
            {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["caught"]]},
            fn("caught", "return msg"),
        ))
        worker = deployment.worker()
        deployment.send("in", {"payload": "q"})

        async def caught() -> bool:
            return len(await entries_for(redis, KEYS.work, "caught")) == 1

        await until(caught, what="the error after two parks")
        assert worker.parked == 2
        error = (await entries_for(redis, KEYS.work, "caught"))[0]["error"]
        assert error["status"] == 429 and "slow down" in error["message"]
    finally:
        await deployment.close()


async def test_a_429_on_one_worker_holds_the_key_on_the_others(registry: Registry, redis_server: RedisServer,
                                                               redis: Any, tmp_path: Path) -> None:
    import time

    sent: list[float] = []
    limited: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(time.monotonic())
        if not limited:
            limited.append(time.monotonic())
            return httpx.Response(429, json={"error": {"message": "slow down"}}, headers={"retry-after-ms": "600"})
        return httpx.Response(200, json={
            "id": "c1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}]})

    settings = queue_settings(tmp_path, redis_server.url, concurrency=1)
    settings.extra["openai_transport"] = httpx.MockTransport(handler)
    deployment = Deployment(registry, settings)
    try:
        await deployment.start(tab(
            {"id": "cfg", "type": "openai-config", "max_retries": 1, "credentials": {"api_key": "sk-x"}},
            change("in", "asked", [["chat"]]),
            {"id": "chat", "type": "openai-create-chat-completion", "z": "t", "config": "cfg", "model": "m",
             "wires": [["sink"]]},
            fn("sink", "return msg"),
        ))
        deployment.worker()
        deployment.worker()
        deployment.send("in", {"payload": "one"})

        async def rate_limited() -> bool:
            return bool(limited)

        await until(rate_limited, what="the first call's 429")
        assert await redis.keys(f"{KEYS.prefix}:hold:*")  # the wait it asked for, for every worker
        # the first worker waits out the 429 itself (max_retries 1, concurrency 1): the second message
        # goes to the other worker, whose client never saw a 429
        deployment.send("in", {"payload": "two"})

        async def both() -> bool:
            return len(await entries_for(redis, KEYS.work, "sink")) == 2

        await until(both, what="both answers")
        assert len(sent) == 3 and all(t >= limited[0] + 0.5 for t in sent[1:])  # nobody sent during the hold
    finally:
        await deployment.close()

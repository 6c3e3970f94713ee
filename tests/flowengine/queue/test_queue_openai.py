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

"""HTTP-in in queue mode: the request is held by the coordinator that accepted it, the boundary node
runs on a worker, and the worker's ``http response`` answers it through that coordinator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from queue_flows import Deployment, fn, queue_settings, tab, until
from redis_server import RedisServer

from flowengine.http_routes import HTTP_ROUTES_KEY
from flowengine.registry import Registry
from flowengine.server.http_nodes_router import HttpNodeRouter


async def test_response_from_a_worker_reaches_the_client(registry: Registry, redis_server: RedisServer,
                                                         tmp_path: Path) -> None:
    settings = queue_settings(tmp_path, redis_server.url)
    router = HttpNodeRouter("/")
    settings.extra[HTTP_ROUTES_KEY] = router
    deployment = Deployment(registry, settings)
    try:
        await deployment.start(tab(
            {"id": "ask", "type": "http in", "z": "t", "url": "/ask", "method": "post", "wires": [["work"]]},
            fn("work", 'msg["payload"] = "answer to " + msg["payload"]\nreturn msg', [["resp"]]),
            {"id": "resp", "type": "http response", "z": "t", "statusCode": "201", "headers": {}, "wires": []},
        ))
        deployment.worker()
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answers = [await client.post("/ask", content=f"q{i}", headers={"content-type": "text/plain"},
                                         timeout=10) for i in range(3)]
        assert [(r.status_code, r.text) for r in answers] == [(201, f"answer to q{i}") for i in range(3)]
        stats: dict[str, Any] = deployment.coordinator.stats()
        assert stats["http_answered"] == 3 and stats["http_waiting"] == 0
    finally:
        await deployment.close()


async def test_http_in_answers_503_above_high_water(registry: Registry, redis_server: RedisServer,
                                                     tmp_path: Path) -> None:
    settings = queue_settings(tmp_path, redis_server.url, high_water=1)
    router = HttpNodeRouter("/")
    settings.extra[HTTP_ROUTES_KEY] = router
    deployment = Deployment(registry, settings)
    try:
        await deployment.start(tab(
            {"id": "ask", "type": "http in", "z": "t", "url": "/ask", "method": "post", "wires": [["work"]]},
            fn("work", "return msg", [["resp"]]),
            {"id": "resp", "type": "http response", "z": "t", "statusCode": "", "headers": {}, "wires": []},
        ))
        for i in range(3):  # no worker: the backlog grows past high_water
            deployment.send("work", {"payload": i})

        async def paused() -> bool:
            return deployment.coordinator.gate.paused

        await until(paused, what="backpressure")
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = await client.post("/ask", content="q", headers={"content-type": "text/plain"}, timeout=10)
        assert answer.status_code == 503
        assert deployment.coordinator.stats()["http_refused"] == 1
    finally:
        await deployment.close()

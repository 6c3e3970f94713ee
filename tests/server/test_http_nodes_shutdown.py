"""The node routes when the server stops: requests waiting for an ``http response`` node, and every
request that reaches a route after the stop, are answered 503 at once. Before, a request whose
message entered the flow just after the stop waited for the HTTP drain and was then cut by uvicorn
(500, or a dropped connection)."""

from __future__ import annotations

import asyncio

import httpx
from starlette.requests import Request
from starlette.responses import Response

from flowengine.server.http_nodes_router import HttpNodeRouter


def _router() -> tuple[HttpNodeRouter, list[asyncio.Future[Response]]]:
    router = HttpNodeRouter()
    waiting: list[asyncio.Future[Response]] = []

    async def handler(request: Request, params: dict[str, str]) -> Response:
        await request.body()
        fut = router.expect_response()  # as http in does: the flow answers through http response
        waiting.append(fut)
        return await fut

    router.add_route("POST", "/slow", handler)
    return router, waiting


async def test_waiting_requests_and_later_ones_are_answered_503() -> None:
    router, waiting = _router()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=router), base_url="http://node") as client:
        first = asyncio.create_task(client.post("/slow", content=b"a"))
        while not waiting:
            await asyncio.sleep(0)
        router.shutdown()
        answer = await asyncio.wait_for(first, 5)
        assert (answer.status_code, answer.text) == (503, "Service shutting down")

        later = await asyncio.wait_for(client.post("/slow", content=b"b"), 5)  # e.g. a kept-alive connection
        assert (later.status_code, later.text) == (503, "Service shutting down")
        assert later.headers["connection"] == "close"
        assert len(waiting) == 1  # refused before its handler ran


async def test_a_response_expected_after_the_stop_is_already_answered() -> None:
    router, _ = _router()
    router.shutdown()
    fut = router.expect_response()  # a handler that was reading its body when the stop came
    assert fut.done() and fut.result().status_code == 503
    assert router.pending == 0

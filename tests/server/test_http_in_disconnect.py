"""http in: a request whose client went away stops waiting for its response; a request answered
at once never reads its connection again (the watcher for the client starts only after
``WATCH_AFTER_S``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from flowengine.http_routes import http_routes
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server.app import create_app
from flowengine.settings import Settings
from nodes.core._http_watch import WATCH_AFTER_S

from .helpers import make_settings


def endpoint_flows(held: bool) -> list[dict[str, Any]]:
    # held: a delay node keeps the message, so nothing answers before the client goes away
    middle = (
        [
            {
                "id": "hold",
                "type": "delay",
                "z": "t",
                "pauseType": "delay",
                "timeout": "30",
                "timeoutUnits": "seconds",
                "wires": [["out"]],
            }
        ]
        if held
        else []
    )
    return [
        {"id": "t", "type": "tab", "label": "t"},
        {
            "id": "in",
            "type": "http in",
            "z": "t",
            "url": "/ep",
            "method": "get",
            "wires": [["hold" if held else "out"]],
        },
        *middle,
        {"id": "out", "type": "http response", "z": "t", "statusCode": "", "headers": {}, "wires": []},
    ]


def scope() -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/ep",
        "raw_path": b"/ep",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:1880")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 1880),
        "state": {},
    }


async def serve_one(tmp_path: Path, held: bool, gone: asyncio.Event) -> tuple[list[dict[str, Any]], int, Runtime]:
    settings: Settings = make_settings(tmp_path)
    runtime = Runtime(Registry.default(), settings, persist=False)
    app = create_app(runtime, settings, start_runtime=False)
    await runtime.start(endpoint_flows(held))
    sent: list[dict[str, Any]] = []
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        if reads == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope(), receive, send), timeout=WATCH_AFTER_S + 10)
    return sent, reads, runtime


async def test_a_response_given_at_once_reads_the_connection_once(tmp_path: Path) -> None:
    gone = asyncio.Event()
    sent, reads, runtime = await serve_one(tmp_path, held=False, gone=gone)
    try:
        assert sent[0]["status"] == 200
        assert reads == 0  # a GET without a body has none to read, and no watcher was started
    finally:
        await runtime.close()


async def test_a_flow_answering_in_its_first_hops_answers_within_the_request_s_turn(tmp_path: Path) -> None:
    # http in -> http response: the runtime was idle, so the flow runs in the request's own turn of
    # the event loop (``Node.send_now``), and the response is written before anything else runs
    settings: Settings = make_settings(tmp_path)
    runtime = Runtime(Registry.default(), settings, persist=False)
    app = create_app(runtime, settings, start_runtime=False)
    await runtime.start(endpoint_flows(held=False))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("a GET without a body is not read")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    try:
        await runtime.dispatcher.drained()
        turns: list[int] = []
        asyncio.get_running_loop().call_soon(turns.append, 1)
        await app(scope(), receive, send)
        assert sent[0]["status"] == 200 and turns == []
        assert runtime.dispatcher.idle
    finally:
        await runtime.close()


async def test_a_client_gone_while_the_flow_holds_its_message_is_let_go(tmp_path: Path) -> None:
    gone = asyncio.Event()
    gone.set()  # the client has already gone when the watcher looks
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    sent, reads, runtime = await serve_one(tmp_path, held=True, gone=gone)
    try:
        waited = loop.time() - t0
        assert sent[0]["status"] == 499 and reads == 2
        assert waited >= WATCH_AFTER_S  # the watcher started after WATCH_AFTER_S, not at once
        routes = http_routes(runtime.settings)
        assert routes is not None and routes.pending == 0  # its response future is let go
    finally:
        await runtime.close()


async def test_one_timer_watches_every_waiting_request() -> None:
    from starlette.requests import Request

    from nodes.core._http_watch import Watchlist

    loop = asyncio.get_running_loop()
    watchlist = Watchlist()
    gone = asyncio.Event()
    reads = {"quick": 0, "slow": 0, "gone": 0}

    def request(name: str) -> Request:
        async def receive() -> dict[str, Any]:
            reads[name] += 1
            if name == "gone":
                await gone.wait()
                return {"type": "http.disconnect"}
            await asyncio.Event().wait()  # a client that stays
            return {}

        return Request(scope(), receive)

    futures = {name: loop.create_future() for name in reads}
    waits = {name: asyncio.ensure_future(watchlist.wait(request(name), futures[name])) for name in reads}
    await asyncio.sleep(0.05)
    futures["quick"].set_result("answered")
    assert await waits["quick"] == "answered"
    assert len(watchlist) == 3 and reads == {"quick": 0, "slow": 0, "gone": 0}  # no watcher before the deadline
    await asyncio.sleep(WATCH_AFTER_S)
    assert reads == {"quick": 0, "slow": 1, "gone": 1} and len(watchlist) == 0  # one sweep: the answered one let go
    gone.set()
    response = await asyncio.wait_for(waits["gone"], 1)
    assert response.status_code == 499 and futures["gone"].done()
    futures["slow"].set_result("late")
    assert await waits["slow"] == "late"  # its watcher is cancelled with the wait

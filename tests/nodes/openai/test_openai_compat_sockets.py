"""@inductiv's Responses WebSocket helpers against a small Responses WebSocket server on 127.0.0.1:
connect, send, server events out as messages, close, and the node's close ending every connection."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request

from flowengine.settings import Settings
from flowengine.testing import FlowHarness


class FakeResponses:
    """Answers each ``response.create`` with created, one text delta and completed events."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.received: list[dict[str, Any]] = []
        self.close_codes: list[int | None] = []
        self.closed = asyncio.Event()

    def check(self, conn: ServerConnection, request: Request) -> None:
        self.requests.append(request)

    async def handle(self, ws: ServerConnection) -> None:
        try:
            async for raw in ws:
                event = json.loads(raw)
                self.received.append(event)
                response = {"id": "resp_1", "object": "response", "model": event.get("model"), "output": []}
                for reply in ({"type": "response.created", "response": {**response, "status": "in_progress"}},
                              {"type": "response.output_text.delta", "delta": "Hi"},
                              {"type": "response.completed", "response": {**response, "status": "completed"}}):
                    await ws.send(json.dumps(reply))
        finally:
            self.close_codes.append(ws.close_code)
            self.closed.set()


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeResponses, str]]:
    server_state = FakeResponses()
    server = await serve(server_state.handle, "127.0.0.1", 0, process_request=server_state.check)
    port = next(iter(server.sockets)).getsockname()[1]
    yield server_state, f"http://127.0.0.1:{port}/v1"
    server.close()
    await server.wait_closed()


def _flow(base: str, method: str) -> list[dict[str, Any]]:
    return [
        {"id": "svc", "type": "Service Host", "apiBase": base, "apiBaseType": "str", "organizationId": "org-ws",
         "organizationIdType": "str", "credentials": {"secureApiKeyValue": "sk-ws"}},
        {"id": "n", "type": "OpenAI API", "service": "svc", "method": method, "wires": [["out"]]},
        {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]


async def test_connect_send_events_and_close(fake: tuple[FakeResponses, str], tmp_path: Path) -> None:
    server, base = fake
    async with FlowHarness(_flow(base, "manageModelResponseWebSocket"), settings=Settings(user_dir=tmp_path)) as h:
        h.send_to("n", {"payload": {"action": "connect", "connection_id": "c1"}})
        [connected] = await h.wait_for("out", 1, timeout=5)
        assert connected["payload"] == {"object": "response.websocket.connection", "action": "connect",
                                        "connection_id": "c1", "url": base.replace("http", "ws") + "/responses"}
        [request] = server.requests
        assert request.path == "/v1/responses" and request.headers["Authorization"] == "Bearer sk-ws"
        assert request.headers["OpenAI-Organization"] == "org-ws"
        event = {"type": "response.create", "model": "gpt-5", "input": "hi"}
        h.send_to("n", {"payload": {"action": "send", "connection_id": "c1", "event": event}})
        completed = await h.wait_until("out", lambda m: m["payload"].get("type") == "response.completed", timeout=5)
        assert completed["openai"] == {"transport": "responses.websocket", "direction": "server",
                                       "connection_id": "c1", "event_type": "response.completed"}
        assert server.received == [event]
        assert any(m["payload"] == {"object": "response.websocket.client_event", "action": "send",
                                    "connection_id": "c1", "event_type": "response.create"} for m in h.received("out"))
        h.send_to("n", {"payload": {"action": "close", "connection_id": "c1", "code": 1000, "reason": "done"}})
        closed = await h.wait_until("out", lambda m: m["payload"].get("action") == "close", timeout=5)
        assert closed["payload"]["code"] == 1000 and closed["payload"]["reason"] == "done"
        await asyncio.wait_for(server.closed.wait(), 5)
        assert server.close_codes == [1000]
        assert not h.received("errors")


async def test_errors_read_as_that_package_wrote_them(fake: tuple[FakeResponses, str], tmp_path: Path) -> None:
    _, base = fake
    async with FlowHarness(_flow(base, "sendResponsesWebSocketEvent"), settings=Settings(user_dir=tmp_path)) as h:
        h.send_to("n", {"payload": {"connection_id": "nope", "event": {"type": "response.create"}}})
        h.send_to("n", {"payload": {"event": {}}})
        errors = await h.wait_for("errors", 2, timeout=5)
        assert {e["error"]["message"] for e in errors} == {
            "Responses websocket connection 'nope' is not open on this node",
            "msg.payload.connection_id must be a non-empty string"}


async def test_the_node_closing_closes_its_connections(fake: tuple[FakeResponses, str], tmp_path: Path) -> None:
    server, base = fake
    async with FlowHarness(_flow(base, "connectResponsesWebSocket"), settings=Settings(user_dir=tmp_path)) as h:
        h.send_to("n", {"payload": {"connection_id": "c2"}})
        await h.wait_for("out", 1, timeout=5)
        h.send_to("n", {"payload": {"connection_id": "c2"}})
        [err] = await h.wait_for("errors", 1, timeout=5)
        assert err["error"]["message"] == "Responses websocket connection 'c2' is already open on this node"
    await asyncio.wait_for(server.closed.wait(), 5)
    assert server.close_codes == [1000]

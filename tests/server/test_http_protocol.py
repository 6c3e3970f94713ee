"""OneWriteHttpProtocol: a response's head goes out with its first body part, in one write."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from flowengine.server.http_protocol import JOIN_LIMIT, OneWriteHttpProtocol


class FakeTransport(asyncio.Transport):
    """Records each ``write`` as the socket would get it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 1880), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def serve_one(app: Any, request: bytes, settle: int = 20) -> FakeTransport:
    config = Config(app, log_config=None, access_log=False, lifespan="off", http=OneWriteHttpProtocol)
    protocol = OneWriteHttpProtocol(config, ServerState(), {})
    transport = FakeTransport()
    protocol.connection_made(transport)
    protocol.data_received(request)
    for _ in range(settle):
        await asyncio.sleep(0)
    protocol.connection_lost(None)
    return transport


async def plain(scope: Any, receive: Any, send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


GET = b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n"


@pytest.mark.asyncio
async def test_head_and_body_are_one_write() -> None:
    transport = await serve_one(plain, GET)
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.writes[0].endswith(b"\r\n\r\nok")


@pytest.mark.asyncio
async def test_two_requests_on_one_connection_each_one_write() -> None:
    transport = await serve_one(plain, GET + GET)
    assert len(transport.writes) == 2
    assert all(w.endswith(b"\r\n\r\nok") for w in transport.writes)


@pytest.mark.asyncio
async def test_a_streamed_response_shows_its_head_before_its_first_part() -> None:
    seen: list[int] = []
    part = asyncio.Event()

    async def streaming(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
        await part.wait()  # an event that comes later
        await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    config = Config(streaming, log_config=None, access_log=False, lifespan="off", http=OneWriteHttpProtocol)
    protocol = OneWriteHttpProtocol(config, ServerState(), {})
    transport = FakeTransport()
    protocol.connection_made(transport)
    protocol.data_received(GET)
    for _ in range(10):
        await asyncio.sleep(0)
    seen.append(len(transport.writes))
    assert transport.writes and transport.writes[0].startswith(b"HTTP/1.1 200 OK")
    assert transport.writes[0].endswith(b"\r\n\r\n")  # the head alone, before any part
    part.set()
    for _ in range(10):
        await asyncio.sleep(0)
    protocol.connection_lost(None)
    assert seen == [1]
    assert b"".join(transport.writes[1:]) == b"9\r\ndata: 1\n\n\r\n0\r\n\r\n"


@pytest.mark.asyncio
async def test_head_request_writes_its_head() -> None:
    transport = await serve_one(plain, b"HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n")
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK") and transport.writes[0].endswith(b"\r\n\r\n")


@pytest.mark.asyncio
async def test_an_app_failing_after_its_head_writes_the_head_then_closes() -> None:
    async def failing(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
        raise RuntimeError("broken")

    transport = await serve_one(failing, GET)
    assert transport.closed
    assert len(transport.writes) == 1 and transport.writes[0].startswith(b"HTTP/1.1 200 OK")


@pytest.mark.asyncio
async def test_100_continue_is_not_held() -> None:
    async def reading(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": body})

    config = Config(reading, log_config=None, access_log=False, lifespan="off", http=OneWriteHttpProtocol)
    protocol = OneWriteHttpProtocol(config, ServerState(), {})
    transport = FakeTransport()
    protocol.connection_made(transport)
    protocol.data_received(b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
    for _ in range(10):
        await asyncio.sleep(0)
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    protocol.data_received(b"abc")
    for _ in range(10):
        await asyncio.sleep(0)
    protocol.connection_lost(None)
    assert len(transport.writes) == 2 and transport.writes[1].endswith(b"\r\n\r\nabc")


@pytest.mark.asyncio
async def test_a_large_body_follows_its_head_uncopied() -> None:
    body = b"x" * (JOIN_LIMIT + 1)

    async def large(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": body})

    transport = await serve_one(large, GET)
    assert len(transport.writes) == 2
    assert transport.writes[0].endswith(b"\r\n\r\n") and transport.writes[1] == body

"""The comms websocket against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from flowengine.events import EventBus
from flowengine.server import hash_password
from flowengine.server.auth import AdminAuth
from flowengine.server.comms import CommsConnection, CommsHub

from .helpers import V2, inject_debug, make_settings
from .live import LiveServer, live_server

pytestmark = pytest.mark.integration


def _events(ws: ClientConnection, until: Any, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Flattened events until ``until(events)`` is true (frames must be arrays)."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while not until(got):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out; got {got}")
        frame = json.loads(ws.recv(timeout=remaining))
        assert isinstance(frame, list), frame
        assert 1 <= len(frame) <= 50
        got.extend(frame)
    return got


def _deploy(server: LiveServer, flows: list[dict[str, Any]], headers: dict[str, str] | None = None) -> str:
    r = httpx.post(f"{server.http}/flows", json={"flows": flows}, headers={**V2, **(headers or {})})
    assert r.status_code == 200, r.text
    return str(r.json()["rev"])


def test_debug_events_reach_every_connection(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path)) as server:
        rev = _deploy(server, inject_debug())
        with connect(f"{server.ws}/comms") as a, connect(f"{server.ws}/comms") as b:
            a.send(json.dumps({"subscribe": "debug"}))
            time.sleep(0.1)
            assert httpx.post(f"{server.http}/inject/inj1").status_code == 200
            for ws in (a, b):  # b subscribed to nothing: events still arrive
                events = _events(ws, lambda got: any(e["topic"] == "debug" for e in got))
                debug = next(e["data"] for e in events if e["topic"] == "debug")
                assert debug["id"] == "dbg1" and debug["msg"] == "hello" and debug["format"] == "string[5]"
        with connect(f"{server.ws}/comms") as c:
            c.send(json.dumps({"subscribe": "notification/#"}))
            events = _events(c, lambda got: any(e["topic"] == "notification/runtime-deploy" for e in got))
            deploy = next(e for e in events if e["topic"] == "notification/runtime-deploy")
            assert deploy["data"] == {"revision": rev}


def test_batches_of_fifty(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path)) as server, connect(f"{server.ws}/comms") as ws:
        time.sleep(0.1)
        for i in range(120):
            server.runtime.events.publish("debug", {"n": i})
        sizes: list[int] = []
        got: list[dict[str, Any]] = []
        while len(got) < 120:
            frame = json.loads(ws.recv(timeout=5))
            sizes.append(len(frame))
            got.extend(frame)
        assert [e["data"]["n"] for e in got] == list(range(120))
        assert max(sizes) == 50 and len(sizes) >= 3


def test_retained_replay_matches_pattern(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path)) as server:
        server.runtime.events.publish("status/n1", {"text": "one"}, retain=True)
        server.runtime.events.publish("status/n2", {"text": "two"}, retain=True)
        with connect(f"{server.ws}/comms") as ws:
            ws.send(json.dumps({"subscribe": "status/n2"}))
            events = _events(ws, lambda got: len(got) >= 1)
            assert events == [{"topic": "status/n2", "data": {"text": "two"}}]
            ws.send(json.dumps({"subscribe": "#"}))  # a bare '#' matches nothing (Node-RED quirk)
            ws.send(json.dumps({"subscribe": "status/#"}))
            events = _events(ws, lambda got: len(got) >= 2)
            assert {e["topic"] for e in events} == {"status/n1", "status/n2"}


def test_heartbeat(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path, webSocketKeepAliveTime=200)) as server, \
            connect(f"{server.ws}/comms") as ws:
        events = _events(ws, lambda got: any(e["topic"] == "hb" for e in got))
        assert isinstance(next(e for e in events if e["topic"] == "hb")["data"], int)


def _auth_settings(tmp_path: Path, **extra: Any) -> Any:
    users = [{"username": "admin", "password": hash_password("pw", rounds=4), "permissions": "*"}]
    return make_settings(tmp_path, adminAuth={"type": "credentials", "users": users, **extra},
                         webSocketKeepAliveTime=200)


def _login(server: LiveServer) -> str:
    r = httpx.post(f"{server.http}/auth/token", data={"client_id": "node-red-editor", "grant_type": "password",
                                                     "username": "admin", "password": "pw"})
    return str(r.json()["access_token"])


def test_auth_handshake(tmp_path: Path) -> None:
    with live_server(_auth_settings(tmp_path)) as server:
        token = _login(server)
        with connect(f"{server.ws}/comms") as ws:
            ws.send(json.dumps({"auth": token}))
            assert json.loads(ws.recv(timeout=5)) == {"auth": "ok"}
            server.runtime.events.publish("debug", {"x": 1})
            assert _events(ws, lambda got: any(e["topic"] == "debug" for e in got))
        for first in ({"auth": "garbage"}, {"subscribe": "debug"}):
            with connect(f"{server.ws}/comms") as ws:
                server.runtime.events.publish("debug", {"secret": 1})
                ws.send(json.dumps(first))
                assert json.loads(ws.recv(timeout=5)) == {"auth": "fail"}
                with pytest.raises(ConnectionClosed):
                    ws.recv(timeout=5)


def test_expired_token_closes_open_socket(tmp_path: Path) -> None:
    with live_server(_auth_settings(tmp_path)) as server:
        token = _login(server)
        with connect(f"{server.ws}/comms") as ws:
            ws.send(json.dumps({"auth": token}))
            assert json.loads(ws.recv(timeout=5)) == {"auth": "ok"}
            httpx.post(f"{server.http}/auth/revoke", json={"token": token},
                       headers={"Authorization": f"Bearer {_login(server)}"})
            frames = []
            with pytest.raises(ConnectionClosed):
                for _ in range(20):
                    frames.append(json.loads(ws.recv(timeout=5)))
            assert frames[-1] == {"auth": "fail"}


def test_anonymous_default_permissions(tmp_path: Path) -> None:
    with live_server(_auth_settings(tmp_path, default={"permissions": "read"})) as server, \
            connect(f"{server.ws}/comms") as ws:
        ws.send(json.dumps({"subscribe": "debug"}))
        time.sleep(0.1)
        server.runtime.events.publish("debug", {"x": 2})
        assert _events(ws, lambda got: any(e["topic"] == "debug" for e in got))


class _StuckSocket:
    """A websocket whose peer never reads: every send blocks."""

    client = None

    def __init__(self) -> None:
        self.sent = 0
        self.closed: int | None = None

    async def send_text(self, text: str) -> None:
        self.sent += 1
        await asyncio.Event().wait()

    async def receive_text(self) -> str:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self, code: int = 1000) -> None:
        self.closed = code


async def test_slow_reader_is_dropped_without_blocking_publishers() -> None:
    bus = EventBus()
    hub = CommsHub(bus, AdminAuth(None, None), queue_limit=100, keepalive_s=30)
    hub.start()
    ws = _StuckSocket()
    conn = CommsConnection(ws, hub)  # type: ignore[arg-type]
    hub.connections.add(conn)
    runner = asyncio.ensure_future(conn.run())
    for i in range(100):
        bus.publish("debug", {"n": i})
    await asyncio.sleep(0.2)  # the sender takes one batch and blocks in send
    assert ws.sent == 1
    for i in range(200):  # never blocks: the bus call only appends or drops
        bus.publish("debug", {"n": i})
    assert conn.dropped
    await asyncio.wait_for(runner, 5)
    assert ws.closed == 1008
    hub.close()


def test_never_reading_client_is_dropped_on_a_real_socket(tmp_path: Path) -> None:
    import socket as socketlib

    with live_server(make_settings(tmp_path, commsQueueLimit=50)) as server:
        raw = socketlib.create_connection(("127.0.0.1", server.port))
        raw.setsockopt(socketlib.SOL_SOCKET, socketlib.SO_RCVBUF, 4096)
        raw.sendall(b"GET /comms HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        assert b" 101 " in raw.recv(1024)
        hub = server.app.state.flowengine.comms
        deadline = time.monotonic() + 5
        while not hub.connections:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        big = "x" * 100_000
        deadline = time.monotonic() + 20
        sent = 0
        while hub.connections:  # the client reads nothing: its queue fills and it is dropped
            assert time.monotonic() < deadline, "slow client was never dropped"
            server.runtime.events.publish("debug", {"n": sent, "blob": big})
            sent += 1
            time.sleep(0.001)
        assert httpx.get(f"{server.http}/flows/state", timeout=5).json() == {"state": "start"}
        raw.close()


class _Clock:
    """``time`` for the comms module: a monotonic clock the test moves."""

    def __init__(self, now: float) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now


class _RecordingSocket:
    client = None

    def __init__(self) -> None:
        self.frames: list[Any] = []

    async def send_text(self, text: str) -> None:
        self.frames.append(json.loads(text))

    async def receive_text(self) -> str:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self, code: int = 1000) -> None:
        pass


async def test_flush_timer_runs_from_the_first_event_queued(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deploy queues ``runtime-state`` and keeps the loop busy (stop, compile) before the sender
    runs: the 50 ms count from the event, as Node-RED's timer does, not from when the sender ran."""
    import flowengine.server.comms as comms

    clock = _Clock(100.0)
    waits: list[float] = []
    real_sleep = asyncio.sleep

    class _Asyncio:
        def __getattr__(self, name: str) -> Any:
            return getattr(asyncio, name)

        @staticmethod
        async def sleep(delay: float) -> None:
            waits.append(delay)
            await real_sleep(0)

    monkeypatch.setattr(comms, "time", clock)
    monkeypatch.setattr(comms, "asyncio", _Asyncio())
    bus = EventBus()
    hub = CommsHub(bus, AdminAuth(None, None), keepalive_s=30)
    hub.start()
    ws = _RecordingSocket()
    conn = CommsConnection(ws, hub)  # type: ignore[arg-type]
    hub.connections.add(conn)
    runner = asyncio.ensure_future(conn.run())
    await real_sleep(0.01)  # the sender waits for events
    bus.publish("notification/runtime-state", {})
    clock.now += 0.03  # the publisher's synchronous work: the sender has not run yet
    bus.publish("notification/runtime-deploy", {"revision": "r"})
    for _ in range(20):
        if ws.frames:
            break
        await real_sleep(0.01)
    assert waits == [pytest.approx(0.02)]
    assert [e["topic"] for e in ws.frames[0]] == ["notification/runtime-state", "notification/runtime-deploy"]
    clock.now += 1.0  # the next event has its own 50 ms
    bus.publish("debug", {"n": 1})
    for _ in range(20):
        if len(ws.frames) == 2:
            break
        await real_sleep(0.01)
    assert waits == [pytest.approx(0.02), pytest.approx(0.05)]
    conn.stop()
    await asyncio.wait_for(runner, 5)
    hub.close()

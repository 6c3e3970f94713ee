"""websocket in/out with websocket-listener and websocket-client, on a live server (127.0.0.1)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from flowengine.http_routes import HTTP_ROUTES_KEY
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app
from flowengine.server.http_nodes_router import HttpNodeRouter
from flowengine.settings import Settings
from flowengine.testing import SINK_TOPIC, FlowHarness, TestSink

pytestmark = pytest.mark.integration


class Live:
    def __init__(self, tmp: Path) -> None:
        reg = Registry.default()
        reg.add(TestSink)
        settings = Settings(user_dir=tmp)
        self.runtime = Runtime(reg, settings, persist=False)
        self.received: list[tuple[str, Any]] = []
        self.runtime.events.listen(lambda t, d: self.received.append(d) if t == SINK_TOPIC else None)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.runtime, settings, editor=False), log_config=None,
                                lifespan="on", ws_ping_interval=None, timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def deploy(self, flows: list[dict[str, Any]]) -> None:
        r = httpx.post(f"http://127.0.0.1:{self.port}/flows", json=flows)
        assert r.status_code == 204, r.text
        time.sleep(0.2)

    def wait_sink(self, count: int, timeout: float = 5) -> list[tuple[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, self.received
            time.sleep(0.02)
        return list(self.received)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    server = Live(tmp_path)
    server.thread.start()
    deadline = time.monotonic() + 20
    while not server.server.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    yield server
    server.server.should_exit = True
    server.thread.join(20)
    server.sock.close()


TAB = {"id": "t1", "type": "tab", "label": "ws", "disabled": False, "info": "", "env": []}


def node(**props: Any) -> dict[str, Any]:
    return {"z": "t1", "x": 1, "y": 1, "name": "", **props}


def test_listener_echo_to_session_and_broadcast(live: Live) -> None:
    live.deploy([
        TAB,
        {"id": "L", "type": "websocket-listener", "path": "/ws/echo", "wholemsg": "false"},
        node(id="in", type="websocket in", server="L", client="", wires=[["out", "sink"]]),
        node(id="out", type="websocket out", server="L", client="", wires=[]),
        node(id="sink", type="test-sink", wires=[]),
        node(id="inj", type="inject", props=[{"p": "payload"}], payload='{"all":true}', payloadType="json",
             repeat="", crontab="", once=False, wires=[["out"]]),
    ])
    url = f"ws://127.0.0.1:{live.port}/ws/echo"
    with connect(url) as a, connect(url) as b:
        a.send("hi")
        assert a.recv(timeout=5) == "hi"
        _, msg = live.wait_sink(1)[0]
        assert msg["payload"] == "hi" and msg["_session"]["type"] == "websocket"
        b.send(b"\x01\x02")
        assert b.recv(timeout=5) == b"\x01\x02"
        assert httpx.post(f"http://127.0.0.1:{live.port}/inject/inj").status_code == 200
        assert json.loads(a.recv(timeout=5)) == {"all": True}
        assert json.loads(b.recv(timeout=5)) == {"all": True}


def test_wholemsg_and_route_removed_on_redeploy(live: Live) -> None:
    flows = [
        TAB,
        {"id": "L", "type": "websocket-listener", "path": "/ws/whole", "wholemsg": "true"},
        node(id="in", type="websocket in", server="L", client="", wires=[["sink"]]),
        node(id="sink", type="test-sink", wires=[]),
    ]
    live.deploy(flows)
    with connect(f"ws://127.0.0.1:{live.port}/ws/whole") as ws:
        ws.send(json.dumps({"payload": 5, "topic": "t"}))
        _, msg = live.wait_sink(1)[0]
        assert msg["payload"] == 5 and msg["topic"] == "t"
    live.deploy([TAB])
    with pytest.raises(InvalidStatus), connect(f"ws://127.0.0.1:{live.port}/ws/whole") as ws:
        ws.recv(timeout=2)


def test_client_config_connects_and_sends(live: Live) -> None:
    live.deploy([
        TAB,
        {"id": "L", "type": "websocket-listener", "path": "/ws/srv", "wholemsg": "false"},
        {"id": "C", "type": "websocket-client", "path": f"ws://127.0.0.1:{live.port}/ws/srv", "wholemsg": "false",
         "tls": "", "hb": "0", "subprotocol": ""},
        node(id="srv_in", type="websocket in", server="L", client="", wires=[["sink", "srv_out"]]),
        node(id="srv_out", type="websocket out", server="L", client="", wires=[]),
        node(id="cli_in", type="websocket in", server="", client="C", wires=[["sink"]]),
        node(id="cli_out", type="websocket out", server="", client="C", wires=[]),
        node(id="sink", type="test-sink", wires=[]),
        node(id="inj", type="inject", props=[{"p": "payload"}], payload="ping", payloadType="str",
             repeat="", crontab="", once=False, wires=[["cli_out"]]),
    ])
    deadline = time.monotonic() + 10
    while not any(t == "status/cli_in" and d.get("text") == "connected"
                  for t, d in live.runtime.events.retained("status/#")):
        assert time.monotonic() < deadline, "websocket client did not connect"
        time.sleep(0.05)
    assert httpx.post(f"http://127.0.0.1:{live.port}/inject/inj").status_code == 200
    got = live.wait_sink(2)
    payloads = sorted(m["payload"] for _, m in got)
    assert payloads == ["ping", "ping"]  # the listener got it, echoed it, and the client received the echo


async def _stalled_client(port: int, path: str) -> socket.socket:
    """A websocket client that completes the handshake and then never reads (tiny receive buffer)."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    await loop.sock_sendall(sock, (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                                   "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += await loop.sock_recv(sock, 1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


async def test_a_client_that_stops_reading_is_dropped_while_others_keep_receiving(tmp_path: Path) -> None:
    router = HttpNodeRouter("/")
    settings = Settings.load(user_dir=tmp_path, webSocketMsgQueueSize=8)
    settings.extra[HTTP_ROUTES_KEY] = router
    flows = [{"id": "L", "type": "websocket-listener", "path": "/ws/slow", "wholemsg": "false"},
             {"id": "out", "type": "websocket out", "server": "L", "client": "", "wires": []}]
    listen = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listen.bind(("127.0.0.1", 0))
    port = listen.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(router, log_config=None, lifespan="off", ws_ping_interval=None,
                                           timeout_graceful_shutdown=2))
    serving = asyncio.create_task(server.serve(sockets=[listen]))
    h = FlowHarness(flows, settings=settings)
    await h.__aenter__()
    stalled: socket.socket | None = None
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        stalled = await _stalled_client(port, "/ws/slow")
        async with ws_connect(f"ws://127.0.0.1:{port}/ws/slow", max_size=None) as good:
            listener = h.node("L")
            while len(listener.sessions) < 2:
                await asyncio.sleep(0.01)
            frame = "x" * 32768
            slowest = 0.0
            sent = 0
            # Until the stalled client's socket buffers and its queue are full (~4 MB here), every
            # frame goes to both; the reading client must get each one at once all along.
            while len(listener.sessions) == 2 and sent < 1000:
                started = time.monotonic()
                h.send_to("out", {"payload": f"{sent}:{frame}"})
                got = await asyncio.wait_for(good.recv(), 5)
                slowest = max(slowest, time.monotonic() - started)
                assert isinstance(got, str) and got.split(":", 1)[0] == str(sent)
                sent += 1
            assert len(listener.sessions) == 1, "the stalled session was never dropped"
            assert slowest < 1.0, f"the reading client waited {slowest:.1f} s behind the stalled one"
            h.send_to("out", {"payload": "after"})
            assert await asyncio.wait_for(good.recv(), 5) == "after"
            warnings = [text for _, node_id, text in h.logs if node_id == "out"]
            assert any("/ws/slow" in t and "not reading" in t and "8 messages" in t for t in warnings), h.logs
    finally:
        if stalled is not None:
            stalled.close()
        await h.__aexit__(None, None, None)
        server.should_exit = True
        await serving
        listen.close()


async def test_config_references_are_checked_by_validation(tmp_path: Path) -> None:
    from flowengine.errors import FlowValidationError

    runtime = Runtime(Registry.default(), Settings(user_dir=tmp_path), persist=False)
    await runtime.start([])
    try:
        good = [TAB, {"id": "L", "type": "websocket-listener", "path": "/ws/ok", "wholemsg": "false"},
                {"id": "C", "type": "websocket-client", "path": "ws://127.0.0.1:1/x", "tls": "", "wholemsg": "false"},
                node(id="in", type="websocket in", server="L", client="", wires=[[]]),
                node(id="out", type="websocket out", server="", client="C", wires=[])]
        assert [p for p in runtime.check(good) if p.level == "error"] == []
        missing = [*good[:3], node(id="in", type="websocket in", server="nowhere", client="", wires=[[]])]
        with pytest.raises(FlowValidationError) as refused:
            await runtime.deploy(missing)
        (problem,) = [p for p in refused.value.problems if p.level == "error"]
        assert (problem.node_id, problem.property) == ("in", "server") and "'nowhere'" in problem.message
        wrong_kind = [*good[:3], node(id="out", type="websocket out", server="", client="L", wires=[])]
        (problem,) = [p for p in runtime.check(wrong_kind) if p.level == "error"]
        assert (problem.node_id, problem.property) == ("out", "client") and "websocket-client" in problem.message
        req = [TAB, node(id="r", type="http request", method="GET", url="http://x.test/", tls="t?", proxy="p?",
                         wires=[[]]),
               {"id": "C2", "type": "websocket-client", "path": "wss://x.test/", "tls": "L", "wholemsg": "false"},
               {"id": "L", "type": "websocket-listener", "path": "/ws/ok", "wholemsg": "false"}]
        found = {(p.node_id, p.property) for p in runtime.check(req) if p.level == "error"}
        assert found == {("r", "tls"), ("r", "proxy"), ("C2", "tls")}
    finally:
        await runtime.close()

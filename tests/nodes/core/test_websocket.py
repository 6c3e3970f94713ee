"""websocket in/out with websocket-listener and websocket-client, on a live server (127.0.0.1)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app
from flowengine.settings import Settings
from flowengine.testing import SINK_TOPIC, TestSink

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

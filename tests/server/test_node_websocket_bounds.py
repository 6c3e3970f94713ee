"""Node websockets (websocket-listener) honour httpNodeAuth and a cap on clients (issue 18)."""

from __future__ import annotations

import base64
import contextlib
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from flowengine.server import hash_password
from flowengine.settings import Settings

from .live import LiveServer, live_server

pytestmark = pytest.mark.integration

FLOWS = [{"id": "t1", "type": "tab", "label": "t"},
         {"id": "l", "type": "websocket-listener", "path": "/ws/echo", "wholemsg": "false"},
         {"id": "in", "type": "websocket in", "z": "t1", "server": "l", "client": "", "x": 1, "y": 1,
          "wires": [["out"]]},
         {"id": "out", "type": "websocket out", "z": "t1", "server": "l", "client": "", "x": 1, "y": 1,
          "wires": []}]


def _deploy(server: LiveServer, flows: list[dict[str, Any]]) -> None:
    assert httpx.post(f"{server.http}/flows", json=flows).status_code == 204
    deadline = time.monotonic() + 5
    while server.runtime.node("l") is None or getattr(server.runtime.node("l"), "_remove", None) is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_websocket_listener_honours_http_node_auth(tmp_path: Path) -> None:
    auth = {"user": "u", "pass": hash_password("secret", rounds=4)}
    with live_server(Settings.load(user_dir=tmp_path, httpNodeAuth=auth)) as server:
        _deploy(server, FLOWS)
        with pytest.raises(InvalidStatus), connect(f"{server.ws}/ws/echo"):
            pass
        bad = base64.b64encode(b"u:wrong").decode()
        with pytest.raises(InvalidStatus), connect(f"{server.ws}/ws/echo",
                                                   additional_headers={"Authorization": f"Basic {bad}"}):
            pass
        good = base64.b64encode(b"u:secret").decode()
        with connect(f"{server.ws}/ws/echo", additional_headers={"Authorization": f"Basic {good}"}) as ws:
            ws.send("hello")
            assert ws.recv(timeout=5) == "hello"


def test_a_listener_serves_at_most_webSocketNodeMaxSessions_clients(tmp_path: Path) -> None:
    with live_server(Settings.load(user_dir=tmp_path, webSocketNodeMaxSessions=3)) as server:
        _deploy(server, FLOWS)
        with contextlib.ExitStack() as stack:
            first = [stack.enter_context(connect(f"{server.ws}/ws/echo")) for _ in range(3)]
            with pytest.raises(InvalidStatus), connect(f"{server.ws}/ws/echo"):
                pass
            first[0].close()
            deadline = time.monotonic() + 5
            while len(server.runtime.node("l").sessions) >= 3:  # type: ignore[union-attr]
                assert time.monotonic() < deadline
                time.sleep(0.02)
            with connect(f"{server.ws}/ws/echo") as ws:  # room again
                ws.send("again")
                assert ws.recv(timeout=5) == "again"

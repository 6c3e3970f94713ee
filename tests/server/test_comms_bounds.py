"""Comms memory and slot bounds (issue 18, faults 3 and the websocket flood): a client that stops
reading is dropped once its queue passes ``commsQueueLimitBytes``; a flood of sockets that never
authenticate cannot keep the editor's socket out."""

from __future__ import annotations

import json
import logging
import socket
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

from .helpers import make_settings
from .live import live_server
from .test_comms import _auth_settings, _login

pytestmark = pytest.mark.integration

UPGRADE = (b"GET /comms HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def _raw_socket(port: int) -> socket.socket:
    raw = socket.create_connection(("127.0.0.1", port))
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.sendall(UPGRADE)
    assert b" 101 " in raw.recv(1024)
    return raw


def test_a_client_that_stops_reading_is_dropped_by_bytes_not_frames(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # 10,000 frames would be allowed; 2 MB of queued events are not
    settings = make_settings(tmp_path, commsQueueLimitBytes=2 * 2**20)
    with live_server(settings) as server, caplog.at_level(logging.WARNING, "flowengine.server.comms"):
        raw = _raw_socket(server.port)
        hub = server.app.state.flowengine.comms
        deadline = time.monotonic() + 5
        while not hub.connections:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        blob = "x" * 200_000
        sent = 0
        deadline = time.monotonic() + 20
        while hub.connections:
            assert time.monotonic() < deadline, "the client that reads nothing was never dropped"
            server.runtime.events.publish("debug", {"n": sent, "msg": blob})
            sent += 1
            time.sleep(0.002)
        raw.close()
    assert sent < 200  # far below commsQueueLimit (10,000 frames): the bytes decided
    assert any("commsQueueLimitBytes" in r.getMessage() and "dropped" in r.getMessage() for r in caplog.records)


def test_a_flood_of_unauthenticated_sockets_cannot_lock_the_editor_out(tmp_path: Path) -> None:
    with live_server(_auth_settings(tmp_path)) as server:
        token = _login(server)
        hub = server.app.state.flowengine.comms
        flood = [_raw_socket(server.port) for _ in range(150)]  # more than MAX_PENDING, none authenticates
        try:
            deadline = time.monotonic() + 10
            while len(hub.connections) < hub.max_pending:
                assert time.monotonic() < deadline
                time.sleep(0.02)
            assert len(hub.connections) <= hub.max_pending
            with connect(f"{server.ws}/comms") as ws:  # the editor
                ws.send(json.dumps({"auth": token}))
                assert json.loads(ws.recv(timeout=5)) == {"auth": "ok"}
                assert sum(1 for c in hub.connections if not c.active) <= hub.max_pending
        finally:
            for raw in flood:
                raw.close()

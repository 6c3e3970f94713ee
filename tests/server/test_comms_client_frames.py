"""Comms frames from the client, read as Node-RED reads them: the first truthy one of ``auth``,
``subscribe``, ``topic`` wins; ``{"topic","data"}`` goes to the hub's client listeners (Node-RED's
``comms:message:<topic>``) with no answer; everything else is ignored and the connection stays open."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from flowengine.server import hash_password
from flowengine.server.comms import CommsHub

from .helpers import make_settings
from .live import LiveServer, live_server

pytestmark = pytest.mark.integration

Received = list[tuple[str, Any, "str | None"]]


@contextmanager
def listening(server: LiveServer) -> Iterator[Received]:
    hub: CommsHub = server.app.state.flowengine.comms
    got: Received = []
    remove = hub.listen_client(lambda topic, data, user: got.append((topic, data, user)))
    try:
        yield got
    finally:
        remove()


def _quiet(ws: ClientConnection, seconds: float = 0.3) -> None:
    """Nothing arrives for ``seconds`` (and the connection is still open)."""
    with pytest.raises(TimeoutError):
        ws.recv(timeout=seconds)


def _alive(server: LiveServer, ws: ClientConnection) -> None:
    """The connection is open and active: it gets the events the runtime publishes."""
    server.runtime.events.publish("debug", {"probe": True})
    assert json.loads(ws.recv(timeout=5)) == [{"topic": "debug", "data": {"probe": True}}]


def _wait_for(got: Received, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(got) < count:
        assert time.monotonic() < deadline, got
        time.sleep(0.02)


def test_topic_frame_reaches_client_listeners_without_an_answer(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path)) as server, listening(server) as got, \
            connect(f"{server.ws}/comms") as ws:
        ws.send(json.dumps({"topic": "plugin/action", "data": {"value": "hello"}}))
        _wait_for(got, 1)
        assert got == [("plugin/action", {"value": "hello"}, None)]
        _quiet(ws)
        _alive(server, ws)


@pytest.mark.parametrize("frame", ["not json", "5", "[]", "null", '"auth"', "{}", '{"other": 1}',
                                   '{"subscribe": ""}', '{"topic": ""}', '{"topic": 0, "data": 1}',
                                   '{"auth": "ignored: adminAuth is off"}'])
def test_other_frames_are_ignored(tmp_path: Path, frame: str) -> None:
    with live_server(make_settings(tmp_path)) as server, listening(server) as got, \
            connect(f"{server.ws}/comms") as ws:
        ws.send(frame)
        _quiet(ws)
        _alive(server, ws)
        assert got == []


def test_subscribe_wins_over_topic(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path)) as server, listening(server) as got:
        server.runtime.events.publish("status/n1", {"text": "one"}, retain=True)
        with connect(f"{server.ws}/comms") as ws:
            ws.send(json.dumps({"subscribe": "status/#", "topic": "plugin/x", "data": 1}))
            assert json.loads(ws.recv(timeout=5)) == [{"topic": "status/n1", "data": {"text": "one"}}]
        assert got == []


def _auth_settings(tmp_path: Path, **extra: Any) -> Any:
    users = [{"username": "admin", "password": hash_password("pw", rounds=4), "permissions": "*"}]
    return make_settings(tmp_path, adminAuth={"type": "credentials", "users": users, **extra})


def _login(server: LiveServer) -> str:
    r = httpx.post(f"{server.http}/auth/token", data={"client_id": "node-red-editor", "grant_type": "password",
                                                     "username": "admin", "password": "pw"})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def test_topic_frame_names_the_user_and_auth_frames_reauthenticate(tmp_path: Path) -> None:
    with live_server(_auth_settings(tmp_path)) as server, listening(server) as got, \
            connect(f"{server.ws}/comms") as ws:
        first, second = _login(server), _login(server)
        ws.send(json.dumps({"auth": first}))
        assert json.loads(ws.recv(timeout=5)) == {"auth": "ok"}
        ws.send(json.dumps({"topic": "plugin/action", "data": [1]}))
        _wait_for(got, 1)
        assert got == [("plugin/action", [1], "admin")]
        ws.send(json.dumps({"auth": second}))  # a later auth frame replaces the token (Node-RED)
        assert json.loads(ws.recv(timeout=5)) == {"auth": "ok"}
        ws.send(json.dumps({"auth": "garbage"}))
        assert json.loads(ws.recv(timeout=5)) == {"auth": "fail"}
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)


def test_topic_frame_cannot_open_a_connection(tmp_path: Path) -> None:
    with live_server(_auth_settings(tmp_path)) as server, listening(server) as got, \
            connect(f"{server.ws}/comms") as ws:
        ws.send(json.dumps({"topic": "plugin/action", "data": 1}))
        assert json.loads(ws.recv(timeout=5)) == {"auth": "fail"}
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert got == []


@pytest.mark.parametrize("first", [{"topic": "plugin/action", "data": 1}, {"auth": ""}])
def test_anonymous_first_frame_opens_without_acting_on_its_topic(tmp_path: Path, first: dict[str, Any]) -> None:
    with live_server(_auth_settings(tmp_path, default={"permissions": "read"})) as server, \
            listening(server) as got, connect(f"{server.ws}/comms") as ws:
        ws.send(json.dumps(first))
        _quiet(ws)  # no acknowledgement for anonymous access
        _alive(server, ws)
        assert got == []

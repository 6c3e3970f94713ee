"""The dashboard page through the real server: static files under <httpNodeRoot>ui/, the
websocket protocol (hello, layout, values, replay, page input into the flow), same-origin and
httpNodeAuth checks on the websocket, and the ``[ui] path`` setting."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from flowengine.registry import Registry
from flowengine.server import hash_password
from flowengine.settings import Settings
from flowengine.testing import TestSink

from .helpers import V2, make_settings
from .live import LiveServer, live_server

pytestmark = pytest.mark.integration

FLOWS = [
    {"id": "t1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []},
    {"id": "home", "type": "ui_tab", "name": "Home", "order": 1},
    {"id": "grp", "type": "ui_group", "name": "Main", "tab": "home", "order": 1, "width": "6"},
    {"id": "txt", "type": "ui_text", "z": "t1", "group": "grp", "order": 1, "format": "{{msg.payload}}", "wires": []},
    {"id": "btn", "type": "ui_button", "z": "t1", "group": "grp", "order": 2, "payload": "hi", "payloadType": "str",
     "topic": "b", "topicType": "str", "wires": [["sink"]]},
    {"id": "sink", "type": "test-sink", "z": "t1"},
    {"id": "inj", "type": "inject", "z": "t1", "props": [{"p": "payload"}], "once": True, "onceDelay": 0.05,
     "repeat": "", "payload": "shown", "payloadType": "str", "wires": [["txt"]]},
]


def registry() -> Registry:
    reg = Registry.default()
    reg.add(TestSink)
    return reg


def deploy(server: LiveServer, flows: list[dict[str, Any]], **headers: str) -> None:
    r = httpx.post(server.http + "/flows", json={"flows": flows}, headers={**V2, **headers}, timeout=10)
    assert r.status_code == 200, r.text


def events(ws: ClientConnection, until: str, timeout: float = 5) -> list[dict[str, Any]]:
    """Events received until one of type ``until`` (included)."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while not any(e["type"] == until for e in got):
        got.extend(json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.01))))
    return got


def test_page_files_and_the_websocket_protocol(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path), registry()) as server:
        deploy(server, FLOWS)
        received: list[Any] = []
        server.runtime.events.listen(lambda topic, data: received.append(data) if topic == "test-sink" else None)
        page = httpx.get(server.http + "/ui", follow_redirects=False)
        assert page.status_code == 301 and page.headers["location"] == "/ui/"
        html = httpx.get(server.http + "/ui/")
        assert html.status_code == 200 and '<script type="module" src="app.js">' in html.text
        assert httpx.get(server.http + "/ui/app.js").headers["content-type"].startswith("text/javascript")
        assert httpx.get(server.http + "/ui/widgets/chart.js").status_code == 200
        assert httpx.get(server.http + "/ui/%2e%2e/hub.py").status_code == 404
        assert httpx.get(server.http + "/ui/manifest.json").json()["name"] == "Node-RED Dashboard"
        with connect(server.ws + "/ui/ws") as ws:
            first = events(ws, "ui-controls")
            assert first[0]["type"] == "hello"
            [layout] = [e for e in first if e["type"] == "ui-controls"]
            assert [c["id"] for c in layout["menu"][0]["items"][0]["items"]] == ["txt", "btn"]
            ws.send(json.dumps({"type": "ui-replay-state"}))
            replay = events(ws, "ui-replay-done")
            assert {"type": "update-value", "value": "shown", "msg": {"payload": "shown"}, "id": "txt",
                    "replayed": True} in replay
            ws.send(json.dumps({"type": "update-value", "id": "btn", "value": "hi", "event": {"clientX": 1}}))
            deadline = time.monotonic() + 5
            while not received:
                assert time.monotonic() < deadline, "the press did not reach the flow"
                time.sleep(0.02)
            node_id, msg = received[0]
            assert (node_id, msg["payload"], msg["topic"], msg["event"]) == ("sink", "hi", "b", {"clientX": 1})
            assert msg["socketid"] == first[0]["socketid"]


def test_websocket_from_another_site_is_refused(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path), registry()) as server:
        deploy(server, FLOWS)
        with pytest.raises(InvalidStatus):
            connect(server.ws + "/ui/ws", origin="http://evil.example")  # type: ignore[arg-type]


def test_http_node_auth_guards_the_page_and_its_websocket(tmp_path: Path) -> None:
    auth = {"user": "ui", "pass": hash_password("secret")}
    with live_server(Settings.load(user_dir=tmp_path, httpNodeAuth=auth), registry()) as server:
        deploy(server, FLOWS)
        assert httpx.get(server.http + "/ui/").status_code == 401
        assert httpx.get(server.http + "/ui/", auth=("ui", "secret")).status_code == 200
        with pytest.raises(InvalidStatus):
            connect(server.ws + "/ui/ws")
        token = base64.b64encode(b"ui:secret").decode()
        with connect(server.ws + "/ui/ws", additional_headers={"Authorization": f"Basic {token}"}) as ws:
            assert events(ws, "ui-controls")[0]["type"] == "hello"


def test_ui_path_setting_moves_the_page(tmp_path: Path) -> None:
    settings = Settings.load(user_dir=tmp_path, httpNodeRoot="/nodes", ui={"path": "dash"})
    with live_server(settings, registry()) as server:
        deploy(server, FLOWS)
        assert httpx.get(server.http + "/nodes/dash/").status_code == 200
        assert httpx.get(server.http + "/nodes/ui/").status_code == 404
        with connect(server.ws + "/nodes/dash/ws") as ws:
            assert events(ws, "ui-controls")[0]["type"] == "hello"

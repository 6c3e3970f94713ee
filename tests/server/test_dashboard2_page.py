"""Dashboard 2's page through the real server: served at <httpNodeRoot><ui-base path> with each
ui-page at its own path (the page's files anchored at the dashboard's root), its websocket, and a
button operated there reaching the flow with Dashboard 2's message."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from flowengine.settings import Settings

from .helpers import make_settings
from .live import live_server
from .test_dashboard_page import deploy, events, registry

pytestmark = pytest.mark.integration

FLOWS = [
    {"id": "t1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []},
    {"id": "base", "type": "ui-base", "name": "Plant", "path": "/dashboard"},
    {"id": "pg", "type": "ui-page", "name": "Home", "ui": "base", "path": "/home", "order": 1},
    {"id": "pg2", "type": "ui-page", "name": "Deep", "ui": "base", "path": "/rooms/kitchen", "order": 2},
    {"id": "grp", "type": "ui-group", "name": "Main", "page": "pg", "width": 6, "order": 1},
    {"id": "grp2", "type": "ui-group", "name": "Other", "page": "pg2", "width": 6, "order": 1},
    {"id": "txt", "type": "ui-text", "z": "t1", "group": "grp", "order": 1, "label": "Value",
     "format": "{{msg.payload}}", "wires": []},
    {"id": "txt2", "type": "ui-text", "z": "t1", "group": "grp2", "order": 1, "label": "Deep", "wires": []},
    {"id": "btn", "type": "ui-button", "z": "t1", "group": "grp", "order": 2, "payload": "hi", "payloadType": "str",
     "topic": "b", "topicType": "str", "wires": [["sink"]]},
    {"id": "sink", "type": "test-sink", "z": "t1"},
    {"id": "inj", "type": "inject", "z": "t1", "props": [{"p": "payload"}], "once": True, "onceDelay": 0.05,
     "repeat": "", "payload": "shown", "payloadType": "str", "wires": [["txt"]]},
]


def served(url: str, **kwargs: Any) -> None:
    """Until ``url`` is routed (a deploy returns before its nodes start; the page comes with them)."""
    deadline = time.monotonic() + 10
    while httpx.get(url, **kwargs).status_code == 404:
        assert time.monotonic() < deadline, f"{url} is not served 10 s after the deploy"
        time.sleep(0.05)


def test_pages_at_their_paths_and_the_websocket(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path), registry()) as server:
        deploy(server, FLOWS)
        received: list[Any] = []
        server.runtime.events.listen(lambda topic, data: received.append(data) if topic == "test-sink" else None)
        served(server.http + "/dashboard/home")
        for path in ("/dashboard", "/dashboard/home", "/dashboard/rooms/kitchen"):
            page = httpx.get(server.http + path, follow_redirects=False)
            assert page.status_code == 200, path
            assert '<base href="/dashboard/">' in page.text and 'src="app.js"' in page.text
        assert httpx.get(server.http + "/dashboard/app.js").headers["content-type"].startswith("text/javascript")
        assert httpx.get(server.http + "/dashboard/nothing.js").status_code == 404
        assert httpx.get(server.http + "/dashboard/manifest.webmanifest").json()["name"] == "Plant"
        with connect(server.ws + "/dashboard/ws") as ws:
            first = events(ws, "ui-controls")
            [layout] = [e for e in first if e["type"] == "ui-controls"]
            assert [(t["header"], t["path"]) for t in layout["menu"]] == [("Home", "/home"), ("Deep", "/rooms/kitchen")]
            ws.send(json.dumps({"type": "ui-replay-state"}))
            replay = events(ws, "ui-replay-done")
            assert any(e.get("id") == "txt" and e.get("value") == "shown" for e in replay)
            ws.send(json.dumps({"type": "update-value", "id": "btn", "value": "", "event": {"clientX": 1}}))
            deadline = time.monotonic() + 5
            while not received:
                assert time.monotonic() < deadline, "the press did not reach the flow"
                time.sleep(0.02)
            node_id, msg = received[0]
            assert (node_id, msg["payload"], msg["topic"]) == ("sink", "hi", "b")
            assert msg["_event"]["type"] == "click" and msg["_client"]["socketId"] == first[0]["socketid"]


def test_dashboard_path_and_http_node_root(tmp_path: Path) -> None:
    flows = [dict(n, path="/plant") if n["id"] == "base" else n for n in FLOWS]
    with live_server(Settings.load(user_dir=tmp_path, httpNodeRoot="/nodes"), registry()) as server:
        deploy(server, flows)
        served(server.http + "/nodes/plant/home")
        page = httpx.get(server.http + "/nodes/plant/home")
        assert page.status_code == 200 and '<base href="/nodes/plant/">' in page.text
        with connect(server.ws + "/nodes/plant/ws") as ws:
            assert events(ws, "ui-controls")[0]["type"] == "hello"


def test_http_node_auth_guards_the_dashboard2_page_and_websocket(tmp_path: Path) -> None:
    import base64

    from websockets.exceptions import InvalidStatus

    from flowengine.server import hash_password

    auth = {"user": "ui", "pass": hash_password("secret")}
    with live_server(Settings.load(user_dir=tmp_path, httpNodeAuth=auth), registry()) as server:
        deploy(server, FLOWS)
        served(server.http + "/dashboard/home", auth=("ui", "secret"))
        assert httpx.get(server.http + "/dashboard/home").status_code == 401
        assert httpx.get(server.http + "/dashboard/home", auth=("ui", "secret")).status_code == 200
        with pytest.raises(InvalidStatus):
            connect(server.ws + "/dashboard/ws")
        token = base64.b64encode(b"ui:secret").decode()
        with connect(server.ws + "/dashboard/ws", additional_headers={"Authorization": f"Basic {token}"}) as ws:
            assert events(ws, "ui-controls")[0]["type"] == "hello"

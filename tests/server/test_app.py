"""How create_app composes: editor files at the admin root, API first, node routes after, flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import HTTP_ROUTER_KEY, HttpNodeRouter, create_app
from flowengine.server import app as app_module

from .conftest import AppFactory
from .helpers import TestClient, make_settings, tab


@pytest.fixture
def fake_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "editor-files"
    (folder / "js").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><title>editor</title>")
    (folder / "js" / "main.js").write_text("export {};")
    (tmp_path / "secret.txt").write_text("do not serve")
    monkeypatch.setattr(app_module, "editor_directory", lambda: folder)
    return folder


def http_flow(url: str) -> list[dict[str, object]]:
    return [tab(), {"id": "h", "type": "http in", "z": "t1", "url": url, "method": "get", "x": 1, "y": 1,
                    "wires": [["r"]]},
            {"id": "r", "type": "http response", "z": "t1", "statusCode": "", "headers": {}, "x": 1, "y": 1,
             "wires": []}]


def test_editor_static_then_api_then_node_routes(app_factory: AppFactory, fake_editor: Path) -> None:
    client, _, _ = app_factory()
    r = client.get("/")
    assert r.status_code == 200 and "<title>editor</title>" in r.text
    assert client.get("/js/main.js").text == "export {};"
    assert client.get("/flows").json() == []
    assert client.post("/flows", json=http_flow("/hello")).status_code == 204
    assert client.get("/hello?x=1").json() == {"x": "1"}
    fallback = client.app.router.default  # type: ignore[attr-defined]
    for raw in ("/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt"):  # clients normalise these
        assert fallback._static_path({"type": "http", "method": "GET", "path": raw}) is None
    assert fallback._static_path({"type": "http", "method": "GET", "path": "/js/main.js"}) == "js/main.js"
    r = client.get("/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


def test_editor_off(app_factory: AppFactory, fake_editor: Path) -> None:
    client, _, _ = app_factory(editor=False)
    assert client.get("/").status_code == 404
    client, _, _ = app_factory(disableEditor=True)
    assert client.get("/").status_code == 404
    assert client.get("/flows").status_code == 200
    assert not any(getattr(r, "path", "") == "/comms" for r in client.app.routes)  # type: ignore[attr-defined]


def test_editor_under_admin_root(app_factory: AppFactory, fake_editor: Path) -> None:
    client, _, _ = app_factory(httpAdminRoot="/red/")
    assert "editor" in client.get("/red/").text
    assert client.get("/red/flows").json() == []
    assert client.get("/").status_code == 404


def test_headless_serves_only_node_routes(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    runtime = Runtime(Registry.default(), settings, persist=False)
    with TestClient(create_app(runtime, settings, admin=False)) as client:
        assert client.get("/flows").status_code == 404
        assert client.get("/openapi.json").status_code == 404
    assert isinstance(settings.extra[HTTP_ROUTER_KEY], HttpNodeRouter)


def test_http_node_root_false(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, httpNodeRoot=False)
    runtime = Runtime(Registry.default(), settings, persist=False)
    with TestClient(create_app(runtime, settings)) as client:
        assert client.post("/flows", json=http_flow("/hello")).status_code == 204
        assert client.get("/hello").status_code == 404
        assert client.get("/settings").json()["httpNodeRoot"] is False
    assert HTTP_ROUTER_KEY not in settings.extra


def test_http_node_auth(app_factory: AppFactory) -> None:
    from flowengine.server import hash_password

    client, _, _ = app_factory(extra={"httpNodeAuth": {"user": "u", "pass": hash_password("p", rounds=4)}})
    assert client.post("/flows", json=http_flow("/guarded")).status_code == 204
    assert client.get("/guarded").status_code == 401
    assert client.get("/guarded", auth=("u", "wrong")).status_code == 401
    assert client.get("/guarded", auth=("x", "p")).status_code == 401
    assert client.get("/guarded", auth=("u", "p")).status_code == 200
    assert client.get("/guarded", auth=("u", "p")).status_code == 200
    assert client.get("/flows").status_code == 200  # the admin API has its own auth


def test_http_node_cors(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(extra={"httpNodeCors": {"origin": "https://app.test", "methods": "GET,POST"}})
    assert client.post("/flows", json=http_flow("/shared")).status_code == 204
    r = client.get("/shared", headers={"Origin": "https://app.test"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://app.test"
    r = client.options("/shared", headers={"Origin": "https://app.test", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 200 and "POST" in r.headers["access-control-allow-methods"]
    r = client.get("/shared", headers={"Origin": "https://evil.test"})
    assert "access-control-allow-origin" not in r.headers
    r = client.get("/flows", headers={"Origin": "https://app.test"})
    assert "access-control-allow-origin" not in r.headers  # admin API: no CORS

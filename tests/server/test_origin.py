"""Cross-site requests and DNS rebinding: what a web page the user visits can make the admin API do.

Without adminAuth a deploy runs code (a Python function node), so a page must not be able to send
one: non-JSON bodies (the only ones a page can POST cross-site without a CORS preflight) get 415,
a foreign ``Origin`` gets 403 (HTTP and the comms handshake), and under the loopback flag that
``serve`` sets a non-loopback ``Host`` gets 403. Each refused request must change nothing.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from flowengine.errors import SettingsError
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app
from flowengine.server.guard import SAFE_METHODS
from flowengine.server.origin import LOOPBACK_HOSTS_KEY

from .helpers import V2, ApiRoute, TestClient, inject_debug, make_settings, routes_of
from .live import live_server


def _app_routes() -> list[ApiRoute]:
    with tempfile.TemporaryDirectory() as folder:
        settings = make_settings(Path(folder))
        return routes_of(create_app(Runtime(Registry.default(), settings, persist=False), settings))


ROUTES = _app_routes()
WRITES = [r for r in ROUTES if r.method not in SAFE_METHODS]
FORM_ROUTES = {"/auth/token", "/auth/revoke"}  # Node-RED's login API takes forms (see guard.accepts_form)
JSON_ONLY_WRITES = [r for r in WRITES if r.template not in FORM_ROUTES]
FLOWS = inject_debug()
BODY = json.dumps({"flows": FLOWS, "nodes": FLOWS, "state": "stop", "__user_inject_props__": []}).encode()
"""A body every write route would act on if its handler ran (deploy, inject, stop, ...)."""
PARAMS = {"flow_id": "t1", "key": "k", "kind": "flow", "scope_id": "t1", "action": "disable",
          "node_type": "inject"}
EVIL = "https://evil.example"


def _path(route: ApiRoute) -> str:
    """The route's path with ids that exist in ``FLOWS`` (so a request that got through would act)."""
    path = route.template
    for name, value in PARAMS.items():
        path = path.replace(f"{{{name}:path}}", value).replace(f"{{{name}}}", value)
    return path.replace("{node_id}", "inj1" if path.startswith("/inject") else "dbg1")


@dataclass
class Served:
    """An app with ``FLOWS`` deployed, a global and a flow context key, and a record of bus events."""

    client: TestClient
    runtime: Runtime
    events: list[tuple[str, Any]] = field(default_factory=list)

    def snapshot(self) -> Any:
        ctx = self.runtime.context
        return (self.runtime.revision, self.runtime.get_flows(), self.runtime.state,
                ctx.global_scope().get("k"), ctx.flow_scope("t1").get("k"))

    def send(self, route: ApiRoute, **kw: Any) -> httpx.Response:
        return self.client.request(route.method, _path(route), **kw)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from _served(tmp_path)


def _served(tmp_path: Path, **overrides: Any) -> Iterator[Served]:
    settings = make_settings(tmp_path, runtimeState={"enabled": True}, **overrides)
    runtime = Runtime(Registry.default(), settings, persist=False)
    base_url = "http://127.0.0.1:1880" if overrides.get("extra", {}).get(LOOPBACK_HOSTS_KEY) else "http://testserver"
    with TestClient(create_app(runtime, settings), base_url=base_url) as client:
        assert client.post("/flows", json=FLOWS).status_code == 204
        runtime.context.global_scope().set("k", "kept")
        runtime.context.flow_scope("t1").set("k", "kept")
        served = Served(client, runtime)
        remove = runtime.events.listen(lambda topic, data: served.events.append((topic, data)))
        try:
            yield served
        finally:
            remove()


def _assert_unchanged(served: Served, before: Any, response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert served.snapshot() == before, "a refused request changed the runtime"
    assert served.events == [], f"a refused request reached a handler: {served.events[:3]}"


def test_route_tables_are_read_from_the_app() -> None:
    writes = {str(r) for r in JSON_ONLY_WRITES}
    assert {"POST /flows", "POST /flow", "PUT /flow/x1", "DELETE /flow/x1", "POST /flows/state",
            "POST /inject/x1", "POST /debug/x1", "POST /debug/x1/x1", "DELETE /context/global/x1",
            "DELETE /context/x1/x1/x1", "POST /openai/models"} <= writes


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain;charset=UTF-8",
                                          "application/x-www-form-urlencoded", "multipart/form-data; boundary=b",
                                          None])
@pytest.mark.parametrize("route", JSON_ONLY_WRITES, ids=str)
def test_a_simple_cross_site_body_is_refused(served: Served, route: ApiRoute, content_type: str | None) -> None:
    before = served.snapshot()
    headers = {"content-type": content_type} if content_type else {}
    response = served.send(route, content=BODY, headers=headers)
    _assert_unchanged(served, before, response, 415, "unsupported_media_type")
    assert "Content-Type: application/json" in response.json()["message"]


@pytest.mark.parametrize("template", sorted(FORM_ROUTES))
def test_login_routes_take_forms_but_no_text_plain(served: Served, template: str) -> None:
    form = served.client.post(template, data={"client_id": "node-red-editor", "grant_type": "password"})
    assert form.status_code == 404 and form.json()["code"] == "not_found"  # served: adminAuth is off
    plain = served.client.post(template, content=b"client_id=node-red-editor", headers={"content-type": "text/plain"})
    assert plain.status_code == 415
    assert plain.json()["message"].startswith(f"POST {template} takes a JSON body or a form")


def test_a_chunked_text_plain_body_is_refused(served: Served) -> None:
    before = served.snapshot()
    response = served.client.post("/flows", content=iter([b"[", json.dumps(FLOWS[0]).encode(), b"]"]),
                                  headers={"content-type": "text/plain"})
    _assert_unchanged(served, before, response, 415, "unsupported_media_type")


def test_empty_bodies_need_no_content_type(served: Served) -> None:
    """Node-RED's tools POST /inject/:id and /debug/:id/:action without a body or a type."""
    assert served.client.post("/inject/inj1").text == "OK"
    assert [t for t, _ in served.events] == ["debug"]
    assert served.client.post("/debug/dbg1/disable", headers={"content-type": "text/plain"}).status_code == 201
    chunked_empty = served.client.post("/inject/inj1", content=iter([b""]), headers={"content-type": "text/plain"})
    assert chunked_empty.text == "OK"


@pytest.mark.parametrize("route", WRITES, ids=str)
def test_a_foreign_origin_is_refused(served: Served, route: ApiRoute) -> None:
    before = served.snapshot()
    response = served.send(route, content=BODY, headers={"content-type": "application/json", "origin": EVIL})
    _assert_unchanged(served, before, response, 403, "forbidden_origin")
    assert EVIL in response.json()["message"] and "httpAdminCors" in response.json()["message"]


@pytest.mark.parametrize("origin", ["null", "https://testserver", "http://testserver:8080",
                                    "http://testserver.evil.example", "http://evil.example/testserver", "garbage"])
def test_origins_that_only_look_alike_are_refused(served: Served, origin: str) -> None:
    before = served.snapshot()
    response = served.client.post("/flows", json=[], headers={"origin": origin})
    _assert_unchanged(served, before, response, 403, "forbidden_origin")


@pytest.mark.parametrize("origin", ["http://testserver", "http://testserver:80", "HTTP://TestServer", None])
def test_same_origin_or_no_origin_deploys(served: Served, origin: str | None) -> None:
    headers = {"origin": origin} if origin else {}
    assert served.client.post("/flows", json={"flows": []}, headers={**V2, **headers}).status_code == 200
    assert served.runtime.get_flows() == []


@pytest.mark.parametrize("route", JSON_ONLY_WRITES, ids=str)
def test_every_write_route_serves_same_origin_json(served: Served, route: ApiRoute) -> None:
    """The editor's own requests (application/json, same Origin) pass every check."""
    response = served.send(route, content=BODY, headers={"content-type": "application/json",
                                                         "origin": "http://testserver"})
    assert response.status_code not in (403, 415), response.text


def test_get_with_a_foreign_origin_is_served(served: Served) -> None:
    """Reads change nothing; without CORS headers the page cannot read the answer anyway."""
    response = served.client.get("/flows", headers={"origin": EVIL})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


def _refused_handshake(client: TestClient, headers: dict[str, str]) -> bool:
    try:
        with client.websocket_connect("/comms", headers=headers):
            return False
    except WebSocketDisconnect as exc:
        assert exc.code == 1008
        return True


def test_comms_refuses_a_foreign_origin(served: Served) -> None:
    assert _refused_handshake(served.client, {"origin": EVIL})
    assert not _refused_handshake(served.client, {"origin": "http://testserver"})
    assert not _refused_handshake(served.client, {})


@pytest.mark.integration
def test_comms_handshake_from_a_foreign_origin_gets_403(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path)) as server:
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{server.ws}/comms", origin=EVIL, open_timeout=10)  # type: ignore[arg-type]
        assert refused.value.response.status_code == 403
        with connect(f"{server.ws}/comms", origin=server.http, open_timeout=10):  # type: ignore[arg-type]
            pass
        plain = httpx.post(f"{server.http}/flows", content=json.dumps(FLOWS), headers={"content-type": "text/plain"})
        assert plain.status_code == 415 and server.runtime.get_flows() == []


# --- DNS rebinding: the loopback flag serve() sets -------------------------------------------------------

@pytest.fixture
def loopback(tmp_path: Path) -> Iterator[Served]:
    yield from _served(tmp_path, extra={LOOPBACK_HOSTS_KEY: True})


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_rebound_host_is_refused(loopback: Served, route: ApiRoute) -> None:
    before = loopback.snapshot()
    response = loopback.send(route, content=BODY, headers={"content-type": "application/json",
                                                           "host": "evil.example:1880"})
    _assert_unchanged(loopback, before, response, 403, "forbidden_host")
    assert "evil.example:1880" in response.json()["message"]


def test_a_rebound_host_cannot_open_comms(loopback: Served) -> None:
    assert _refused_handshake(loopback.client, {"host": "evil.example:1880"})
    assert not _refused_handshake(loopback.client, {"host": "localhost:1880"})


@pytest.mark.parametrize("host", ["127.0.0.1:1880", "localhost:1880", "[::1]:1880", "LOCALHOST", "127.0.0.1"])
def test_loopback_hosts_are_served(loopback: Served, host: str) -> None:
    origin = f"http://{host.lower()}"
    response = loopback.client.post("/flows", json={"flows": []}, headers={**V2, "host": host, "origin": origin})
    assert response.status_code == 200, response.text
    assert loopback.client.get("/flows", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["localhost.evil.example", "127.0.0.1.nip.io:1880", "0.0.0.0:1880", "[::]:1880"])
def test_names_that_only_look_loopback_are_refused(loopback: Served, host: str) -> None:
    response = loopback.client.get("/flows", headers={"host": host})
    assert response.status_code == 403 and response.json()["code"] == "forbidden_host"


def test_without_the_flag_any_host_is_served(served: Served) -> None:
    assert served.client.get("/flows", headers={"host": "evil.example:1880"}).status_code == 200


def test_node_routes_and_editor_files_ignore_the_host(tmp_path: Path) -> None:
    """Only the admin API and comms are checked: http in routes are the user's public endpoints."""
    flows = [{"id": "t1", "type": "tab", "label": "x"},
             {"id": "in", "type": "http in", "z": "t1", "url": "/hello", "method": "get", "wires": [["out"]]},
             {"id": "out", "type": "http response", "z": "t1", "statusCode": "", "headers": {}, "wires": []}]
    for served in _served(tmp_path, extra={LOOPBACK_HOSTS_KEY: True}):
        assert served.client.post("/flows", json=flows).status_code == 204
        assert served.client.get("/hello", headers={"host": "evil.example"}).status_code == 200
        assert served.client.get("/", headers={"host": "evil.example"}).status_code == 200


# --- httpAdminCors: extra origins ---------------------------------------------------------------------------

TOOL = "https://tool.example:8443"


@pytest.fixture
def with_cors(tmp_path: Path) -> Iterator[Served]:
    yield from _served(tmp_path, extra={LOOPBACK_HOSTS_KEY: True, "httpAdminCors": {"origin": [TOOL]}})


def test_cors_origin_may_deploy_and_read_the_answer(with_cors: Served) -> None:
    preflight = with_cors.client.options("/flows", headers={
        "origin": TOOL, "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,node-red-api-version"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == TOOL
    response = with_cors.client.post("/flows", json={"flows": []}, headers={**V2, "origin": TOOL})
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == TOOL
    assert with_cors.runtime.get_flows() == []
    assert not _refused_handshake(with_cors.client, {"origin": TOOL, "host": "127.0.0.1:1880"})


def test_cors_lets_only_the_listed_origins_in(with_cors: Served) -> None:
    before = with_cors.snapshot()
    response = with_cors.client.post("/flows", json=[], headers={"origin": EVIL})
    _assert_unchanged(with_cors, before, response, 403, "forbidden_origin")
    assert _refused_handshake(with_cors.client, {"origin": EVIL, "host": "127.0.0.1:1880"})


def test_cors_origin_host_passes_the_loopback_check(with_cors: Served) -> None:
    assert with_cors.client.get("/flows", headers={"host": "tool.example:8443"}).status_code == 200
    assert with_cors.client.get("/flows", headers={"host": "tool.example:9999"}).status_code == 403


def test_cors_any_origin(tmp_path: Path) -> None:
    for served in _served(tmp_path, extra={"httpAdminCors": {"origin": "*"}}):
        assert served.client.post("/flows", json=[], headers={"origin": EVIL}).status_code == 204


@pytest.mark.parametrize("cors", ["https://tool.example", {"origin": "tool.example"}, {"origin": [1]},
                                  {"origin": "https://tool.example/path"}])
def test_malformed_cors_setting_refuses_to_start(tmp_path: Path, cors: Any) -> None:
    settings = make_settings(tmp_path, extra={"httpAdminCors": cors})
    with pytest.raises(SettingsError, match="httpAdminCors"):
        create_app(Runtime(Registry.default(), settings, persist=False), settings)


# --- strict JSON ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("method,path,template", [
    ("POST", "/flows", '[{"id":"t1","type":"tab","x":%s}]'),
    ("POST", "/flows", '{"flows":[{"id":"t1","type":"tab","x":%s}]}'),
    ("PUT", "/flow/t1", '{"label":"x","nodes":[{"id":"n","type":"debug","x":%s}]}'),
    ("POST", "/flow", '{"label":"x","nodes":[{"id":"n","type":"debug","x":%s}]}'),
])
def test_non_finite_numbers_never_reach_storage(tmp_path: Path, constant: str, method: str, path: str,
                                                template: str) -> None:
    settings = make_settings(tmp_path)
    runtime = Runtime(Registry.default(), settings)  # persists to <tmp_path>/flows.json
    with TestClient(create_app(runtime, settings)) as client:
        assert client.post("/flows", json=FLOWS).status_code == 204
        saved = settings.flows_path.read_bytes()
        response = client.request(method, path, content=template % constant,
                                  headers={"content-type": "application/json"})
        assert response.status_code == 400 and response.json()["code"] == "invalid_request"
        assert f"{constant.lstrip('-')} is not a JSON value" in response.json()["message"]
        assert runtime.get_flows() == FLOWS and settings.flows_path.read_bytes() == saved

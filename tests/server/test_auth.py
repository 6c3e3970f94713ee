"""adminAuth: login, tokens, expiry, revoke, throttling, read-only users, and every admin route
refusing unauthenticated requests before doing any work.

The route tables below are read from a real app at collection time, so a route added later is
covered by every parametrised test without editing this file.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app, hash_password
from flowengine.server.auth import AdminAuth, LoginThrottle, User, has_permission

from .conftest import AppFactory
from .helpers import ApiRoute, TestClient, inject_debug, make_settings, routes_of
from .live import live_server

PUBLIC = {"/auth/login", "/auth/token", "/auth/revoke", "/healthz", "/readyz"}
"""The only API routes reachable without a token (``needs(None)``): login and the health checks a
load balancer makes (tests/server/test_metrics.py)."""


def _auth_config(**extra: Any) -> dict[str, Any]:
    return {"type": "credentials", "users": [
        {"username": "admin", "password": hash_password("secret", rounds=4), "permissions": "*"},
        {"username": "viewer", "password": hash_password("look", rounds=4), "permissions": "read"},
    ], **extra}


def _token(client: TestClient, user: str = "admin", password: str = "secret") -> str:
    r = client.post("/auth/token", data={"client_id": "node-red-editor", "grant_type": "password", "scope": "*",
                                         "username": user, "password": password})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["expires_in"] == 604800 and body["token_type"] == "Bearer"
    return str(body["access_token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _app_routes() -> list[ApiRoute]:
    """Every API route of an app with adminAuth and the default node packages (their routes too)."""
    with tempfile.TemporaryDirectory() as folder:
        settings = make_settings(Path(folder), adminAuth=_auth_config())
        return routes_of(create_app(Runtime(Registry.default(), settings, persist=False), settings))


ROUTES = _app_routes()
GUARDED = [r for r in ROUTES if r.permission is not None]
WRITES = [r for r in GUARDED if not has_permission("read", r.permission or "*")]
READS = [r for r in GUARDED if has_permission("read", r.permission or "*")]
BODY = json.dumps(inject_debug()).encode()
"""A real deploy body: a route that wrongly ran its handler would change something."""


@dataclass
class Guarded:
    client: TestClient
    runtime: Runtime
    auth: AdminAuth

    def user(self, name: str, password: str) -> User:
        return self.auth.verify(name, password) or pytest.fail(f"cannot log in as {name}")

    def request(self, route: ApiRoute, headers: dict[str, str]) -> Any:
        return self.client.request(route.method, route.path, headers={"content-type": "application/json",
                                                                      **headers}, content=BODY)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    """One app with adminAuth for the per-route tests (nothing deployed; requests must not deploy)."""
    settings = make_settings(tmp_path_factory.mktemp("guarded"), adminAuth=_auth_config())
    runtime = Runtime(Registry.default(), settings, persist=False)
    with TestClient(create_app(runtime, settings)) as client:
        yield Guarded(client, runtime, client.app.state.flowengine.auth)  # type: ignore[attr-defined]
    assert runtime.get_flows() == [], "a refused request deployed flows"


def test_route_tables_are_read_from_the_app() -> None:
    assert len(GUARDED) >= 20 and len(WRITES) >= 8 and len(READS) >= 8
    assert {r.path for r in ROUTES if r.permission is None} == PUBLIC
    assert {"POST /flows", "DELETE /context/global/x1", "POST /openai/models"} <= {str(r) for r in WRITES}


def test_login_prompts(app_factory: AppFactory) -> None:
    client, _, _ = app_factory()
    assert client.get("/auth/login").json() == {}
    client, _, _ = app_factory(adminAuth=_auth_config())
    assert client.get("/auth/login").json()["type"] == "credentials"
    assert [p["id"] for p in client.get("/auth/login").json()["prompts"]] == ["username", "password"]


def test_token_grant_errors(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(adminAuth=_auth_config())
    base = {"client_id": "node-red-admin", "grant_type": "password", "username": "admin"}
    r = client.post("/auth/token", data={**base, "password": "wrong"})
    assert r.status_code == 403
    assert r.json() == {"error": "invalid_grant", "error_description": "Invalid resource owner credentials"}
    for unknown in ({**base, "client_id": "evil"}, {k: v for k, v in base.items() if k != "client_id"}):
        r = client.post("/auth/token", data={**unknown, "password": "secret"})
        assert (r.status_code, r.text) == (401, "Unauthorized")  # Node-RED (passport): a bare 401
        assert r.headers["content-type"].startswith("text/plain")
    r = client.post("/auth/token", json={**base, "password": "secret"})  # JSON bodies work too
    assert r.status_code == 200 and r.json()["access_token"]


@pytest.mark.parametrize("route", GUARDED, ids=str)
@pytest.mark.parametrize("headers", [{}, _bearer("garbage"), {"Authorization": "Basic YWRtaW46c2VjcmV0"}],
                         ids=["no-token", "bad-token", "basic-auth"])
def test_every_admin_route_needs_a_token(guarded: Guarded, route: ApiRoute, headers: dict[str, str]) -> None:
    r = guarded.request(route, headers)
    assert r.status_code == 401, (str(route), r.status_code, r.text)


class Probe:
    """Raw ASGI calls that record whether the request body was read and which route handler ran."""

    def __init__(self, guarded: Guarded, monkeypatch: pytest.MonkeyPatch) -> None:
        self.guarded = guarded
        self.body_reads = 0
        self.handlers: list[str] = []
        for route in guarded.client.app.routes:  # type: ignore[attr-defined]
            if isinstance(route, APIRoute):
                monkeypatch.setattr(route, "app", self._recording(route.path, route.app))

    def _recording(self, path: str, app: Any) -> Any:
        async def handler(scope: Any, receive: Any, send: Any) -> None:
            self.handlers.append(path)
            await app(scope, receive, send)

        return handler

    def call(self, route: ApiRoute, token: str) -> tuple[int, bytes]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            self.body_reads += 1
            return {"type": "http.request", "body": BODY, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        headers = [(b"host", b"testserver"), (b"content-type", b"application/json"),
                   (b"content-length", str(len(BODY)).encode()), (b"authorization", f"Bearer {token}".encode())]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": route.method,
                 "scheme": "http", "path": route.path, "raw_path": route.path.encode(), "root_path": "",
                 "query_string": b"", "headers": headers, "client": ("127.0.0.1", 50000),
                 "server": ("testserver", 80), "state": {}}
        client = self.guarded.client
        client.portal.call(client.app, scope, receive, send)  # type: ignore[union-attr]
        start = next(m for m in sent if m["type"] == "http.response.start")
        return int(start["status"]), b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


@pytest.fixture
def probe(guarded: Guarded, monkeypatch: pytest.MonkeyPatch) -> Probe:
    return Probe(guarded, monkeypatch)


def test_probe_sees_body_reads_and_handlers(guarded: Guarded, probe: Probe) -> None:
    """The probe itself: an accepted deploy reads the body and runs the handler (then is undone)."""
    token = guarded.auth.issue(guarded.user("admin", "secret"), "node-red-editor")["access_token"]
    status, _ = probe.call(ApiRoute("POST", "/flows", "flows.write"), token)
    assert status == 204 and probe.body_reads >= 1 and probe.handlers == ["/flows"]
    assert len(guarded.runtime.get_flows()) == 3
    assert guarded.client.post("/flows", json=[], headers=_bearer(token)).status_code == 204


@pytest.mark.parametrize("route", GUARDED, ids=str)
def test_refused_before_the_body_is_read_or_the_handler_runs(probe: Probe, guarded: Guarded,
                                                              route: ApiRoute) -> None:
    status, body = probe.call(route, "garbage")
    assert status == 401, (str(route), status, body)
    assert probe.body_reads == 0, f"{route}: the request body was read before the token was checked"
    assert probe.handlers == [], f"{route}: the route handler ran for an unauthenticated request"
    assert guarded.runtime.get_flows() == []


@pytest.mark.parametrize("route", WRITES, ids=str)
def test_read_only_refused_before_the_body_is_read(probe: Probe, guarded: Guarded, route: ApiRoute) -> None:
    token = guarded.auth.issue(guarded.user("viewer", "look"), "node-red-editor")["access_token"]
    status, body = probe.call(route, token)
    assert status == 401, (str(route), status, body)
    assert probe.body_reads == 0 and probe.handlers == [], str(route)
    assert guarded.runtime.get_flows() == []


@pytest.mark.parametrize("route", GUARDED, ids=str)
def test_every_admin_route_refuses_an_expired_token(guarded: Guarded, route: ApiRoute) -> None:
    auth = guarded.auth
    real_clock = auth.clock
    auth.clock = lambda: real_clock() - auth.expiry_s - 1  # issued one second more than its lifetime ago
    try:
        token = auth.issue(guarded.user("admin", "secret"), "node-red-editor")["access_token"]
    finally:
        auth.clock = real_clock
    r = guarded.request(route, _bearer(token))
    assert r.status_code == 401, (str(route), r.status_code, r.text)


@pytest.mark.parametrize("route", GUARDED, ids=str)
def test_every_admin_route_refuses_a_revoked_token(guarded: Guarded, route: ApiRoute) -> None:
    issue = guarded.auth.issue
    token = issue(guarded.user("admin", "secret"), "node-red-editor")["access_token"]
    other = issue(guarded.user("admin", "secret"), "node-red-editor")["access_token"]
    r = guarded.client.post("/auth/revoke", json={"token": token}, headers=_bearer(other))
    assert r.status_code == 200
    assert guarded.client.get("/flows", headers=_bearer(other)).status_code == 200  # only `token` was revoked
    r = guarded.request(route, _bearer(token))
    assert r.status_code == 401, (str(route), r.status_code, r.text)


@pytest.mark.parametrize("route", WRITES, ids=str)
def test_read_only_user_is_refused_every_write_route(guarded: Guarded, route: ApiRoute) -> None:
    token = guarded.auth.issue(guarded.user("viewer", "look"), "node-red-editor")["access_token"]
    r = guarded.request(route, _bearer(token))
    assert r.status_code == 401, (str(route), r.status_code, r.text)  # Node-RED's needsPermission: 401
    assert r.json() == {"code": "permission_denied", "message": f"Permission denied: needs {route.permission}"}
    assert guarded.runtime.get_flows() == []


@pytest.mark.parametrize("route", READS, ids=str)
def test_read_only_user_passes_every_read_route(guarded: Guarded, route: ApiRoute) -> None:
    token = guarded.auth.issue(guarded.user("viewer", "look"), "node-red-editor")["access_token"]
    r = guarded.request(route, _bearer(token))
    assert r.status_code not in (401, 403), (str(route), r.status_code, r.text)


def test_token_allows_writes(app_factory: AppFactory) -> None:
    client, runtime, _ = app_factory(adminAuth=_auth_config())
    admin = _bearer(_token(client))
    assert client.post("/flows", json=inject_debug(), headers=admin).status_code == 204
    assert client.get("/settings", headers=admin).json()["user"] == {"username": "admin", "permissions": "*"}
    assert len(runtime.get_flows()) == 3
    viewer = _bearer(_token(client, "viewer", "look"))
    assert client.get("/settings", headers=viewer).json()["user"] == {"username": "viewer",
                                                                       "permissions": "read"}


def test_expired_and_revoked_tokens(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(adminAuth=_auth_config())
    auth: AdminAuth = client.app.state.flowengine.auth  # type: ignore[attr-defined]
    token = _token(client)
    assert client.get("/flows", headers=_bearer(token)).status_code == 200
    real_clock = auth.clock
    auth.clock = lambda: real_clock() + 604801
    assert client.get("/flows", headers=_bearer(token)).status_code == 401
    auth.clock = real_clock
    token = _token(client)
    other = _token(client)
    assert client.post("/auth/revoke", json={"token": token}).status_code == 401  # needs a bearer
    assert client.post("/auth/revoke", json={"token": token}, headers=_bearer(other)).status_code == 200
    assert client.get("/flows", headers=_bearer(token)).status_code == 401
    assert client.get("/flows", headers=_bearer(other)).status_code == 200


def test_sessions_survive_restart_without_plain_tokens(app_factory: AppFactory, tmp_path: Path) -> None:
    client, _, _ = app_factory(adminAuth=_auth_config())
    token = _token(client)
    stored = (tmp_path / ".sessions.json").read_text()
    assert token not in stored
    client2, _, _ = app_factory(adminAuth=_auth_config())
    assert client2.get("/flows", headers=_bearer(token)).status_code == 200


LOGIN = {"client_id": "node-red-editor", "grant_type": "password", "username": "admin", "password": "bad"}


def test_login_throttle(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(adminAuth=_auth_config())
    codes = [client.post("/auth/token", data=LOGIN).status_code for _ in range(6)]
    assert codes[:5] == [403] * 5 and codes[5] == 429
    r = client.post("/auth/token", data={**LOGIN, "password": "secret"})
    assert r.status_code == 429  # even the right password waits out the window
    assert r.json()["error_description"] == "Too many login attempts. Wait 10 minutes and try again"  # Node-RED's


def test_login_throttle_keys_on_the_user_name_and_on_the_address(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(adminAuth=_auth_config())

    def login(address: str, **fields: str) -> int:
        # another client address on the same app (no lifespan of its own: the runtime runs already)
        return TestClient(client.app, client=(address, 40000)).post("/auth/token", data={**LOGIN, **fields}).status_code

    # one user name guessed from five addresses: a sixth address is refused for that name only
    assert [login(f"10.0.0.{i}") for i in range(5)] == [403] * 5
    assert login("10.0.1.1", password="secret") == 429
    assert login("10.0.1.1", username="viewer", password="look") == 200
    # one address trying five user names: a sixth name is refused from there, not elsewhere
    assert [login("10.0.2.2", username=f"u{i}") for i in range(5)] == [403] * 5
    assert login("10.0.2.2", username="viewer", password="look") == 429
    assert login("10.0.3.3", username="viewer", password="look") == 200


def test_throttle_window_is_node_reds_ten_minutes() -> None:
    now = [0.0]
    t = LoginThrottle(clock=lambda: now[0])
    for _ in range(5):
        t.failed("u")
    assert t.blocked("u") and not t.blocked("v")
    now[0] = 599
    assert t.blocked("u")
    now[0] = 601
    assert not t.blocked("u")


def test_openapi_and_docs_need_a_token_when_admin_auth_is_on(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(adminAuth=_auth_config())
    for path in ("/openapi.json", "/docs", "/docs/oauth2-redirect"):
        r = client.get(path)
        assert r.status_code == 401, path
        assert client.get(path, headers=_bearer("garbage")).status_code == 401, path
    viewer = _bearer(_token(client, "viewer", "look"))  # a read permission reads the API's description
    assert client.get("/openapi.json", headers=viewer).json()["paths"]["/flows"]
    assert client.get("/docs", headers=viewer).status_code == 200
    anonymous, _, _ = app_factory(adminAuth=_auth_config(default={"permissions": "read"}))
    assert anonymous.get("/openapi.json").status_code == 200
    open_client, _, _ = app_factory()
    assert open_client.get("/openapi.json").status_code == 200 and open_client.get("/docs").status_code == 200


def test_admin_responses_say_nosniff(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(adminAuth=_auth_config())
    token = _bearer(_token(client))
    responses = {
        "api": client.get("/flows", headers=token),
        "refused": client.get("/flows"),
        "api error": client.get("/flow/nope", headers=token),
        "too large": client.post("/flows", content=b"x" * 6_000_000,
                                 headers={**token, "Content-Type": "application/json"}),
        "login": client.post("/auth/token", data=LOGIN),
        "docs": client.get("/openapi.json", headers=token),
        "editor": client.get("/"),
    }
    assert {name: r.headers.get("x-content-type-options") for name, r in responses.items()} == {
        name: "nosniff" for name in responses}
    assert [r.status_code for r in responses.values()] == [200, 401, 404, 413, 403, 200, 200]


def test_default_anonymous_read(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(adminAuth=_auth_config(default={"permissions": "read"}))
    assert client.get("/flows").status_code == 200
    assert client.post("/flows", json=[]).status_code == 401
    assert client.get("/flows", headers=_bearer("garbage")).status_code == 401


def test_permissions_rule() -> None:
    assert has_permission("*", "flows.write")
    assert has_permission("read", "flows.read") and not has_permission("read", "flows.write")
    assert has_permission(["flows.read", "nodes.*"], "nodes.write")
    assert not has_permission(["flows.read"], "flows.write")
    assert not has_permission(None, "flows.read")


def test_unsupported_auth_type_refused(app_factory: AppFactory) -> None:
    from flowengine.errors import SettingsError

    with pytest.raises(SettingsError):
        app_factory(adminAuth={"type": "strategy", "strategy": {}})


def test_hash_password_is_bcrypt() -> None:
    import bcrypt

    h = hash_password("pw", rounds=4)
    assert h.startswith("$2") and bcrypt.checkpw(b"pw", h.encode())


def test_unreadable_sessions_file(tmp_path: Path) -> None:
    path = tmp_path / ".sessions.json"
    path.write_text("{nope")
    auth = AdminAuth(_auth_config(), path)
    assert auth.session("anything") is None
    issued = auth.issue(auth.verify("admin", "secret") or pytest.fail("login"), "node-red-admin")
    assert json.loads(path.read_text())["sessions"]
    assert auth.session(issued["access_token"]) is not None
    assert time.time() < auth.session(issued["access_token"]).expires  # type: ignore[union-attr]


@pytest.mark.integration
def test_comms_handshake_refuses_an_expired_token(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path, adminAuth=_auth_config())) as server:
        auth: AdminAuth = server.app.state.flowengine.auth
        user = auth.verify("admin", "secret") or pytest.fail("login")
        real_clock = auth.clock
        auth.clock = lambda: real_clock() - auth.expiry_s - 1
        try:
            expired = auth.issue(user, "node-red-editor")["access_token"]
        finally:
            auth.clock = real_clock
        live = auth.issue(user, "node-red-editor")["access_token"]
        with connect(f"{server.ws}/comms") as ws:
            ws.send(json.dumps({"auth": expired}))
            assert json.loads(ws.recv(timeout=5)) == {"auth": "fail"}
            with pytest.raises(ConnectionClosed):  # and the server closes the socket
                ws.recv(timeout=5)
        with connect(f"{server.ws}/comms") as ws:  # the same handshake with a live token succeeds
            ws.send(json.dumps({"auth": live}))
            assert json.loads(ws.recv(timeout=5)) == {"auth": "ok"}

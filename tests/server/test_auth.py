"""adminAuth: login, tokens, expiry, revoke, throttling, read-only users, and every admin route
refusing unauthenticated requests before doing any work."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from flowengine.server import hash_password
from flowengine.server.auth import AdminAuth, LoginThrottle, has_permission

from .conftest import AppFactory
from .helpers import TestClient, inject_debug

PUBLIC = {"/auth/login", "/auth/token", "/auth/revoke", "/docs", "/docs/oauth2-redirect", "/openapi.json"}


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


def _admin_routes(client: TestClient) -> list[tuple[str, str]]:
    out = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.path not in PUBLIC:
            path = re.sub(r"\{[^}]+\}", "x1", route.path)
            out.extend((m, path) for m in sorted(route.methods))
    return out


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
    assert client.post("/auth/token", data={**base, "client_id": "evil", "password": "secret"}).status_code == 401
    r = client.post("/auth/token", json={**base, "password": "secret"})  # JSON bodies work too
    assert r.status_code == 200 and r.json()["access_token"]


def test_every_admin_route_needs_a_token(app_factory: AppFactory) -> None:
    client, runtime, _ = app_factory(adminAuth=_auth_config())
    routes = _admin_routes(client)
    assert len(routes) >= 20
    for method, path in routes:
        for headers in ({}, _bearer("garbage"), {"Authorization": "Basic YWRtaW46c2VjcmV0"}):
            r = client.request(method, path, headers=headers, content=b"[]")
            assert r.status_code == 401, (method, path, r.status_code)
    assert runtime.get_flows() == []  # the POST /flows above did nothing


def test_token_allows_and_readonly_is_refused_writes(app_factory: AppFactory) -> None:
    client, runtime, _ = app_factory(adminAuth=_auth_config())
    admin = _bearer(_token(client))
    assert client.post("/flows", json=inject_debug(), headers=admin).status_code == 204
    assert client.get("/settings", headers=admin).json()["user"] == {"username": "admin", "permissions": "*"}
    viewer = _bearer(_token(client, "viewer", "look"))
    for method, path in _admin_routes(client):
        r = client.request(method, path, headers=viewer, content=b"[]")
        if method == "GET":
            assert r.status_code != 401 and r.status_code != 403, (method, path)
        else:
            assert r.status_code == 403, (method, path, r.status_code)
    assert len(runtime.get_flows()) == 3


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


def test_login_throttle(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(adminAuth=_auth_config())
    form = {"client_id": "node-red-editor", "grant_type": "password", "username": "admin", "password": "bad"}
    codes = [client.post("/auth/token", data=form).status_code for _ in range(6)]
    assert codes[:5] == [403] * 5 and codes[5] == 429
    r = client.post("/auth/token", data={**form, "password": "secret"})
    assert r.status_code == 429  # even the right password waits out the window


def test_throttle_window_expires() -> None:
    now = [0.0]
    t = LoginThrottle(limit=2, window=60, clock=lambda: now[0])
    t.failed("u")
    t.failed("u")
    assert t.blocked("u") and not t.blocked("v")
    now[0] = 61
    assert not t.blocked("u")


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

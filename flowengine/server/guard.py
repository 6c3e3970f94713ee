"""ASGI middleware in front of everything: request size limit and the admin permission check.

The check runs before the request body is read and before any route handler, so an
unauthenticated request never causes work (no flow code, no body parsing). Which permission a
route needs is read from its endpoint's ``needs(...)`` mark; unmarked API routes need ``*``.
Refusals are 401 both without a valid token and for a user lacking the permission (Node-RED).
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import AdminAuth, Session, has_permission

__all__ = ["SESSION_KEY", "AdminGuard", "bearer_token", "parse_size"]

SESSION_KEY = "flowengine.session"
"""Scope key holding the caller's ``Session`` (None without adminAuth or for anonymous access)."""

_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}


def parse_size(value: str | int) -> int:
    """``"5mb"`` -> bytes (the ``bytes`` npm package's units, as ``apiMaxLength`` uses)."""
    if isinstance(value, int):
        return value
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?b?)\s*", str(value).lower())
    if not m:
        raise ValueError(f"invalid size {value!r} (expected e.g. '5mb')")
    return int(float(m.group(1)) * _UNITS[m.group(2)])


class _BodyTooLarge(Exception):
    pass


class AdminGuard:
    """Pure ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, *, fastapi_app: FastAPI, auth: AdminAuth, max_body: int,
                 public_paths: frozenset[str]) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self.auth = auth
        self.max_body = max_body
        self.public_paths = public_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _send_json(send, 413, {"code": "payload_too_large",
                                         "message": f"request body exceeds {self.max_body} bytes (apiMaxLength)"})
            return
        permission = self._permission(scope) if self.auth.enabled else None
        if permission is not None:
            refused = self._check(scope, permission)
            if refused is not None:
                status, body = refused
                await _send_json(send, status, body)
                return
        await self._call_limited(scope, receive, send)

    def _permission(self, scope: Scope) -> str | None:
        """The permission the matched API route needs; None for public routes and non-API paths."""
        partial: Any = None
        for route in self.fastapi_app.router.routes:
            if isinstance(route, Mount):
                continue
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return self._route_permission(route)
            if match == Match.PARTIAL and partial is None:
                partial = route
        return self._route_permission(partial) if partial is not None else None

    def _route_permission(self, route: Any) -> str | None:
        if getattr(route, "path", None) in self.public_paths:
            return None
        endpoint = getattr(route, "endpoint", None)
        return endpoint.__dict__.get("permission", "*") if endpoint is not None else "*"

    def _check(self, scope: Scope, permission: str) -> tuple[int, dict[str, str]] | None:
        token = bearer_token(scope)
        session: Session | None = self.auth.session(token)
        scope[SESSION_KEY] = session
        if session is None:
            default = self.auth.default_user
            if token is None and default is not None and has_permission(default.permissions, permission):
                return None
            return 401, {"code": "unauthorized", "message": "Unauthorized"}
        if not has_permission(session.permissions, permission):
            # 401, not 403: Node-RED's needsPermission answers a logged-in user lacking the
            # permission with ``res.status(401)`` (case test_read_only_user_is_refused_every_write_route).
            return 401, {"code": "permission_denied", "message": f"Permission denied: needs {permission}"}
        return None

    async def _call_limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await _send_json(send, 413, {"code": "payload_too_large",
                                         "message": f"request body exceeds {self.max_body} bytes (apiMaxLength)"})


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k.lower() == name:
            return str(v.decode("latin-1"))
    return None


def bearer_token(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    if value and value[:7].lower() == "bearer ":
        return value[7:].strip() or None
    return None


async def _send_json(send: Send, status: int, body: dict[str, str]) -> None:
    data = json.dumps(body).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})

"""ASGI middleware in front of everything: the checks every admin request passes before any handler.

In order, for requests matching an admin API route (node routes and editor files pass through,
bounded by the size limit only): the body size limit (``apiMaxLength``, 413); the ``Host`` and
``Origin`` checks of ``origin.OriginPolicy`` (403, see there); the admin permission (401); for
state-changing methods, a non-empty body must be JSON (415), except on routes marked
``accepts_form`` (``/auth/token``). A comms websocket handshake gets the ``Host``/``Origin`` checks
and is closed before it is accepted (the server answers 403).

The checks run before the request body is read and before any route handler, so a refused request
never causes work (no flow code, no body parsing). Which permission a route needs is read from its
endpoint's ``needs(...)`` mark; FastAPI's own routes (``/docs``, ``/openapi.json``) take theirs from
``path_permissions`` (``docs.read``); other unmarked API routes need ``*``. Refusals are 401 both
without a valid token and for a user lacking the permission (Node-RED).

Every admin response, refusals included, carries ``X-Content-Type-Options: nosniff``: a browser
then never runs a JSON body (say a debug message or a flow name someone chose) as HTML or script.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import AdminAuth, Session, has_permission
from .origin import OriginPolicy, cors_middleware, header

__all__ = ["NOSNIFF", "SAFE_METHODS", "SESSION_KEY", "AdminGuard", "accepts_form", "bearer_token",
           "is_json_type", "parse_size", "with_nosniff"]

log = logging.getLogger("flowengine.server")

SESSION_KEY = "flowengine.session"
"""Scope key holding the caller's ``Session`` (None without adminAuth or for anonymous access)."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing: no Origin check, no body check."""

NOSNIFF = (b"x-content-type-options", b"nosniff")
"""The header every admin response carries."""

_FORM_TYPE = "application/x-www-form-urlencoded"
_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}

F = TypeVar("F", bound=Callable[..., Any])


def accepts_form(fn: F) -> F:
    """Mark a route endpoint that also takes a form body (``/auth/token``, as Node-RED's login does)."""
    fn.__dict__["accepts_form"] = True
    return fn


def is_json_type(content_type: str | None) -> bool:
    """``application/json`` or ``application/<x>+json``, parameters ignored."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


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


def with_nosniff(send: Send) -> Send:
    """``send`` adding ``X-Content-Type-Options: nosniff`` to the response's headers."""
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(name.lower() == NOSNIFF[0] for name, _ in headers):
                headers.append(NOSNIFF)
            message = {**message, "headers": headers}
        await send(message)

    return sending


class AdminGuard:
    """Pure ASGI middleware; see the module docstring.

    Requests matching an admin route go to ``app`` behind CORS headers when ``cors``
    (``httpAdminCors``: {origin, methods, credentials}) is set; everything else goes to ``app``.
    """

    def __init__(self, app: ASGIApp, *, fastapi_app: FastAPI, auth: AdminAuth, max_body: int,
                 path_permissions: dict[str, str], policy: OriginPolicy | None = None,
                 cors: dict[str, Any] | None = None) -> None:
        self.app = app
        self.admin_app = cors_middleware(app, cors, "GET,PUT,POST,DELETE") if cors is not None else app
        self.fastapi_app = fastapi_app
        self.auth = auth
        self.max_body = max_body
        self.path_permissions = path_permissions
        self.policy = policy or OriginPolicy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _send_json(send, 413, {"code": "payload_too_large",
                                         "message": f"request body exceeds {self.max_body} bytes (apiMaxLength)"})
            return
        route = self._route(scope)
        if route is None:
            await self._call_limited(self.app, scope, receive, send)
            return
        send = with_nosniff(send)
        state_changing = scope["method"] not in SAFE_METHODS
        refused = self.policy.refusal(scope, state_changing=state_changing)
        if refused is not None:
            code, message = refused
            log.warning("refused %s %s: %s", scope["method"], scope["path"], message)
            await _send_json(send, 403, {"code": code, "message": message})
            return
        permission = self._route_permission(route) if self.auth.enabled else None
        if permission is not None:
            denied = self._check(scope, permission)
            if denied is not None:
                status, body = denied
                await _send_json(send, status, body)
                return
        if state_changing:
            checked = await self._body_type_check(scope, receive, send, route)
            if checked is None:
                return
            receive = checked
        await self._call_limited(self.admin_app, scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The comms handshake (an admin websocket route) passes the Host/Origin checks or is closed."""
        if self._route(scope) is not None:
            refused = self.policy.refusal(scope, state_changing=True)
            if refused is not None:
                log.warning("refused a websocket handshake on %s: %s", scope["path"], refused[1])
                # A close before the accept: the server answers the handshake with 403.
                await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)

    def _route(self, scope: Scope) -> Any:
        """The admin route ``scope`` targets (a full match, else the first partial one), or None."""
        partial: Any = None
        for route in self.fastapi_app.router.routes:
            if isinstance(route, Mount):
                continue
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return route
            if match == Match.PARTIAL and partial is None:
                partial = route
        return partial

    def _route_permission(self, route: Any) -> str | None:
        """The permission ``route`` needs; None for public routes."""
        fixed = self.path_permissions.get(getattr(route, "path", ""))
        if fixed is not None:
            return fixed
        endpoint = getattr(route, "endpoint", None)
        return endpoint.__dict__.get("permission", "*") if endpoint is not None else "*"

    async def _body_type_check(self, scope: Scope, receive: Receive, send: Send, route: Any) -> Receive | None:
        """``receive`` to go on with, or None after answering 415 for a non-empty body that is not JSON.

        A page can send a cross-site POST without a CORS preflight only as text/plain, a form or
        without a type: refusing those bodies keeps such "simple" requests from reaching a handler.
        """
        ctype = header(scope, b"content-type")
        endpoint = getattr(route, "endpoint", None)
        form_ok = endpoint is not None and endpoint.__dict__.get("accepts_form", False)
        if is_json_type(ctype) or (form_ok and (ctype or "").split(";", 1)[0].strip().lower() == _FORM_TYPE):
            return receive
        length = header(scope, b"content-length")
        if length is not None and length.strip() == "0":
            return receive
        if length is None and header(scope, b"transfer-encoding") is None:
            return receive  # no body at all
        buffered: list[Message] = []
        if length is None:  # chunked: look at the body before deciding
            while True:
                message = await receive()
                buffered.append(message)
                if message["type"] != "http.request" or message.get("body") or not message.get("more_body"):
                    break
            if not any(m.get("body") for m in buffered):
                return _replay(buffered, receive)
        got = ctype.split(";", 1)[0].strip() if ctype else "no Content-Type"
        await _send_json(send, 415, {
            "code": "unsupported_media_type",
            "message": f"{scope['method']} {scope['path']} takes a JSON body{' or a form' if form_ok else ''}, "
                       f"got {got}: send the header Content-Type: application/json"})
        return None

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

    async def _call_limited(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
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
            await app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await _send_json(send, 413, {"code": "payload_too_large",
                                         "message": f"request body exceeds {self.max_body} bytes (apiMaxLength)"})


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` that first hands back ``messages`` (already read), then reads on."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def bearer_token(scope: Scope) -> str | None:
    value = header(scope, b"authorization")
    if value and value[:7].lower() == "bearer ":
        return value[7:].strip() or None
    return None


async def _send_json(send: Send, status: int, body: dict[str, str]) -> None:
    data = json.dumps(body).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), NOSNIFF]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})

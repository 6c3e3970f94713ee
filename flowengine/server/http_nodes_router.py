"""The routes that nodes serve under ``httpNodeRoot`` (``http in``, ``websocket-listener``).

The engine knows nothing about HTTP: the server creates one ``HttpNodeRouter`` and places it in
``settings.extra["http_router"]`` (key ``HTTP_ROUTER_KEY``) before the runtime starts. A node that
serves HTTP looks it up through its host's settings in ``on_start``, registers a route, and calls
the returned remover in ``on_close`` — so routes follow deploys. Without a server (tests, ``validate``)
the key is absent and such nodes stay idle.

Paths use Express syntax relative to the node root: ``/users/:id``, optional ``:id?``, ``*``;
matching ignores case and a trailing slash, first registered wins (as in Node-RED).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import bcrypt
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

__all__ = ["HTTP_ROUTER_KEY", "HttpHandler", "HttpNodeRouter", "NodeRoute", "WebSocketHandler", "compile_path"]

HTTP_ROUTER_KEY = "http_router"

HttpHandler = Callable[[Request, dict[str, str]], Awaitable[Response]]
"""``handler(request, path_params) -> response`` for one ``http in`` route."""
WebSocketHandler = Callable[[WebSocket], Awaitable[None]]
"""``handler(websocket)``: owns the (not yet accepted) websocket until it returns."""

_TOKEN = re.compile(r"(/?):(\w+)(\?)?|(\*)|((?:[^:*/]|/(?!:))+)")


def compile_path(path: str) -> re.Pattern[str]:
    """An Express 4 route path as a regex with named groups (case-insensitive, non-strict)."""
    parts: list[str] = []
    for slash, name, optional, star, literal in _TOKEN.findall(path):
        if name:
            seg = f"(?P<{name}>[^/]+?)"
            sep = re.escape(slash)
            parts.append(f"(?:{sep}{seg})?" if optional else f"{sep}{seg}")
        elif star:
            parts.append("(?:.*)")
        else:
            parts.append(re.escape(literal))
    body = "".join(parts).rstrip("/") if path != "/" else ""
    return re.compile(f"^{body}/?$", re.IGNORECASE)


@dataclass(frozen=True)
class NodeRoute:
    """One registered route (``method`` is upper case; ``""`` for websockets)."""

    method: str
    path: str
    pattern: re.Pattern[str]
    owner: str
    handler: Any = field(compare=False)


class HttpNodeRouter:
    """Dynamic HTTP and websocket routes under the node root; an ASGI app for unmatched requests."""

    def __init__(self, root: str = "/", basic_auth: tuple[str, str] | None = None) -> None:
        """``basic_auth`` = (user, bcrypt hash): Node-RED's ``httpNodeAuth`` for every node route."""
        self.root = "/" + root.strip("/") if root.strip("/") else ""
        self.basic_auth = basic_auth
        self._verified: set[str] = set()
        self._http: list[NodeRoute] = []
        self._ws: list[NodeRoute] = []
        self._pending: set[asyncio.Future[Response]] = set()

    # --- registration (by nodes) ---
    def add_route(self, method: str, path: str, handler: HttpHandler, owner: str = "") -> Callable[[], None]:
        """Serve ``method path`` (relative to the node root); returns the function removing it."""
        route = NodeRoute(method.upper(), _normal(path), compile_path(_normal(path)), owner, handler)
        self._http.append(route)
        return lambda: self._discard(self._http, route)

    def add_websocket(self, path: str, handler: WebSocketHandler, owner: str = "") -> Callable[[], None]:
        route = NodeRoute("", _normal(path), compile_path(_normal(path)), owner, handler)
        self._ws.append(route)
        return lambda: self._discard(self._ws, route)

    @staticmethod
    def _discard(routes: list[NodeRoute], route: NodeRoute) -> None:
        for i, r in enumerate(routes):
            if r is route:
                del routes[i]
                return

    def routes(self) -> list[NodeRoute]:
        """Every registered route (introspection, tests)."""
        return [*self._http, *self._ws]

    def expect_response(self) -> asyncio.Future[Response]:
        """A future an ``http in`` handler awaits; ``shutdown`` resolves the ones still pending."""
        fut: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._pending.add(fut)
        fut.add_done_callback(self._pending.discard)
        return fut

    def shutdown(self) -> None:
        """Answer every request still waiting for an ``http response`` node with 503."""
        for fut in list(self._pending):
            if not fut.done():
                fut.set_result(Response("Service shutting down", status_code=503, media_type="text/plain"))

    @property
    def pending(self) -> int:
        return len(self._pending)

    # --- dispatch ---
    def _relative(self, path: str) -> str | None:
        if not self.root:
            return path
        if path == self.root or path.startswith(self.root + "/"):
            return path[len(self.root):] or "/"
        return None

    def match(self, method: str, path: str) -> tuple[NodeRoute, dict[str, str]] | None:
        """The first HTTP route for ``method`` and an absolute request path."""
        rel = self._relative(path)
        if rel is None:
            return None
        method = method.upper()
        for route in self._http:
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                m = route.pattern.match(rel)
                if m:
                    return route, {k: v for k, v in m.groupdict().items() if v is not None}
        return None

    def match_websocket(self, path: str) -> NodeRoute | None:
        rel = self._relative(path)
        if rel is None:
            return None
        return next((r for r in self._ws if r.pattern.match(rel)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            ws_route = self.match_websocket(scope["path"])
            if ws_route is None:
                await send({"type": "websocket.close", "code": 1008})
                return
            await ws_route.handler(WebSocket(scope, receive, send))
            return
        if scope["type"] != "http":
            return
        if self.basic_auth is not None and not self._authorised(scope):
            await Response("Unauthorized", status_code=401, media_type="text/plain",
                           headers={"WWW-Authenticate": 'Basic realm="Authorization Required"'})(
                scope, receive, send)
            return
        found = self.match(scope["method"], scope["path"])
        if found is None:
            await not_found(scope["method"], scope["path"])(scope, receive, send)
            return
        route, params = found
        request = Request(scope, receive)
        response = await route.handler(request, params)
        await response(scope, receive, send)

    def _authorised(self, scope: Scope) -> bool:
        assert self.basic_auth is not None
        header = next((v for k, v in scope.get("headers", ()) if k.lower() == b"authorization"), b"")
        if not header[:6].lower() == b"basic ":
            return False
        try:
            user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        expected_user, hashed = self.basic_auth
        if not hmac.compare_digest(user, expected_user):
            return False
        key = hashlib.sha256(f"{user}:{password}".encode()).hexdigest()
        if key in self._verified:  # bcrypt costs ~50 ms: remember what already matched
            return True
        try:
            ok = bcrypt.checkpw(password.encode("utf-8"), hashed.encode("utf-8"))
        except ValueError:  # not a bcrypt hash
            return False
        if ok:
            if len(self._verified) > 100:
                self._verified.clear()
            self._verified.add(key)
        return ok


def not_found(method: str, path: str) -> Response:
    """Express's 404 page."""
    text = html.escape(f"Cannot {method} {path}")
    body = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n'
            f"</head>\n<body>\n<pre>{text}</pre>\n</body>\n</html>\n")
    return HTMLResponse(body, status_code=404)


def _normal(path: str) -> str:
    return path if path.startswith("/") else "/" + path

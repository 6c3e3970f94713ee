"""HTTP routes for nodes: what ``RED.httpNode`` is to Node-RED nodes, at the runtime's level.

A node that serves HTTP (``http in``, ``websocket-listener``) asks ``http_routes(settings)`` for
the routes of its process in ``on_start``, adds its route, and calls the returned remover in
``on_close``, so routes follow deploys. The server (``flowengine.server``) implements
``HttpRoutes`` on top of a ``RouteTable``, serves what it holds under ``httpNodeRoot`` and puts it
in ``settings.extra[HTTP_ROUTES_KEY]`` before the runtime starts. Without a server (``validate``,
unit tests) there are no routes and such nodes stay idle. Nodes never import the server.

The server is Starlette (ASGI): a route's handler gets a ``starlette.requests.Request`` and the
path parameters and returns a ``starlette.responses.Response``; a websocket handler gets a (not yet
accepted) ``starlette.websockets.WebSocket`` and owns it until it returns (as Node-RED nodes get
Express's ``req``/``res``).

Paths use Express syntax relative to the node root: ``/users/:id``, optional ``:id?``, ``*``;
matching ignores case and a trailing slash, first registered wins (as in Node-RED).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.websockets import WebSocket

__all__ = ["HTTP_ROUTES_KEY", "HttpHandler", "HttpRoutes", "NodeRoute", "RouteTable", "WebSocketHandler",
           "compile_path", "http_routes"]

HTTP_ROUTES_KEY = "http_router"
"""Where the server puts its ``HttpRoutes`` in ``settings.extra``."""

HttpHandler = Callable[["Request", dict[str, str]], Awaitable["Response"]]
"""``handler(request, path_params) -> response`` for one ``http in`` route."""
WebSocketHandler = Callable[["WebSocket"], Awaitable[None]]
"""``handler(websocket)``: owns the (not yet accepted) websocket until it returns."""
Remove = Callable[[], None]

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


@runtime_checkable
class HttpRoutes(Protocol):
    """What nodes may do with the HTTP routes of their process."""

    def add_route(self, method: str, path: str, handler: HttpHandler, owner: str = "") -> Remove:
        """Serve ``method path`` (relative to the node root); returns the function removing it."""
        ...

    def add_websocket(self, path: str, handler: WebSocketHandler, owner: str = "") -> Remove:
        """Accept websockets on ``path``; returns the function removing the route."""
        ...

    def expect_response(self) -> asyncio.Future[Any]:
        """A future a request handler awaits for its response; the server answers the ones still
        pending when it shuts down."""
        ...


def http_routes(settings: Any) -> HttpRoutes | None:
    """The HTTP routes of this process (``settings.extra[HTTP_ROUTES_KEY]``), None without a server."""
    routes = (getattr(settings, "extra", None) or {}).get(HTTP_ROUTES_KEY)
    return routes if isinstance(routes, HttpRoutes) else None


@dataclass(frozen=True)
class NodeRoute:
    """One registered route (``method`` is upper case; ``""`` for websockets)."""

    method: str
    path: str
    pattern: re.Pattern[str]
    owner: str
    handler: Any = field(compare=False)


class RouteTable:
    """Registered routes and their matching, without any HTTP server (pure apart from futures)."""

    def __init__(self, root: str = "/") -> None:
        self.root = "/" + root.strip("/") if root.strip("/") else ""
        self._http: list[NodeRoute] = []
        self._ws: list[NodeRoute] = []
        self._pending: set[asyncio.Future[Any]] = set()
        self._prune_at = 64

    # --- registration (by nodes) ---
    def add_route(self, method: str, path: str, handler: HttpHandler, owner: str = "") -> Remove:
        route = NodeRoute(method.upper(), _normal(path), compile_path(_normal(path)), owner, handler)
        self._http.append(route)
        return lambda: _discard(self._http, route)

    def add_websocket(self, path: str, handler: WebSocketHandler, owner: str = "") -> Remove:
        route = NodeRoute("", _normal(path), compile_path(_normal(path)), owner, handler)
        self._ws.append(route)
        return lambda: _discard(self._ws, route)

    def expect_response(self) -> asyncio.Future[Any]:
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        pending = self._pending
        if len(pending) >= self._prune_at:
            # answered ones are dropped here, not by a done callback each: that callback was a
            # scheduled call of the event loop per request
            self._pending = pending = {f for f in pending if not f.done()}
            self._prune_at = max(64, 2 * len(pending))
        pending.add(fut)
        return fut

    # --- reading (by the server) ---
    def routes(self) -> list[NodeRoute]:
        """Every registered route (introspection, tests)."""
        return [*self._http, *self._ws]

    def pending_responses(self) -> list[asyncio.Future[Any]]:
        """The futures of requests still waiting for their response."""
        return [f for f in self._pending if not f.done()]

    @property
    def pending(self) -> int:
        return sum(not f.done() for f in self._pending)

    def relative(self, path: str) -> str | None:
        """``path`` relative to the node root, None when it lies outside it."""
        if not self.root:
            return path
        if path == self.root or path.startswith(self.root + "/"):
            return path[len(self.root):] or "/"
        return None

    def match(self, method: str, path: str) -> tuple[NodeRoute, dict[str, str]] | None:
        """The first HTTP route for ``method`` and an absolute request path, with its parameters."""
        rel = self.relative(path)
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
        rel = self.relative(path)
        if rel is None:
            return None
        return next((r for r in self._ws if r.pattern.match(rel)), None)


def _discard(routes: list[NodeRoute], route: NodeRoute) -> None:
    for i, r in enumerate(routes):
        if r is route:
            del routes[i]
            return


def _normal(path: str) -> str:
    return path if path.startswith("/") else "/" + path

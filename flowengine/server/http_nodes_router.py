"""The server's side of the node routes (``http in``, ``websocket-listener``) under ``httpNodeRoot``.

Nodes add routes through ``flowengine.http_routes`` (the runtime-level API, what ``RED.httpNode``
is to Node-RED nodes); ``HttpNodeRouter`` is the server's implementation of it: the route table
plus Starlette's request handling, ``httpNodeAuth`` and the answers of a shutdown. ``create_app``
makes one and puts it in ``settings.extra[HTTP_ROUTES_KEY]`` before the runtime starts.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
from typing import Any

import bcrypt
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from ..http_routes import HTTP_ROUTES_KEY, HttpHandler, NodeRoute, RouteTable, WebSocketHandler, compile_path

__all__ = ["HTTP_ROUTER_KEY", "HttpHandler", "HttpNodeRouter", "NodeRoute", "WebSocketHandler", "compile_path",
           "not_found"]

HTTP_ROUTER_KEY = HTTP_ROUTES_KEY


class HttpNodeRouter(RouteTable):
    """Dynamic HTTP and websocket routes under the node root; an ASGI app for unmatched requests."""

    def __init__(self, root: str = "/", basic_auth: tuple[str, str] | None = None) -> None:
        """``basic_auth`` = (user, bcrypt hash): Node-RED's ``httpNodeAuth`` for every node route."""
        super().__init__(root)
        self.basic_auth = basic_auth
        self._verified: set[str] = set()
        self.closing = False
        """Set by ``shutdown``: from then on every request is answered 503 at once."""

    def shutdown(self) -> None:
        """Answer every request still waiting for an ``http response`` node with 503, and every later
        one (a kept-alive connection's next request, one whose body was still arriving) at once:
        the flows are stopping, so nothing would answer them before the HTTP drain ran out."""
        self.closing = True
        for fut in self.pending_responses():
            if not fut.done():
                fut.set_result(_shutting_down())

    def expect_response(self) -> asyncio.Future[Any]:
        if not self.closing:
            return super().expect_response()
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        fut.set_result(_shutting_down())
        return fut

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            ws_route = self.match_websocket(scope["path"])
            if ws_route is None:
                await send({"type": "websocket.close", "code": 1008})
                return
            if self.basic_auth is not None and not self._authorised(scope):
                # httpNodeAuth covers websocket-listener paths too: refused before the upgrade (403)
                await send({"type": "websocket.close", "code": 1008})
                return
            await ws_route.handler(WebSocket(scope, receive, send))
            return
        if scope["type"] != "http":
            return
        if self.closing:
            await _shutting_down()(scope, receive, send)
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


def _shutting_down() -> Response:
    return Response("Service shutting down", status_code=503, media_type="text/plain",
                    headers={"Connection": "close"})


def not_found(method: str, path: str) -> Response:
    """Express's 404 page."""
    text = html.escape(f"Cannot {method} {path}")
    body = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n'
            f"</head>\n<body>\n<pre>{text}</pre>\n</body>\n</html>\n")
    return HTMLResponse(body, status_code=404)

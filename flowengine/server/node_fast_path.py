"""A short path for requests to ``http in`` node routes.

Every request to a FastAPI app walks its middleware stack and tries each admin route before the
fallback reaches the node routes: for the latency of an ``http in`` -> ``http response`` flow that
is most of the cost. ``NodeFastPath`` claims a request first when (a) it is HTTP, (b) its path
cannot be an admin API route or an editor file (its first segment below the admin root is none of
theirs), and (c) a node route matches. Everything else goes through the full app, so admin
routes keep precedence over node routes exactly as before. The body limit (``apiMaxLength``)
and the 500 answer of an unexpected error are applied here too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .http_nodes_router import HttpNodeRouter

__all__ = ["NodeFastPath"]

log = logging.getLogger("flowengine.server")


class _TooLarge(Exception):
    pass


class NodeFastPath:
    """Serves node routes directly; ``claims(scope)`` says whether a request is one."""

    def __init__(self, router: HttpNodeRouter, app: ASGIApp, admin_root: str, reserved: Iterable[str],
                 max_body: int) -> None:
        self.router = router
        self.app = app  # the router, or the router behind CORS headers
        self.admin_root = admin_root
        self.reserved = frozenset(reserved)
        self.max_body = max_body

    def claims(self, scope: Scope) -> bool:
        if scope["type"] != "http":
            return False
        path: str = scope["path"]
        root = self.admin_root
        if root and (path.startswith(root) or path + "/" == root):
            first = path[len(root):].split("/", 1)[0]
            if first in self.reserved or first.startswith("."):
                return False
        return self.router.match(scope["method"], path) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body:
                await PlainTextResponse("Payload Too Large", status_code=413)(scope, receive, send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await PlainTextResponse("Payload Too Large", status_code=413)(scope, receive, send)
        except Exception:
            log.exception("error serving %s %s", scope["method"], scope["path"])
            if started:
                raise
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)

"""``create_app``: the FastAPI application around one runtime.

Request routing, in order: admin API routes under ``httpAdminRoot`` (guarded by ``AdminGuard``),
the comms websocket, then a fallback that serves the editor's static files (GET, under the admin
root), then the routes of ``http in`` / ``websocket-listener`` nodes under ``httpNodeRoot``, then
Express's 404 page. The app's lifespan starts the runtime and closes it (nodes within
``nodeCloseTimeout``, context flushed).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, WebSocket
from fastapi.datastructures import Default
from fastapi.routing import APIRoute
from starlette.routing import get_name
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import __version__
from ..runtime import Runtime
from ..settings import Settings
from .admin_routes import build_admin_router, contributed_endpoint
from .auth import AdminAuth
from .auth_routes import build_auth_router
from .check_routes import build_check_router
from .comms import CommsHub
from .context_routes import build_context_router
from .editor_files import EditorFiles
from .errors import install_error_handlers
from .flows_routes import build_flows_router
from .guard import AdminGuard, parse_size
from .health import build_health_router, build_metrics_router
from .http_nodes_router import HTTP_ROUTER_KEY, HttpNodeRouter, not_found
from .library_routes import build_library_router
from .node_fast_path import NodeFastPath
from .observability import Observability
from .origin import LOOPBACK_HOSTS_KEY, OriginPolicy, cors_middleware
from .state import ServerState

__all__ = ["FlowEngineApp", "create_app", "editor_directory"]

log = logging.getLogger("flowengine.server")


def editor_directory() -> Path | None:
    """The ``editor`` package's directory (index.html, css/, js/), or None when not installed."""
    try:
        import flowengine.editor as editor
    except ImportError:
        return None
    path = Path(editor.__file__).parent
    return path if (path / "index.html").exists() else None


class FlowEngineApp(FastAPI):
    """The FastAPI app, with node routes served before the middleware stack (see node_fast_path)."""

    node_fast_path: NodeFastPath | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fast = self.node_fast_path
        if fast is not None and fast.claims(scope):
            await fast(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(runtime: Runtime, settings: Settings, *, editor: bool = True, admin: bool = True,
               start_runtime: bool = True) -> FastAPI:
    """The ASGI app serving ``runtime``.

    ``admin=False`` (or ``httpAdminRoot: false``) serves only the nodes' HTTP routes; ``editor``
    (unless ``settings.disableEditor``) adds the static editor. With ``start_runtime`` the app's
    lifespan starts the runtime (loading the flows from storage) and closes it on shutdown.
    An ``HttpNodeRouter`` is placed in ``settings.extra["http_router"]`` unless ``httpNodeRoot`` is
    false.
    """
    admin_on = admin and settings.httpAdminRoot is not False
    root = settings.admin_root if admin_on else "/"
    prefix = root.rstrip("/")
    auth = AdminAuth(settings.adminAuth, settings.user_dir / ".sessions.json")
    comms = None
    if admin_on and not settings.disableEditor:
        comms = CommsHub(runtime.events, auth, queue_limit=settings.commsQueueLimit,
                         queue_bytes=settings.commsQueueLimitBytes,
                         keepalive_s=settings.webSocketKeepAliveTime / 1000.0)
    router = _node_router(settings)
    state = ServerState(runtime, settings, auth, comms, router)
    observability = Observability(runtime, (lambda: len(comms.connections)) if comms is not None else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if comms is not None:
            comms.start()
        observability.lag.start()
        if start_runtime:
            await runtime.start()
        try:
            yield
        finally:
            await observability.lag.close()
            if router is not None:
                router.shutdown()
            if comms is not None:
                comms.close()
            if start_runtime:
                await runtime.close()

    docs = f"{prefix}/docs" if admin_on else None
    openapi = f"{prefix}/openapi.json" if admin_on else None
    app = FlowEngineApp(title="flowengine admin API", version=__version__, lifespan=lifespan,
                  docs_url=docs, redoc_url=None, openapi_url=openapi)
    app.state.flowengine = state
    app.state.observability = observability
    install_error_handlers(app)
    _add_routes(app, build_health_router(runtime, _RouteSpec), prefix)
    if admin_on:
        _add_routes(app, build_metrics_router(observability, route_class=_RouteSpec), prefix)
        for build in (build_auth_router, build_flows_router, build_admin_router, build_context_router,
                      build_check_router, build_library_router):
            _add_routes(app, build(_RouteSpec), prefix)
        for spec in runtime.registry.routes:
            app.add_api_route(f"{prefix}/{spec.path.lstrip('/')}", contributed_endpoint(spec, state),
                              methods=list(spec.methods), tags=["node packages"], response_model=None)
        if comms is not None:
            hub = comms

            @app.websocket(f"{prefix}/comms")
            async def comms_endpoint(ws: WebSocket) -> None:
                await hub.serve(ws)

    # the API's description is the admin's: with adminAuth on, a user who may read it (Node-RED has none)
    docs_paths = {p: "docs.read" for p in (docs, openapi, f"{docs}/oauth2-redirect" if docs else None) if p}
    admin_cors = settings.extra.get("httpAdminCors")
    policy = OriginPolicy(admin_cors, loopback_hosts_only=bool(settings.extra.get(LOOPBACK_HOSTS_KEY)))
    app.add_middleware(AdminGuard, fastapi_app=app, auth=auth, max_body=parse_size(settings.apiMaxLength),
                       path_permissions=docs_paths, policy=policy,
                       cors=admin_cors if isinstance(admin_cors, dict) else None)
    static = None
    if admin_on and editor and not settings.disableEditor:
        folder = editor_directory()
        if folder is None:
            log.warning("the editor package has no index.html: the editor is not served")
        else:
            static = EditorFiles(folder)
    node_app = _with_cors(router, settings.extra.get("httpNodeCors"))
    app.router.default = _Fallback(static, root, node_app)
    if router is not None and node_app is not None:
        reserved = _reserved_segments(app, prefix, static)
        app.node_fast_path = NodeFastPath(router, node_app, root if admin_on else "",
                                          reserved, parse_size(settings.apiMaxLength))
    return app


def _reserved_segments(app: FastAPI, prefix: str, static: EditorFiles | None) -> set[str]:
    """First path segments (below the admin root) taken by admin routes and editor files."""
    reserved = {"", "comms"}
    for route in app.router.routes:
        path = getattr(route, "path", "")
        if path.startswith(prefix + "/"):
            reserved.add(path[len(prefix) + 1:].split("/", 1)[0].split("{", 1)[0])
    if static is not None:
        reserved.update(os.listdir(static.folder))
    return reserved


def _node_router(settings: Settings) -> HttpNodeRouter | None:
    """The router for node routes, published in ``settings.extra`` (None when httpNodeRoot is false)."""
    if settings.httpNodeRoot is False:
        return None
    node_auth = settings.extra.get("httpNodeAuth")
    basic = None
    if isinstance(node_auth, dict) and node_auth.get("user") and node_auth.get("pass"):
        basic = (str(node_auth["user"]), str(node_auth["pass"]))
    router = HttpNodeRouter(settings.node_root, basic_auth=basic)
    settings.extra[HTTP_ROUTER_KEY] = router
    return router


class _RouteSpec(APIRoute):
    """A route as a builder declared it, for ``_add_routes`` to add to the app. A real ``APIRoute``
    builds its request parsing and response model when created, and the app's copy builds them
    again: half of ``create_app``'s time (cProfile, 65 routes built for 34 served)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **declared: Any) -> None:
        # No super().__init__(): nothing is built; only what _add_routes reads is kept, as declared
        # (the app's route derives the name, description and response model as APIRoute would)
        self.path = path
        self.endpoint = endpoint
        self.methods = {m.upper() for m in declared.get("methods") or ("GET",)}
        self.status_code = declared.get("status_code")
        self.summary = declared.get("summary")
        self.tags = declared.get("tags") or []
        self.response_model = declared.get("response_model", Default(None))
        name = declared.get("name")
        self.name = get_name(endpoint) if name is None else name
        self.openapi_extra = declared.get("openapi_extra")
        self.description = declared.get("description") or ""  # "": the app's route reads the docstring


def _add_routes(app: FastAPI, router: APIRouter, prefix: str) -> None:
    """Add a router's routes to the app itself (not ``include_router``, which newer FastAPI keeps as
    one opaque branch), so that ``AdminGuard`` can see each endpoint's permission."""
    for route in router.routes:
        assert isinstance(route, APIRoute)
        app.add_api_route(prefix + route.path, route.endpoint, methods=sorted(route.methods or ()),
                          status_code=route.status_code, summary=route.summary, tags=route.tags,
                          response_model=route.response_model, name=route.name,
                          openapi_extra=route.openapi_extra, description=route.description)


def _with_cors(router: HttpNodeRouter | None, cors: Any) -> ASGIApp | None:
    """Node routes behind CORS headers when ``httpNodeCors`` ({origin, methods, credentials}) is set."""
    if router is None or not isinstance(cors, dict):
        return router
    return cors_middleware(router, cors, "GET,PUT,POST,DELETE")


class _Fallback:
    """What no API route matched: editor files, then node routes, then a 404 page."""

    def __init__(self, static: EditorFiles | None, admin_root: str, node_app: ASGIApp | None) -> None:
        self.static = static
        self.admin_root = admin_root
        self.node_app = node_app

    def _static_path(self, scope: Scope) -> str | None:
        """The editor file a GET/HEAD asks for (relative to the editor folder), or None."""
        if self.static is None or scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        path: str = scope["path"]
        if path + "/" == self.admin_root:
            rel = ""
        elif path.startswith(self.admin_root):
            rel = path[len(self.admin_root):]
        else:
            return None
        return self.static.resolve(rel)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rel = self._static_path(scope)
        if rel is not None and self.static is not None and await self.static.serve(rel, scope, receive, send):
            return
        if self.node_app is not None:
            await self.node_app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] == "http":
            await not_found(scope["method"], scope["path"])(scope, receive, send)

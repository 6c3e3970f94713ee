"""Admin routes about nodes and the runtime: ``/nodes``, ``/node-types``, ``/settings``,
``/diagnostics``, ``/inject/:id``, ``/debug/...``, ``/credentials/:type/:id`` and the routes that
node packages contribute through the registry."""

from __future__ import annotations

import html
import inspect
import locale
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute

from .. import __version__
from ..registry import RouteSpec
from .errors import ApiError, needs
from .flows_routes import read_json
from .state import ServerState, server_state, session_of

__all__ = ["build_admin_router", "contributed_endpoint"]


def _settings_body(state: ServerState, request: Request) -> dict[str, Any]:
    s = state.settings
    ctx = state.runtime.context
    secret = s.credentialSecret
    body: dict[str, Any] = {
        "httpNodeRoot": s.node_root if s.httpNodeRoot is not False else False,
        "version": __version__,
        "context": {"default": ctx.default_store, "stores": ctx.stores()},
        "codeEditor": {"lib": "plain", "language": "python"},
        "libraries": [],
        "flowFilePretty": s.flowFilePretty,
        "externalModules": {},
        "flowEncryptionType": "disabled" if secret is False else ("user" if secret else "system"),
        "diagnostics": dict(s.diagnostics),
        "telemetryEnabled": False,
        "runtimeState": dict(s.runtimeState),
        "functionExternalModules": False,
        "functionTimeout": s.functionTimeout,
        "tlsConfigDisableLocalFiles": False,
        "editorTheme": {"projects": {"enabled": False}, "palette": {}, "header": {"title": "flowengine"}},
        "debugMaxLength": s.debugMaxLength,
        "functionLanguage": "python",
    }
    session = session_of(request)
    if state.auth.enabled and session is not None:
        perms = session.permissions
        body["user"] = {"username": session.user,
                        "permissions": list(perms) if isinstance(perms, tuple) else perms}
    elif state.auth.enabled and state.auth.default_user is not None:
        body["user"] = state.auth.default_user.public() | {"anonymous": True}
    return body


def _diagnostics(state: ServerState) -> dict[str, Any]:
    s = state.settings
    runtime = state.runtime
    modules: dict[str, str] = {ns.module: ns.version for ns in runtime.registry.node_sets()}
    flags = {
        "available": True,
        "adminAuth": "SET" if s.adminAuth else "UNSET",
        "credentialSecret": "SET" if s.credentialSecret else "UNSET",
        "contextStorage": "SET" if s.contextStorage else "UNSET",
        "httpAdminRoot": s.admin_root,
        "httpNodeRoot": s.node_root,
        "uiHost": "SET" if s.uiHost not in ("127.0.0.1", "localhost", "::1") else "UNSET",
        "uiPort": s.uiPort,
        "flowFile": "SET" if s.flowFile != "flows.json" else "UNSET",
        "disableEditor": s.disableEditor,
        "nodeCloseTimeout": s.nodeCloseTimeout,
        "debugMaxLength": s.debugMaxLength,
        "apiMaxLength": s.apiMaxLength,
    }
    now = time.time()
    return {
        "report": "diagnostics",
        "scope": "basic",
        "time": {"utc": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now)),
                 "local": time.strftime("%c", time.localtime(now))},
        "intl": {"locale": locale.getlocale()[0] or "C", "timeZone": time.tzname[0]},
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation(),
                   "executable": "SET" if sys.executable else "UNSET"},
        "os": {"platform": sys.platform, "release": platform.release(), "machine": platform.machine(),
               "cpus": os.cpu_count()},
        "runtime": {
            "version": __version__,
            "isStarted": runtime.state == "start",
            "flows": {"state": runtime.state, "started": runtime.state == "start"},
            "modules": modules,
            "settings": flags,
        },
    }


def _nodes_html(state: ServerState) -> str:
    """``GET /nodes`` for ``Accept: text/html``: one help block per type (our editor reads
    ``/node-types``; this keeps tools that fetch the HTML working)."""
    registry = state.runtime.registry
    parts = ["<!-- flowengine node definitions: full descriptions are at node-types (JSON) -->"]
    for t in registry.types():
        d = registry.describe(t)
        parts.append(f'<script type="text/html" data-help-name="{html.escape(t, quote=True)}">'
                     f"<p>{html.escape(str(d.get('help') or d.get('label') or t))}</p></script>")
    return "\n".join(parts) + "\n"


def contributed_endpoint(spec: RouteSpec, state: ServerState) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a node package's ``endpoint(request, runtime)`` as a route endpoint."""

    async def endpoint(request: Request) -> Response:
        result = spec.endpoint(request, state.runtime)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    read_only = all(m.upper() in ("GET", "HEAD") for m in spec.methods)
    endpoint.__name__ = f"contributed_{spec.path.strip('/').replace('/', '_') or 'root'}"
    return needs("nodes.read" if read_only else "nodes.write")(endpoint)


def build_admin_router(route_class: type[APIRoute] = APIRoute) -> APIRouter:
    router = APIRouter(route_class=route_class)

    @router.get("/nodes", tags=["nodes"], summary="Installed node sets (JSON) or help blocks (text/html)",
                response_model=None)
    @needs("nodes.read")
    async def get_nodes(request: Request) -> Response | list[dict[str, Any]]:
        state = server_state(request)
        accept = request.headers.get("accept", "application/json")
        if "text/html" in accept and "application/json" not in accept:
            return HTMLResponse(_nodes_html(state))
        registry = state.runtime.registry
        loaded = [
            {"id": f"{ns.module}/{ns.name}", "name": ns.name, "types": list(ns.types), "enabled": True,
             "loaded": True, "local": False, "user": False, "module": ns.module, "version": ns.version}
            for ns in registry.node_sets()
        ]
        # as Node-RED lists a node set that failed to load: no types, loaded false, its error
        failed = [{"id": f"{name}/{name}", "name": name, "types": [], "enabled": True, "loaded": False,
                   "local": False, "user": False, "module": name, "err": error}
                  for name, error in registry.failed.items()]
        return loaded + failed

    @router.get("/node-types", tags=["nodes"], summary="Every registered node type as the editor sees it")
    @needs("nodes.read")
    async def get_node_types(request: Request) -> list[dict[str, Any]]:
        # the registry's encoded array, not a list for FastAPI to walk and encode on every editor load
        body = server_state(request).runtime.registry.types_json()
        return Response(body, media_type="application/json")  # type: ignore[return-value]

    @router.get("/settings", tags=["runtime"], summary="Runtime settings the editor needs")
    @needs("settings.read")
    async def get_settings(request: Request) -> dict[str, Any]:
        return _settings_body(server_state(request), request)

    @router.get("/diagnostics", tags=["runtime"], summary="A diagnostics report")
    @needs("diagnostics.read")
    async def get_diagnostics(request: Request) -> dict[str, Any]:
        state = server_state(request)
        if not (state.settings.diagnostics or {}).get("enabled", True):
            raise ApiError(403, "diagnostics_disabled", "diagnostics are disabled (settings.diagnostics.enabled)")
        return _diagnostics(state)

    @router.post("/inject/{node_id}", tags=["nodes"], summary="Trigger an inject node", response_model=None)
    @needs("inject.write")
    async def inject(request: Request, node_id: str) -> Response:
        body = await read_json(request)
        if body is not None and not isinstance(body, dict):
            raise ApiError(400, "invalid_request", "the body must be a JSON object")
        if not server_state(request).runtime.inject(node_id, body):
            return PlainTextResponse("Not Found", status_code=404)
        return PlainTextResponse("OK")

    @router.post("/debug/{node_id}/{action}", tags=["nodes"], summary="Enable (200) / disable (201) a debug node",
                 response_model=None)
    @needs("debug.write")
    async def debug_one(request: Request, node_id: str, action: str) -> Response:
        if action not in ("enable", "disable"):
            return PlainTextResponse("Not Found", status_code=404)
        if not server_state(request).runtime.set_debug_active(node_id, action == "enable"):
            return PlainTextResponse("Not Found", status_code=404)
        return PlainTextResponse("OK", status_code=200) if action == "enable" else PlainTextResponse(
            "Created", status_code=201)

    @router.post("/debug/{action}", tags=["nodes"], summary="Enable / disable several debug nodes",
                 response_model=None)
    @needs("debug.write")
    async def debug_many(request: Request, action: str) -> Response:
        if action not in ("enable", "disable"):
            return PlainTextResponse("Not Found", status_code=404)
        body = await read_json(request, {})
        ids = body.get("nodes") if isinstance(body, dict) else None
        if not isinstance(ids, list):
            raise ApiError(400, "invalid_request", "the body must be {\"nodes\": [ids]}")
        runtime = server_state(request).runtime
        for node_id in ids:
            runtime.set_debug_active(str(node_id), action == "enable")
        return PlainTextResponse("OK", status_code=200) if action == "enable" else PlainTextResponse(
            "Created", status_code=201)

    @router.get("/credentials/{node_type}/{node_id}", tags=["nodes"],
                summary="A node's credentials: text fields, and has_<field> for passwords")
    @needs("credentials.read")
    async def get_credentials(request: Request, node_type: str, node_id: str) -> dict[str, Any]:
        runtime = server_state(request).runtime
        cls = runtime.registry.get(node_type)
        if cls is None:
            raise ApiError(404, "not_found", f"unknown node type {node_type!r}")
        view: dict[str, Any] = runtime.credentials.public_view(node_id, dict(cls.credentials_schema))
        return view

    return router

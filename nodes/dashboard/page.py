"""The dashboard page under ``<httpNodeRoot><ui.path>/``: static files, manifest and the websocket.

The page is plain ES modules and CSS from ``static/`` (no build step); it opens the websocket at
``<path>/ws`` relative to itself. Routes go through the process's HTTP routes for nodes
(``flowengine.http_routes``), so ``httpNodeAuth`` guards the page as it guards ``http in`` endpoints.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.websockets import WebSocket

from flowengine.http_routes import HttpRoutes

from .clients import BasicAuth, serve_browser
from .hub import DashboardHub

__all__ = ["STATIC", "add_page_routes"]

STATIC = Path(__file__).resolve().parent / "static"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
          ".json": "application/json", ".ico": "image/x-icon"}


def add_page_routes(hub: DashboardHub, routes: HttpRoutes, settings: Any) -> None:
    """Serve the page, its files and its websocket (routes live as long as the server)."""
    path = "/" + hub.options.path
    node_root = str(getattr(settings, "node_root", "/") or "/")
    base = node_root.rstrip("/") + path + "/"

    spa = hub.options.single_page_app

    async def page(request: Request, params: dict[str, str]) -> Response:
        url_path = request.url.path
        if not url_path.endswith("/") and not spa:
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(url_path + "/" + query, status_code=301)
        return _index(base)

    async def files(request: Request, params: dict[str, str]) -> Response:
        url_path = request.url.path
        if not url_path.lower().startswith(base.lower()):
            return Response("Not found", status_code=404, media_type="text/plain")
        rel = url_path[len(base):]
        if rel in ("", "index.html"):
            return _index(base)
        if rel in ("manifest.json", "manifest.webmanifest"):
            return Response(json.dumps(_manifest(hub)), media_type="application/manifest+json")
        if spa and "." not in rel.rsplit("/", 1)[-1]:
            return _index(base)  # Dashboard 2: a page's own path (e.g. /dashboard/page1)
        return _file(rel)

    auth = BasicAuth(*hub.options.basic_auth) if hub.options.basic_auth else None

    async def socket(websocket: WebSocket) -> None:
        await serve_browser(hub, websocket, auth)

    routes.add_websocket(path + "/ws", socket, owner="dashboard")
    routes.add_route("GET", path, page, owner="dashboard")
    routes.add_route("GET", path + "/*", files, owner="dashboard")


def _index(base: str) -> Response:
    """The page, its relative URLs anchored at the dashboard's root (a Dashboard 2 page's path may be
    deeper, e.g. ``/dashboard/rooms/kitchen``)."""
    text = (STATIC / "index.html").read_text(encoding="utf-8")
    text = text.replace("<head>", f'<head>\n  <base href="{html.escape(base, quote=True)}">', 1)
    return Response(text, media_type=_TYPES[".html"], headers={"Cache-Control": "no-cache"})


def _file(rel: str) -> Response:
    target = (STATIC / rel).resolve()
    if not target.is_relative_to(STATIC) or not target.is_file():
        return Response("Not found", status_code=404, media_type="text/plain")
    media = _TYPES.get(target.suffix, "application/octet-stream")
    return Response(target.read_bytes(), media_type=media, headers={"Cache-Control": "no-cache"})


def _manifest(hub: DashboardHub) -> dict[str, Any]:
    """The web-app manifest (Dashboard 1 names the app after the site title, coloured by the theme)."""
    site = (hub.base or {}).get("site") or {}
    name = str(site.get("name") or "Node-RED Dashboard") if isinstance(site, dict) else "Node-RED Dashboard"
    theme = (hub.base or {}).get("theme") or {}
    state = theme.get("themeState") if isinstance(theme, dict) else None
    color = "#097479"
    if isinstance(state, dict):
        bar = state.get("page-titlebar-backgroundColor")
        if isinstance(bar, dict) and isinstance(bar.get("value"), str):
            color = bar["value"]
    return {"name": name, "short_name": name.replace("Node-RED", "").strip() or "Dashboard",
            "description": "A dashboard for Node-RED", "start_url": "./", "display": "standalone",
            "background_color": color, "theme_color": color}

"""Shared helpers of the server tests."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute

from flowengine.settings import Settings

with warnings.catch_warnings():  # starlette asks for httpx2 instead of httpx; both work for tests
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

__all__ = ["V2", "ApiRoute", "TestClient", "inject_debug", "make_settings", "routes_of", "tab"]


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(user_dir=tmp_path, **overrides)


V2 = {"Node-RED-API-Version": "v2"}


def tab(tab_id: str = "t1", label: str = "Flow 1") -> dict[str, Any]:
    return {"id": tab_id, "type": "tab", "label": label, "disabled": False, "info": "", "env": []}


def inject_debug(tab_id: str = "t1", inj: str = "inj1", dbg: str = "dbg1") -> list[dict[str, Any]]:
    """tab + inject -> debug (complete msg)."""
    return [
        tab(tab_id),
        {"id": inj, "type": "inject", "z": tab_id, "name": "", "props": [{"p": "payload"}], "repeat": "",
         "crontab": "", "once": False, "onceDelay": 0.1, "topic": "", "payload": "hello", "payloadType": "str",
         "x": 100, "y": 100, "wires": [[dbg]]},
        {"id": dbg, "type": "debug", "z": tab_id, "name": "d", "active": True, "tosidebar": True,
         "console": False, "tostatus": False, "complete": "payload", "targetType": "msg",
         "x": 300, "y": 100, "wires": []},
    ]


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str  # path parameters filled in with "x1"
    permission: str | None  # what the route's ``needs(...)`` mark asks for; None = public
    template: str = ""  # the path as declared, e.g. "/inject/{node_id}"

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def routes_of(app: Any) -> list[ApiRoute]:
    """Every (method, path) of the app's API routes, node packages' routes included."""
    out = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            path = re.sub(r"\{[^}]+\}", "x1", route.path)
            permission = route.endpoint.__dict__.get("permission", "*")
            out.extend(ApiRoute(m, path, permission, route.path) for m in sorted(route.methods))
    return out

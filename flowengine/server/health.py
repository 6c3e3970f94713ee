"""``/healthz``, ``/readyz`` and ``/metrics`` routes: for load balancers, systemd and Prometheus.

``GET /healthz`` answers 200 while the process serves, with whether the flows run and, when they do
not, why: ``{"status": "ok", "flows": "started"|"stopped"|"safe", "reason": ..., "revision": ...,
"uptime_s": ..., "version": ...}``. ``GET /readyz`` is the same body with 503 unless the flows are
started (take the instance out of rotation while they are stopped). Neither needs a token: they say
nothing a deploy would not show, and a balancer has none. ``GET /metrics`` needs ``metrics.read``
when adminAuth is on (any ``read`` permission includes it).
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from .. import __version__
from ..runtime import Runtime
from .errors import needs
from .observability import Observability

__all__ = ["build_health_router", "build_metrics_router", "health"]

_STATES = {"start": "started", "stop": "stopped", "safe": "safe"}


def _reason(runtime: Runtime) -> str | None:
    if runtime.state == "start":
        return None
    retained = dict(runtime.events.retained("notification/runtime-state"))
    data = retained.get("notification/runtime-state")
    error = data.get("error") if isinstance(data, dict) else None
    if error == "missing-types" or runtime.missing_types:
        return "missing node types: " + ", ".join(runtime.missing_types)
    if error == "invalid-flows":
        problems = [str(p) for p in runtime.problems if p.level == "error"]
        return f"invalid flows ({len(problems)} errors): " + "; ".join(problems[:3])
    if runtime.state == "safe":
        return "safe mode: the flows are loaded but not started; deploy to start them"
    return "stopped (runtimeFlowState is stop: POST /flows/state {\"state\": \"start\"} starts them)"


def health(runtime: Runtime, started: float) -> tuple[bool, dict[str, Any]]:
    """``(ready, body)`` of the health routes (``started``: ``time.monotonic()`` when serving began)."""
    body = {
        "status": "ok",
        "flows": _STATES.get(runtime.state, runtime.state),
        "reason": _reason(runtime),
        "revision": runtime.revision,
        "uptime_s": round(time.monotonic() - started, 3),
        "version": __version__,
    }
    return runtime.state == "start", body


def build_health_router(runtime: Runtime, route_class: type[APIRoute] = APIRoute) -> APIRouter:
    router = APIRouter(tags=["health"], route_class=route_class)
    started = time.monotonic()

    @router.get("/healthz", summary="Process up; whether the flows run and why not")
    @needs(None)
    async def healthz() -> JSONResponse:
        return JSONResponse(health(runtime, started)[1], headers={"cache-control": "no-store"})

    @router.get("/readyz", summary="200 when the flows are started, else 503 (same body as /healthz)")
    @needs(None)
    async def readyz() -> JSONResponse:
        ready, body = health(runtime, started)
        return JSONResponse(body, status_code=200 if ready else 503, headers={"cache-control": "no-store"})

    return router


def build_metrics_router(observability: Observability, *, permission: str | None = "metrics.read",
                         route_class: type[APIRoute] = APIRoute) -> APIRouter:
    router = APIRouter(tags=["health"], route_class=route_class)

    @router.get("/metrics", summary="Prometheus metrics of the runtime", response_model=None)
    @needs(permission)
    async def metrics(request: Request) -> Response:
        text, content_type = observability.exposition()
        return Response(text, media_type=content_type, headers={"cache-control": "no-store"})

    return router

"""``POST /node-check``: the problems of one node's properties as a deploy would see them.

The editor's code fields ask this route while the user types: the body is one node object (type
plus properties), the answer ``{"problems": [{"property", "message", "level"}]}`` lists what the
type's JSON schema and its ``check_config`` hook say (the function node checks its code's syntax
there, in the node's language). Nothing is deployed or kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute

from .errors import ApiError, needs
from .flows_routes import read_json
from .state import server_state

__all__ = ["build_check_router"]


def build_check_router(route_class: type[APIRoute] = APIRoute) -> APIRouter:
    router = APIRouter(tags=["nodes"], route_class=route_class)

    @router.post("/node-check", summary="Check one node's properties (schema and the type's own checks)")
    @needs("flows.read")
    async def node_check(request: Request) -> dict[str, Any]:
        body = await read_json(request)
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            raise ApiError(400, "invalid_request", "the body must be one node object with a 'type'")
        problems = server_state(request).runtime.registry.validate(body)
        return {"problems": [{"property": p.property, "message": p.message, "level": p.level} for p in problems]}

    return router

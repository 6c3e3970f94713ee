"""``/flows``, ``/flows/state`` and ``/flow/:id`` (Node-RED's admin API, same bodies and codes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from ..errors import DeployConflictError, FlowValidationError, StorageError
from .errors import ApiError, needs
from .flow_tabs import add_flow, get_flow, remove_flow, update_flow
from .flows_body import FlowsBody, FlowsBodyReader, refuse_constant
from .state import server_state

__all__ = ["build_flows_router", "read_json"]

DEPLOY_TYPES = ("full", "nodes", "flows", "reload")

_NODE = {"type": "object", "required": ["id", "type"],
         "properties": {"id": {"type": "string"}, "type": {"type": "string"}}}
_FLOWS_BODY = {"requestBody": {"content": {"application/json": {"schema": {"oneOf": [
    {"type": "array", "items": _NODE, "description": "v1: the flow array"},
    {"type": "object", "required": ["flows"], "description": "v2",
     "properties": {"flows": {"type": "array", "items": _NODE}, "rev": {"type": "string"},
                    "credentials": {"type": "object"}}},
]}}}}}
_STATE_BODY = {"requestBody": {"content": {"application/json": {"schema": {
    "type": "object", "properties": {"state": {"type": "string", "enum": ["start", "stop"]}}}}}}}
_FLOW_BODY = {"requestBody": {"content": {"application/json": {"schema": {
    "type": "object", "required": ["nodes"],
    "properties": {"label": {"type": "string"}, "nodes": {"type": "array", "items": _NODE},
                   "configs": {"type": "array", "items": _NODE}, "info": {"type": "string"},
                   "env": {"type": "array"}, "disabled": {"type": "boolean"}}}}}}}
_HEADERS = [
    {"name": "Node-RED-API-Version", "in": "header", "schema": {"type": "string", "enum": ["v1", "v2"]}},
    {"name": "Node-RED-Deployment-Type", "in": "header",
     "schema": {"type": "string", "enum": list(DEPLOY_TYPES)}},
]


async def read_json(request: Request, default: Any = None, parse: Callable[[bytes], Any] | None = None) -> Any:
    """The request body as strict JSON (``default`` when empty); 400 ``invalid_request`` otherwise.

    Strict: Python's ``json`` reads ``NaN``/``Infinity``, which are not JSON, could not be saved and
    no other Node-RED tool could read back; they are refused here, before a deploy reaches storage.
    ``parse`` reads the bytes in place of ``json.loads`` (``POST /flows``: ``FlowsBodyReader.read``).
    """
    raw = await request.body()
    if not raw.strip():
        return default
    try:
        return parse(raw) if parse is not None else json.loads(raw, parse_constant=refuse_constant)
    except ValueError as exc:
        raise ApiError(400, "invalid_request", f"request body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise ApiError(400, "invalid_request", "request body is nested too deeply") from exc


def _api_version(request: Request) -> str:
    version = request.headers.get("node-red-api-version", "v1")
    if version not in ("v1", "v2"):
        raise ApiError(400, "invalid_api_version", "Invalid API Version requested")
    return version


async def _deploy(request: Request, flows: list[Any], deploy_type: str = "flows", rev: str | None = None,
                  credentials: dict[str, Any] | None = None, sources: list[str | None] | None = None) -> str:
    runtime = server_state(request).runtime
    try:
        return await runtime.deploy(flows, deploy_type, rev=rev, credentials=credentials, sources=sources)
    except DeployConflictError as exc:
        raise ApiError(409, "version_mismatch", "Error") from exc
    except FlowValidationError as exc:
        raise ApiError(400, exc.code, str(exc), problems=[p.to_json() for p in exc.problems]) from exc
    except StorageError as exc:
        raise ApiError(500, "storage_error", str(exc)) from exc


def build_flows_router(route_class: type[APIRoute] = APIRoute) -> APIRouter:
    router = APIRouter(tags=["flows"], route_class=route_class)
    reader = FlowsBodyReader()  # this app's: it keeps the last deployed body's nodes

    @router.get("/flows", summary="The deployed flow configuration (v1: array; v2: {flows, rev})",
                openapi_extra={"parameters": _HEADERS[:1]})
    @needs("flows.read")
    async def get_flows(request: Request) -> Any:
        version = _api_version(request)
        runtime = server_state(request).runtime
        flows = runtime.get_flows()
        if version == "v2":
            return {"flows": flows, "rev": runtime.revision}
        return flows

    @router.post("/flows", summary="Deploy a flow configuration", response_model=None,
                 openapi_extra={**_FLOWS_BODY, "parameters": _HEADERS})
    @needs("flows.write")
    async def post_flows(request: Request) -> Response | dict[str, Any]:
        version = _api_version(request)
        deploy_type = request.headers.get("node-red-deployment-type", "full")
        if deploy_type not in DEPLOY_TYPES:
            raise ApiError(400, "invalid_deployment_type", f"Invalid deployment type '{deploy_type}'")
        runtime = server_state(request).runtime
        if deploy_type == "reload":
            try:
                reloaded = await runtime.reload()
            except StorageError as exc:
                raise ApiError(500, "storage_error", str(exc)) from exc
            return {"rev": reloaded} if version == "v2" else Response(status_code=204)
        parsed: FlowsBody = await read_json(request, FlowsBody(None), reader.read)
        body = parsed.value
        credentials: dict[str, Any] | None = None
        rev: str | None = None
        if version == "v2":
            if not isinstance(body, dict) or not isinstance(body.get("flows"), list):
                raise ApiError(400, "invalid_flow", "the body must be {\"flows\": [...], \"rev\"?: ...}")
            flows = body["flows"]
            rev = body.get("rev")
            if isinstance(body.get("credentials"), dict):
                credentials = body["credentials"]
        else:
            if not isinstance(body, list):
                raise ApiError(400, "invalid_flow", "the body must be a flow array")
            flows = body
        new_rev = await _deploy(request, flows, deploy_type, rev=rev, credentials=credentials, sources=parsed.sources)
        return {"rev": new_rev} if version == "v2" else Response(status_code=204)

    @router.get("/flows/state", summary="Whether the flows are started")
    @needs("flows.read")
    async def get_state(request: Request) -> dict[str, Any]:
        return {"state": server_state(request).runtime.state}

    @router.post("/flows/state", summary="Start or stop the flows (runtimeState.enabled)",
                 openapi_extra=_STATE_BODY)
    @needs("flows.write")
    async def set_state(request: Request) -> dict[str, Any]:
        state = server_state(request)
        if not (state.settings.runtimeState or {}).get("enabled"):
            raise ApiError(405, "not_allowed", "Method not allowed")
        body = await read_json(request, {})
        wanted = body.get("state") if isinstance(body, dict) else None
        if wanted not in ("start", "stop"):
            # Node-RED's message carries a stray "}" - copied so clients matching on it still work.
            raise ApiError(400, "invalid_run_state", f"Cannot change flows runtime state to '{wanted}'}}")
        return {"state": await state.runtime.set_state(wanted)}

    @router.get("/flow/{flow_id}", summary="One tab (or 'global') with its nodes")
    @needs("flows.read")
    async def get_one(request: Request, flow_id: str) -> dict[str, Any]:
        state = server_state(request)
        return get_flow(state.runtime.get_flows(), flow_id, state.is_config)

    @router.post("/flow", summary="Add a tab", openapi_extra=_FLOW_BODY)
    @needs("flows.write")
    async def post_one(request: Request) -> dict[str, Any]:
        state = server_state(request)
        flow_id, flows = add_flow(state.runtime.get_flows(), await read_json(request, {}))
        await _deploy(request, flows)
        return {"id": flow_id}

    @router.put("/flow/{flow_id}", summary="Replace a tab (or the global configs and subflows)",
                openapi_extra=_FLOW_BODY)
    @needs("flows.write")
    async def put_one(request: Request, flow_id: str) -> dict[str, Any]:
        state = server_state(request)
        flows = update_flow(state.runtime.get_flows(), flow_id, await read_json(request, {}), state.is_config)
        await _deploy(request, flows)
        return {"id": flow_id}

    @router.delete("/flow/{flow_id}", summary="Remove a tab and its nodes", status_code=204)
    @needs("flows.write")
    async def delete_one(request: Request, flow_id: str) -> Response:
        state = server_state(request)
        await _deploy(request, remove_flow(state.runtime.get_flows(), flow_id))
        return Response(status_code=204)

    return router


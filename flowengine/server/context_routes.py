"""``GET/DELETE /context/{global | flow/:id | node/:id}[/:key][?store=]`` with Node-RED's encoding."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from ..encoding import encode_object
from ..types import UNDEFINED
from .errors import ApiError, needs
from .state import ServerState, server_state

__all__ = ["build_context_router"]


def _scope(state: ServerState, kind: str, scope_id: str | None) -> Any:
    ctx = state.runtime.context
    if kind == "global":
        return ctx.global_scope()
    if kind == "flow":
        assert scope_id is not None
        return ctx.flow_scope(scope_id)
    assert scope_id is not None
    node = state.runtime.node(scope_id)
    flow_id = node.z if node is not None else None
    if node is None:
        flow_id = next((n.get("z") for n in state.runtime.get_flows() if n.get("id") == scope_id), None)
    return ctx.node_scope(scope_id, flow_id)


def _check_store(state: ServerState, store: str | None) -> None:
    if store is not None and store not in state.runtime.context.stores():
        raise ApiError(400, "invalid_store", f"Unrecognised context store '{store}'")


def _hidden_keys(state: ServerState, kind: str) -> set[str]:
    if kind != "global" or state.settings.exportGlobalContextKeys:
        return set()
    return set(state.settings.functionGlobalContext or {})


def _read(state: ServerState, kind: str, scope_id: str | None, key: str | None, store: str | None) -> Any:
    _check_store(state, store)
    scope = _scope(state, kind, scope_id)
    hidden = _hidden_keys(state, kind)
    ctx = state.runtime.context
    if key is not None:
        if key in hidden:
            return encode_object(UNDEFINED)
        return ctx.encode_scope(scope, key, store)
    body: dict[str, Any] = ctx.encode_scope(scope, None, store)
    if hidden:
        body = {name: {k: v for k, v in values.items() if k not in hidden} for name, values in body.items()}
    return body


def build_context_router(route_class: type[APIRoute] = APIRoute) -> APIRouter:
    router = APIRouter(tags=["context"], route_class=route_class)

    @router.get("/context/global", summary="Every key of global context, per store")
    @needs("context.read")
    async def get_global(request: Request, store: str | None = None) -> Any:
        return _read(server_state(request), "global", None, None, store)

    @router.get("/context/global/{key:path}", summary="One global context value")
    @needs("context.read")
    async def get_global_key(request: Request, key: str, store: str | None = None) -> Any:
        return _read(server_state(request), "global", None, key, store)

    @router.get("/context/{kind}/{scope_id}", summary="Every key of a flow or node context, per store")
    @needs("context.read")
    async def get_scope(request: Request, kind: str, scope_id: str, store: str | None = None) -> Any:
        _kind(kind)
        return _read(server_state(request), kind, scope_id, None, store)

    @router.get("/context/{kind}/{scope_id}/{key:path}", summary="One flow or node context value")
    @needs("context.read")
    async def get_scope_key(request: Request, kind: str, scope_id: str, key: str, store: str | None = None) -> Any:
        _kind(kind)
        return _read(server_state(request), kind, scope_id, key, store)

    @router.delete("/context/global/{key:path}", status_code=204, summary="Delete a global context key")
    @needs("context.write")
    async def delete_global_key(request: Request, key: str, store: str | None = None) -> Response:
        _delete(server_state(request), "global", None, key, store)
        return Response(status_code=204)

    @router.delete("/context/{kind}/{scope_id}/{key:path}", status_code=204,
                   summary="Delete a flow or node context key")
    @needs("context.write")
    async def delete_scope_key(request: Request, kind: str, scope_id: str, key: str,
                               store: str | None = None) -> Response:
        _kind(kind)
        _delete(server_state(request), kind, scope_id, key, store)
        return Response(status_code=204)

    return router


def _kind(kind: str) -> None:
    if kind not in ("flow", "node"):
        raise ApiError(404, "not_found", f"unknown context scope {kind!r} (global, flow or node)")


def _delete(state: ServerState, kind: str, scope_id: str | None, key: str, store: str | None) -> None:
    _check_store(state, store)
    _scope(state, kind, scope_id).delete(key, store)

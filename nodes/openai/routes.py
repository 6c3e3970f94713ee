"""Admin routes of the OpenAI package: ``GET /openai/models?config=<id>`` (the model picker)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .config import OpenAIConfig
from .errors import OpenAIError, redact
from .request import PreparedRequest

__all__ = ["list_models"]


async def list_models(request: Request, runtime: Any) -> Response:
    """The models the config node's server lists, sorted by id, as ``{"object": "list", "data": [{"id"}],
    "models": [ids]}``; errors as ``{code, message}`` (404 unknown config node, 502 upstream error)."""
    config_id = request.query_params.get("config")
    node = runtime.node(config_id) if config_id else None
    if not isinstance(node, OpenAIConfig):
        return JSONResponse({"code": "not_found", "message": f"no running openai-config node {config_id!r}"},
                            status_code=404)
    try:
        response = await node.client().send(PreparedRequest("listModels", "GET", "/models"))
    except OpenAIError as err:
        message = redact(err.message, node.options().secrets)
        return JSONResponse({"code": err.type or "openai_error", "message": message,
                             "status": err.status}, status_code=502)
    data = response.data if isinstance(response.data, dict) else {}
    ids = sorted(str(m["id"]) for m in data.get("data") or [] if isinstance(m, dict) and m.get("id"))
    return JSONResponse({"object": "list", "data": [{"id": i} for i in ids], "models": ids})

"""Admin routes of the OpenAI package: the editor's model picker.

* ``GET /openai/models?config=<id>`` lists the models of a deployed ``openai-config`` node's server,
  cached per config node (``model_list``).
* ``POST /openai/models`` with a JSON body ``{config?, base_url?, api_key?, organization?, project?,
  auth_header?, auth_query?, headers?, query?}`` does the same for a config node being edited and not yet deployed.
  Fields left out (or ``"__PWRD__"``, the editor's "unchanged" placeholder) come from the deployed
  node named by ``config``, else from ``OPENAI_*`` environment variables. The key is used for this
  one request: never logged, never cached, never written anywhere. A draft identical to the deployed
  node uses that node's cache.

Both answer ``{"object": "list", "data": [{"id"}], "models": [ids]}`` sorted by id, or
``{code, message}``: 400 a bad body, 404 no such deployed node (GET), 502 the upstream error
(keys redacted).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .client import ClientOptions, OpenAIClient
from .config import DEFAULT_BASE_URL, ConfigNodeClosed, OpenAIConfig
from .errors import OpenAIError, redact
from .model_list import fetch_model_ids

__all__ = ["list_models", "list_models_for_draft"]

PASSWORD_PLACEHOLDER = "__PWRD__"
DRAFT_TIMEOUT = 30.0
_DRAFT_FIELDS = ("base_url", "api_key", "organization", "project", "auth_header", "auth_query")
_ENV = {"base_url": "OPENAI_BASE_URL", "api_key": "OPENAI_API_KEY", "organization": "OPENAI_ORG_ID",
        "project": "OPENAI_PROJECT_ID"}


def _listing(ids: list[str]) -> JSONResponse:
    return JSONResponse({"object": "list", "data": [{"id": i} for i in ids], "models": ids})


def _problem(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _upstream(err: OpenAIError, secrets: list[str]) -> JSONResponse:
    return JSONResponse({"code": err.type or "openai_error", "message": redact(err.message, secrets),
                         "status": err.status}, status_code=502)


async def list_models(request: Request, runtime: Any) -> Response:
    """``GET``: the models of the deployed config node named by ``?config=``.

    A deploy may replace the node while its list is being fetched (the editor asks right after a
    change): then the node running after the deploy is asked, instead of failing on the old
    node's closed client."""
    config_id = request.query_params.get("config")
    for attempt in range(3):
        node = runtime.node(config_id) if config_id else None
        if not isinstance(node, OpenAIConfig):
            if attempt == 0 and config_id:  # maybe between the old node's close and the new one's start
                await runtime.settled()
                continue
            return _problem(404, "not_found", f"no running openai-config node {config_id!r} "
                            "(POST its base_url and key to list the models of an undeployed one)")
        try:
            return _listing(await node.model_ids())
        except ConfigNodeClosed:  # a deploy replaced it meanwhile: ask the node running after it
            await runtime.settled()
        except OpenAIError as err:
            return _upstream(err, node.options().secrets)
    return _problem(503, "redeploying", f"openai-config node {config_id!r} is being redeployed: ask again")


def _draft_options(body: dict[str, Any], deployed: OpenAIConfig | None) -> ClientOptions:
    if deployed is not None:
        base = deployed.options()
    else:
        env = {field: os.environ.get(name, "") for field, name in _ENV.items()}
        base = ClientOptions(base_url=env["base_url"] or DEFAULT_BASE_URL, api_key=env["api_key"],
                             organization=env["organization"], project=env["project"])
    changes: dict[str, Any] = {}
    for field in _DRAFT_FIELDS:
        value = body.get(field)
        if value is None or value == "" or value == PASSWORD_PLACEHOLDER:
            continue
        if not isinstance(value, str):
            raise ValueError(f"'{field}' must be a string")
        changes[field] = value
    for prop, field_name in (("headers", "extra_headers"), ("query", "extra_query")):
        value = body.get(prop)
        if value is not None:
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ValueError(f"'{prop}' must be an object of strings")
            changes[field_name] = {str(k): v for k, v in value.items()}
    return dataclasses.replace(base, **changes)


async def list_models_for_draft(request: Request, runtime: Any) -> Response:
    """``POST``: the models of a config node as the editor holds it (maybe undeployed)."""
    try:
        body = await request.json()
    except ValueError:
        return _problem(400, "invalid_request", "the body must be a JSON object")
    if not isinstance(body, dict):
        return _problem(400, "invalid_request", "the body must be a JSON object")
    config_id = body.get("config")
    node = runtime.node(config_id) if isinstance(config_id, str) and config_id else None
    deployed = node if isinstance(node, OpenAIConfig) else None
    try:
        options = _draft_options(body, deployed)
    except ValueError as err:
        return _problem(400, "invalid_request", str(err))
    if deployed is not None and options == deployed.options():
        try:
            return _listing(await deployed.model_ids())
        except ConfigNodeClosed:  # redeployed meanwhile: the editor asks again
            return _problem(503, "redeploying", f"openai-config node {config_id!r} is being redeployed: ask again")
        except OpenAIError as err:
            return _upstream(err, options.secrets)
    options = dataclasses.replace(options, timeout=min(options.timeout, DRAFT_TIMEOUT), max_retries=0)
    extra = getattr(getattr(runtime, "settings", None), "extra", None) or {}
    client = OpenAIClient(options, transport=extra.get("openai_transport"))
    try:
        ids = await fetch_model_ids(client)
    except OpenAIError as err:
        return _upstream(err, options.secrets)
    finally:
        await client.aclose()
    return _listing(ids)

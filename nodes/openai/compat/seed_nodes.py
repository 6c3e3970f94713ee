"""Node types of the seed package node-red-openai: ``openai`` + ``openai-service`` (node-red-nodegen's
names) and ``openai-api`` + ``openai-api-service`` (its first commit's), so its flows run unchanged.

A seed node picks one of the 57 seed operations with ``method`` and reads its parameters from
``<method>_<param>`` / ``<method>_<param>Type`` (see ``seed_request``). It runs on the same executor
as the ``openai-*`` node of that operation (``OperationNode``: validation, retries, the config
node's concurrency limit, status, key redaction) and outputs as the seed did: ``msg.payload`` (the
response body), ``msg.statusCode``, ``msg.headers``, ``msg.responseUrl``. Errors go to catch nodes
with the seed's texts: ``Method is not specified.``, ``Unsupported type: ...``, and for an HTTP
error ``Request failed with status code N`` with ``msg.payload`` = the error body,
``msg.statusCode`` and ``msg.headers`` set (``msg.error`` also has status, type, code, param, body).

The service node sends ``secureApiKeyValue`` as it is in the header ``secureApiKeyHeaderOrQueryName``
(default ``Authorization``; users typed ``Bearer sk-...``), or as that query parameter when
``secureApiKeyIsQuery``. Without a key it falls back to ``OPENAI_API_KEY`` (sent as
``Bearer <key>``): flows exported from Node-RED carry no credentials. The base URL is ``apiBase``
when set, else ``OPENAI_BASE_URL``, else ``https://api.openai.com/v1`` (the seed's fixed one).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from flowengine.types import Done, Msg, Send

from ..client import ClientOptions
from ..config import OpenAIConfig
from ..errors import APIStatusError, OpenAIError
from ..help_pages import node_help
from ..operation import OperationNode
from ..request import Operation, PreparedRequest
from .seed_methods import SeedMethod
from .seed_request import seed_request

__all__ = ["CATEGORY", "SeedNode", "SeedService", "seed_classes"]

CATEGORY = "OpenAI (compat)"
COLOR = "#B8B1FB"  # the seed's palette colour


class SeedService(OpenAIConfig):
    """``openai-service``: the key as the seed sent it, plus the executor's connection settings."""

    type = "openai-service"
    label = "OpenAI service (node-red-openai)"
    color = COLOR
    schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "title": "Name"},
            "secureApiKeyHeaderOrQueryName": {
                "type": "string", "title": "Header or query name", "x-default": "Authorization",
                "description": "Where the key goes: a header name (Authorization) or, with 'in query', "
                               "a query parameter name. The key is sent as typed, e.g. 'Bearer sk-...'."},
            "secureApiKeyIsQuery": {"type": ["boolean", "string"], "enum": [False, True, "false", "true"],
                                    "default": False, "title": "Key in query"},
            "apiBase": {"type": "string", "title": "Base URL", "x-default": "https://api.openai.com/v1",
                        "description": "Optional: an OpenAI-compatible server. Empty: OPENAI_BASE_URL, "
                                       "else https://api.openai.com/v1."},
            "timeout": {"type": ["number", "string"], "default": 600, "title": "Timeout (s)"},
            "max_retries": {"type": ["integer", "string"], "default": 2, "title": "Retries"},
            "max_concurrency": {"type": ["integer", "string"], "default": 8, "title": "Requests in flight"},
        },
    }
    credentials_schema: ClassVar[dict[str, str]] = {"secureApiKeyValue": "password"}  # the seed's "temp": unused
    help = node_help("openai-service")

    def options(self) -> ClientOptions:
        base = super().options()  # timeouts, retries, limits, OPENAI_* fallbacks
        api_base = self.config.get("apiBase")
        key = self.credentials.get("secureApiKeyValue")
        name = str(self.config.get("secureApiKeyHeaderOrQueryName") or "Authorization")
        in_query = self.config.get("secureApiKeyIsQuery") in (True, "true")
        changes: dict[str, Any] = {"admin_key": "", "auth_header": "Authorization", "auth_query": ""}
        if isinstance(api_base, str) and api_base.strip():
            changes["base_url"] = api_base.strip()
        if isinstance(key, str) and key:
            changes.update(api_key=key, auth_scheme="")
        if in_query:
            changes["auth_query"] = name
        else:
            changes["auth_header"] = name
        return dataclasses.replace(base, **changes)


class SeedNode(OperationNode):
    """``openai``: one seed operation, chosen per node by ``method``."""

    type = "openai"
    category = CATEGORY
    label = "openai (node-red-openai)"
    color = COLOR
    icon = "openai.svg"
    inputs = 1
    outputs = 1
    parse_outputs = False
    service_types: ClassVar[tuple[str, ...]] = ("openai-service", "openai-api-service")
    methods: ClassVar[dict[str, SeedMethod]] = {}
    operations: ClassVar[dict[str, Operation]] = {}
    """The catalog operation of each seed method (set by ``seed_classes``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method = self.methods.get(str(self.config.get("method") or ""))
        if self.method is not None:
            self.operation = self.operations[self.method.name]

    async def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if self.method is None:
            self.error("Method is not specified.", msg)
            done()
            return
        await super().on_input(msg, send, done)

    def _config(self) -> OpenAIConfig:
        service = self.config_node(self.config.get("service"))
        if not isinstance(service, SeedService):
            raise OpenAIError(
                f"node {self.id} ({self.type}): property 'service' must name an "
                f"{' or '.join(self.service_types)} config node (got {self.config.get('service')!r})",
                type="configuration_error")
        return service

    def _prepare(self, msg: Msg, cfg: OpenAIConfig) -> PreparedRequest:
        assert self.method is not None  # on_input returned early otherwise
        return seed_request(self.method, self.operation, self.config, msg,
                            lambda path, m: self.evaluate(path, "msg", m), cfg.files_root)

    def _response_fields(self, request: PreparedRequest, status: int, headers: Any) -> dict[str, Any]:
        cfg = self._config()
        return {"statusCode": status, "headers": dict(headers.items()),
                "responseUrl": cfg.client().options.base_url.rstrip("/") + request.path}

    def _report_failure(self, err: OpenAIError, msg: Msg) -> None:
        if isinstance(err, APIStatusError):  # axios' text; the body, status and headers on the msg
            err.message = f"Request failed with status code {err.status}"
            err.args = (err.message,)
            msg["statusCode"] = err.status
            if err.headers is not None:
                msg["headers"] = err.headers
            if err.body:
                msg["payload"] = err.body
        self.error(err, msg)


def seed_classes(methods: dict[str, SeedMethod], operations: dict[str, Operation]) -> list[type[Any]]:
    """The four seed types: ``openai``/``openai-service`` and the renamed twins."""
    enum = list(methods)
    props: dict[str, Any] = {
        "name": {"type": "string", "title": "Name"},
        "service": {"type": "string", "title": "Service"},  # its x-config-type is set per node type below
        "method": {"type": "string", "enum": enum, "title": "Method",
                   "description": "The operation (the 2023 OpenAPI operationId)."},
    }
    for m in methods.values():
        for p in m.params:
            where = {"param": "parameter", "body": "form field", "file": "file"}[p.kind]
            props[p.prop] = {"type": ["string", "number", "boolean"], "title": f"{p.name}",
                             "description": f"{m.name}: {where} '{p.name}'; empty: msg.{p.name}",
                             "x-show-if": {"method": m.name}}
            props[p.prop + "Type"] = {"type": "string", "enum": ["str", "msg"], "default": "str",
                                      "x-show-if": {"method": m.name}}
    base_attrs: dict[str, Any] = {"methods": methods, "operations": operations}
    out: list[type[Any]] = []
    for node_type, service_type in (("openai", "openai-service"), ("openai-api", "openai-api-service")):
        schema = {"type": "object", "properties": {
            **props, "service": {**props["service"], "x-config-type": service_type}}}
        node = type(f"Seed_{node_type.replace('-', '_')}", (SeedNode,), {
            **base_attrs, "type": node_type, "label": node_type, "schema": schema, "help": node_help(node_type),
            "__doc__": f"``{node_type}`` of node-red-openai (config ``{service_type}``)."})
        service = SeedService if service_type == "openai-service" else type(
            "SeedApiService", (SeedService,), {"type": service_type, "help": node_help(service_type),
                         "__doc__": "``openai-api-service``."})
        out += [node, service]
    return out



"""Node types of @inductiv/node-red-openai-api 6.x: ``OpenAI API`` + config ``Service Host``.

An ``OpenAI API`` node calls ``method`` with the parameter object read from the typed ``property``
(``msg``/``flow``/``global``, default ``msg.payload``). Path ids are fields of that object
(``{file_id, ...}``); file fields are paths inside ``settings.fileDirectory`` (others are refused
with an error naming the field), or bytes. The request is the catalog operation's, on the
``openai-*`` executor. Output as that node did: ``msg.payload`` = the response; list methods (and
embeddings, images) the first page's ``data`` array; with ``stream: true`` one message per chunk
(``msg.payload`` = the chunk) and no final message. Errors go to catch nodes with the SDK's texts:
``400 <API message>``, ``Connection error.``, ``Request timed out.``. The 15 SDK helpers run too:
parse, stream, webhook, vector-store poll and upload (``inductiv_helpers``) and the Responses
WebSocket connections the node keeps until it closes (``inductiv_sockets``).

``Service Host`` evaluates per message, as typed inputs: ``apiBase`` (+``apiBaseType``),
``organizationId`` (+Type), ``secureApiKeyHeaderOrQueryName`` (+Type) and the key: the credential
``secureApiKeyValue`` when ``secureApiKeyValueType`` is ``cred`` (default), else the typed
``secureApiKeyValueRef`` (env/msg/flow/global). The key goes as ``Authorization: Bearer <key>``, raw
in another header, or raw in the query (``secureApiKeyIsQuery``). One client per distinct
connection (``OpenAIConfig.cached_client``), all closed with the node.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable
from typing import Any, ClassVar

from flowengine.jsutil import js_typeof
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ..client import ApiResponse, ClientOptions, OpenAIClient, decode_body
from ..config import OpenAIConfig
from ..errors import APIConnectionError, APIStatusError, APITimeoutError, OpenAIError, RequestInvalidError
from ..help_pages import node_help
from ..operation import OperationNode
from ..request import Operation, PreparedRequest, build_request
from ..streaming import iter_events
from .inductiv_helpers import HELPER_OPERATIONS, HelperRun, local_response
from .inductiv_methods import HELPER_ALTERNATIVES, InductivMethod
from .inductiv_sockets import SOCKET_HELPERS, ResponsesSockets
from .seed_nodes import CATEGORY
from .seed_request import path_as_file

__all__ = ["InductivNode", "ServiceHost", "inductiv_node_class"]

COLOR = "#a6bbcf"
TYPED = ["str", "env", "msg", "flow", "global"]


class ServiceHost(OpenAIConfig):
    """``Service Host``: the connection, its typed parts evaluated per message."""

    type = "Service Host"
    label = "Service Host (@inductiv)"
    color = COLOR
    schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {
        "name": {"type": "string", "title": "Name"},
        "apiBase": {"type": "string", "title": "API base", "default": "https://api.openai.com/v1"},
        "apiBaseType": {"type": "string", "enum": TYPED, "default": "str"},
        "secureApiKeyHeaderOrQueryName": {"type": "string", "title": "Header or query name",
                                          "x-default": "Authorization"},
        "secureApiKeyHeaderOrQueryNameType": {"type": "string", "enum": TYPED, "default": "str"},
        "secureApiKeyIsQuery": {"type": ["boolean", "string"], "enum": [False, True, "false", "true"],
                                "default": False, "title": "Key in query"},
        "secureApiKeyValueType": {"type": "string", "enum": ["cred", *TYPED[1:]], "default": "cred",
                                  "title": "API key from"},
        "secureApiKeyValueRef": {"type": "string", "title": "API key variable or property",
                                 "description": "With 'API key from' env/msg/flow/global: where the key is."},
        "organizationId": {"type": "string", "title": "Organization"},
        "organizationIdType": {"type": "string", "enum": TYPED, "default": "str"},
        "timeout": {"type": ["number", "string"], "default": 600, "title": "Timeout (s)"},
        "max_retries": {"type": ["integer", "string"], "default": 2, "title": "Retries"},
        "max_concurrency": {"type": ["integer", "string"], "default": 8, "title": "Requests in flight"},
    }}
    credentials_schema: ClassVar[dict[str, str]] = {"secureApiKeyValue": "password"}
    help = node_help("Service Host")

    def _typed(self, prop: str, node: Node, msg: Msg) -> str:
        value = self.config.get(prop)
        vtype = str(self.config.get(prop + "Type") or "str")
        result = value if vtype == "str" else node.evaluate(value, vtype, msg)
        return "" if result is None or result is UNDEFINED else str(result).strip()

    def options_for(self, node: Node, msg: Msg) -> ClientOptions:
        """The connection ``msg`` asks for (keys included; never log them)."""
        base = self.options()  # numbers and the OPENAI_* fallbacks
        key_type = str(self.config.get("secureApiKeyValueType") or self.credentials.get("secureApiKeyValueType")
                       or "cred")
        key: Any = self.credentials.get("secureApiKeyValue")
        ref = self.config.get("secureApiKeyValueRef")
        if key_type != "cred" and ref not in (None, ""):
            key = node.evaluate(ref, key_type, msg)
        key = key if isinstance(key, str) and key else base.api_key
        if not key:
            raise OpenAIError("OpenAI API key is not configured", type="configuration_error")
        name = self._typed("secureApiKeyHeaderOrQueryName", node, msg) or "Authorization"
        in_query = self.config.get("secureApiKeyIsQuery") in (True, "true")
        return dataclasses.replace(
            base, api_key=key, admin_key="",
            base_url=self._typed("apiBase", node, msg) or base.base_url,
            organization=self._typed("organizationId", node, msg) or base.organization,
            auth_header="Authorization" if in_query else name, auth_query=name if in_query else "")

    @property
    def per_message(self) -> bool:
        return True  # every part of the connection is a typed input


def _sdk_message(err: OpenAIError) -> str:
    """The openai Node SDK's error text (``APIError.makeMessage``)."""
    if isinstance(err, APITimeoutError):
        return "Request timed out."
    if isinstance(err, APIConnectionError):
        return "Connection error."
    if not isinstance(err, APIStatusError):
        return err.message
    inner = err.body.get("error") if isinstance(err.body, dict) else None
    if isinstance(inner, dict) and inner.get("message"):
        text = inner["message"] if isinstance(inner["message"], str) else json.dumps(inner["message"])
    else:
        text = json.dumps(inner) if inner is not None else ""
    return f"{err.status} {text}" if text else f"{err.status} status code (no body)"


class InductivNode(OperationNode):
    """``OpenAI API``: one method, its parameters from a typed property."""

    type = "OpenAI API"
    category = CATEGORY
    label = "OpenAI API (@inductiv)"
    color = COLOR
    icon = "openai.svg"
    methods: ClassVar[dict[str, InductivMethod]] = {}
    operations: ClassVar[dict[str, Operation]] = {}
    catalog_ops: ClassVar[dict[str, Operation]] = {}
    parse_outputs = False
    """The operations the SDK helpers call, by operationId."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sockets: ResponsesSockets | None = None
        self.method = self.methods.get(str(self.config.get("method") or ""))
        if self.method is not None and self.method.name in self.operations:
            self.operation = self.operations[self.method.name]

    @classmethod
    def check_config(cls, config: dict[str, Any]) -> list[tuple[str | None, str, str]]:
        name = config.get("method")
        if name in HELPER_ALTERNATIVES:
            return [("method", f"method {name!r} is an SDK helper this runtime does not offer yet; use "
                               f"{HELPER_ALTERNATIVES[name]}", "error")]
        return []

    def on_close(self, removed: bool) -> Awaitable[None] | None:
        super().on_close(removed)
        return self._sockets.close_all() if self._sockets is not None else None

    @property
    def helper(self) -> bool:
        """True when the method is one of the SDK helpers this node runs (several requests, or none)."""
        return self.method is not None and self.method.name in HELPER_OPERATIONS

    async def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if self.method is None or self.method.name not in self.operations:  # refused at deploy; kept for direct use
            self.error(f"{self.type}: method {self.config.get('method')!r} is not available", msg)
            done()
            return
        await super().on_input(msg, send, done)

    def _config(self) -> OpenAIConfig:
        service = self.config_node(self.config.get("service"))
        if not isinstance(service, ServiceHost):
            raise OpenAIError("OpenAI service host is not configured", type="configuration_error")
        return service

    def _params(self, msg: Msg) -> dict[str, Any]:
        """The parameter object from the typed property (an empty one when unset)."""
        prop = str(self.config.get("property") or "payload")
        ptype = str(self.config.get("propertyType") or "msg")
        params = self.evaluate(prop, ptype, msg)
        if params is UNDEFINED or params is None:
            params = {}
        if not isinstance(params, dict):
            raise RequestInvalidError(f"{self.type} {self.id}: the parameters in {ptype}.{prop} must be an object "
                                      f"(got {js_typeof(params)})", param=prop)
        return dict(params)

    def _prepare(self, msg: Msg, cfg: OpenAIConfig) -> PreparedRequest:
        body = self._params(msg)
        if self.helper:  # the helper builds its own requests in _perform
            return PreparedRequest(str(self.config.get("method")), "HELPER", "")
        root = cfg.files_root()
        for name in (self.operation.body or {}).get("file_fields") or []:
            value = body.get(name)
            if isinstance(value, list):
                body[name] = [path_as_file(v, name, root) for v in value]
            elif value is not None:
                body[name] = path_as_file(value, name, root)
        return build_request(self.operation, {}, {"payload": body}, root)

    async def _perform(self, client: OpenAIClient, request: PreparedRequest, msg: Msg, send: Send,
                       started: float) -> None:
        if not self.helper:
            await super()._perform(client, request, msg, send, started)
            return
        if request.operation in SOCKET_HELPERS:
            if self._sockets is None:
                self._sockets = ResponsesSockets(self)
            result = await self._sockets.run(request.operation, self._params(msg), client.options)
            self._output(msg, send, result, local_response(result), started, request)
            return
        extra = self.host.settings.extra or {}
        secret = self.env("OPENAI_WEBHOOK_SECRET")
        run = HelperRun(self.catalog_ops, client, self._config().files_root, extra.get("openai_sleep") or asyncio.sleep,
                        secret if isinstance(secret, str) else "")
        response = await run.run(request.operation, self._params(msg), msg, send)
        self._output(msg, send, response.data, response, started, request)

    def _output(self, msg: Msg, send: Send, data: Any, response: ApiResponse, started: float,
                request: PreparedRequest) -> None:
        assert self.method is not None
        if self.method.output_data and isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]
        super()._output(msg, send, data, response, started, request)

    async def _stream(self, client: OpenAIClient, request: PreparedRequest, msg: Msg, send: Send,
                      started: float) -> None:
        async with client.stream(request) as response:
            if "text/event-stream" not in response.headers.get("content-type", ""):
                await response.aread()
                data = decode_body(response, request.response_kind)
                self._output(msg, send, data, ApiResponse(response.status_code, response.headers, data, 0, 0),
                             started, request)
                return
            async for event in iter_events(response):  # one message per chunk, no final one
                send({**msg, "payload": event.data})

    def _report_failure(self, err: OpenAIError, msg: Msg) -> None:
        err.message = _sdk_message(err)
        err.args = (err.message,)
        self.error(err, msg)


def inductiv_node_class(methods: dict[str, InductivMethod], operations: dict[str, Operation],
                        catalog_ops: dict[str, Operation]) -> type[InductivNode]:
    """``OpenAI API`` with its method table; ``operations`` maps each REST wrapper and each helper run
    here to its operation, ``catalog_ops`` holds the operations the helpers call, by operationId."""
    schema = {"type": "object", "properties": {
        "name": {"type": "string", "title": "Name"},
        "service": {"type": "string", "x-config-type": "Service Host", "title": "Service host"},
        "method": {"type": "string", "enum": list(methods), "title": "Method"},
        "property": {"type": "string", "default": "payload", "title": "Parameters"},
        "propertyType": {"type": "string", "enum": ["msg", "flow", "global"], "default": "msg"},
    }}
    return type("InductivOpenAIAPI", (InductivNode,), {
        "methods": methods, "operations": operations, "catalog_ops": catalog_ops, "schema": schema,
        "help": node_help("OpenAI API"),
        "__doc__": "``OpenAI API`` of @inductiv/node-red-openai-api."})



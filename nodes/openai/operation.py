"""The operation node: one class per catalog entry, made by ``node_class(operation)``.

On each message the node assembles and validates the request (``request.build_request``), waits
for a slot of its config node's concurrency limit, sends it with retries, and outputs:

* JSON -> ``msg.payload`` object; binary -> bytes; text -> str; a Responses or chat request with a
  JSON-schema format also gets ``msg.payload.output_parsed`` (``parsing``; text that is not JSON is
  a catchable ``parse_error``);
* ``stream: true`` -> one message per SSE event (``msg.parts = {id, index, type: "array"}``, the
  last one with ``count``, so a join node in auto mode rebuilds the list; an incoming
  ``msg.parts`` is nested under it), then one final message with the assembled result (a chat
  completion, a response object...) carrying the incoming ``msg.parts`` unchanged;
* list operations with ``fetch_all`` follow the cursor (``after``) or the page token (``page`` =
  ``next_page``, the usage endpoints) while ``has_more``, at most ``max_pages`` pages, and output
  the last page's object with ``data`` holding every item (``has_more: false`` when complete).

Every output carries ``msg.openai = {operation, status, request_id, usage, ratelimit,
duration_ms}``. Errors go to catch nodes with the original message; their details (status, type,
code, param, body) are on the error (``OpenAIError.details``) and ``msg.openai``. The status line
shows requests in flight, queued and the tokens used so far; after a failure, the last error (red
ring) until the next success clears it: the status tells the latest state, as Node-RED users read
it, while every error itself has gone to catch nodes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable
from typing import Any

from flowengine.message import clone_msg, deep_clone, new_msgid
from flowengine.node import Node
from flowengine.types import Done, Msg, Send

from .client import ApiResponse, OpenAIClient, ParkForRateLimit, decode_body, ratelimit_of, usage_tokens
from .config import OpenAIConfig
from .errors import OpenAIError, RequestInvalidError, redact
from .operation_help import HelpOnFirstRead
from .parsing import add_parsed
from .request import Operation, PreparedRequest, build_request
from .schema import MAX_PAGES_CAP, SchemaOnFirstRead, node_schema
from .streaming import assembler_for, iter_events

__all__ = ["OperationNode", "category_of", "node_class"]

STATUS_INTERVAL = 0.2
_GROUP_COLORS = {"administration": "#c0c0c0", "usage": "#c0c0c0", "audit-logs": "#c0c0c0"}


class OperationNode(Node):
    """Base of every OpenAI operation node; subclasses only set ``operation`` and descriptions."""

    operation: Operation
    """The catalog operation this node performs (a class attribute; the compat nodes pick it per node)."""
    close_timeout = 5.0
    parse_outputs: bool = True
    """Add ``output_parsed`` to JSON-schema outputs (the compat nodes output what their SDK did: no)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_flight = 0
        self.queued = 0
        self.parked = 0
        """Messages waiting outside a slot for a long rate limit (Retry-After) to pass."""
        self.tokens = 0
        self.last_error: str | None = None
        self._status_timer: asyncio.TimerHandle | None = None

    # --- status line (coalesced: at most one update per STATUS_INTERVAL) ---
    def _refresh(self) -> None:
        if self._status_timer is None:
            self._status_timer = self.call_later(STATUS_INTERVAL, self._publish_status)

    def _publish_status(self) -> None:
        self._status_timer = None
        parts = []
        if self.in_flight:
            parts.append(f"{self.in_flight} in flight")
        if self.queued:
            parts.append(f"{self.queued} queued")
        if self.tokens:
            parts.append(f"{self.tokens} tokens")
        if self.last_error and not self.in_flight:
            self.status(fill="red", shape="ring", text=self.last_error[:60])
        elif parts:
            self.status(fill="blue" if self.in_flight else "green", shape="dot", text=" · ".join(parts))
        else:
            self.status({})

    def held(self) -> int:
        """Requests waiting for a slot or in flight: a shutdown that cuts them short counts them."""
        return self.queued + self.in_flight + self.parked

    def on_close(self, removed: bool) -> Awaitable[None] | None:
        if self._status_timer is not None:
            self._status_timer.cancel()
            self._status_timer = None
        return None

    # --- the handler ---
    def _config(self) -> OpenAIConfig:
        cfg = self.config_node(self.config.get("config"))
        if not isinstance(cfg, OpenAIConfig):
            raise OpenAIError(
                f"node {self.id} ({self.type}): property 'config' must name an openai-config node "
                f"(got {self.config.get('config')!r})",
                type="configuration_error",
            )
        return cfg

    def _prepare(self, msg: Msg, cfg: OpenAIConfig) -> PreparedRequest:
        """The request ``msg`` asks for (the compat nodes map their own properties here)."""
        return build_request(self.operation, self.config, msg, cfg.files_root)

    def _client(self, cfg: OpenAIConfig, msg: Msg) -> OpenAIClient:
        """The client for ``msg``: the config node's (one per connection with per-message keys)."""
        return cfg.client_for(self, msg)

    def _response_fields(self, request: PreparedRequest, status: int, headers: Any) -> dict[str, Any]:
        """More message properties for every output of a response (none here; the compat nodes
        add ``statusCode`` and ``headers`` as the nodes they stand in for did)."""
        return {}

    async def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        started = time.perf_counter()
        client: OpenAIClient | None = None
        try:
            cfg = self._config()
            request = self._prepare(msg, cfg)
            client = self._client(cfg, msg)
            if client.limiter.queued >= client.options.max_queue:
                raise OpenAIError(
                    f"{self.type}: {client.limiter.queued} requests already wait for the config node's "
                    f"concurrency limit (max_queue {client.options.max_queue})",
                    type="queue_full",
                )
            parked = 0.0
            while True:
                try:
                    await self._in_slot(client, request, msg, send, started)
                    break
                except ParkForRateLimit as park:
                    parked = await self._park(client, park, parked)
            self.last_error = None
        except OpenAIError as err:
            self._fail(err, msg, client, started)
        finally:
            self._refresh()
        done()

    async def _in_slot(self, client: OpenAIClient, request: PreparedRequest, msg: Msg, send: Send,
                       started: float) -> None:
        """Wait for a concurrency slot of the config node, then perform the request in it."""
        self.queued += 1
        self._refresh()
        acquired = False
        try:
            async with client.limiter.slot():
                acquired = True
                self.queued -= 1
                self.in_flight += 1
                self._refresh()
                try:
                    await self._perform(client, request, msg, send, started)
                finally:
                    self.in_flight -= 1
        finally:
            if not acquired:
                self.queued -= 1

    async def _park(self, client: OpenAIClient, park: ParkForRateLimit, parked: float) -> float:
        """A 429 asked for a long wait: wait outside the slot, up to ``maxRetryWait`` in all (else
        fail with the 429); the total parked so far is returned."""
        limit = float(getattr(self.host.settings, "maxRetryWait", 600_000) or 0) / 1000.0
        if parked + park.delay > limit:
            error = park.error
            if isinstance(error, OpenAIError):
                error.message = f"{error.message} (Retry-After {park.delay:.0f} s is more than maxRetryWait, " \
                                f"{limit:g} s)"
                error.args = (error.message,)
                raise error
            raise OpenAIError(str(error), status=429) from error
        self.parked += 1
        self.status(fill="yellow", shape="ring", text=f"waiting for rate limit ({park.delay:.0f} s)")
        try:
            await client.wait(park.delay)
        finally:
            self.parked -= 1
        return parked + park.delay

    def _fail(self, err: OpenAIError, msg: Msg, client: OpenAIClient | None, started: float) -> None:
        secrets = client.options.secrets if client is not None else []
        err.message = redact(err.message, secrets)
        err.args = (err.message,)
        if secrets and err.body is not None:
            text = json.dumps(err.body, default=str)
            if any(s in text for s in secrets):
                err.body = json.loads(redact(text, secrets))
        self.last_error = err.message
        msg["openai"] = {
            "operation": self.operation.operation_id,
            "status": err.status,
            "request_id": err.request_id,
            "usage": None,
            "ratelimit": {},
            "duration_ms": round((time.perf_counter() - started) * 1000.0, 3),
            "error": err.details,
        }
        self._report_failure(err, msg)

    def _report_failure(self, err: OpenAIError, msg: Msg) -> None:
        """Send a (redacted) failure to catch nodes, the message kept."""
        prefix = f"{self.type}: " if not isinstance(err, RequestInvalidError) else ""
        if prefix and not err.args[0].startswith(prefix):
            err.args = (prefix + err.message,)
        self.error(err, msg)

    async def _perform(self, client: OpenAIClient, request: PreparedRequest, msg: Msg, send: Send,
                       started: float) -> None:
        if request.stream:
            await self._stream(client, request, msg, send, started)
            return
        pag = self.operation.pagination
        if pag and _truthy(self.config.get("fetch_all")) and request.method == "GET":
            response = await self._all_pages(client, request, pag)
        else:
            response = await client.send(request)
        data = add_parsed(request.path, request.json, response.data) if self.parse_outputs else response.data
        self._output(msg, send, data, response, started, request)

    async def _all_pages(self, client: OpenAIClient, request: PreparedRequest, pag: dict[str, Any]) -> ApiResponse:
        limit = _int(self.config.get("max_pages"), 20)
        limit = max(1, min(limit, MAX_PAGES_CAP))
        items: list[Any] = []
        response = await client.send(request)
        for page_no in range(limit):
            data = response.data if isinstance(response.data, dict) else {}
            raw_page = data.get("data")
            page: list[Any] = raw_page if isinstance(raw_page, list) else []
            items.extend(page)
            cursor = _cursor(data, page, pag)
            if not data.get("has_more") or not cursor or page_no == limit - 1:
                break
            response = await client.send(request.with_query(pag["param"], cursor))
        merged = {**(response.data if isinstance(response.data, dict) else {}), "data": items}
        return ApiResponse(response.status, response.headers, merged, response.duration_ms, response.retries)

    def _meta(self, response_status: int, headers: Any, usage: Any, started: float) -> dict[str, Any]:
        return {
            "operation": self.operation.operation_id,
            "status": response_status,
            "request_id": headers.get("x-request-id") if headers is not None else None,
            "usage": usage,
            "ratelimit": ratelimit_of(headers) if headers is not None else {},
            "duration_ms": round((time.perf_counter() - started) * 1000.0, 3),
        }

    def _count_tokens(self, usage: Any, client: OpenAIClient | None = None) -> None:
        """Add ``usage``'s tokens to the status line, and to ``client``'s metrics (a streamed answer:
        ``OpenAIClient.send`` counts the others itself)."""
        total = usage_tokens(usage)
        self.tokens += total
        if client is not None:
            client.counters.tokens += total

    def _output(self, msg: Msg, send: Send, data: Any, response: ApiResponse, started: float,
                request: PreparedRequest) -> None:
        usage = data.get("usage") if isinstance(data, dict) else None
        self._count_tokens(usage)
        msg["payload"] = data
        msg["openai"] = self._meta(response.status, response.headers, usage, started)
        msg.update(self._response_fields(request, response.status, response.headers))
        send(msg)

    async def _stream(self, client: OpenAIClient, request: PreparedRequest, msg: Msg, send: Send,
                      started: float) -> None:
        async with client.stream(request) as response:
            ctype = response.headers.get("content-type", "")
            if "text/event-stream" not in ctype:  # the server answered without streaming
                await response.aread()
                data = decode_body(response, request.response_kind)
                if isinstance(data, dict):
                    client.counters.tokens += usage_tokens(data.get("usage"))
                self._output(msg, send, data, ApiResponse(response.status_code, response.headers, data, 0, 0), started,
                             request)
                return
            stream_id = new_msgid()
            assembler = assembler_for(str(self.operation.entry["path"]))
            base = {k: v for k, v in msg.items() if k not in ("payload", "parts", "openai")}
            meta = self._meta(response.status_code, response.headers, None, started)
            extra = self._response_fields(request, response.status_code, response.headers)
            pending: Msg | None = None
            index = 0
            try:
                async for event in iter_events(response):
                    assembler.feed(event)
                    if pending is not None:
                        send(pending)
                    pending = clone_msg(base)
                    pending["payload"] = event.data
                    pending["parts"] = {"id": stream_id, "index": index, "type": "array", "len": 1}
                    if "parts" in msg:  # nested sequence, as Node-RED's split nests msg.parts
                        pending["parts"]["parts"] = msg["parts"]
                    pending["openai"] = {**meta, "event": event.type}
                    pending.update(deep_clone(extra))  # each event message owns its copy
                    index += 1
                if pending is not None:
                    pending["parts"]["count"] = index
            finally:
                if pending is not None:
                    send(pending)
        result = assembler.result()
        if self.parse_outputs:
            result = add_parsed(request.path, request.json, result)
        self._count_tokens(assembler.usage, client)
        msg["payload"] = result
        msg["openai"] = {**meta, "usage": assembler.usage, "events": index,
                         "duration_ms": round((time.perf_counter() - started) * 1000.0, 3)}
        msg.update(extra)
        send(msg)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _int(value: Any, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def _cursor(data: dict[str, Any], page: list[Any], pag: dict[str, Any]) -> str | None:
    """The next request's cursor: a response field (``last_id``, ``next``, ``next_page``), or for
    cursor-style lists without one the last item's id."""
    field = pag["cursor"]
    if field != "id":
        value = data.get(field)
        if value:
            return str(value)
        if pag.get("kind") == "page":  # page tokens are opaque: no item id stands in for one
            return None
    last = page[-1] if page else None
    return str(last["id"]) if isinstance(last, dict) and last.get("id") else None


# --- class factory ------------------------------------------------------------------------------


def category_of(group: str) -> str:
    """Palette category of an operation group (the eleven usage-* groups share one)."""
    return "openai " + ("usage" if group.startswith("usage-") else group)


def _needs_config(cls: type[OperationNode], config: dict[str, Any]) -> list[tuple[str | None, str, str]]:
    """A catalog node without a config node is refused at deploy, named (a run would fail)."""
    if config.get("config"):
        return []
    name = config.get("name")
    who = f"node {name!r}" if isinstance(name, str) and name else "this node"
    return [("config", f"{who} has no 'openai-config' config node (API key, base URL): pick or add one "
                       "in the node's form", "error")]


def _operation_schema(cls: type[OperationNode]) -> dict[str, Any]:
    return node_schema(cls.operation)


def node_class(op: Operation) -> type[OperationNode]:
    """A node class for one operation, created with ``type()``."""
    entry = op.entry
    attrs = {
        "type": entry["type"],
        "category": category_of(str(entry["group"])),
        "label": entry["summary"],
        "color": _GROUP_COLORS.get(str(entry["group"]).split("-")[0], "#74aa9c"),
        "icon": "openai.svg",
        "inputs": 1,
        "outputs": 1,
        "operation": op,
        "schema": SchemaOnFirstRead(_operation_schema),
        "help": HelpOnFirstRead(),
        "check_config": classmethod(_needs_config),
        "__doc__": f"OpenAI operation {entry['operationId']} ({entry['method']} {entry['path']}).",
    }
    name = "OpenAI_" + entry["operationId"].replace("-", "_")
    return type(name, (OperationNode,), attrs)

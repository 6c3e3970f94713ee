"""@inductiv's SDK helpers, run on the catalog's executor (each is several requests, or none).

* ``parseModelResponse``: ``createResponse``, then ``output_parsed`` (``parsing.add_parsed``;
  None when the request has no JSON-schema format), as ``responses.parse`` returned it;
* ``streamModelResponse``: ``createResponse`` streamed: one message per event, then the final
  response (``finalResponse()``);
* ``unwrapWebhookEvent`` / ``verifyWebhookSignature``: ``{payload (raw body text), headers, secret,
  tolerance}`` checked as ``openai-webhook`` does (secret default ``OPENAI_WEBHOOK_SECRET``): the
  event, or ``{verified: true}``; a bad signature is an error with the SDK's text;
* vector stores: ``pollVectorStoreFile`` / ``pollVectorStoreFileBatch`` retrieve until the status
  leaves ``in_progress`` (every ``pollIntervalMs``, else the server's ``openai-poll-after-ms``,
  else 1 s; at most ``MAX_POLLS`` polls); ``createAndPoll*`` create then poll;
  ``uploadVectorStoreFile`` uploads ``file`` (a path in the file directory) with purpose
  ``assistants`` and attaches it; ``uploadAndPoll*`` also poll (the batch uploads its ``files``
  ``maxConcurrency`` at a time, default 5, and adds ``file_ids``).

The Responses WebSocket helpers (``connect``/``send``/``close``/``manageModelResponseWebSocket``)
keep connections on the node: ``inductiv_sockets``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowengine.lazy_module import lazy_module
from flowengine.types import Msg, Send
from flowengine.webhook_signature import DEFAULT_TOLERANCE_S, WebhookVerificationError, verify

from ..client import ApiResponse, OpenAIClient, decode_body
from ..errors import OpenAIError
from ..parsing import add_parsed
from ..request import Operation, PreparedRequest, build_request
from ..streaming import ResponsesAssembler, iter_events
from .seed_request import path_as_file

if TYPE_CHECKING:
    import httpx
else:
    httpx = lazy_module("httpx")  # loaded by the first local response (flowengine.lazy_module)

__all__ = ["HELPER_OPERATIONS", "MAX_POLLS", "HelperRun", "local_response"]

MAX_POLLS = 10_000
HELPER_OPERATIONS = {
    "parseModelResponse": "createResponse",
    "streamModelResponse": "createResponse",
    "unwrapWebhookEvent": "createResponse",  # no request: the operation only names the node's calls
    "verifyWebhookSignature": "createResponse",
    "createAndPollVectorStoreFile": "createVectorStoreFile",
    "pollVectorStoreFile": "getVectorStoreFile",
    "uploadVectorStoreFile": "createVectorStoreFile",
    "uploadAndPollVectorStoreFile": "createVectorStoreFile",
    "createAndPollVectorStoreFileBatch": "createVectorStoreFileBatch",
    "pollVectorStoreFileBatch": "getVectorStoreFileBatch",
    "uploadAndPollVectorStoreFileBatch": "createVectorStoreFileBatch",
    "connectResponsesWebSocket": "createResponse",  # inductiv_sockets
    "sendResponsesWebSocketEvent": "createResponse",
    "closeResponsesWebSocket": "createResponse",
    "manageModelResponseWebSocket": "createResponse",
}
"""Each helper and the operation it mainly performs (``msg.openai.operation``): all 15 run."""
_WEBHOOK_SECRET_MISSING = (
    "The webhook secret must either be set using the env var, OPENAI_WEBHOOK_SECRET, on the client class, "
    "OpenAI({ webhookSecret: '123' }), or passed to this function")


def _pop(params: dict[str, Any], *names: str) -> list[Any]:
    return [params.pop(n, None) for n in names]


@dataclass
class HelperRun:
    """One helper call: the operations by id, the client, where file paths are read, the clock."""

    ops: dict[str, Operation]
    client: OpenAIClient
    files_root: Callable[[], Path]
    sleep: Callable[[float], Awaitable[None]]
    env_secret: str = ""

    def _request(self, op_id: str, params: dict[str, Any], headers: dict[str, str] | None = None) -> PreparedRequest:
        request = build_request(self.ops[op_id], {}, {"payload": params}, self.files_root)
        if headers:
            request.headers.update(headers)
        return request

    async def _call(self, op_id: str, params: dict[str, Any]) -> ApiResponse:
        return await self.client.send(self._request(op_id, params))

    async def run(self, name: str, params: dict[str, Any], msg: Msg, send: Send) -> ApiResponse:
        """Perform helper ``name`` with the parameter object; the response the node outputs."""
        params = dict(params)
        if name in ("unwrapWebhookEvent", "verifyWebhookSignature"):
            return local_response(self._webhook(name, params))
        if name == "parseModelResponse":
            response = await self._call("createResponse", params)
            data = add_parsed("/responses", params, response.data)
            if isinstance(data, dict):
                data.setdefault("output_parsed", None)
            return response
        if name == "streamModelResponse":
            return await self._stream(params, msg, send)
        return await self._vector_store(name, params)

    def _webhook(self, name: str, params: dict[str, Any]) -> Any:
        body, headers, secret, tolerance = _pop(params, "payload", "headers", "secret", "tolerance")
        secret = secret or self.env_secret
        if not isinstance(secret, str) or not secret:
            raise OpenAIError(_WEBHOOK_SECRET_MISSING, type="configuration_error")
        if not isinstance(headers, dict):
            raise OpenAIError("Headers are required", type="invalid_request")
        if not isinstance(body, (str, bytes)):
            raise OpenAIError("payload must be the webhook's raw body text (not parsed JSON)", type="invalid_request")
        try:
            verify(body, headers, secret, float(tolerance) if tolerance is not None else DEFAULT_TOLERANCE_S)
        except WebhookVerificationError as exc:
            raise OpenAIError(str(exc), type="invalid_webhook_signature") from None
        if name == "verifyWebhookSignature":
            return {"verified": True}
        return _json(body)

    async def _stream(self, params: dict[str, Any], msg: Msg, send: Send) -> ApiResponse:
        request = self._request("createResponse", {**params, "stream": True})
        assembler = ResponsesAssembler()
        async with self.client.stream(request) as response:
            if "text/event-stream" not in response.headers.get("content-type", ""):
                await response.aread()
                data = decode_body(response, request.response_kind)
                return ApiResponse(response.status_code, response.headers, data, 0, 0)
            async for event in iter_events(response):
                assembler.feed(event)
                if isinstance(event.data, dict):  # the node sent object chunks only
                    send({**msg, "payload": event.data})
            return ApiResponse(response.status_code, response.headers, assembler.result(), 0, 0)

    async def _poll(self, op_id: str, params: dict[str, Any], interval_ms: Any) -> ApiResponse:
        headers = {"X-Stainless-Poll-Helper": "true"}
        if interval_ms:
            headers["X-Stainless-Custom-Poll-Interval"] = str(interval_ms)
        request = self._request(op_id, params, headers)
        for _ in range(MAX_POLLS):
            response = await self.client.send(request)
            status = response.data.get("status") if isinstance(response.data, dict) else None
            if status != "in_progress":
                return response
            wait_ms = _number(interval_ms) or _number(response.headers.get("openai-poll-after-ms")) or 1000.0
            await self.sleep(wait_ms / 1000.0)
        raise OpenAIError(f"{op_id}: still in_progress after {MAX_POLLS} polls", type="poll_timeout")

    async def _upload(self, file: Any) -> str:
        root = self.files_root()
        response = await self._call("createFile", {"file": path_as_file(file, "file", root), "purpose": "assistants"})
        file_id = response.data.get("id") if isinstance(response.data, dict) else None
        if not isinstance(file_id, str):
            raise OpenAIError("createFile answered without a file id", type="invalid_response", body=response.data)
        return file_id

    async def _vector_store(self, name: str, params: dict[str, Any]) -> ApiResponse:
        [interval] = _pop(params, "pollIntervalMs")
        store = params.get("vector_store_id")
        if name in ("pollVectorStoreFile", "pollVectorStoreFileBatch"):
            key = "file_id" if name == "pollVectorStoreFile" else "batch_id"
            op_id = "getVectorStoreFile" if key == "file_id" else "getVectorStoreFileBatch"
            return await self._poll(op_id, {"vector_store_id": store, key: params.get(key)}, interval)
        if name == "uploadAndPollVectorStoreFileBatch":
            files, file_ids, limit = _pop(params, "files", "file_ids", "maxConcurrency")
            if not isinstance(files, list):
                raise OpenAIError("Files is not defined or not an array", type="invalid_request")
            if not files:
                raise OpenAIError("No `files` provided to process. If you've already uploaded files you should "
                                  "use `.createAndPoll()` instead", type="invalid_request")
            gate = asyncio.Semaphore(max(1, int(_number(limit) or 5)))

            async def upload(file: Any) -> str:
                async with gate:
                    return await self._upload(file)

            uploaded = await asyncio.gather(*(upload(f) for f in files))
            params = {"vector_store_id": store, "file_ids": [*(file_ids or []), *uploaded]}
            name = "createAndPollVectorStoreFileBatch"
        if name == "createAndPollVectorStoreFileBatch":
            created = await self._call("createVectorStoreFileBatch", params)
            batch_id = created.data.get("id") if isinstance(created.data, dict) else None
            return await self._poll("getVectorStoreFileBatch", {"vector_store_id": store, "batch_id": batch_id},
                                    interval)
        if name in ("uploadVectorStoreFile", "uploadAndPollVectorStoreFile"):
            [file] = _pop(params, "file")
            params = {"vector_store_id": store, "file_id": await self._upload(file)}
        created = await self._call("createVectorStoreFile", params)
        if name == "uploadVectorStoreFile":
            return created
        file_id = created.data.get("id") if isinstance(created.data, dict) else params.get("file_id")
        return await self._poll("getVectorStoreFile", {"vector_store_id": store, "file_id": file_id}, interval)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _json(body: str | bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise OpenAIError(f"the webhook payload is not JSON: {exc}", type="invalid_request") from None


def local_response(data: Any) -> ApiResponse:
    """A result computed here, shaped like a response (no request was sent)."""
    return ApiResponse(200, httpx.Headers(), data, 0.0, 0)

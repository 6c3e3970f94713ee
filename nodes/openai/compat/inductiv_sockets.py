"""@inductiv's Responses WebSocket helpers: connections kept by one ``OpenAI API`` node.

``connectResponsesWebSocket`` opens ``<apiBase>/responses`` (``https`` -> ``wss``) with the
Service Host's key (``Authorization: Bearer``, another header, or the query) and organization,
under ``payload.connection_id``; every server event then leaves the node as a new message
``{payload: event, openai: {transport: "responses.websocket", direction: "server",
connection_id, event_type}}``. ``sendResponsesWebSocketEvent`` sends ``payload.event`` (a
``response.create``), ``closeResponsesWebSocket`` closes (``payload.code``/``reason``), and
``manageModelResponseWebSocket`` does one of the three by ``payload.action``. Each answers with the
object that package answered (the URL without a query key). The connections close with the node.
Error texts are that package's.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.exceptions import InvalidStatus, WebSocketException

from ..client import USER_AGENT, ClientOptions
from ..errors import OpenAIError, redact

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["SOCKET_HELPERS", "ResponsesSockets"]

SOCKET_HELPERS = frozenset({"connectResponsesWebSocket", "sendResponsesWebSocketEvent", "closeResponsesWebSocket",
                            "manageModelResponseWebSocket"})
_ACTIONS = {"connect": "connectResponsesWebSocket", "send": "sendResponsesWebSocketEvent",
            "close": "closeResponsesWebSocket"}
MAX_CONNECTIONS = 16


def _fail(text: str) -> OpenAIError:
    return OpenAIError(text, type="invalid_request")


def socket_url(options: ClientOptions, with_key: bool) -> str:
    """``<base>/responses`` as ws/wss, with the extra query (and the key, in query mode)."""
    parts = urlsplit(options.base_url.rstrip("/"))
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    query = list(options.extra_query.items())
    if options.auth_query and with_key:
        query.append((options.auth_query, options.api_key))
    return urlunsplit((scheme, parts.netloc, parts.path + "/responses", urlencode(query), ""))


def _headers(options: ClientOptions) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, **options.extra_headers}
    if options.api_key and not options.auth_query:
        if options.auth_header.lower() == "authorization":
            headers["Authorization"] = f"Bearer {options.api_key}"
        else:
            headers[options.auth_header] = options.api_key
    if options.organization:
        headers["OpenAI-Organization"] = options.organization
    return headers


@dataclass
class _Connection:
    ws: ClientConnection
    reader: asyncio.Task[Any]


class ResponsesSockets:
    """The open connections of one node, by ``connection_id``; ``node`` sends, reports, owns tasks."""

    def __init__(self, node: Any) -> None:
        self.node = node
        self.open: dict[str, _Connection] = {}

    async def run(self, name: str, payload: dict[str, Any], options: ClientOptions) -> dict[str, Any]:
        if name == "manageModelResponseWebSocket":
            action = payload.get("action")
            if not isinstance(action, str) or action not in _ACTIONS:
                raise _fail("msg.payload.action must be one of 'connect', 'send', or 'close'")
            name = _ACTIONS[action]
        connection_id = payload.get("connection_id")
        if not isinstance(connection_id, str) or not connection_id.strip():
            raise _fail("msg.payload.connection_id must be a non-empty string")
        if name == "connectResponsesWebSocket":
            return await self._connect(connection_id, options)
        connection = self.open.get(connection_id)
        if connection is None:
            raise _fail(f"Responses websocket connection '{connection_id}' is not open on this node")
        if name == "sendResponsesWebSocketEvent":
            event = payload.get("event")
            if not isinstance(event, dict):
                raise _fail("msg.payload.event must be an object")
            if event.get("type") != "response.create":
                raise _fail("msg.payload.event.type must be 'response.create'")
            await connection.ws.send(json.dumps(event))
            return {"object": "response.websocket.client_event", "action": "send", "connection_id": connection_id,
                    "event_type": event["type"]}
        code = int(payload.get("code") or 1000)
        reason = str(payload.get("reason") or "OK")
        await self._close(connection_id, code, reason)
        return {"object": "response.websocket.connection", "action": "close", "connection_id": connection_id,
                "code": code, "reason": reason}

    async def _connect(self, connection_id: str, options: ClientOptions) -> dict[str, Any]:
        if connection_id in self.open:
            raise _fail(f"Responses websocket connection '{connection_id}' is already open on this node")
        if len(self.open) >= MAX_CONNECTIONS:
            raise _fail(f"this node already holds {MAX_CONNECTIONS} Responses websocket connections")
        from websockets.asyncio.client import connect  # with the first connection, not with the runtime

        try:
            ws = await connect(socket_url(options, with_key=True), additional_headers=_headers(options),
                               open_timeout=min(options.timeout, 30.0), close_timeout=2.0, user_agent_header=None)
        except InvalidStatus as exc:
            raise OpenAIError(f"Unexpected server response: {exc.response.status_code}",
                              type="connection_error", status=exc.response.status_code) from None
        except (OSError, TimeoutError, WebSocketException) as exc:
            text = redact(str(exc) or type(exc).__name__, options.secrets)
            raise OpenAIError(text, type="connection_error") from None
        reader = self.node.spawn(self._read(connection_id, ws))
        self.open[connection_id] = _Connection(ws, reader)
        return {"object": "response.websocket.connection", "action": "connect", "connection_id": connection_id,
                "url": socket_url(options, with_key=False)}

    async def _read(self, connection_id: str, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                try:
                    event = json.loads(raw)
                except ValueError:
                    self.node.error("Could not parse Responses websocket event")
                    continue
                self.node.send({"payload": event, "openai": {
                    "transport": "responses.websocket", "direction": "server", "connection_id": connection_id,
                    "event_type": event.get("type") if isinstance(event, dict) else None}})
        except WebSocketException as exc:
            self.node.error(f"Responses websocket connection '{connection_id}': {exc}")
        finally:
            current = self.open.get(connection_id)
            if current is not None and current.ws is ws:
                del self.open[connection_id]

    async def _close(self, connection_id: str, code: int, reason: str) -> None:
        connection = self.open.pop(connection_id, None)
        if connection is None:
            return
        await connection.ws.close(code, reason)
        await asyncio.gather(connection.reader, return_exceptions=True)  # its end was this close

    async def close_all(self) -> None:
        """Close every connection (the node is closing)."""
        for connection_id in list(self.open):
            await self._close(connection_id, 1000, "Node-RED node closed")

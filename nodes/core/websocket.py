"""Websocket nodes: ``websocket-listener`` (a server path under ``httpNodeRoot``),
``websocket-client`` (an outgoing connection that reconnects), ``websocket in`` and
``websocket out`` (which use one of the two config nodes).

Incoming frames become ``{payload, _session: {type: "websocket", id}}`` (with *wholemsg* the
frame's JSON is the message). ``websocket out`` sends ``msg.payload`` (objects as JSON, bytes as
binary frames) or the whole message; on a listener it answers only the session in
``msg._session`` when there is one, else every connected client.
The listener registers its path with the server's ``HttpNodeRouter`` (see http_in.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
from typing import Any, Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidURI, WebSocketException

from flowengine.encoding import to_json_text
from flowengine.jsutil import js_string
from flowengine.node import Node
from flowengine.server.http_nodes_router import HTTP_ROUTER_KEY, HttpNodeRouter
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._tls_proxy import TlsConfig

__all__ = ["NODES", "WebSocketClient", "WebSocketIn", "WebSocketListener", "WebSocketOut"]

SEND_TIMEOUT_S = 10.0
RECONNECT_S = 3.0
Frame = str | bytes


class _Endpoint(Protocol):
    def add_input(self, node: WebSocketIn) -> None: ...
    def remove_input(self, node: WebSocketIn) -> None: ...
    async def send_frame(self, frame: Frame, session: str | None) -> None: ...


def _wholemsg(config: dict[str, Any]) -> bool:
    return config.get("wholemsg") in (True, "true")


def _message(data: Frame, whole: bool, session: str) -> Msg:
    msg: Msg
    if whole:
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = {"payload": data}
        msg = parsed if isinstance(parsed, dict) else {"payload": parsed}
    else:
        msg = {"payload": data}
    msg["_session"] = {"type": "websocket", "id": session}
    return msg


class _Inputs:
    """The ``websocket in`` nodes fed by one config node, and their status lines."""

    def __init__(self) -> None:
        self.nodes: list[WebSocketIn] = []

    def emit(self, data: Frame, whole: bool, session: str) -> None:
        for node in list(self.nodes):
            node.send(_message(data, whole, session))

    def status(self, users: list[Node], status: dict[str, Any]) -> None:
        for node in users:
            node.status(status)


class WebSocketListener(Node):
    type = "websocket-listener"
    category = "config"
    label = "websocket listener"
    is_config = True
    inputs = 0
    outputs = 0
    schema = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "default": ""},
            "wholemsg": {"type": ["string", "boolean"], "default": "false"},
        },
    }
    help = "A websocket server path under the node root (e.g. `/ws/chat`), shared by websocket in/out nodes."

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.path = str(config.get("path") or "")
        self.whole = _wholemsg(config)
        self.inputs_ = _Inputs()
        self.outputs_: list[WebSocketOut] = []
        self.sessions: dict[str, WebSocket] = {}
        self._remove: Any = None

    def on_start(self) -> None:
        router = (getattr(self.host.settings, "extra", None) or {}).get(HTTP_ROUTER_KEY)
        if not isinstance(router, HttpNodeRouter):
            return
        if not self.path:
            self.warn("missing path: property 'path' must name the websocket endpoint, e.g. /ws/data")
            return
        self._remove = router.add_websocket(self.path, self._serve, owner=self.id)

    async def on_close(self, removed: bool) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None
        sockets = list(self.sessions.values())
        self.sessions.clear()
        for ws in sockets:
            try:
                await asyncio.wait_for(ws.close(1001), SEND_TIMEOUT_S)
            except (WebSocketDisconnect, RuntimeError, OSError, TimeoutError) as exc:
                self.debug_log(f"closing a websocket session: {exc!r}")

    def add_input(self, node: WebSocketIn) -> None:
        self.inputs_.nodes.append(node)
        self._show()

    def remove_input(self, node: WebSocketIn) -> None:
        if node in self.inputs_.nodes:
            self.inputs_.nodes.remove(node)

    def add_output(self, node: WebSocketOut) -> None:
        self.outputs_.append(node)
        self._show()

    def remove_output(self, node: WebSocketOut) -> None:
        if node in self.outputs_:
            self.outputs_.remove(node)

    def _show(self) -> None:
        count = len(self.sessions)
        status = {"fill": "green", "shape": "dot", "text": f"connected {count}"} if count else {}
        self.inputs_.status([*self.inputs_.nodes, *self.outputs_], status)

    async def _serve(self, ws: WebSocket) -> None:
        await ws.accept()
        session = os.urandom(4).hex()
        self.sessions[session] = ws
        self._show()
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data: Frame | None = message.get("text")
                if data is None:
                    data = message.get("bytes") or b""
                self.inputs_.emit(data, self.whole, session)
        except WebSocketDisconnect:
            pass
        finally:
            self.sessions.pop(session, None)
            self._show()

    async def send_frame(self, frame: Frame, session: str | None) -> None:
        targets = [session] if session is not None and session in self.sessions else (
            [] if session is not None else list(self.sessions))
        for sid in targets:
            ws = self.sessions.get(sid)
            if ws is None:
                continue
            try:
                if isinstance(frame, bytes):
                    await asyncio.wait_for(ws.send_bytes(frame), SEND_TIMEOUT_S)
                else:
                    await asyncio.wait_for(ws.send_text(frame), SEND_TIMEOUT_S)
            except (WebSocketDisconnect, RuntimeError, OSError, TimeoutError) as exc:
                self.sessions.pop(sid, None)
                self.warn(f"websocket session {sid} dropped: {exc!r}")
                self._show()


class WebSocketClient(Node):
    type = "websocket-client"
    category = "config"
    label = "websocket client"
    is_config = True
    inputs = 0
    outputs = 0
    schema = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "default": ""},
            "tls": {"type": "string", "default": ""},
            "wholemsg": {"type": ["string", "boolean"], "default": "false"},
            "hb": {"type": ["string", "number"], "default": "0"},
            "subprotocol": {"type": "string", "default": ""},
        },
    }
    help = "An outgoing websocket connection (`ws://` or `wss://` URL), reconnecting every 3 s when lost."

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.url = str(config.get("path") or "")
        self.whole = _wholemsg(config)
        self.inputs_ = _Inputs()
        self.outputs_: list[WebSocketOut] = []
        self.conn: ClientConnection | None = None
        self.session = os.urandom(4).hex()
        try:
            self.heartbeat = float(config.get("hb") or 0)
        except ValueError:
            self.heartbeat = 0.0
        self.reconnect_s = RECONNECT_S

    def on_start(self) -> None:
        if not self.url.startswith(("ws://", "wss://")):
            self.warn(f"property 'path' must be a ws:// or wss:// URL, got {self.url!r}")
            return
        self.spawn(self._run())

    def add_input(self, node: WebSocketIn) -> None:
        self.inputs_.nodes.append(node)

    def remove_input(self, node: WebSocketIn) -> None:
        if node in self.inputs_.nodes:
            self.inputs_.nodes.remove(node)

    def add_output(self, node: WebSocketOut) -> None:
        self.outputs_.append(node)

    def remove_output(self, node: WebSocketOut) -> None:
        if node in self.outputs_:
            self.outputs_.remove(node)

    def _show(self, status: dict[str, Any]) -> None:
        self.inputs_.status([*self.inputs_.nodes, *self.outputs_], status)

    def _ssl(self) -> tuple[ssl.SSLContext | None, str | None]:
        """(context, SNI host name) for a wss:// URL; the tls-config node's servername, if any."""
        if not self.url.startswith("wss://"):
            return None, None
        tls = self.config_node(self.config.get("tls"))
        if isinstance(tls, TlsConfig):
            return tls.ssl_context(), tls.servername or None
        return ssl.create_default_context(), None

    async def _run(self) -> None:
        protocols = [p.strip() for p in str(self.config.get("subprotocol") or "").split(",") if p.strip()]
        try:
            context, servername = self._ssl()
        except ValueError as exc:
            self.error(f"websocket {self.url}: {exc} (property 'tls')")
            return
        extra: dict[str, Any] = {"server_hostname": servername} if servername else {}
        while True:
            self._show({"fill": "yellow", "shape": "ring", "text": "connecting"})
            try:
                async with connect(self.url, ssl=context, subprotocols=protocols or None,  # type: ignore[arg-type]
                                   ping_interval=self.heartbeat or None, proxy=None, **extra) as conn:
                    self.conn = conn
                    self._show({"fill": "green", "shape": "dot", "text": "connected"})
                    async for data in conn:
                        self.inputs_.emit(data, self.whole, self.session)
            except (OSError, InvalidURI, InvalidHandshake, WebSocketException, TimeoutError) as exc:
                self.debug_log(f"websocket {self.url}: {exc!r}")
            finally:
                self.conn = None
            self._show({"fill": "red", "shape": "ring", "text": "disconnected"})
            await asyncio.sleep(self.reconnect_s)

    async def send_frame(self, frame: Frame, session: str | None) -> None:
        conn = self.conn
        if conn is None:
            return
        try:
            await asyncio.wait_for(conn.send(frame), SEND_TIMEOUT_S)
        except (WebSocketException, OSError, TimeoutError) as exc:
            self.warn(f"websocket {self.url}: send failed: {exc!r}")


def _endpoint(node: Node) -> _Endpoint | None:
    cfg_id = node.config.get("server") or node.config.get("client")
    cfg = node.config_node(cfg_id) if cfg_id else None
    if isinstance(cfg, (WebSocketListener, WebSocketClient)):
        return cfg
    return None


_IO_SCHEMA = {
    "type": "object",
    "properties": {"server": {"type": "string", "default": ""}, "client": {"type": "string", "default": ""}},
}


class WebSocketIn(Node):
    type = "websocket in"
    category = "network"
    label = "websocket in"
    color = "rgb(215, 215, 160)"
    icon = "white-globe.svg"
    inputs = 0
    outputs = 1
    schema = _IO_SCHEMA
    help = "Messages received on a websocket-listener path or a websocket-client connection."

    def on_start(self) -> None:
        endpoint = _endpoint(self)
        if endpoint is None:
            self.warn("missing websocket configuration: set property 'server' or 'client'")
            return
        endpoint.add_input(self)
        self._endpoint = endpoint

    def on_close(self, removed: bool) -> None:
        endpoint = getattr(self, "_endpoint", None)
        if endpoint is not None:
            endpoint.remove_input(self)


class WebSocketOut(Node):
    type = "websocket out"
    category = "network"
    label = "websocket out"
    color = "rgb(215, 215, 160)"
    icon = "white-globe.svg"
    inputs = 1
    outputs = 0
    schema = _IO_SCHEMA
    help = ("Sends `msg.payload` (or the whole message with *wholemsg*) to a websocket; on a listener, "
            "only to the session in `msg._session` when present, else to every client.")

    def on_start(self) -> None:
        endpoint = _endpoint(self)
        if endpoint is None:
            self.warn("missing websocket configuration: set property 'server' or 'client'")
            return
        add = getattr(endpoint, "add_output", None)
        if add is not None:
            add(self)
        self._endpoint = endpoint

    def on_close(self, removed: bool) -> None:
        endpoint = getattr(self, "_endpoint", None)
        remove = getattr(endpoint, "remove_output", None)
        if remove is not None:
            remove(self)

    async def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        endpoint: _Endpoint | None = getattr(self, "_endpoint", None)
        if endpoint is None:
            done()
            return
        whole = isinstance(endpoint, (WebSocketListener, WebSocketClient)) and endpoint.whole
        frame: Frame
        if whole:
            frame = to_json_text({k: v for k, v in msg.items() if k != "_session"})
        elif "payload" in msg and msg["payload"] is not UNDEFINED:
            payload = msg["payload"]
            if isinstance(payload, (bytes, bytearray)):
                frame = bytes(payload)
            elif isinstance(payload, (dict, list)):
                frame = to_json_text(payload)
            else:
                frame = js_string(payload)
        else:
            done()
            return
        session = msg.get("_session")
        sid = session.get("id") if isinstance(session, dict) and session.get("type") == "websocket" else None
        await endpoint.send_frame(frame, str(sid) if sid is not None and isinstance(endpoint, WebSocketListener)
                                  else None)
        done()


NODES: list[type[Node]] = [WebSocketListener, WebSocketClient, WebSocketIn, WebSocketOut]

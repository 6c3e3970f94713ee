"""Websocket nodes: ``websocket-listener`` (a server path under ``httpNodeRoot``),
``websocket-client`` (an outgoing connection that reconnects), ``websocket in`` and
``websocket out`` (which use one of the two config nodes).

Incoming frames become ``{payload, _session: {type: "websocket", id}}`` (with *wholemsg* the
frame's JSON is the message). ``websocket out`` sends ``msg.payload`` (objects as JSON, bytes as
binary frames) or the whole message; on a listener it answers only the session in
``msg._session`` when there is one, else every connected client.
The listener adds its path to the process's HTTP routes (``flowengine.http_routes``, see http_in.py).

Sending never waits on a socket: each listener session and each client connection has a bounded
``Outbox`` (``webSocketMsgQueueSize`` frames, default 1000) drained by its own task, so a client
that stops reading is disconnected once its queue is full (with a warning from the
``websocket out`` node) while every other client keeps receiving.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, ClassVar, Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from flowengine.encoding import to_json_text
from flowengine.http_routes import http_routes
from flowengine.jsutil import js_string
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from ._ws_client import WebSocketClient
from ._ws_peer import Frame, Outbox, Users, queue_size, wholemsg

__all__ = ["NODES", "WebSocketClient", "WebSocketIn", "WebSocketListener", "WebSocketOut"]

CLOSE_TIMEOUT_S = 2.0
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008  # a client that stopped reading
CLOSE_TRY_AGAIN = 1013  # webSocketNodeMaxSessions clients already connected


class _Endpoint(Protocol):
    """What websocket in/out need of a listener or client config node."""

    whole: bool

    def attach(self, node: Node, output: bool) -> None: ...
    def detach(self, node: Node) -> None: ...
    def send_frame(self, frame: Frame, session: str | None, sender: Node) -> None: ...


class _Session:
    """One client of a listener: its socket, its outbox and the listener-owned task draining it."""

    def __init__(self, ws: WebSocket, size: int) -> None:
        self.id = os.urandom(4).hex()
        self.ws = ws
        self.outbox = Outbox(ws.send_text, ws.send_bytes, size)
        self.writer: asyncio.Task[None] | None = None
        self.ended = asyncio.Event()
        """Set when the session must end: the client left, a send failed, it was dropped, or closing."""
        self.close_code = 1000
        self.finished = asyncio.Event()
        """Set when its handler has returned (the socket is closed)."""


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
    help = node_help("websocket-listener")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.path = str(config.get("path") or "")
        self.whole = wholemsg(config)
        self.users = Users()
        self.sessions: dict[str, _Session] = {}
        self.queue_size = queue_size(host.settings)
        self._remove: Any = None
        self._refusing = False

    def on_start(self) -> None:
        router = http_routes(self.host.settings)
        if router is None:
            return  # no HTTP server in this process (validation, unit tests)
        if not self.path:
            self.warn("missing path: property 'path' must name the websocket endpoint, e.g. /ws/data")
            return
        self._remove = router.add_websocket(self.path, self._serve, owner=self.id)

    async def on_close(self, removed: bool) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None
        sessions = list(self.sessions.values())
        for session in sessions:
            self._end(session, CLOSE_GOING_AWAY)
        writers = [s.writer for s in sessions if s.writer is not None]
        if writers:
            await asyncio.wait(writers)
        try:  # each handler closes its socket within CLOSE_TIMEOUT_S
            async with asyncio.timeout(2 * CLOSE_TIMEOUT_S):
                for session in sessions:
                    await session.finished.wait()
        except TimeoutError:
            self.warn(f"websocket listener {self.path}: some sessions did not close in time")

    def attach(self, node: Node, output: bool) -> None:
        self.users.add(node, output)
        self._show()

    def detach(self, node: Node) -> None:
        self.users.remove(node)

    def _show(self) -> None:
        count = len(self.sessions)
        self.users.show({"fill": "green", "shape": "dot", "text": f"connected {count}"} if count else {})

    async def _serve(self, ws: WebSocket) -> None:
        limit = int(getattr(self.host.settings, "webSocketNodeMaxSessions", 1000) or 0)
        if limit and len(self.sessions) >= limit:  # a flood of sockets cannot take every resource
            if not self._refusing:
                self.warn(f"websocket listener {self.path}: {len(self.sessions)} clients connected "
                          "(webSocketNodeMaxSessions); refusing new ones until some leave")
                self._refusing = True
            await ws.close(CLOSE_TRY_AGAIN)
            return
        self._refusing = False
        await ws.accept()
        session = _Session(ws, self.queue_size)
        session.writer = self.spawn(self._write(session))
        self.sessions[session.id] = session
        self._show()
        try:
            async with asyncio.TaskGroup() as tg:
                reader = tg.create_task(self._read(session))
                await session.ended.wait()
                reader.cancel()
        finally:
            self._end(session, session.close_code)
            if session.writer is not None:
                await asyncio.wait([session.writer])
            await self._close_socket(session)
            session.finished.set()

    async def _read(self, session: _Session) -> None:
        try:
            while True:
                message = await session.ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                data: Frame | None = message.get("text")
                if data is None:
                    data = message.get("bytes") or b""
                self.users.emit(data, self.whole, session.id)
        except WebSocketDisconnect:
            return  # the client went away: the session ends
        finally:
            session.ended.set()

    async def _write(self, session: _Session) -> None:
        try:
            await session.outbox.drain()
        except (WebSocketDisconnect, OSError, RuntimeError) as exc:  # the client went away mid-send
            self.debug_log(f"websocket session {session.id} on {self.path}: send failed: {exc!r}")
        finally:
            session.ended.set()

    def _end(self, session: _Session, code: int) -> None:
        """Stop serving ``session``: out of the broadcast list at once, writer cancelled, the
        handler wakes up and closes the socket with ``code``."""
        if self.sessions.get(session.id) is session:
            del self.sessions[session.id]
            self._show()
        if not session.ended.is_set():
            session.close_code = code
            session.ended.set()
        if session.writer is not None and not session.writer.done():
            session.writer.cancel()

    async def _close_socket(self, session: _Session) -> None:
        ws = session.ws
        if ws.client_state != WebSocketState.CONNECTED or ws.application_state != WebSocketState.CONNECTED:
            return
        try:
            # a client that stopped reading may never take the close frame: give up after a while
            await asyncio.wait_for(ws.close(session.close_code), CLOSE_TIMEOUT_S)
        except (WebSocketDisconnect, RuntimeError, OSError, TimeoutError) as exc:
            self.debug_log(f"closing websocket session {session.id}: {exc!r}")

    def send_frame(self, frame: Frame, session: str | None, sender: Node) -> None:
        """Queue ``frame`` for one session (``session`` id) or every session (None)."""
        if session is not None:
            targets = [self.sessions[session]] if session in self.sessions else []
        else:
            targets = list(self.sessions.values())
        for target in targets:
            if not target.outbox.offer(frame):
                sender.warn(f"websocket session {target.id} on {self.path} is not reading: "
                            f"{target.outbox.size} messages queued (webSocketMsgQueueSize); disconnected it")
                self._end(target, CLOSE_POLICY)


_IO_SCHEMA = {
    "type": "object",
    "properties": {  # one of the two names a config node, the other is ""
        "server": {"type": "string", "default": "", "x-config-type": "websocket-listener"},
        "client": {"type": "string", "default": "", "x-config-type": "websocket-client"},
    },
}


class _WebSocketUser(Node):
    """websocket in / out: attached to the listener (``server``) or client (``client``) config node."""

    is_output: ClassVar[bool] = False
    _endpoint: _Endpoint | None = None

    def on_start(self) -> None:
        # Node-RED: `n.client ? n.client : n.server`
        cfg = self.config_node(self.config.get("client") or self.config.get("server") or None)
        if not isinstance(cfg, (WebSocketListener, WebSocketClient)):
            self.warn("missing websocket configuration: set property 'server' or 'client'")
            return
        cfg.attach(self, self.is_output)
        self._endpoint = cfg

    def on_close(self, removed: bool) -> None:
        if self._endpoint is not None:
            self._endpoint.detach(self)
            self._endpoint = None


class WebSocketIn(_WebSocketUser):
    type = "websocket in"
    category = "network"
    label = "websocket in"
    color = "rgb(215, 215, 160)"
    icon = "white-globe.svg"
    inputs = 0
    outputs = 1
    schema = _IO_SCHEMA
    help = node_help("websocket in")


class WebSocketOut(_WebSocketUser):
    type = "websocket out"
    category = "network"
    label = "websocket out"
    color = "rgb(215, 215, 160)"
    icon = "white-globe.svg"
    inputs = 1
    outputs = 0
    schema = _IO_SCHEMA
    is_output = True
    help = node_help("websocket out")

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        endpoint = self._endpoint
        if endpoint is None:
            done()
            return
        frame: Frame
        if endpoint.whole:
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
        endpoint.send_frame(frame, str(sid) if sid is not None and isinstance(endpoint, WebSocketListener) else None,
                            self)
        done()


NODES: list[type[Node]] = [WebSocketListener, WebSocketClient, WebSocketIn, WebSocketOut]

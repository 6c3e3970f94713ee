"""The ``websocket-client`` config node: one outgoing connection (``ws://`` / ``wss://``) shared
by websocket in/out nodes, reconnecting every 3 s when lost. Frames to send wait in a bounded
``Outbox`` drained beside the reader (a task of the connection's TaskGroup); while disconnected
they are dropped, as in Node-RED.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import TYPE_CHECKING, Any

from websockets.exceptions import InvalidHandshake, InvalidURI, WebSocketException

from flowengine.node import Node

from ._help import node_help
from ._tls_proxy import TlsConfig
from ._ws_peer import Frame, Outbox, Users, queue_size, wholemsg

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["RECONNECT_S", "WebSocketClient"]

RECONNECT_S = 3.0


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
            "tls": {"type": "string", "default": "", "x-config-type": "tls-config"},
            "wholemsg": {"type": ["string", "boolean"], "default": "false"},
            "hb": {"type": ["string", "number"], "default": "0"},
            "subprotocol": {"type": "string", "default": ""},
        },
    }
    help = node_help("websocket-client")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.url = str(config.get("path") or "")
        self.whole = wholemsg(config)
        self.users = Users()
        self._status: dict[str, Any] = {}
        self.conn: ClientConnection | None = None
        self._outbox: Outbox | None = None
        self.queue_size = queue_size(host.settings)
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

    def attach(self, node: Node, output: bool) -> None:
        self.users.add(node, output)
        if self._status:
            node.status(self._status)

    def detach(self, node: Node) -> None:
        self.users.remove(node)

    def _show(self, status: dict[str, Any]) -> None:
        self._status = status
        self.users.show(status)

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
        # the client side of websockets loads with the first connection, not with the runtime
        from websockets.asyncio.client import connect

        while True:
            self._show({"fill": "yellow", "shape": "ring", "text": "connecting"})
            try:
                async with connect(self.url, ssl=context, subprotocols=protocols or None,  # type: ignore[arg-type]
                                   ping_interval=self.heartbeat or None, proxy=None, **extra) as conn:
                    self.conn = conn
                    self._show({"fill": "green", "shape": "dot", "text": "connected"})
                    await self._converse(conn)
            except (OSError, InvalidURI, InvalidHandshake, WebSocketException, TimeoutError) as exc:
                self.debug_log(f"websocket {self.url}: {exc!r}")
            finally:
                self.conn = None
                self._outbox = None
            self._show({"fill": "red", "shape": "ring", "text": "disconnected"})
            await asyncio.sleep(self.reconnect_s)

    async def _converse(self, conn: ClientConnection) -> None:
        """Read frames until the connection ends, while its outbox is drained beside."""
        outbox = Outbox(conn.send, conn.send, self.queue_size)
        self._outbox = outbox
        async with asyncio.TaskGroup() as tg:
            writer = tg.create_task(self._write(conn, outbox))
            try:
                async for data in conn:
                    self.users.emit(data, self.whole, self.session)
            except WebSocketException as exc:  # lost (caught here: a TaskGroup would wrap it in a group)
                self.debug_log(f"websocket {self.url}: {exc!r}")
            finally:
                writer.cancel()

    async def _write(self, conn: ClientConnection, outbox: Outbox) -> None:
        try:
            await outbox.drain()
        except (WebSocketException, OSError) as exc:  # the connection broke: the reader sees it too
            self.debug_log(f"websocket {self.url}: send failed: {exc!r}")
            conn.transport.abort()

    def send_frame(self, frame: Frame, session: str | None, sender: Node) -> None:
        """Queue ``frame`` for the server (dropped while disconnected, as in Node-RED)."""
        outbox, conn = self._outbox, self.conn
        if outbox is None or conn is None or outbox.offer(frame):
            return
        sender.warn(f"websocket {self.url} is not reading: {outbox.size} messages queued "
                    "(webSocketMsgQueueSize); reconnecting")
        conn.transport.abort()

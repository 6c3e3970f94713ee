"""The ``tcp out`` node: writes ``msg.payload`` to TCP, in one of three modes (*beserver*):

* "client": keeps a connection to *host*:*port*, reconnecting after ``socketReconnectTime`` (20 ms
  after it closed the connection itself because of *end*); payloads that arrive while it is not
  connected are dropped, as in Node-RED;
* "server": listens on *port* (every interface, or ``socketListenHost``) and writes to every
  connected client; status "N connections";
* "reply": answers the tcp in connection named by ``msg._session.id`` (every open tcp in
  connection when the message has no tcp session); ``msg.reset`` true closes it instead.

Bytes are written as they are; with *base64* a string payload is decoded from Base64 first;
anything else is written as its JavaScript string. *end* closes the connection after each write.
"""

from __future__ import annotations

import ssl
from typing import Any

from flowengine.types import Done, Msg, Send

from ._help import node_help
from ._tcp import (
    NetworkNode,
    TcpConnection,
    close_all,
    connections_text,
    has_payload,
    payload_bytes,
    port_number,
    sessions,
)
from ._tcp_link import TcpServer, client_tls, keep_connected
from .tcp_in import CHUNK, TLS_PROPERTY

__all__ = ["NODES", "TcpOut"]


class TcpOut(NetworkNode):
    type = "tcp out"
    label = "tcp out"
    inputs = 1
    outputs = 0
    schema = {
        "type": "object",
        "properties": {
            "beserver": {"type": "string", "enum": ["client", "server", "reply"], "default": "client",
                         "title": "Type", "description": "Connect to a port (client), listen on a port "
                         "(server), or reply to the tcp in connection of msg._session (reply)."},
            "host": {"type": "string", "default": "", "title": "Host",
                     "description": "The host to connect to (client mode)."},
            "port": {"type": ["string", "number"], "default": "", "title": "Port",
                     "description": "The port to connect to (client) or listen on (server); unused in reply mode."},
            "base64": {"type": "boolean", "default": False, "title": "Decode Base64 message?",
                       "description": "A string payload holds Base64: send the bytes it encodes."},
            "end": {"type": "boolean", "default": False, "title": "Close connection after each message is sent?",
                    "description": "End the connection after every write (client mode reconnects at once)."},
            "tls": TLS_PROPERTY,
        },
    }
    help = node_help("tcp out")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.mode = str(config.get("beserver") or "client")
        self.remote = str(config.get("host") or "")
        self.port = port_number(config.get("port"))
        self.base64 = config.get("base64") in (True, "true")
        self.end = config.get("end") is True
        self.client: TcpConnection | None = None
        self._ended = False
        self._server: TcpServer | None = None

    async def on_start(self) -> None:
        if self.mode == "reply":
            return
        if self.port is None:
            self.error(f"property 'port' must be a port number (0-65535), got {self.config.get('port')!r}")
            return
        if self.mode == "server":
            self.status({"text": connections_text(0)})
            self._server = TcpServer(self, self.port, self._serve, self._count)
            await self._server.start()
            return
        tls = client_tls(self)
        if tls is not None:
            self.spawn(keep_connected(self, self.remote, self.port, tls, self._session, error_prefix="error: "))

    async def on_close(self, removed: bool) -> None:
        if self._server is not None:
            await self._server.close(graceful=True)
        elif self.client is not None:
            await close_all([self.client], graceful=False)

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if self.mode == "reply":
            self._reply(msg)
        elif self.mode == "server":
            if has_payload(msg):
                data = payload_bytes(msg["payload"], self.base64)
                for conn in list(self._server.connections.values()) if self._server else []:
                    if self.end:
                        conn.end(data)
                    else:
                        conn.write(data)
        elif self.client is not None and has_payload(msg):
            self.client.write(payload_bytes(msg["payload"], self.base64))
            if self.end:
                self._ended = True
                self.status({})
                self.client.end()
        done()

    def _reply(self, msg: Msg) -> None:
        table = sessions(self)
        session = msg.get("_session")
        if isinstance(session, dict) and session.get("type") == "tcp":
            conn = table.get(session.get("id"))
            targets = [conn] if conn is not None else []
        else:
            targets = table.all()
        for conn in targets:
            if msg.get("reset") is True:
                conn.destroy()
            else:
                conn.write(payload_bytes(msg.get("payload"), self.base64))

    # --- server mode ---
    async def _serve(self, conn: TcpConnection) -> None:
        self.info(f"connection from {conn.ip}:{conn.port}")
        self._count(conn)
        try:
            while await conn.reader.read(CHUNK):  # what clients send is ignored
                pass
            self.info(f"connection closed from {conn.ip}:{conn.port}")
        except (OSError, ssl.SSLError):
            self.info(f"socket error from {conn.ip}:{conn.port}")

    def _count(self, conn: TcpConnection) -> None:
        self.status({"text": connections_text(len(self._server.connections) if self._server else 0)})

    # --- client mode ---
    async def _session(self, conn: TcpConnection) -> bool:
        """One client connection; True when this node ended it (*end*: reconnect at once)."""
        self.client = conn
        try:
            while await conn.reader.read(CHUNK):  # what the server sends is ignored
                pass
            if not conn.ended_here:
                self.status({})  # the server ended the connection
        except (OSError, ssl.SSLError) as exc:
            self.info(f"error: Error: {exc}")
        finally:
            self.client = None
        fast, self._ended = self._ended, False
        return fast


NODES = [TcpOut]

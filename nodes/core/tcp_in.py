"""The ``tcp in`` node: a TCP server (*server* "server") or a client that keeps a connection open
(*server* "client"), sending what arrives as messages.

Each message is ``{topic, payload, ip, port, _session: {type: "tcp", id}}`` (a client-mode
message has no ``ip``/``port``); ``payload`` follows *datamode*, *datatype* and *newline* (see
_tcp_framer.py). The connection stays in the runtime's session table while open, so a ``tcp out``
in "reply" mode answers it through ``msg._session``.

Server mode listens on every interface like Node-RED, or on ``socketListenHost``; its status is
"N connections" with the event, peer address and session. Client mode shows connecting /
connected / disconnected and reconnects after ``socketReconnectTime`` (ms, default 10000), or
after 20 ms when the server closed the connection after sending data.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from ._help import node_help
from ._tcp import NetworkNode, TcpConnection, close_all, connections_text, port_number, sessions, setting, unescape
from ._tcp_framer import Framer, Payload
from ._tcp_link import TcpServer, client_tls, keep_connected

__all__ = ["NODES", "TcpIn"]

CHUNK = 65536
TLS_PROPERTY = {"type": "string", "default": "", "x-config-type": "tls-config", "title": "TLS configuration",
                "description": "A tls-config node: TLS for the connection (a server needs its certificate and key)."}


class TcpIn(NetworkNode):
    type = "tcp in"
    label = "tcp in"
    inputs = 0
    outputs = 1
    schema = {
        "type": "object",
        "properties": {
            "server": {"type": ["string", "boolean"], "enum": ["server", "client", True, False], "default": "server",
                       "title": "Type",
                       "description": "Listen on a port (server) or connect to a remote port (client)."},
            "host": {"type": "string", "default": "", "title": "Host",
                     "description": "The host to connect to (client mode)."},
            "port": {"type": ["string", "number"], "default": "", "title": "Port",
                     "description": "The port to listen on (server) or connect to (client)."},
            "datamode": {"type": "string", "enum": ["stream", "single"], "default": "stream", "title": "Output",
                         "description": "A stream of payloads, or a single payload when the connection closes."},
            "datatype": {"type": "string", "enum": ["buffer", "utf8", "base64"], "default": "buffer",
                         "title": "Payload type", "description": "Buffer, String (UTF-8) or Base64 string."},
            "newline": {"type": "string", "default": "", "title": "Delimited by",
                        "description": "Splits a text stream into one payload per piece (\\n, \\r, \\t allowed)."},
            "trim": {"type": "boolean", "default": False, "title": "Re-attach delimiter",
                     "description": "Keep the delimiter at the end of each delimited payload."},
            "topic": {"type": "string", "default": "", "title": "Topic", "description": "msg.topic of every message."},
            "base64": {"type": "boolean", "default": False, "title": "Base64 (deprecated)",
                       "description": "Kept for old flows; choose the Base64 payload type instead."},
            "tls": TLS_PROPERTY,
        },
    }
    help = node_help("tcp in")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        server = config.get("server", "server")
        self.server_mode = server if isinstance(server, bool) else server == "server"
        self.remote = str(config.get("host") or "")
        self.port = port_number(config.get("port"))
        self.stream = (config.get("datamode") or "stream") == "stream"
        self.datatype = str(config.get("datatype") or "buffer")
        self.newline = unescape(config.get("newline"))
        self.trim = config.get("trim") in (True, "true")
        self.topic = config.get("topic", "")
        self.connections: dict[str, TcpConnection] = {}
        self._server: TcpServer | None = None
        self._closing = False

    async def on_start(self) -> None:
        if self.port is None:
            self.error(f"property 'port' must be a port number (0-65535), got {self.config.get('port')!r}")
            return
        if self.server_mode:
            self._server = TcpServer(self, self.port, self._serve)
            await self._server.start()
            return
        tls = client_tls(self)
        if tls is not None:
            self.spawn(keep_connected(self, self.remote, self.port, tls, self._session, with_session=True))

    async def on_close(self, removed: bool) -> None:
        self._closing = True
        if self._server is not None:
            await self._server.close(graceful=True)
        else:
            await close_all(list(self.connections.values()), graceful=False)

    # --- server mode ---
    async def _serve(self, conn: TcpConnection) -> None:
        self._opened(conn)
        self.status({"text": connections_text(len(self.connections)), "event": "connect", "ip": conn.ip,
                     "port": conn.port, "_session": {"type": "tcp", "id": conn.id}})
        try:
            await self._read(conn, Framer(self.datatype, self.stream, self.newline, self.trim, True), True)
        finally:
            self._closed(conn)
            if not self._closing:
                self.status({"text": connections_text(len(self.connections)), "event": "disconnect",
                             "ip": conn.ip, "port": conn.port, "_session": {"type": "tcp", "id": conn.id}})

    # --- client mode ---
    async def _session(self, conn: TcpConnection) -> bool:
        self._opened(conn)
        try:
            return await self._read(conn, Framer(self.datatype, self.stream, self.newline, self.trim, False), False)
        finally:
            self._closed(conn)

    # --- both ---
    def _opened(self, conn: TcpConnection) -> None:
        self.connections[conn.id] = conn
        sessions(self).add(conn)

    def _closed(self, conn: TcpConnection) -> None:
        sessions(self).remove(conn)
        self.connections.pop(conn.id, None)

    async def _read(self, conn: TcpConnection, framer: Framer, with_address: bool) -> bool:
        """Read until the connection ends; True when a last payload was sent at its end."""
        idle = setting(self, "socketTimeout", None) if self.server_mode else None
        idle_s = float(idle) / 1000.0 if idle else None
        try:
            while True:
                try:
                    async with asyncio.timeout(idle_s):
                        data = await conn.reader.read(CHUNK)
                except TimeoutError:
                    self.info(f"timeout closed socket port {self.port}")
                    conn.end()
                    idle_s = None
                    continue
                if not data:
                    break
                for payload in framer.feed(data):
                    self._emit(conn, payload, with_address)
        except (OSError, ssl.SSLError) as exc:  # reset by the peer: no end of data
            self.info(f"Error: {exc}")
            return False
        rest = framer.finish()
        if rest is None or conn.ended_here:
            return False
        self._emit(conn, rest, with_address)
        return True

    def _emit(self, conn: TcpConnection, payload: Payload, with_address: bool) -> None:
        if self._closing:
            return
        msg: dict[str, Any] = {"topic": self.topic, "payload": payload}
        if with_address:
            msg["ip"] = conn.ip
            msg["port"] = conn.port
        msg["_session"] = {"type": "tcp", "id": conn.id}
        self.send(msg)


NODES = [TcpIn]

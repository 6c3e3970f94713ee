"""What the tcp nodes share: open connections, the runtime's session table, settings and texts.

Node-RED keeps one module-level ``connectionPool`` of the sockets its tcp in nodes hold, so a
``tcp out`` in "reply" mode can answer the connection named by ``msg._session.id`` (or all of
them). Here that table is a ``TcpSessions`` object, one per runtime, among the runtime's shared
tables (``node.sockets().shared``, see flowengine/sockets.py). Listening and connecting go through
the runtime's sockets too (_tcp_link.py), which close what is left open at shutdown.

Settings (Node-RED's names): ``socketReconnectTime`` (ms, default 10000), ``socketTimeout`` (ms
of idle time before a server-side connection is closed), ``tcpMsgQueueSize`` (tcp request queue
per connection). ``socketListenHost`` is ours: Node-RED's servers listen on every interface;
setting it (e.g. "127.0.0.1") binds tcp in, udp in and server-mode tcp out to that address.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import errno
import os
import re
import socket
import ssl
from typing import Any

from flowengine.jsutil import js_string, to_number
from flowengine.node import Node
from flowengine.types import UNDEFINED

from ._tls_proxy import TlsConfig

__all__ = [
    "SESSIONS", "NetworkNode", "TcpConnection", "TcpSessions", "b64decode", "b64encode_text", "client_ssl",
    "close_all", "connect", "connect_error_text", "connections_text", "has_payload", "listen_error_text",
    "listen_host", "new_id", "payload_bytes", "port_number", "reconnect_s", "server_ssl", "sessions", "setting",
    "unescape",
]

SESSIONS = "tcp sessions"
"""The name of the session table among the runtime's shared tables."""
KEEPALIVE_S = 120  # Node-RED: socket.setKeepAlive(true, 120000)
CLOSE_WAIT_S = 2.0  # how long a closing node waits for its peers to take what is still queued
# libuv's wording for the errors a listen or connect usually meets (Node.js error messages)
_UV_TEXT = {errno.EADDRINUSE: "address already in use", errno.EACCES: "permission denied",
            errno.EADDRNOTAVAIL: "address not available", errno.ECONNREFUSED: "connection refused"}
_B64_JUNK = re.compile(r"[^A-Za-z0-9+/]")


def new_id() -> str:
    """A session id like ``RED.util.generateId()``: 16 hex characters."""
    return os.urandom(8).hex()


def setting(node: Node, name: str, default: Any) -> Any:
    """A runtime setting by its Node-RED name (a ``Settings`` field or an extra key)."""
    settings = node.host.settings
    value = getattr(settings, name, None)
    if value is None:
        value = (getattr(settings, "extra", None) or {}).get(name)
    return default if value is None else value


def listen_host(node: Node) -> str | None:
    """Where servers bind: ``socketListenHost``, or None for every interface (Node-RED's way)."""
    return node.sockets().listen_host


def reconnect_s(node: Node) -> float:
    return float(setting(node, "socketReconnectTime", 10000)) / 1000.0


def sessions(node: Node) -> TcpSessions:
    """The runtime's table of open tcp in connections."""
    return node.sockets().shared(SESSIONS, TcpSessions)


def unescape(text: Any, every: bool = True) -> str:
    r"""A delimiter as typed in the editor: ``\n``, ``\r`` and ``\t`` become the characters (tcp
    request replaces only the first of each, as Node-RED does: ``every`` False)."""
    out = str(text or "")
    for escaped, char in (("\\n", "\n"), ("\\r", "\r"), ("\\t", "\t")):
        out = out.replace(escaped, char) if every else out.replace(escaped, char, 1)
    return out


def connections_text(count: int) -> str:
    return f"{count} connection" if count == 1 else f"{count} connections"


def payload_bytes(payload: Any, decode_base64: bool) -> bytes:
    """What a tcp/udp node writes for ``msg.payload``: bytes as they are, a string decoded from
    Base64 when asked, anything else as its JavaScript string in UTF-8."""
    if isinstance(payload, bytes | bytearray):
        return bytes(payload)
    if isinstance(payload, str) and decode_base64:
        return b64decode(payload)
    return js_string(payload).encode("utf-8")


def b64encode_text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Base64 the way Node.js reads it: URL-safe letters allowed, other characters and missing
    padding ignored."""
    clean = _B64_JUNK.sub("", text.split("=", 1)[0].replace("-", "+").replace("_", "/"))
    clean = clean[: len(clean) - (len(clean) % 4 == 1)]
    try:
        return base64.b64decode(clean + "=" * (-len(clean) % 4))
    except binascii.Error:  # pragma: no cover - the text was cleaned to valid Base64
        return b""


def _code(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        return "ENOTFOUND"
    return errno.errorcode.get(exc.errno or 0, type(exc).__name__)


def listen_error_text(exc: OSError, host: str | None, port: int) -> str:
    """Node.js's text for a failed listen, e.g. ``Error: listen EADDRINUSE: address already in use :::1880``."""
    text = _UV_TEXT.get(exc.errno or 0) or os.strerror(exc.errno or 0).lower()
    return f"Error: listen {_code(exc)}: {text} {host or '::'}:{port}"


def connect_error_text(exc: OSError, host: str, port: int) -> str:
    """Node.js's text for a failed connect, e.g. ``Error: connect ECONNREFUSED 127.0.0.1:1880``."""
    if isinstance(exc, socket.gaierror):
        return f"Error: getaddrinfo ENOTFOUND {host}"
    if isinstance(exc, ssl.SSLError):
        return f"Error: {exc.reason or exc}"
    if isinstance(exc, TimeoutError):
        return f"Error: connect ETIMEDOUT {host}:{port}"
    return f"Error: connect {_code(exc)} {host}:{port}"


def client_ssl(node: Node) -> tuple[ssl.SSLContext | None, str | None]:
    """(context, server name) for a client connection through the node's ``tls`` config node."""
    tls = node.config_node(node.config.get("tls"))
    if not isinstance(tls, TlsConfig):
        return None, None
    return tls.ssl_context(), tls.servername or None


def server_ssl(node: Node) -> ssl.SSLContext | None:
    """A server-side context from the node's ``tls`` config node (its certificate and key)."""
    tls = node.config_node(node.config.get("tls"))
    return tls.server_ssl_context() if isinstance(tls, TlsConfig) else None


class NetworkNode(Node):
    """What the tcp and udp nodes look like in the palette (Node-RED's network category)."""

    category = "network"
    color = "Silver"
    icon = "bridge-dash.svg"


class TcpConnection:
    """One open TCP connection: the stream pair, the peer's address and a session id."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, session_id: str = "") -> None:
        self.id = session_id or new_id()
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername") or ("", 0)
        self.ip: str = str(peer[0])
        self.port: int = int(peer[1])
        sock = writer.get_extra_info("socket")
        if sock is not None:
            _keepalive(sock)

        self.ended_here = False
        """Set when this side closed the connection (then its end is not the peer's end of data)."""

    def write(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    def end(self, data: bytes = b"") -> None:
        """Send ``data`` (if any), then close once everything queued is sent (``socket.end``)."""
        if data:
            self.write(data)
        self.ended_here = True
        self.writer.close()

    def destroy(self) -> None:
        """Close at once, dropping whatever is still queued (``socket.destroy``)."""
        self.ended_here = True
        self.writer.transport.abort()

    async def closed(self) -> None:
        """Wait until the connection is closed (errors while closing do not matter here)."""
        try:
            await self.writer.wait_closed()
        except (OSError, ssl.SSLError):
            return


class TcpSessions:
    """The open tcp in connections of one runtime, by session id (Node-RED's ``connectionPool``)."""

    def __init__(self) -> None:
        self._open: dict[str, TcpConnection] = {}

    def add(self, conn: TcpConnection) -> None:
        self._open[conn.id] = conn

    def remove(self, conn: TcpConnection) -> None:
        if self._open.get(conn.id) is conn:
            del self._open[conn.id]

    def get(self, session_id: Any) -> TcpConnection | None:
        return self._open.get(session_id) if isinstance(session_id, str) else None

    def all(self) -> list[TcpConnection]:
        return list(self._open.values())

    def __len__(self) -> int:
        return len(self._open)


async def close_all(conns: list[TcpConnection], graceful: bool) -> None:
    """End (``graceful``: after what is queued is sent) or destroy every connection, and wait
    until they are closed; one whose peer does not take the rest in time is destroyed."""
    for conn in conns:
        if graceful:
            conn.end()
        else:
            conn.destroy()
    if not conns:
        return
    waits = [asyncio.ensure_future(conn.closed()) for conn in conns]
    _, pending = await asyncio.wait(waits, timeout=CLOSE_WAIT_S)
    if pending:
        for conn in conns:
            conn.writer.transport.abort()  # a no-op for those already closed
        await asyncio.wait(pending)


async def connect(node: Node, host: str, port: int,
                  tls: tuple[ssl.SSLContext | None, str | None] = (None, None), session_id: str = "") -> TcpConnection:
    """A client connection to ``host:port`` through the runtime's sockets; ``tls`` is
    ``client_ssl(node)`` for a TLS connection."""
    context, servername = tls
    reader, writer = await node.sockets().connect_tcp(host, port, context, servername)
    return TcpConnection(reader, writer, session_id)


def port_number(value: Any) -> int | None:
    """A port from a node property (``""`` is 0, as ``n.port * 1`` in Node-RED); None when the
    value is not a whole number from 0 to 65535."""
    if value is None or value == "":
        return 0
    number = to_number(value)
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return number if isinstance(number, int) and not isinstance(number, bool) and 0 <= number <= 65535 else None


def _keepalive(sock: Any) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        if hasattr(socket, "TCP_KEEPIDLE"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, KEEPALIVE_S)
    except OSError:  # pragma: no cover - a platform without these options
        return


def has_payload(msg: dict[str, Any]) -> bool:
    """``msg.payload != null`` in JavaScript."""
    payload = msg.get("payload", UNDEFINED)
    return payload is not None and payload is not UNDEFINED

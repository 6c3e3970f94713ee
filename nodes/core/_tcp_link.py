"""The two ways a tcp node holds connections: as a server on one of the runtime's listeners
(``TcpServer``), or as a client that keeps one connection open and reconnects (``keep_connected``).

The server side is shared by ``tcp in`` and ``tcp out`` in server mode: listening (with Node-RED's
log lines and error texts), TLS on each accepted connection from the node's tls-config, the table
of the node's open connections, and closing them with the node. The client side is shared by
``tcp in`` and ``tcp out`` in client mode: the connecting / connected / disconnected status and
the reconnect delay (``socketReconnectTime``, or 20 ms after a connection that ended on purpose).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

from flowengine.node import Node
from flowengine.sockets import TcpListener

from ._tcp import (
    TcpConnection,
    client_ssl,
    close_all,
    connect,
    connect_error_text,
    listen_error_text,
    new_id,
    reconnect_s,
    server_ssl,
)

__all__ = ["FAST_RECONNECT_S", "TcpServer", "client_tls", "keep_connected"]

FAST_RECONNECT_S = 0.02
CONNECTING = {"fill": "grey", "shape": "dot", "text": "connecting"}
CONNECTED = {"fill": "green", "shape": "dot", "text": "connected"}
DISCONNECTED = {"fill": "red", "shape": "ring", "text": "disconnected"}

Serve = Callable[[TcpConnection], Awaitable[None]]
Session = Callable[[TcpConnection], Awaitable[bool]]


class TcpServer:
    """A node's server: the runtime's listener on ``port``; ``serve(conn)`` runs (as a task the
    node owns) for each connection while it is open, ``ended(conn)`` once it has left
    ``connections`` (unless the node is closing)."""

    def __init__(self, node: Node, port: int, serve: Serve, ended: Callable[[TcpConnection], None] | None = None):
        self.node = node
        self.port = port
        self.serve = serve
        self.ended = ended
        self.connections: dict[str, TcpConnection] = {}
        self.closing = False
        self._listener: TcpListener | None = None
        self._context: ssl.SSLContext | None = None

    async def start(self) -> bool:
        """Listen; False (and the node's error, with Node-RED's text) when it cannot."""
        node, port = self.node, self.port
        sockets = node.sockets()
        try:
            self._context = server_ssl(node)
            self._listener = await sockets.listen_tcp(port, self._accept, owner=node.id)
        except OSError as exc:
            node.error(f"unable to listen on port {port}, error: {listen_error_text(exc, sockets.listen_host, port)}")
            return False
        except ValueError as exc:  # the tls-config node cannot make a server context
            node.error(f"unable to listen on port {port}, error: {exc} (property 'tls')")
            return False
        node.info(f"listening on port {port}")
        return True

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.node.spawn(self._connection(reader, writer))

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._context is not None:
            try:
                await writer.start_tls(self._context)
            except (OSError, ssl.SSLError) as exc:  # a client that fails the handshake is dropped
                self.node.debug_log(f"TLS handshake failed: {exc}")
                writer.transport.abort()
                return
        conn = TcpConnection(reader, writer)
        self.connections[conn.id] = conn
        try:
            await self.serve(conn)
        finally:
            self.connections.pop(conn.id, None)
            conn.writer.close()
            if self.ended is not None and not self.closing:
                self.ended(conn)

    async def close(self, graceful: bool) -> None:
        """Give the listener back and end (``graceful``) or destroy the open connections."""
        self.closing = True
        if self._listener is not None:
            self._listener.release(self.node.id)
        await close_all(list(self.connections.values()), graceful)
        if self._listener is not None:
            self._listener = None
            self.node.info("stopped listening on port")


def client_tls(node: Node) -> tuple[ssl.SSLContext | None, str | None] | None:
    """``client_ssl(node)``, or None (and the node's error naming ``tls``) when it cannot be made."""
    try:
        return client_ssl(node)
    except ValueError as exc:
        node.error(f"{exc} (property 'tls')")
        return None


async def keep_connected(node: Node, host: str, port: int, tls: tuple[ssl.SSLContext | None, str | None],
                         session: Session, error_prefix: str = "", with_session: bool = False) -> None:
    """Connect to ``host:port`` and run ``session(conn)`` until the connection ends, for as long as
    the node runs. ``session`` returns True when the connection ended on purpose (then the node
    reconnects at once, as Node-RED does after 20 ms). ``with_session`` adds ``_session`` to the
    connected / disconnected status (tcp in)."""
    where = f"{host}:{port}"
    while True:
        node.info(f"connecting to {where}")
        node.status(CONNECTING)
        session_id = new_id()
        extra: dict[str, Any] = {"_session": {"type": "tcp", "id": session_id}} if with_session else {}
        fast = False
        try:
            conn = await connect(node, host or "localhost", port, tls, session_id)
        except (OSError, ssl.SSLError) as exc:
            node.info(error_prefix + connect_error_text(exc, host, port))
        else:
            node.info(f"connected to {where}")
            node.status({**CONNECTED, **extra})
            try:
                fast = await session(conn)
            finally:
                conn.writer.close()
        node.status({**DISCONNECTED, **extra})
        if not fast:
            node.info(f"connection lost to {where}")
        await asyncio.sleep(FAST_RECONNECT_S if fast else reconnect_s(node))

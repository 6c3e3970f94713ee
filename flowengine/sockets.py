"""Listening sockets and shared connections for nodes: what ``RED.server`` is to Node-RED nodes,
owned by the runtime.

The runtime makes one ``NodeSockets`` (``Runtime.sockets``); a node reaches it as
``node.sockets()``. It holds:

* **TCP listeners** (``listen_tcp``): one listening socket per host:port, lent to one node at a
  time. A second node asking for a port another node holds gets ``EADDRINUSE``, as two Node-RED
  servers on one port do. A node gives its listener back in ``on_close``; the socket stays open
  until the deploy that follows has started its nodes (``sweep``), so a redeployed server keeps its
  port: connections that arrive in between wait for the new node instead of being refused, and
  no restart races another process for the port. TLS is the holder's business (``start_tls`` on
  each accepted connection), so a changed tls-config never needs a new socket.
* **UDP endpoints** (``bind_udp`` / ``udp_endpoint``): one socket per local port, shared by every
  node using it (udp in nodes on one port, a udp out sending from a udp in's port), kept across a
  redeploy the same way (see datagrams.py).
* **Client connections** (``connect_tcp``): tracked so that shutdown closes what nodes left open.
* **Runtime-wide tables** (``shared``): one object per name for all nodes of a type, such as the
  tcp nodes' session table (Node-RED's module-level ``connectionPool``).

Servers bind to the ``socketListenHost`` setting when set (e.g. "127.0.0.1"), else to every
interface as in Node-RED. ``close()`` (runtime shutdown) closes everything.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from .datagrams import UdpEndpoint

__all__ = ["Accept", "NodeSockets", "TcpListener", "UdpEndpoint"]

Accept = Callable[[asyncio.StreamReader, asyncio.StreamWriter], None]
"""``accept(reader, writer)``: called for each connection a listener accepts (start a task there)."""
WAITING_LIMIT = 128
"""Connections a listener holds while no node has it (between a redeploy's stop and start)."""

T = TypeVar("T")


class TcpListener:
    """One listening TCP socket; the node holding it (``owner``) gets each accepted connection."""

    def __init__(self, host: str | None, port: int) -> None:
        self.host = host
        self.port = port
        self.owner: str | None = None
        self._accept: Accept | None = None
        self._server: asyncio.Server | None = None
        self._waiting: list[asyncio.StreamWriter] = []
        self._readers: dict[int, asyncio.StreamReader] = {}

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._connected, host=self.host, port=self.port)
        if not self.port:
            self.port = int(self._server.sockets[0].getsockname()[1])

    def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._accept is not None:
            self._accept(reader, writer)
        elif len(self._waiting) < WAITING_LIMIT:
            self._waiting.append(writer)
            self._readers[id(writer)] = reader
        else:
            writer.transport.abort()

    def attach(self, owner: str, accept: Accept) -> None:
        """``owner`` holds the listener now; connections that waited for a holder go to it."""
        self.owner, self._accept = owner, accept
        waiting, self._waiting = self._waiting, []
        for writer in waiting:
            reader = self._readers.pop(id(writer))
            if not writer.is_closing():
                accept(reader, writer)

    def release(self, owner: str) -> None:
        """``owner`` gives the listener back (a no-op when another node holds it by now)."""
        if self.owner == owner:
            self.owner, self._accept = None, None

    @property
    def idle(self) -> bool:
        return self.owner is None

    def addresses(self) -> list[tuple[Any, ...]]:
        """The addresses the socket listens on (introspection, tests)."""
        return [sock.getsockname() for sock in self._server.sockets] if self._server is not None else []

    async def close(self) -> None:
        """Stop listening and drop the connections that waited for a holder."""
        for writer in self._waiting:
            writer.transport.abort()
        self._waiting.clear()
        self._readers.clear()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None


class NodeSockets:
    """The listening sockets, UDP endpoints, client connections and shared tables of one runtime."""

    def __init__(self, listen_host: str | None = None) -> None:
        self.listen_host = listen_host or None
        """Where servers bind (``socketListenHost``); None: every interface."""
        self._tcp: dict[int, TcpListener] = {}
        self._udp: dict[int, UdpEndpoint] = {}
        self._clients: weakref.WeakSet[asyncio.StreamWriter] = weakref.WeakSet()
        self._shared: dict[str, Any] = {}

    @classmethod
    def from_settings(cls, settings: Any) -> NodeSockets:
        host = getattr(settings, "socketListenHost", None) or (getattr(settings, "extra", None) or {}).get(
            "socketListenHost")
        return cls(str(host) if host else None)

    # --- TCP ---
    async def listen_tcp(self, port: int, accept: Accept, *, owner: str) -> TcpListener:
        """The listener on ``port`` (0: a free one), held by ``owner`` until it calls ``release``.
        Raises ``OSError`` (``EADDRINUSE`` when another node holds the port)."""
        listener = self._tcp.get(port) if port else None
        if listener is not None and not listener.idle and listener.owner != owner:
            raise OSError(errno.EADDRINUSE, "address already in use")
        if listener is None:
            listener = TcpListener(self.listen_host, port)
            await listener.open()
            self._tcp[listener.port] = listener
        listener.attach(owner, accept)
        return listener

    async def connect_tcp(self, host: str, port: int, context: ssl.SSLContext | None = None,
                          server_hostname: str | None = None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A client connection (TLS when ``context`` is given); shutdown closes it if still open."""
        extra: dict[str, Any] = {"server_hostname": server_hostname or host} if context is not None else {}
        reader, writer = await asyncio.open_connection(host, port, ssl=context, **extra)
        self._clients.add(writer)
        return reader, writer

    def tcp_listener(self, port: int) -> TcpListener | None:
        """The listener on ``port`` (held, or kept from the last deploy), if any."""
        return self._tcp.get(port)

    # --- UDP ---
    def udp_endpoint(self, port: int) -> UdpEndpoint | None:
        """The endpoint bound to local ``port`` (in use, or kept from the last deploy), if any."""
        return self._udp.get(port) if port else None

    async def bind_udp(self, sock: Any, port: int) -> UdpEndpoint:
        """Wrap a bound (or, for port 0, unbound) datagram socket as an endpoint of this runtime;
        one with a port is found by ``udp_endpoint`` until it is closed (and replaces, closing it,
        an endpoint on that port that no node uses)."""
        old = self._udp.get(port) if port else None
        if old is not None and not old.users:
            del self._udp[port]
            old.close()
        loop = asyncio.get_running_loop()
        _, endpoint = await loop.create_datagram_endpoint(lambda: UdpEndpoint(port, sock.family), sock=sock)
        if port:
            self._udp[port] = endpoint
        return endpoint

    def release_udp(self, endpoint: UdpEndpoint, user: str) -> None:
        """``user`` stops using ``endpoint``; one on a port stays open until ``sweep`` for the next
        deploy's nodes, a private one (port 0) closes when its last user leaves."""
        endpoint.leave(user)
        if not endpoint.users and self._udp.get(endpoint.port) is not endpoint:
            endpoint.close()

    # --- tables ---
    def shared(self, name: str, factory: Callable[[], T]) -> T:
        """The runtime's object called ``name``, made by ``factory`` at the first ask."""
        if name not in self._shared:
            self._shared[name] = factory()
        value: T = self._shared[name]
        return value

    # --- lifecycle (the runtime's) ---
    async def sweep(self) -> None:
        """Close the listeners and endpoints no node took back (after a deploy started its nodes)."""
        for port, listener in list(self._tcp.items()):
            if listener.idle:
                del self._tcp[port]
                await listener.close()
        for port, endpoint in list(self._udp.items()):
            if not endpoint.users:
                del self._udp[port]
                endpoint.close()

    async def close(self) -> None:
        """Shutdown: close every listener, endpoint and client connection still open."""
        listeners, self._tcp = list(self._tcp.values()), {}
        for listener in listeners:
            await listener.close()
        endpoints, self._udp = list(self._udp.values()), {}
        for endpoint in endpoints:
            endpoint.close()
        for writer in list(self._clients):
            writer.transport.abort()
        self._shared.clear()

    def statistics(self) -> dict[str, int]:
        """Counters for introspection: listeners (held / idle), endpoints, client connections."""
        return {"tcp_listeners": len(self._tcp), "tcp_idle": sum(1 for x in self._tcp.values() if x.idle),
                "udp_endpoints": len(self._udp), "tcp_clients": len(self._clients)}

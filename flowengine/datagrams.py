"""A UDP endpoint shared by the nodes using one local port (see sockets.py for who owns it).

Datagrams go to every user's listener; errors the socket reports later (no route, say) go to every
user's error handler. Multicast groups joined on the socket are left when it closes.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any, cast

__all__ = ["UdpEndpoint"]

Listener = Callable[[bytes, tuple[Any, ...]], None]
ErrorHandler = Callable[[Exception], Any]


class UdpEndpoint(asyncio.DatagramProtocol):
    """One UDP socket and the nodes using it (by node id)."""

    def __init__(self, port: int, family: int) -> None:
        self.port = port
        self.family = family
        self.transport: asyncio.DatagramTransport | None = None
        self.users: set[str] = set()
        self.groups: list[bytes] = []
        """Multicast membership requests (``mreq``) joined on the socket, left when it closes."""
        self._listeners: dict[str, Listener] = {}
        self._error_handlers: dict[str, ErrorHandler] = {}

    # --- asyncio protocol ---
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # the selector loop's datagram transport does not subclass DatagramTransport in 3.11
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        for listener in list(self._listeners.values()):
            listener(data, addr)

    def error_received(self, exc: Exception) -> None:
        for handler in list(self._error_handlers.values()):
            handler(exc)

    # --- users ---
    def use(self, user: str, listener: Listener | None = None, on_error: ErrorHandler | None = None) -> None:
        """``user`` uses the socket: ``listener`` gets its datagrams, ``on_error`` its late errors."""
        self.users.add(user)
        if listener is not None:
            self._listeners[user] = listener
        if on_error is not None:
            self._error_handlers[user] = on_error

    def leave(self, user: str) -> None:
        self.users.discard(user)
        self._listeners.pop(user, None)
        self._error_handlers.pop(user, None)

    @property
    def sock(self) -> socket.socket | None:
        return self.transport.get_extra_info("socket") if self.transport is not None else None

    def leave_groups(self) -> None:
        """Leave every multicast group joined on the socket."""
        sock = self.sock
        groups, self.groups = self.groups, []
        if sock is None:
            return
        for mreq in groups:
            try:
                if self.family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_LEAVE_GROUP, mreq)
                else:
                    sock.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreq)
            except OSError:  # the socket is closing anyway; the kernel drops its memberships then
                continue

    def close(self) -> None:
        self.leave_groups()
        if self.transport is not None:
            self.transport.close()

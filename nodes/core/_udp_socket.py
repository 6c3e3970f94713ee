"""UDP sockets for the udp nodes: creation, multicast membership, and the runtime's port table.

Node-RED keeps a module-level ``udpInputPortsInUse``: a second udp in on the same port shares the
first one's socket, and a udp out whose local port (*outport*, else its destination port) is held
by a udp node sends from that socket. Here the table is a ``UdpPorts`` object, one per runtime in
``settings.extra["udp_ports"]``; a shared socket closes when the last node using it closes.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import ipaddress
import socket
import struct
from collections.abc import Callable
from typing import Any, cast

from flowengine.node import Node

__all__ = ["PORTS_KEY", "UdpEndpoint", "UdpPorts", "interface_address", "join_group", "open_socket", "ports"]

PORTS_KEY = "udp_ports"
MULTICAST_TTL = 128
SIOCGIFADDR = 0x8915  # Linux: the IPv4 address of an interface

Listener = Callable[[bytes, tuple[Any, ...]], None]


class UdpEndpoint(asyncio.DatagramProtocol):
    """One UDP socket and the nodes using it; datagrams go to every listener."""

    def __init__(self, port: int, family: int) -> None:
        self.port = port
        self.family = family
        self.transport: asyncio.DatagramTransport | None = None
        self.listeners: dict[str, Listener] = {}
        self.error_handlers: dict[str, Callable[[Exception], Any]] = {}
        self.users: set[str] = set()
        self.groups: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # the selector loop's datagram transport does not subclass DatagramTransport in 3.11
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        for listener in list(self.listeners.values()):
            listener(data, addr)

    def error_received(self, exc: Exception) -> None:
        for handler in list(self.error_handlers.values()):
            handler(exc)

    def release(self, node_id: str) -> bool:
        """``node_id`` stops using the socket; True (and the socket closed) when it was the last."""
        self.users.discard(node_id)
        self.listeners.pop(node_id, None)
        self.error_handlers.pop(node_id, None)
        if self.users:
            return False
        if self.transport is not None:
            sock = self.transport.get_extra_info("socket")
            for mreq in self.groups:
                _leave(sock, self.family, mreq)
            self.transport.close()
        return True


class UdpPorts:
    """The UDP sockets of one runtime's udp nodes, by local port."""

    def __init__(self) -> None:
        self._by_port: dict[int, UdpEndpoint] = {}

    def get(self, port: int) -> UdpEndpoint | None:
        return self._by_port.get(port) if port else None

    def add(self, endpoint: UdpEndpoint) -> None:
        if endpoint.port:
            self._by_port[endpoint.port] = endpoint

    def release(self, endpoint: UdpEndpoint, node_id: str) -> None:
        if endpoint.release(node_id) and self._by_port.get(endpoint.port) is endpoint:
            del self._by_port[endpoint.port]

    def __contains__(self, port: int) -> bool:
        return port in self._by_port


def ports(node: Node) -> UdpPorts:
    extra = node.host.settings.extra
    table = extra.get(PORTS_KEY)
    if not isinstance(table, UdpPorts):
        table = extra[PORTS_KEY] = UdpPorts()
    return table


def open_socket(family: int, bind: tuple[str, int] | None, broadcast: bool) -> socket.socket:
    """A non-blocking UDP socket with SO_REUSEADDR (Node-RED's ``reuseAddr``), bound when asked."""
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        if bind is not None:
            sock.bind(bind)
        if broadcast:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
            else:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


async def endpoint(sock: socket.socket, port: int) -> UdpEndpoint:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_datagram_endpoint(lambda: UdpEndpoint(port, sock.family), sock=sock)
    return protocol


def interface_address(iface: str, family: int) -> str | int | None:
    """The local interface for multicast: an address as given, else (by name) its IPv4 address or
    its IPv6 interface index; None when no interface has that name."""
    if "." in iface or ":" in iface:
        return iface
    try:
        if family == socket.AF_INET6:
            return socket.if_nametoindex(iface)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            packed = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, struct.pack("256s", iface.encode()[:15]))
        return socket.inet_ntoa(packed[20:24])
    except OSError:
        return None


def join_group(sock: socket.socket, group: str, iface: str | int | None) -> bytes:
    """Join multicast ``group`` on ``iface`` (TTL 128); returns the request to leave it later.
    An address that is not a multicast group raises ``OSError(EINVAL)``."""
    try:
        address = ipaddress.ip_address(group)
    except ValueError:
        raise OSError(errno.EINVAL, f"not an IP address: {group!r}") from None
    if sock.family == socket.AF_INET6:
        index = iface if isinstance(iface, int) else 0
        mreq = address.packed + struct.pack("@I", index)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, MULTICAST_TTL)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        return mreq
    if address.version != 4:
        raise OSError(errno.EINVAL, f"not an IPv4 group: {group!r}")
    try:
        local = socket.inet_aton(str(iface)) if isinstance(iface, str) else socket.inet_aton("0.0.0.0")
    except OSError:
        raise OSError(errno.ENODEV, f"not an interface address: {iface!r}") from None
    mreq = address.packed + local
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, MULTICAST_TTL)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    return mreq


def _leave(sock: Any, family: int, mreq: bytes) -> None:
    try:
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_LEAVE_GROUP, mreq)
        else:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, mreq)
    except OSError:  # the socket is closing anyway; the kernel drops its memberships then
        return

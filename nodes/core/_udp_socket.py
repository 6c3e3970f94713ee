"""UDP sockets for the udp nodes: creation, options and multicast membership.

The sockets themselves live in the runtime (``node.sockets()``, see flowengine/sockets.py and
datagrams.py): as Node-RED's module-level ``udpInputPortsInUse``, a second udp in on a port shares
the first one's socket, and a udp out whose local port (*outport*, else its destination port) is
held by a udp node sends from that socket. A socket no node uses any more is closed after the next
deploy has started (so a redeployed udp in keeps its port), or at shutdown.
"""

from __future__ import annotations

import errno
import fcntl
import ipaddress
import socket
import struct

__all__ = ["MULTICAST_TTL", "interface_address", "join_group", "open_socket", "set_broadcast"]

MULTICAST_TTL = 128
SIOCGIFADDR = 0x8915  # Linux: the IPv4 address of an interface


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
            set_broadcast(sock)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def set_broadcast(sock: socket.socket) -> None:
    """Allow broadcast and multicast sending, without hearing our own multicast (Node-RED's way)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    if sock.family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
    else:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)


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

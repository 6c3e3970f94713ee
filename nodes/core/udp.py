"""The ``udp in`` and ``udp out`` nodes.

``udp in`` listens on *port* (every interface like Node-RED, or ``socketListenHost``), optionally
joined to multicast *group* on interface *iface*, and sends each datagram as
``{payload, fromip: "ip:port", ip, port}`` with the payload a Buffer, UTF-8 string or Base64 string.

``udp out`` sends ``msg.payload`` to *addr*:*port* (or ``msg.ip``/``msg.port`` when those are
empty), as unicast, broadcast or multicast (*multicast* "false" / "board" / "multi"), from local
port *outport* (or a random one); *base64* decodes a Base64 string payload first. Its socket is
made when the first message arrives, by which time every udp in of the deploy is listening, so a
udp out whose local port a udp in holds sends from that node's socket (see _udp_socket.py).
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
from typing import Any

from flowengine.sockets import UdpEndpoint
from flowengine.types import Done, Msg, Send

from ._help import node_help
from ._tcp import NetworkNode, b64encode_text, payload_bytes, port_number
from ._udp_socket import interface_address, join_group, open_socket, set_broadcast

__all__ = ["NODES", "UdpIn", "UdpOut"]

MAX_DATAGRAM: dict[int, int] = {socket.AF_INET: 65507, socket.AF_INET6: 65527}


def _family(ipv: Any) -> int:
    return socket.AF_INET6 if ipv == "udp6" else socket.AF_INET


def _group_error(exc: OSError) -> str:
    """Node-RED's text for a failed multicast join."""
    if exc.errno == errno.EINVAL:
        return "Bad Multicast Address"
    if exc.errno == errno.ENODEV:
        return "Must be ip address of the required interface"
    return f"error: {errno.errorcode.get(exc.errno or 0, exc.errno)}"


class _UdpNode(NetworkNode):
    """What both udp nodes do: resolve the interface, hold a (maybe shared) endpoint."""

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.family = _family(config.get("ipv") or "udp4")
        self.multicast = str(config.get("multicast") or "false")
        self.iface_name = str(config.get("iface") or "")
        self.iface: str | int | None = None
        if self.iface_name:
            self.iface = interface_address(self.iface_name, self.family)
            if self.iface is None:
                self.warn(f"udp: interface {self.iface_name} not found")
        self.endpoint: UdpEndpoint | None = None

    def _show_iface(self) -> None:
        if self.iface_name and self.iface is not None:
            self.status({"text": f"{self.iface_name} : {self.iface}"})

    def _release(self) -> None:
        if self.endpoint is not None:
            self.sockets().release_udp(self.endpoint, self.id)
            self.endpoint = None


class UdpIn(_UdpNode):
    type = "udp in"
    label = "udp in"
    inputs = 0
    outputs = 1
    schema = {
        "type": "object",
        "properties": {
            "multicast": {"type": "string", "enum": ["false", "true"], "default": "false", "title": "Listen for",
                          "description": "udp messages (false) or multicast messages (true)."},
            "group": {"type": "string", "default": "", "title": "Group", "description": "The multicast group."},
            "port": {"type": ["string", "number"], "default": "", "title": "Port",
                     "description": "The port to listen on."},
            "ipv": {"type": "string", "enum": ["udp4", "udp6"], "default": "udp4", "title": "Using",
                    "description": "IPv4 (udp4) or IPv6 (udp6)."},
            "iface": {"type": "string", "default": "", "title": "Local interface",
                      "description": "(optional) interface name or address for multicast."},
            "datatype": {"type": "string", "enum": ["buffer", "utf8", "base64"], "default": "buffer",
                         "title": "Output", "description": "The payload as a Buffer, a UTF-8 string or Base64."},
        },
    }
    help = node_help("udp in")

    async def on_start(self) -> None:
        port = port_number(self.config.get("port"))
        if port is None:
            self.error(f"property 'port' must be a port number (0-65535), got {self.config.get('port')!r}")
            return
        sockets = self.sockets()
        shared = sockets.udp_endpoint(port)
        if shared is not None and shared.users:  # another udp node listens here: share its socket
            self.info(f"udp: port {port} already in use")
            self.endpoint = shared
            self._show_iface()
        else:
            try:
                self.endpoint = await self._listen(port, shared)
            except OSError as exc:
                self._socket_error(exc, port)
                return
        self.endpoint.use(self.id, listener=self._received)

    async def _listen(self, port: int, kept: UdpEndpoint | None) -> UdpEndpoint:
        """The socket on ``port``: the one the last deploy's node left (kept open for this one), or a
        new one; joined to the multicast group when asked."""
        multicast = self.multicast == "true"
        sock = kept.sock if kept is not None and kept.family == self.family else None
        if kept is not None and sock is not None:
            ep = kept
            ep.leave_groups()
            if multicast:
                set_broadcast(sock)
        else:
            any_host = "::" if self.family == socket.AF_INET6 else "0.0.0.0"
            sock = open_socket(self.family, (self.sockets().listen_host or any_host, port), multicast)
            ep = await self.sockets().bind_udp(sock, port)
        if multicast:
            try:
                ep.groups.append(join_group(sock, str(self.config.get("group") or ""), self.iface))
                self._show_iface()
                self.info(f"udp multicast group {self.config.get('group')}")
            except OSError as exc:
                self.error(_group_error(exc))
        self.info(f"udp listener at {self.iface or sock.getsockname()[0]}:{sock.getsockname()[1]}")
        return ep

    def _socket_error(self, exc: OSError, port: int) -> None:
        if exc.errno == errno.EACCES and port < 1024:
            self.error("UDP access error, you may need root access for ports below 1024")
        else:
            self.error(f"error: {errno.errorcode.get(exc.errno or 0, str(exc))}")

    def _received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        datatype = self.config.get("datatype")
        payload: bytes | str = data
        if datatype == "base64":
            payload = b64encode_text(data)
        elif datatype == "utf8":
            payload = data.decode("utf-8", errors="replace")
        ip, port = str(addr[0]), int(addr[1])
        self.send({"payload": payload, "fromip": f"{ip}:{port}", "ip": ip, "port": port})

    def on_close(self, removed: bool) -> None:
        self._release()
        self.info("udp listener stopped")
        self.status({})


class UdpOut(_UdpNode):
    type = "udp out"
    label = "udp out"
    inputs = 1
    outputs = 0
    schema = {
        "type": "object",
        "properties": {
            "multicast": {"type": "string", "enum": ["false", "board", "multi"], "default": "false",
                          "title": "Send a", "description": "udp message (false), broadcast message "
                          "(board) or multicast message (multi)."},
            "addr": {"type": "string", "default": "", "title": "Address",
                     "description": "Destination IP (or the multicast group); empty = msg.ip."},
            "port": {"type": ["string", "number"], "default": "", "title": "Port",
                     "description": "Destination port; empty = msg.port."},
            "ipv": {"type": "string", "enum": ["udp4", "udp6"], "default": "udp4", "title": "Using",
                    "description": "IPv4 (udp4) or IPv6 (udp6)."},
            "outport": {"type": ["string", "number"], "default": "", "title": "Local port",
                        "description": "Bind to this local port; empty = a random one."},
            "iface": {"type": "string", "default": "", "title": "Local interface",
                      "description": "(optional) interface name or address for multicast."},
            "base64": {"type": "boolean", "default": False, "title": "Decode Base64 encoded payload?",
                       "description": "A string payload holds Base64: send the bytes it encodes."},
        },
    }
    help = node_help("udp out")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.outport = port_number(config.get("outport")) or 0
        self.addr = str(config.get("addr") or "")
        self._ready = asyncio.Lock()

    async def _endpoint(self) -> UdpEndpoint:
        """The socket to send from: made (or borrowed) at the first message."""
        async with self._ready:
            if self.endpoint is not None:
                return self.endpoint
            local = self.outport or port_number(self.config.get("port")) or 0
            shared = self.sockets().udp_endpoint(local)
            if shared is not None and shared.users:
                self.info(f"udp re-use socket: {self.outport or ''} -> {self.addr}:{self.config.get('port')}")
                self._show_iface()
                if self.multicast != "false" and shared.sock is not None:
                    shared.sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
                ep = shared
            else:
                ep = await self._own_endpoint()
            ep.use(self.id, on_error=self._send_failed)
            self.endpoint = ep
            return ep

    def _send_failed(self, exc: Exception) -> None:
        """A datagram could not be sent (reported later by the socket, e.g. no route)."""
        self.error(f"udp : Error: {getattr(exc, 'strerror', None) or exc}")

    async def _own_endpoint(self) -> UdpEndpoint:
        any_host = "::" if self.family == socket.AF_INET6 else "0.0.0.0"
        bind = (any_host, self.outport) if self.multicast != "false" or self.outport else None
        sock = open_socket(self.family, bind, self.multicast != "false")
        groups: list[bytes] = []
        if self.multicast == "multi":
            try:
                groups.append(join_group(sock, self.addr, self.iface))
                self._show_iface()
            except OSError as exc:
                self.error(_group_error(exc))
        ep = await self.sockets().bind_udp(sock, self.outport)
        ep.groups.extend(groups)
        self.info(f"udp ready: {self.outport or ''} -> {self.addr}:{self.config.get('port')}")
        return ep

    async def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if "payload" not in msg:
            done()
            return
        addr = self.addr or msg.get("ip") or ""
        port_value = self.config.get("port") or msg.get("port") or 0
        port = port_number(port_value)
        if addr == "":
            self.warn("udp: ip address not set")
        elif port_value in (0, "0"):
            self.warn("udp: port not set")
        elif port is None or port < 1:
            self.warn("udp: port number not valid")
        else:
            await self._send(msg, str(addr), port)
        done()

    async def _send(self, msg: Msg, addr: str, port: int) -> None:
        data = payload_bytes(msg["payload"], bool(self.config.get("base64")))
        try:
            ep = await self._endpoint()
            target = await self._resolve(addr, port)
        except OSError as exc:
            self.error(f"udp : Error: {exc.strerror or exc}", msg)
            return
        if len(data) > MAX_DATAGRAM[self.family] or ep.transport is None:
            self.error(f"udp : Error: send EMSGSIZE {addr}:{port}", msg)
            return
        ep.transport.sendto(data, target)

    async def _resolve(self, addr: str, port: int) -> tuple[Any, ...]:
        try:
            ipaddress.ip_address(addr)
            return (addr, port)
        except ValueError:
            pass
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(addr, port, family=self.family,
                                                                 type=socket.SOCK_DGRAM)
        except socket.gaierror:
            raise OSError(errno.ENOENT, f"getaddrinfo ENOTFOUND {addr}") from None
        return infos[0][4]

    def on_close(self, removed: bool) -> None:
        self._release()
        self.info("udp output stopped")
        self.status({})


NODES = [UdpIn, UdpOut]

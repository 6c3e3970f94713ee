"""The runtime's sockets for nodes (flowengine/sockets.py): listeners lent to one node at a time and
kept across a redeploy, UDP endpoints shared and kept the same way, client connections and shared
tables, all closed at shutdown. Real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import errno
import socket

import pytest

from flowengine.sockets import NodeSockets


def _bound_udp(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def test_a_listener_is_lent_to_one_node_at_a_time() -> None:
    sockets = NodeSockets("127.0.0.1")
    try:
        listener = await sockets.listen_tcp(0, lambda r, w: w.close(), owner="a")
        assert listener.owner == "a" and [a[0] for a in listener.addresses()] == ["127.0.0.1"]
        with pytest.raises(OSError) as caught:
            await sockets.listen_tcp(listener.port, lambda r, w: w.close(), owner="b")
        assert caught.value.errno == errno.EADDRINUSE
        listener.release("b")  # not the holder: nothing happens
        assert listener.owner == "a"
    finally:
        await sockets.close()
    assert listener.addresses() == []


async def test_a_released_listener_keeps_its_port_and_hands_waiting_connections_to_the_next_node() -> None:
    sockets = NodeSockets("127.0.0.1")
    served: asyncio.Queue[bytes] = asyncio.Queue()

    def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def serve() -> None:
            served.put_nowait(await reader.readexactly(2))
            writer.close()
        asyncio.get_running_loop().create_task(serve())

    try:
        old = await sockets.listen_tcp(0, lambda r, w: w.close(), owner="old")
        old.release("old")  # a redeploy: the old node closed, the new one is not started yet
        _, writer = await asyncio.open_connection("127.0.0.1", old.port)
        writer.write(b"hi")
        new = await sockets.listen_tcp(old.port, accept, owner="new")
        assert new is old and new.owner == "new"
        assert await asyncio.wait_for(served.get(), 2) == b"hi"
        writer.close()
        await sockets.sweep()  # held: stays
        assert sockets.tcp_listener(old.port) is new
        new.release("new")
        await sockets.sweep()  # nobody took it back: closed
        assert sockets.tcp_listener(old.port) is None
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", old.port)
    finally:
        await sockets.close()


async def test_udp_endpoints_are_shared_and_kept_until_the_sweep() -> None:
    sockets = NodeSockets()
    got: list[bytes] = []
    try:
        sock = _bound_udp()
        port = sock.getsockname()[1]
        endpoint = await sockets.bind_udp(sock, port)
        endpoint.use("a", listener=lambda data, addr: got.append(data))
        endpoint.use("b")
        assert sockets.udp_endpoint(port) is endpoint
        sockets.release_udp(endpoint, "a")
        sockets.release_udp(endpoint, "b")
        assert sockets.udp_endpoint(port) is endpoint and endpoint.transport is not None
        assert not endpoint.transport.is_closing()
        await sockets.sweep()
        assert sockets.udp_endpoint(port) is None and endpoint.transport.is_closing()

        private = await sockets.bind_udp(_bound_udp(), 0)
        private.use("c")
        sockets.release_udp(private, "c")  # a private socket closes with its last user
        assert private.transport is not None and private.transport.is_closing()
    finally:
        await sockets.close()


async def test_close_ends_client_connections_and_forgets_shared_tables() -> None:
    sockets = NodeSockets("127.0.0.1")
    accepted: asyncio.Queue[asyncio.StreamWriter] = asyncio.Queue()
    server = await asyncio.start_server(lambda r, w: accepted.put_nowait(w), "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        reader, _ = await sockets.connect_tcp("127.0.0.1", port)
        table = sockets.shared("table", dict)
        assert sockets.shared("table", dict) is table
        assert sockets.statistics()["tcp_clients"] == 1
        await sockets.close()
        assert await asyncio.wait_for(reader.read(), 2) == b""
        assert sockets.shared("table", dict) is not table
        (await accepted.get()).close()
    finally:
        server.close()
        await server.wait_closed()

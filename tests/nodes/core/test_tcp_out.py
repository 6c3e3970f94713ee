"""tcp out in client and server mode, over real sockets on 127.0.0.1 (reply mode: test_tcp_in.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from ._sockets import TcpPeer, free_port, harness, read_until_closed, statuses, wait_status, wait_until

pytestmark = pytest.mark.integration


def tcp_out(port: int | str, **props: Any) -> dict[str, Any]:
    return {"id": "send", "type": "tcp out", "beserver": "client", "host": "127.0.0.1", "port": str(port),
            "base64": False, "end": False, "tls": "", **props, "wires": []}


async def test_client_writes_payloads_as_bytes(tmp_path: Path) -> None:
    async with TcpPeer() as peer, harness(tmp_path, [tcp_out(peer.port, base64=True)]) as h:
        reader, _ = await asyncio.wait_for(peer.accepted.get(), 2)
        await wait_status(h, "send", "connected")
        for payload in (b"\x00\x01", "aGk=", 42, {"a": 1}, None):  # null is not sent
            h.send_to("send", {"payload": payload})
        expected = b"\x00\x01hi42[object Object]"
        assert await asyncio.wait_for(reader.readexactly(len(expected)), 2) == expected
        assert [s["text"] for s in statuses(h, "send")[:2]] == ["connecting", "connected"]


async def test_client_drops_payloads_while_disconnected_and_reconnects(tmp_path: Path) -> None:
    peer = await TcpPeer().start()
    try:
        async with harness(tmp_path, [tcp_out(peer.port)]) as h:
            await asyncio.wait_for(peer.accepted.get(), 2)
            await peer.stop()
            await wait_status(h, "send", "disconnected")
            h.send_to("send", {"payload": "lost"})
            peer = await TcpPeer(peer.port).start()
            reader, _ = await asyncio.wait_for(peer.accepted.get(), 2)
            await wait_status(h, "send", "connected", after=3)
            h.send_to("send", {"payload": "kept"})
            assert await asyncio.wait_for(reader.readexactly(4), 2) == b"kept"
    finally:
        await peer.stop()


async def test_end_closes_after_each_message_and_reconnects_at_once(tmp_path: Path) -> None:
    async with TcpPeer() as peer, harness(tmp_path, [tcp_out(peer.port, end=True)], socketReconnectTime=60000) as h:
        for text in ("one", "two"):
            reader, _ = await asyncio.wait_for(peer.accepted.get(), 2)
            await wait_until(h, lambda: h.node("send").client is not None, "not connected")
            h.send_to("send", {"payload": text})
            assert await read_until_closed(reader) == text.encode()


async def test_server_mode_writes_to_every_client(tmp_path: Path) -> None:
    port = free_port()
    async with harness(tmp_path, [tcp_out(port, beserver="server", host="")]) as h:
        assert statuses(h, "send")[0]["text"] == "0 connections"
        r1, w1 = await asyncio.open_connection("127.0.0.1", port)
        r2, w2 = await asyncio.open_connection("127.0.0.1", port)
        await wait_status(h, "send", "2 connections")
        h.send_to("send", {"payload": "both"})
        assert await asyncio.wait_for(r1.readexactly(4), 2) == b"both"
        assert await asyncio.wait_for(r2.readexactly(4), 2) == b"both"
        w1.close()
        await wait_status(h, "send", "1 connection", after=3)
        w2.close()


async def test_server_mode_with_end_closes_each_client_after_sending(tmp_path: Path) -> None:
    port = free_port()
    async with harness(tmp_path, [tcp_out(port, beserver="server", host="", end=True)]) as h:
        reader, _ = await asyncio.open_connection("127.0.0.1", port)
        await wait_status(h, "send", "1 connection")
        h.send_to("send", {"payload": b"bye"})
        assert await read_until_closed(reader) == b"bye"
        await wait_status(h, "send", "0 connections", after=2)


async def test_a_bad_port_is_an_error_naming_the_property(tmp_path: Path) -> None:
    async with harness(tmp_path, [tcp_out("x")]) as h:
        assert any("property 'port' must be a port number" in text for _, _, text in h.logs)

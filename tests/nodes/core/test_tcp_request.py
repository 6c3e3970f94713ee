"""tcp request against real TCP servers on 127.0.0.1: every *out* mode, queueing, msg.host/port."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from flowengine.nodes.core.tcp_request import split_char

from ._sockets import TcpPeer, harness, read_until_closed, statuses, wait_until

pytestmark = pytest.mark.integration


def request(port: int | str, **props: Any) -> list[dict[str, Any]]:
    node = {"id": "req", "type": "tcp request", "server": "127.0.0.1", "port": str(port), "out": "time",
            "ret": "buffer", "splitc": "0", "newline": "", "trim": False, "tls": "", **props, "wires": [["out"]]}
    return [node, {"id": "out", "type": "test-sink"}]


async def test_count_returns_after_n_bytes_and_keeps_the_message(tmp_path: Path) -> None:
    async with TcpPeer(answer=b"abcdef", expect=3) as peer, \
            harness(tmp_path, request(peer.port, out="count", splitc="4")) as h:
        h.send_to("req", {"payload": b"REQ", "topic": "raw", "extra": {"k": [1]}})
        [msg] = await h.wait_for("out")
        assert peer.received == [b"REQ"]
        assert msg["payload"] == b"abcd" and msg["topic"] == "raw" and msg["extra"] == {"k": [1]}
        await wait_until(h, lambda: statuses(h, "req")[-1] == {}, f"status {statuses(h, 'req')}")
        assert statuses(h, "req")[-2] == {"fill": "green", "shape": "dot", "text": "1 connection"}
        assert h.node("req").links == {}  # closed once the answer was out


async def test_char_mode_ends_at_the_delimiter_and_returns_a_string(tmp_path: Path) -> None:
    async with TcpPeer(answer=[b"hel", b"lo\nworld"], expect=2) as peer, \
            harness(tmp_path, request(peer.port, out="char", splitc="\\n", ret="string")) as h:
        h.send_to("req", {"payload": "hi"})
        [msg] = await h.wait_for("out")
    assert msg["payload"] == "hello\n"


async def test_time_mode_collects_for_a_while_after_the_first_byte(tmp_path: Path) -> None:
    async with TcpPeer(answer=[b"part1", b"part2"], expect=1) as peer, \
            harness(tmp_path, request(peer.port, out="time", splitc="300")) as h:
        h.send_to("req", {"payload": 7})  # numbers are sent as text
        [msg] = await h.wait_for("out")
        assert peer.received == [b"7"] and msg["payload"] == b"part1part2"


async def test_immediate_mode_sends_and_closes_without_an_answer(tmp_path: Path) -> None:
    async with TcpPeer() as peer, harness(tmp_path, request(peer.port, out="immed")) as h:
        h.send_to("req", {"payload": "fire"})
        reader, writer = await asyncio.wait_for(peer.accepted.get(), 2)
        assert await read_until_closed(reader) == b"fire"
        writer.write(b"ignored")
        await h.drain()
        assert h.received("out") == [] and statuses(h, "req")[-1] == {}


async def test_sit_mode_stays_connected_splits_lines_and_resets(tmp_path: Path) -> None:
    async with TcpPeer() as peer, \
            harness(tmp_path, request(peer.port, out="sit", ret="string", newline="\\n", trim=True)) as h:
        h.send_to("req", {"payload": "a", "topic": "q1"})
        reader, writer = await asyncio.wait_for(peer.accepted.get(), 2)
        assert await asyncio.wait_for(reader.readexactly(1), 2) == b"a"
        writer.write(b"line1\nli")
        await h.wait_for("out", 1)
        h.send_to("req", {"payload": "b", "topic": "q2"})  # same connection
        assert await asyncio.wait_for(reader.readexactly(1), 2) == b"b"
        writer.write(b"ne2\n")
        msgs = await h.wait_for("out", 2)
        assert [(m["payload"], m["topic"]) for m in msgs] == [("line1\n", "q1"), ("line2\n", "q2")]
        h.send_to("req", {"reset": True})
        assert await read_until_closed(reader) == b""
        assert statuses(h, "req")[-1] == {"fill": "green", "shape": "ring", "text": "0 connections"}


async def test_messages_queue_while_connecting_and_go_out_in_order(tmp_path: Path) -> None:
    async with TcpPeer() as peer, harness(tmp_path, request(peer.port, out="sit")) as h:
        for i in range(3):
            h.send_to("req", {"payload": f"m{i};"})
        reader, _ = await asyncio.wait_for(peer.accepted.get(), 2)
        assert await asyncio.wait_for(reader.readexactly(9), 2) == b"m0;m1;m2;"
        assert peer.accepted.empty()  # one connection for all three


async def test_host_and_port_from_the_message(tmp_path: Path) -> None:
    async with TcpPeer(answer=b"ok", expect=1) as peer, \
            harness(tmp_path, request("", server="", out="count", splitc="2")) as h:
        h.send_to("req", {"payload": "x", "host": "127.0.0.1", "port": peer.port})
        [msg] = await h.wait_for("out")
        assert msg["payload"] == b"ok" and msg["host"] == "127.0.0.1"
        h.send_to("req", {"payload": "x"})
        await h.drain()
        assert any("Host and/or port not set" in text for _, _, text in h.logs)


async def test_connect_failure_is_a_catchable_error(tmp_path: Path) -> None:
    peer = await TcpPeer().start()
    port = peer.port
    await peer.stop()  # nothing listens there now
    flows = [*request(port, out="count", splitc="1"),
             {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["caught"]]},
             {"id": "caught", "type": "test-sink"}]
    async with harness(tmp_path, flows) as h:
        h.send_to("req", {"payload": "x", "topic": "t"})
        [msg] = await h.wait_for("caught")
        assert statuses(h, "req")[-1] == {"fill": "red", "shape": "ring", "text": "error"}
    assert msg["error"]["message"] == f"connect failed 127.0.0.1:{port}" and msg["topic"] == "t"


def test_split_character_forms() -> None:
    assert split_char("\\n") == 10 and split_char("\\0") == 0 and split_char("\\r") == 13
    assert split_char("0x0A") == 10 and split_char(";") == 59 and split_char("") is None


async def test_socket_timeout_closes_an_idle_connection_and_connects_again(tmp_path: Path) -> None:
    # Node-RED: socket.setTimeout(settings.socketTimeout); on 'timeout' the status says so and it connects again
    async with TcpPeer() as peer, harness(tmp_path, request(peer.port, out="sit"), socketTimeout=100) as h:
        h.send_to("req", {"payload": b"one"})
        first, _ = await asyncio.wait_for(peer.accepted.get(), 2)
        assert await first.readexactly(3) == b"one"
        assert await read_until_closed(first) == b""  # idle for 100 ms: closed by the node
        await wait_until(h, lambda: {"fill": "grey", "shape": "dot", "text": "connect timeout"} in statuses(h, "req"),
                         f"no timeout status: {statuses(h, 'req')}")
        second, _ = await asyncio.wait_for(peer.accepted.get(), 2)  # and opened again
        h.send_to("req", {"payload": b"two"})
        assert await second.readexactly(3) == b"two"
        assert {"fill": "green", "shape": "dot", "text": "connected"} in statuses(h, "req")


async def test_socket_timeout_also_bounds_connecting(tmp_path: Path) -> None:
    # a TLS handshake the server never answers: after socketTimeout the node shows it and tries again
    flows = [*request("0", out="sit", tls="tls"), {"id": "tls", "type": "tls-config", "verifyservercert": False}]
    async with TcpPeer() as peer:
        flows[0]["port"] = str(peer.port)
        async with harness(tmp_path, flows, socketTimeout=100) as h:
            h.send_to("req", {"payload": b"one"})
            await asyncio.wait_for(peer.accepted.get(), 2)
            await asyncio.wait_for(peer.accepted.get(), 2)  # connected again after the timeout
            assert {"fill": "grey", "shape": "dot", "text": "connect timeout"} in statuses(h, "req")
            assert not any("connect failed" in text for _, _, text in h.logs)

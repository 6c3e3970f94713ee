"""tcp in (server and client mode) and tcp out in reply mode, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest
from flowengine.nodes.core._tcp import payload_bytes, port_number, unescape

from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.sockets import NodeSockets

from ._sockets import TcpPeer, free_port, harness, logged, read_until_closed, statuses, wait_status, wait_until

pytestmark = pytest.mark.integration


def tcp_in(port: int, **props: Any) -> dict[str, Any]:
    return {"id": "in", "type": "tcp in", "server": "server", "host": "", "port": str(port), "datamode": "stream",
            "datatype": "buffer", "newline": "", "topic": "", "trim": False, "base64": False, "tls": "",
            **props, "wires": [["out"]]}


SINK = {"id": "out", "type": "test-sink"}


async def test_server_streams_chunks_with_peer_address_and_session(tmp_path: Path) -> None:
    port = free_port()
    async with harness(tmp_path, [tcp_in(port, topic="t"), SINK]) as h:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        await wait_status(h, "in", "1 connection")
        writer.write(b"\x00abc")
        [msg] = await h.wait_for("out")
        assert msg["payload"] == b"\x00abc" and msg["topic"] == "t"
        assert msg["ip"] == "127.0.0.1" and msg["port"] == writer.get_extra_info("sockname")[1]
        assert msg["_session"]["type"] == "tcp" and len(msg["_session"]["id"]) == 16
        writer.close()
        await wait_status(h, "in", "0 connections")
        first = statuses(h, "in")[0]
        assert first["text"] == "1 connection"
        assert h.node("in").connections == {}


async def test_server_splits_text_on_the_delimiter(tmp_path: Path) -> None:
    port = free_port()
    async with harness(tmp_path, [tcp_in(port, datatype="utf8", newline="\\n"), SINK]) as h:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"one\ntw")
        await h.wait_for("out", 1)
        writer.write("o\nthré\xe9".encode()[:-1])  # a character cut in two reads
        await h.wait_for("out", 2)
        writer.write("é".encode()[1:])
        writer.close()
        msgs = await h.wait_for("out", 3)
    assert [m["payload"] for m in msgs] == ["one", "two", "thréé"]


async def test_trim_reattaches_the_delimiter(tmp_path: Path) -> None:
    port = free_port()
    async with harness(tmp_path, [tcp_in(port, datatype="utf8", newline="\\r\\n", trim=True), SINK]) as h:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"a\r\nb\r\nrest")
        writer.close()
        msgs = await h.wait_for("out", 3)
    assert [m["payload"] for m in msgs] == ["a\r\n", "b\r\n", "rest"]


@pytest.mark.parametrize(("datatype", "expected"), [("buffer", b"part1part2"), ("utf8", "part1part2"),
                                                     ("base64", base64.b64encode(b"part1part2").decode())])
async def test_single_mode_sends_everything_when_the_connection_ends(tmp_path: Path, datatype: str,
                                                                     expected: Any) -> None:
    port = free_port()
    async with harness(tmp_path, [tcp_in(port, datamode="single", datatype=datatype), SINK]) as h:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"part1")
        await writer.drain()
        writer.write(b"part2")
        await asyncio.sleep(0)
        assert h.received("out") == []
        writer.close()
        [msg] = await h.wait_for("out")
    assert msg["payload"] == expected and msg["ip"] == "127.0.0.1"


async def test_stream_base64_sends_each_chunk_encoded(tmp_path: Path) -> None:
    port = free_port()
    async with harness(tmp_path, [tcp_in(port, datatype="base64"), SINK]) as h:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"\xff\x00hi")
        [msg] = await h.wait_for("out")
        writer.close()
    assert msg["payload"] == "/wBoaQ=="


async def test_reply_mode_answers_the_session_and_reset_closes_it(tmp_path: Path) -> None:
    port = free_port()
    flows = [tcp_in(port, datatype="utf8", newline="\\n"),
             {"id": "echo", "type": "tcp out", "beserver": "reply", "host": "", "port": "", "base64": False,
              "end": False, "wires": []},
             {**SINK, "id": "out"}]
    flows[0]["wires"] = [["echo", "out"]]
    async with harness(tmp_path, flows) as h:
        r1, w1 = await asyncio.open_connection("127.0.0.1", port)
        r2, w2 = await asyncio.open_connection("127.0.0.1", port)
        w1.write(b"from one\n")
        assert await asyncio.wait_for(r1.readexactly(8), 2) == b"from one"
        w2.write(b"from two\n")
        assert await asyncio.wait_for(r2.readexactly(8), 2) == b"from two"
        # no session: every open tcp in connection gets it; then msg.reset closes one session
        h.send_to("echo", {"payload": "all"})
        assert await asyncio.wait_for(r1.readexactly(3), 2) == b"all"
        assert await asyncio.wait_for(r2.readexactly(3), 2) == b"all"
        session = h.received("out")[0]["_session"]
        h.send_to("echo", {"payload": "x", "reset": True, "_session": session})
        assert await read_until_closed(r1) == b""
        await wait_status(h, "in", "1 connection", after=2)
        w2.close()


async def test_client_mode_receives_reconnects_and_survives_a_peer_restart(tmp_path: Path) -> None:
    peer = await TcpPeer().start()
    node = tcp_in(peer.port, server="client", host="127.0.0.1", datatype="utf8")
    try:
        async with harness(tmp_path, [node, SINK]) as h:
            _, writer = await asyncio.wait_for(peer.accepted.get(), 2)
            await wait_status(h, "in", "connected")
            connected = [d for d in statuses(h, "in") if d.get("text") == "connected"]
            writer.write(b"hello")
            [msg] = await h.wait_for("out")
            assert msg["payload"] == "hello" and "ip" not in msg and msg["_session"]["type"] == "tcp"
            assert connected[0]["fill"] == "green"
            await peer.stop()  # the peer goes away ...
            lost = f"connection lost to 127.0.0.1:{peer.port}"
            # ... the node retries (every socketReconnectTime) and fails while it is away ...
            await wait_until(h, lambda: logged(h, "in", lost) >= 2, "two failed reconnects")
            peer = await TcpPeer(peer.port).start()  # ... and comes back on the same port
            _, writer = await asyncio.wait_for(peer.accepted.get(), 2)
            writer.write(b"again")
            msgs = await h.wait_for("out", 2)
            assert msgs[1]["payload"] == "again" and msgs[1]["_session"] != msg["_session"]
    finally:
        await peer.stop()


async def test_client_single_mode_reconnects_at_once_after_data(tmp_path: Path) -> None:
    # a server that answers and closes, like a time service: Node-RED asks again after 20 ms
    async with TcpPeer(answer=b"tick") as peer:
        flows = [tcp_in(peer.port, server="client", host="127.0.0.1", datamode="single"), SINK]
        async with harness(tmp_path, flows, socketReconnectTime=60000) as h:
            for _ in range(2):
                _, writer = await asyncio.wait_for(peer.accepted.get(), 2)
                writer.close()
            msgs = await h.wait_for("out", 2)
    assert [m["payload"] for m in msgs[:2]] == [b"tick", b"tick"]


async def test_listen_failure_is_reported_with_node_reds_text(tmp_path: Path) -> None:
    async with TcpPeer() as peer, harness(tmp_path, [tcp_in(peer.port), SINK]) as h:
        assert any(f"unable to listen on port {peer.port}, error: Error: listen EADDRINUSE: address already in "
                   f"use 127.0.0.1:{peer.port}" in text for _, _, text in h.logs)


async def test_redeploy_closes_the_server_and_its_connections(tmp_path: Path) -> None:
    port = free_port()
    async with harness(tmp_path, [tcp_in(port), SINK]) as h:
        reader, _ = await asyncio.open_connection("127.0.0.1", port)
        await wait_status(h, "in", "1 connection")
        listener = h.runtime.sockets.tcp_listener(port)
        assert listener is not None and listener.owner == "in"
        assert [a[0] for a in listener.addresses()] == ["127.0.0.1"]  # socketListenHost
        await h.deploy([SINK])
        assert await read_until_closed(reader) == b""
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", port)


def test_listen_host_defaults_to_every_interface(tmp_path: Path) -> None:
    settings = Settings.load(user_dir=tmp_path)
    assert NodeSockets.from_settings(settings).listen_host is None  # Node-RED listens on every interface
    settings.socketListenHost = "127.0.0.1"
    assert NodeSockets.from_settings(settings).listen_host == "127.0.0.1"
    settings.socketListenHost = ""
    assert NodeSockets.from_settings(settings).listen_host is None


def test_payload_and_property_conversions() -> None:
    assert payload_bytes(b"\x01", True) == b"\x01"
    assert payload_bytes("aGk", True) == b"hi"  # missing padding, as Node.js accepts
    assert payload_bytes("a-_w", True) == base64.b64decode("a+/w")
    assert payload_bytes(12.0, False) == b"12" and payload_bytes({"a": 1}, False) == b"[object Object]"
    assert port_number("") == 0 and port_number("80") == 80 and port_number("x") is None
    assert port_number(70000) is None
    assert unescape("\\r\\n|\\t") == "\r\n|\t" and unescape("\\n\\n", every=False) == "\n\\n"


def test_every_property_is_described_for_the_editor() -> None:
    registry = Registry.default()
    for name in ("tcp in", "tcp out", "tcp request", "udp in", "udp out"):
        cls = registry.get(name)
        assert cls is not None and cls.category == "network" and cls.color == "Silver" and cls.help
        for prop, spec in cls.schema["properties"].items():
            assert spec.get("title") and spec.get("description"), f"{name}.{prop}"
            assert "default" in spec, f"{name}.{prop}"


async def test_a_redeployed_server_keeps_its_port_for_the_new_node(tmp_path: Path) -> None:
    port = free_port()
    async with harness(tmp_path, [tcp_in(port, topic="old"), SINK]) as h:
        listener = h.runtime.sockets.tcp_listener(port)
        await h.deploy([tcp_in(port, topic="new"), SINK])
        assert h.runtime.sockets.tcp_listener(port) is listener  # the same socket, never closed
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"x")
        [msg] = await h.wait_for("out", 1)
        writer.close()
    assert msg["topic"] == "new" and msg["payload"] == b"x"


async def test_two_servers_on_one_port_fail_as_in_node_red(tmp_path: Path) -> None:
    port = free_port()
    second = {**tcp_out_server(port), "id": "second"}
    async with harness(tmp_path, [tcp_in(port), second, SINK]) as h:
        await wait_until(h, lambda: any(nid in ("in", "second") and "EADDRINUSE" in t for _, nid, t in h.logs),
                         "no EADDRINUSE")
    assert any(f"unable to listen on port {port}, error: Error: listen EADDRINUSE: address already in use "
               f"127.0.0.1:{port}" == t for _, _, t in h.logs)


def tcp_out_server(port: int) -> dict[str, Any]:
    return {"id": "srv", "type": "tcp out", "beserver": "server", "host": "", "port": str(port), "base64": False,
            "end": False, "tls": "", "wires": []}


async def test_shutdown_closes_the_runtimes_listeners(tmp_path: Path) -> None:
    port = free_port()
    async with harness(tmp_path, [tcp_in(port), SINK]) as h:
        sockets = h.runtime.sockets
        assert sockets.statistics()["tcp_listeners"] == 1
    assert sockets.statistics()["tcp_listeners"] == 0
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)

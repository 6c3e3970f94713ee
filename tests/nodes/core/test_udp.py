"""udp in and udp out over real UDP sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import socket
from pathlib import Path
from typing import Any

import pytest

from ._sockets import free_port, harness, logged, wait_until

pytestmark = pytest.mark.integration


def udp_in(port: int, **props: Any) -> dict[str, Any]:
    return {"id": "in", "type": "udp in", "iface": "", "port": str(port), "ipv": "udp4", "multicast": "false",
            "group": "", "datatype": "buffer", **props, "wires": [["got"]]}


def udp_out(port: int | str, **props: Any) -> dict[str, Any]:
    return {"id": "send", "type": "udp out", "addr": "127.0.0.1", "iface": "", "port": str(port), "ipv": "udp4",
            "outport": "", "base64": False, "multicast": "false", **props, "wires": []}


SINK = {"id": "got", "type": "test-sink"}


async def test_udp_out_to_udp_in_round_trip(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    async with harness(tmp_path, [udp_in(port, datatype="utf8"), udp_out(port), SINK]) as h:
        h.send_to("send", {"payload": "héllo"})
        h.send_to("send", {"payload": 42})
        msgs = await h.wait_for("got", 2)
    assert [m["payload"] for m in msgs] == ["héllo", "42"]
    # as in Node-RED, a udp out without a local port sends from the udp in socket of its port
    assert msgs[0]["ip"] == "127.0.0.1" and msgs[0]["port"] == port
    assert msgs[0]["fromip"] == f"127.0.0.1:{port}"


async def test_base64_both_ways_and_the_local_port(tmp_path: Path) -> None:
    port, outport = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
    flows = [udp_in(port, datatype="base64"), udp_out(port, base64=True, outport=str(outport)), SINK]
    async with harness(tmp_path, flows) as h:
        h.send_to("send", {"payload": base64.b64encode(b"\x00\xffbin").decode()})
        [msg] = await h.wait_for("got")
    assert base64.b64decode(msg["payload"]) == b"\x00\xffbin" and msg["port"] == outport


async def test_udp_in_gives_bytes_and_the_sender(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    async with harness(tmp_path, [udp_in(port), SINK]) as h:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.bind(("127.0.0.1", 0))
            sender.sendto(b"\x01\x02", ("127.0.0.1", port))
            [msg] = await h.wait_for("got")
            assert msg == {"payload": b"\x01\x02", "fromip": f"127.0.0.1:{sender.getsockname()[1]}",
                           "ip": "127.0.0.1", "port": sender.getsockname()[1], "_msgid": msg["_msgid"]}


async def test_udp_out_uses_msg_ip_and_port_and_warns_when_missing(tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.setblocking(False)
        async with harness(tmp_path, [udp_out("", addr="")]) as h:
            h.send_to("send", {"payload": b"to-msg", "ip": "127.0.0.1", "port": receiver.getsockname()[1]})
            assert await asyncio.wait_for(loop.sock_recv(receiver, 100), 2) == b"to-msg"
            h.send_to("send", {"payload": "x", "port": 9})
            h.send_to("send", {"payload": "x", "ip": "127.0.0.1"})
            h.send_to("send", {"payload": "x", "ip": "127.0.0.1", "port": 70000})
            texts = ["udp: ip address not set", "udp: port not set", "udp: port number not valid"]
            await wait_until(h, lambda: all(logged(h, "send", t) == 1 for t in texts), "three warnings")


async def test_two_udp_in_nodes_share_a_port_and_close_it_together(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    second = {**udp_in(port), "id": "in2"}
    async with harness(tmp_path, [udp_in(port), second, SINK, udp_out(port, outport=str(free_port(
            socket.SOCK_DGRAM)))]) as h:
        h.send_to("send", {"payload": "both"})
        msgs = await h.wait_for("got", 2)
        assert [m["payload"] for m in msgs] == [b"both", b"both"]
        assert any(text == f"udp: port {port} already in use" for _, _, text in h.logs)
        await h.deploy([SINK])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", port))  # released: no SO_REUSEADDR needed to take it


async def test_a_redeployed_udp_in_keeps_its_socket(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    async with harness(tmp_path, [udp_in(port), SINK]) as h:
        endpoint = h.runtime.sockets.udp_endpoint(port)
        await h.deploy([udp_in(port, datatype="utf8"), SINK])
        assert h.runtime.sockets.udp_endpoint(port) is endpoint and endpoint is not None
        assert endpoint.users == {"in"}
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"new", ("127.0.0.1", port))
            [msg] = await h.wait_for("got")
    assert msg["payload"] == "new"  # the new node's settings
    assert not any("already in use" in text for _, _, text in h.logs)


async def test_bind_failure_uses_node_reds_text(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", 0))
        async with harness(tmp_path, [udp_in(holder.getsockname()[1]), SINK]) as h:
            assert any(text == "error: EADDRINUSE" for _, _, text in h.logs)


async def test_multicast_group_must_be_a_multicast_address(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    async with harness(tmp_path, [udp_in(port, multicast="true", group="127.0.0.1"), SINK]) as h:
        assert any(text == "Bad Multicast Address" for _, _, text in h.logs)


async def test_ipv6_round_trip(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    flows = [udp_in(port, ipv="udp6", datatype="utf8"), udp_out(port, ipv="udp6", addr="::1"), SINK]
    async with harness(tmp_path, flows, socketListenHost="::1") as h:
        h.send_to("send", {"payload": "v6"})
        [msg] = await h.wait_for("got")
    assert msg["payload"] == "v6" and msg["ip"] == "::1" and msg["fromip"] == f"::1:{port}"

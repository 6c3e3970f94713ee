"""Memory stays bounded in a real ``flowengine serve`` (issue 18, fault 3), RSS read from
/proc/PID/status: a debug node showing 5 MB objects to a comms client that never reads."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from .helpers import tab
from .served import SETTINGS, Served, function_node, served

pytestmark = pytest.mark.integration

UPGRADE = ("GET /comms HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def rss_mib(server: Served) -> float:
    """The server's resident memory now (VmRSS), in MiB."""
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def inject(node_id: str, wires: list[str], repeat: str = "") -> dict[str, Any]:
    return {"id": node_id, "type": "inject", "z": "t1", "props": [{"p": "payload"}], "payload": "",
            "payloadType": "date", "repeat": repeat, "crontab": "", "once": bool(repeat), "onceDelay": 0.1,
            "topic": "", "x": 1, "y": 1, "wires": [wires]}


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read RSS")
def test_debug_of_big_objects_to_a_client_that_never_reads(tmp_path: Path) -> None:
    big = "msg['payload'] = {f'k{i}': 'x' * 500 for i in range(10_000)}\nreturn msg"  # 5 MB
    debug = {"id": "d", "type": "debug", "z": "t1", "active": True, "tosidebar": True, "console": False,
             "tostatus": False, "complete": "payload", "targetType": "msg", "x": 1, "y": 1, "wires": []}
    flows = [tab(), inject("i", ["big"], repeat="0.05"), function_node("big", big, wires=[["d"]]), debug]
    with served(tmp_path, flows, SETTINGS) as server:
        raw = socket.create_connection(("127.0.0.1", server.port))
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.sendall(UPGRADE.format(port=server.port).encode())
        assert b" 101 " in raw.recv(1024)
        start = rss_mib(server)
        peak = start
        end = time.monotonic() + 6  # about 120 objects of 5 MB: 600 MB if each were sent whole
        while time.monotonic() < end:
            peak = max(peak, rss_mib(server))
            time.sleep(0.1)
        raw.close()
    print(f"RSS {start:.0f} -> peak {peak:.0f} MiB")
    assert peak - start < 150, (start, peak)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read RSS")
def test_a_loop_where_each_node_feeds_two_others_levels_off(tmp_path: Path) -> None:
    # the loop, started by one inject: 2.7 GB in 55 s before; bounded by maxMessagesInFlight now
    def change(node_id: str, wires: list[str]) -> dict[str, Any]:
        return {"id": node_id, "type": "change", "z": "t1", "rules": [], "x": 1, "y": 1, "wires": [wires]}

    flows = [tab(), inject("i", ["a"]), change("a", ["b", "c"]), change("b", ["a", "c"]), change("c", ["a", "b"])]
    with served(tmp_path, flows, "maxMessagesInFlight = 50000\n" + SETTINGS) as server:
        start = rss_mib(server)
        assert httpx.post(f"{server.base}/inject/i").status_code == 200
        peak = start
        end = time.monotonic() + 8
        while time.monotonic() < end:
            peak = max(peak, rss_mib(server))
            time.sleep(0.1)
        answered = httpx.get(f"{server.base}/flows/state", timeout=10).status_code
        out = server.output()
    print(f"RSS {start:.0f} -> peak {peak:.0f} MiB")
    assert answered == 200
    assert peak - start < 120, (start, peak)  # main grows by 220 MiB in these 8 s, and on
    assert "messages are in flight (maxMessagesInFlight)" in out, out[-2000:]

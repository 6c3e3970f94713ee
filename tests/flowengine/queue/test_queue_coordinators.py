"""Two coordinator processes on one Redis: only the trigger lease's holder fires an inject; when it
is SIGKILLed, the other takes over within about a lease and no tick fires on both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from queue_flows import SECRET, until
from redis_server import RedisServer
from serve_process import free_port

from flowengine.queue.keys import Keys

pytestmark = pytest.mark.integration

KEYS = Keys()
ROOT = Path(__file__).resolve().parents[3]
LEASE = 1.0


def coordinator(name: str, url: str, tmp_path: Path, started: list[subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "settings.toml").write_text(f'credentialSecret = "{SECRET}"\n[queue]\nboundary = ["function"]\n'
                                          f"lease = {LEASE}\ntrim_every = 3600\n")  # the test reads history
    (folder / "flows.json").write_text(json.dumps([
        {"id": "t", "type": "tab", "label": "ticks"},
        {"id": "tick", "type": "inject", "z": "t", "repeat": "0.2", "once": True, "onceDelay": 0,
         "props": [{"p": "payload"}], "payload": "COORD", "payloadType": "env", "wires": [["work"]]},
        {"id": "work", "type": "function", "z": "t", "language": "python", "func": "return msg", "outputs": 1,
         "wires": [[]]},
    ]))
    with (folder / "log.txt").open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flowengine", "serve", str(folder / "flows.json"), "--port", str(free_port()),
             "--queue", url, "--user-dir", str(folder), "--settings", str(folder / "settings.toml")],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "COORD": name})
    started.append(proc)
    return proc


async def ticks(redis: Any) -> list[tuple[str, int]]:
    """(coordinator, enqueue ms) of every tick in the stream, oldest first."""
    out = []
    for _id, fields in await redis.xrange(KEYS.work):
        out.append((json.loads(fields[b"msg"])["payload"], int(fields[b"t"])))
    return out


async def test_killed_lease_holder_is_replaced_without_double_ticks(
        tmp_path: Path, redis_server: RedisServer, redis: Any, processes: list[subprocess.Popen[bytes]]) -> None:
    first = coordinator("a", redis_server.url, tmp_path, processes)

    async def first_ticks() -> bool:
        return len(await ticks(redis)) >= 3

    await until(first_ticks, timeout=30, what="ticks from the first coordinator")
    coordinator("b", redis_server.url, tmp_path, processes)

    async def second_up() -> bool:  # the follower's flows run (its inject ticks, gated)
        return "Server now running" in (tmp_path / "b" / "log.txt").read_text()

    await until(second_up, timeout=30, what="the second coordinator")
    assert {who for who, _ in await ticks(redis)} == {"a"}
    first.kill()
    killed_ms = int(time.time() * 1000)
    first.wait(5)

    async def successor_ticks() -> bool:
        return sum(1 for who, _ in await ticks(redis) if who == "b") >= 3

    await until(successor_ticks, timeout=20, what="ticks from the successor")
    order = [who for who, _ in await ticks(redis)]
    switch = order.index("b")
    assert set(order[:switch]) == {"a"} and set(order[switch:]) == {"b"}  # never both
    first_b = next(ms for who, ms in await ticks(redis) if who == "b")
    assert first_b - killed_ms < (LEASE + 1.5) * 1000  # within about a lease (+ a renewal period)

"""Throughput of an ``openai-create-embedding`` node against a plain httpx loop, same mock, same concurrency.

    python bench/openai_embeddings.py [--requests 2000] [--concurrency 16] [--base-url URL] [--rounds 2]

Without ``--base-url`` the steady mock is started on a free port with the shared script
(``/work/shared/openai/mock/steady.sh``, npm needed) and stopped at the end. Both sides send
``POST /embeddings {"model", "input"}`` with ``concurrency`` requests in flight: the node through a
running flow (inject-free: messages delivered to its input, outputs counted at a sink), the
baseline with ``concurrency`` workers sharing one ``httpx.AsyncClient``. Prints both rates and
the ratio (goal: node >= 0.9x the plain loop).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.testing import FlowHarness
from flowengine.types import Done, Msg, Send

STEADY = Path(os.environ.get("FLOWENGINE_SHARED", "/work/shared")) / "openai/mock/steady.sh"
SPEC = STEADY.parents[1] / "spec/openapi-current.json"
BODY = {"model": "text-embedding-3-small", "input": "The quick brown fox"}


async def plain_loop(base_url: str, total: int, concurrency: int) -> tuple[float, float]:
    """``(requests/s, client CPU µs per request)``."""
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base_url.rstrip("/") + "/", limits=limits, timeout=60) as client:
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                r = await client.post("embeddings", json=BODY, headers={"Authorization": "Bearer sk-bench"})
                r.raise_for_status()
                r.json()

        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return total / (time.perf_counter() - start), (time.process_time() - cpu) / total * 1e6


class CountingSink(Node):
    """Counts 200 responses and resolves ``finished`` at the expected count (no per-message bookkeeping)."""

    type = "bench-counting-sink"
    outputs = 0
    expected = 0
    finished: asyncio.Future[tuple[float, float]] | None = None
    ok = 0

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        cls = type(self)
        if msg["openai"]["status"] == 200:
            cls.ok += 1
        if cls.ok == cls.expected and cls.finished is not None and not cls.finished.done():
            cls.finished.set_result((time.perf_counter(), time.process_time()))
        done()


async def through_node(base_url: str, total: int, concurrency: int) -> tuple[float, float]:
    """``(requests/s, client CPU µs per request)`` through a running flow."""
    flows = [
        {"id": "cfg", "type": "openai-config", "base_url": base_url, "max_retries": 0,
         "max_concurrency": concurrency, "credentials": {"api_key": "sk-bench"}},
        {"id": "emb", "type": "openai-create-embedding", "config": "cfg", "model": BODY["model"],
         "wires": [["sink"]]},
        {"id": "sink", "type": CountingSink.type},
    ]
    registry = Registry.default()
    registry.add(CountingSink)
    CountingSink.expected, CountingSink.ok = total, 0
    CountingSink.finished = asyncio.get_running_loop().create_future()
    with tempfile.TemporaryDirectory() as tmp:
        async with FlowHarness(flows, registry=registry, settings=Settings(user_dir=Path(tmp))) as h:
            start, cpu = time.perf_counter(), time.process_time()
            for i in range(total):
                h.send_to("emb", {"payload": BODY["input"], "n": i})
            end, cpu_end = await asyncio.wait_for(CountingSink.finished, 300)
            if [entry for entry in h.logs if entry[0] >= 40]:
                raise SystemExit(f"errors during the node run: {h.logs[-3:]}")
            return total / (end - start), (cpu_end - cpu) / total * 1e6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def steady(cmd: str, mock_dir: Path, port: int = 0) -> None:
    env = dict(os.environ, MOCK_DIR=str(mock_dir))
    args = ["bash", str(STEADY), cmd] + ([str(SPEC), str(port)] if cmd == "start" else [])
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180, check=False)
    if cmd == "start" and done.returncode != 0:
        raise SystemExit(f"steady did not start: {done.stderr.strip()[-400:]}")


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--base-url")
    args = ap.parse_args()
    # a folder of this run's own: the script stops whatever its folder's PID file names (another
    # run's mock, were the folder shared); the npm install the tests share is linked when present
    mock_dir = Path(tempfile.mkdtemp(prefix="flowengine-steady-bench-"))
    installed = Path(tempfile.gettempdir()) / "openai-mock" / "steady" / "node_modules"
    if installed.is_dir():
        (mock_dir / "node_modules").symlink_to(installed, target_is_directory=True)
    base_url = args.base_url
    if base_url is None:
        port = free_port()
        steady("start", mock_dir, port)
        base_url = f"http://127.0.0.1:{port}"
    try:
        await plain_loop(base_url, 200, args.concurrency)  # warm-up (connections, mock caches)
        node_rates, plain_rates = [], []
        for i in range(max(1, args.rounds)):  # alternate the order: the mock and the machine drift
            if i % 2:
                node_rates.append(await through_node(base_url, args.requests, args.concurrency))
            plain_rates.append(await plain_loop(base_url, args.requests, args.concurrency))
            if not i % 2:
                node_rates.append(await through_node(base_url, args.requests, args.concurrency))
        plain, node = max(r for r, _ in plain_rates), max(r for r, _ in node_rates)
        plain_cpu, node_cpu = min(c for _, c in plain_rates), min(c for _, c in node_rates)
        print(f"plain httpx loop : {plain:8.1f} req/s  {plain_cpu:7.0f} µs CPU/request  "
              f"({args.requests} requests, concurrency {args.concurrency})")
        print(f"openai node      : {node:8.1f} req/s  {node_cpu:7.0f} µs CPU/request")
        print(f"ratio node/plain : {node / plain:8.2f}x  (goal >= 0.90x; best of {len(node_rates)} rounds each)")
        print("rounds plain     :", " ".join(f"{r:.0f}" for r, _ in plain_rates))
        print("rounds node      :", " ".join(f"{r:.0f}" for r, _ in node_rates))
    finally:
        if args.base_url is None:
            steady("stop", mock_dir)
        shutil.rmtree(mock_dir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())

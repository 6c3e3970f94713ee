"""Queue mode's acceptance test (issue 14): a coordinator and three worker processes on a real
Redis; 300 messages (started by a POST to an http in node) through an OpenAI node (a boundary by
default) to a local fake OpenAI server (20 ms a completion), then to a collector (a ``file`` node
appending each answer); one worker is SIGKILLed while it holds entries. Every message must arrive
exactly once behind the call's hop, and only the killed worker's in-flight calls may be repeated.
The same run with the reclaim loop switched off must lose the killed worker's messages: the test
has teeth (reference SCALE.md §3.1, §5)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from queue_flows import SECRET, entries_for, until
from redis_server import RedisServer
from serve_process import free_port, wait_ready

from flowengine.queue.keys import GROUP, Keys

pytestmark = pytest.mark.integration

KEYS = Keys()
ROOT = Path(__file__).resolve().parents[3]
MESSAGES = 300
CONCURRENCY = 4


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the killed worker's connection: expected
            super().handle_error(request, client_address)


class FakeModel:
    """A fake OpenAI server: each chat completion answers its last message's content after ``latency``
    seconds, and the calls are counted by that content."""

    def __init__(self, latency: float = 0.02) -> None:
        self.calls: Counter[str] = Counter()
        lock = threading.Lock()
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(size)
                if len(body) < size or not body:
                    return  # the caller died while sending (the SIGKILLed worker): no call was made
                question = json.loads(body)["messages"][-1]["content"]
                with lock:
                    model.calls[question] += 1
                time.sleep(latency)  # the model "thinking": this server thread only
                answer = json.dumps({
                    "id": f"chatcmpl-{question}", "object": "chat.completion", "created": 1, "model": "fake",
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": question}}]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = _Server(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeModel:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def flows(model_url: str, out: Path) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "queue"},
        {"id": "go", "type": "http in", "z": "t", "url": "/go", "method": "post", "wires": [["gen"]]},
        {"id": "gen", "type": "function", "z": "t", "language": "python", "outputs": 2,
         "wires": [["call"], ["started"]],
         "func": f"return [[{{'payload': str(i)}} for i in range({MESSAGES})], msg]"},
        {"id": "started", "type": "http response", "z": "t", "statusCode": "", "headers": {}, "wires": []},
        # max_retries 0: a call is made again only because a worker died, never by the client's retries
        {"id": "model", "type": "openai-config", "base_url": model_url, "max_retries": 0,
         "credentials": {"api_key": "sk-fake"}},
        {"id": "call", "type": "openai-create-chat-completion", "z": "t", "config": "model", "model": "fake",
         "wires": [["answer"]]},
        {"id": "answer", "type": "change", "z": "t", "wires": [["collect"]],
         "rules": [{"t": "set", "p": "payload", "pt": "msg", "to": "payload.choices[0].message.content",
                    "tot": "msg"}]},
        {"id": "collect", "type": "file", "z": "t", "filename": str(out), "appendNewline": True,
         "overwriteFile": "false", "wires": [[]]},
    ]


def spawn(args: list[str], log: Path, started: list[subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flowengine", *args], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    started.append(proc)
    return proc


async def run_and_kill(tmp_path: Path, redis_server: RedisServer, redis: Any, model: FakeModel,
                       started: list[subprocess.Popen[bytes]], *, reclaim: bool) -> tuple[str, int]:
    """Start 3 workers and a coordinator, SIGKILL worker 2 while it holds entries; return the
    killed worker's consumer name and the coordinator's port."""
    out = tmp_path / "collected.txt"
    settings = tmp_path / "settings.toml"
    settings.write_text(
        f'credentialSecret = "{SECRET}"\nnodeCloseTimeout = 2000\n[queue]\nboundary = ["file"]\n'
        f"lease = 1.0\nconcurrency = {CONCURRENCY}\nreclaim = {'true' if reclaim else 'false'}\n"
        "trim_every = 3600\n")  # the test reads the stream's history
    flows_file = tmp_path / "flows.json"
    flows_file.write_text(json.dumps(flows(model.url, out)))
    common = ["--queue", redis_server.url, "--settings", str(settings), "--user-dir", str(tmp_path)]
    workers = [spawn(["worker", *common], tmp_path / f"worker{i}.log", started) for i in range(3)]
    port = free_port()
    coordinator = spawn(["serve", str(flows_file), "--port", str(port), *common], tmp_path / "coordinator.log",
                        started)

    async def all_up() -> bool:
        return int(await redis.hlen(KEYS.workers)) == 3

    await until(all_up, timeout=30, what="three workers")
    await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{port}", coordinator, 30, tmp_path / "coordinator.log")
    async with httpx.AsyncClient() as client:
        assert (await client.post(f"http://127.0.0.1:{port}/go", timeout=10)).status_code == 200
    victim = workers[1]
    consumer = next(n.decode() for n in await redis.hkeys(KEYS.workers) if f"-{victim.pid}-" in n.decode())

    async def victim_busy() -> bool:
        if sum(model.calls.values()) < MESSAGES // 3:
            return False
        pending = await redis.xpending_range(KEYS.work, GROUP, min="-", max="+", count=100, consumername=consumer)
        return bool(pending)

    await until(victim_busy, timeout=20, what="a third of the calls made and worker 2 holding entries")
    victim.kill()
    victim.wait(5)
    return consumer, port


async def collected(redis: Any) -> list[str]:
    return [m["payload"] for m in await entries_for(redis, KEYS.work, "collect")]


async def test_worker_killed_mid_run_loses_nothing(tmp_path: Path, redis_server: RedisServer, redis: Any,
                                                   processes: list[subprocess.Popen[bytes]]) -> None:
    with FakeModel() as model:
        _, port = await run_and_kill(tmp_path, redis_server, redis, model, processes, reclaim=True)

        async def finished() -> bool:
            return len(set(await collected(redis))) == MESSAGES and \
                (await redis.xpending(KEYS.work, GROUP))["pending"] == 0

        await until(finished, timeout=20, what=f"{MESSAGES} collected and nothing pending")
        into_collector = await collected(redis)
        assert len(into_collector) == MESSAGES  # 300/300, none twice behind the call's hop
        assert sorted(into_collector, key=int) == [str(i) for i in range(MESSAGES)]
        repeated_calls = sum(model.calls.values()) - MESSAGES
        assert set(model.calls) == {str(i) for i in range(MESSAGES)}
        assert 0 <= repeated_calls <= CONCURRENCY  # at most the killed worker's calls in flight
        assert await redis.xlen(KEYS.dead) == 0
        async with httpx.AsyncClient() as client:
            status = (await client.get(f"http://127.0.0.1:{port}/queue")).json()
        assert status["stream"]["pending"] == 0 and status["coordinator"]["enqueued"] == MESSAGES
        assert len(status["workers"]) == 3

    async def written() -> bool:
        return len(set((tmp_path / "collected.txt").read_text().split())) == MESSAGES

    await until(written, timeout=5, what="every line in the collector's file")
    lines = (tmp_path / "collected.txt").read_text().split()
    assert len(lines) - MESSAGES <= CONCURRENCY  # the killed worker may have written before it died


async def test_without_reclaim_the_killed_workers_messages_are_lost(
        tmp_path: Path, redis_server: RedisServer, redis: Any, processes: list[subprocess.Popen[bytes]]) -> None:
    with FakeModel() as model:
        consumer, _port = await run_and_kill(tmp_path, redis_server, redis, model, processes, reclaim=False)

        async def stuck() -> bool:
            summary = await redis.xpending(KEYS.work, GROUP)
            owners = {(c["name"].decode() if isinstance(c["name"], bytes) else c["name"]) for c in
                      summary["consumers"]}
            lag = (await redis.xinfo_groups(KEYS.work))[0]["lag"]
            return summary["pending"] > 0 and owners == {consumer} and lag == 0

        await until(stuck, timeout=20, what="the surviving workers to finish everything they can")
        await asyncio.sleep(1.5)  # more than a lease: a reclaim loop would have taken the entries by now
        assert await stuck()
        assert len(set(await collected(redis))) < MESSAGES  # messages lost: the reclaim loop is needed

"""Queue mode throughput: one coordinator and 1, 2, 4 worker processes on a private Redis.

    python -m bench.queue [--messages 2000] [--latency 0.05] [--concurrency 20] [--workers 1,2,4]
                          [--cpu-messages 400] [--cpu-workers 1,2] [--cpu-loop 60000] [--rounds 3]
                          [--skip-io] [--skip-cpu]

Two flows, each started by a POST to an ``http in`` node that splits ``["1".."N"]`` into N messages:

- I/O-bound: every message goes through an OpenAI node (``openai-create-chat-completion``, a
  boundary by default) to a fake OpenAI server in this process that answers each completion after
  ``--latency`` seconds. Goal: near-linear scaling with workers up to the concurrency limits.
- CPU-bound: every message goes through a Python function node (a boundary node) that computes
  for a few milliseconds (``--cpu-loop`` iterations of a sum of squares, about 4 ms). Goal: > 1.6x
  with 2 workers on a 2-core machine. ``--cpu-loop 0`` leaves the queue path alone: its CPU time
  per message is what a hop costs a worker besides the node's own work.

A run is over when the work stream holds every entry and the consumer group has none pending or
undelivered. The configurations are measured in ``--rounds`` rounds, alternating (1, 2, 4, 1, 2,
4, ...), so a change in the machine's load touches all of them alike; each run prints the load
average (1 min) before it, and the summary gives the median msg/s per configuration and its factor
against the median of the first (one worker), the workers' CPU time per message (from ``/proc``:
steadier than msg/s on a loaded machine) and that of the coordinator and Redis together (what the
workers share the cores with). Needs redis-server; Linux.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
CPU_CODE = "n = 0\nfor i in range({loop}):\n    n += i * i\nmsg['payload'] = n\nreturn msg"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Model(ThreadingHTTPServer):
    """A fake OpenAI server: every POST is a chat completion answering its last message's content
    after ``latency`` seconds."""

    daemon_threads = True
    request_queue_size = 512

    def __init__(self, latency: float) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                question = json.loads(body)["messages"][-1]["content"]
                time.sleep(outer.latency)
                answer = json.dumps({"id": "chatcmpl-bench", "object": "chat.completion", "created": 1,
                                     "model": "fake", "choices": [{"index": 0, "finish_reason": "stop", "message": {
                                         "role": "assistant", "content": question}}]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                with outer.lock:
                    outer.answered += 1

            def log_message(self, *args: Any) -> None:
                return None

        self.latency = latency
        self.answered = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", free_port()), Handler)


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A private redis-server on a free port. The server that answers must be this one (its
    ``process_id``): when another process took the port first, ours exits and the PING would reach
    someone else's Redis, which ``run`` then flushes; a new port is tried instead."""
    import redis

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    for _attempt in range(5):
        port = free_port()
        proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save",
                                 "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if int(redis.Redis(port=port, socket_timeout=0.5).info("server")["process_id"]) == proc.pid:
                    return proc, port
            except redis.RedisError:
                pass
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
    raise SystemExit("redis-server did not start (or its port was taken by another Redis each time)")


def flows(kind: str, messages: int, model_url: str, concurrency: int, loop: int) -> list[dict[str, Any]]:
    # the config node's own limit (max_concurrency, default 8) follows the worker's concurrency
    work: list[dict[str, Any]] = [
        {"id": "model", "type": "openai-config", "base_url": model_url, "max_retries": 0,
         "max_concurrency": concurrency,
         "credentials": {"api_key": "sk-bench"}},
        {"id": "work", "type": "openai-create-chat-completion", "z": "t", "config": "model", "model": "fake",
         "wires": [[]]}] if kind == "io" else [
        {"id": "work", "type": "function", "z": "t", "language": "python", "func": CPU_CODE.format(loop=loop),
         "outputs": 1,
         "wires": [[]]}]
    return [
        {"id": "t", "type": "tab", "label": "bench"},
        {"id": "go", "type": "http in", "z": "t", "url": "/go", "method": "post", "wires": [["fill", "ok"]]},
        {"id": "ok", "type": "http response", "z": "t", "statusCode": "", "headers": {}, "wires": []},
        {"id": "fill", "type": "change", "z": "t", "wires": [["split"]], "rules": [
            {"t": "set", "p": "payload", "pt": "msg", "to": f"$map([1..{messages}], $string)", "tot": "jsonata"}]},
        {"id": "split", "type": "split", "z": "t", "wires": [["work"]]},
        *work,
    ]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes ``pids`` so far (Linux ``/proc/PID/stat``)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def run(kind: str, workers: int, messages: int, args: argparse.Namespace, model: Model,
        redis_proc: subprocess.Popen[bytes], redis_port: int, folder: Path) -> tuple[float, float, float]:
    """One measured run; returns messages per second, the workers' CPU time per message (ms) and
    that of the coordinator and Redis (ms)."""
    import redis

    client = redis.Redis(port=redis_port)
    client.flushall()
    url = f"redis://127.0.0.1:{redis_port}/0"
    run_dir = Path(tempfile.mkdtemp(prefix=f"{kind}{workers}-", dir=folder))
    boundary = '[]' if kind == "io" else '["function"]'  # OpenAI nodes are boundaries by default
    settings = run_dir / "settings.toml"
    # trim_every: a run counts the stream's entries, which the trim pass would remove
    settings.write_text(f'credentialSecret = "bench"\n[queue]\nboundary = {boundary}\n'
                        f"concurrency = {args.concurrency}\nhigh_water = 1000000\ntrim_every = 3600\n")
    model_url = f"http://127.0.0.1:{model.server_port}/v1"
    (run_dir / "flows.json").write_text(json.dumps(flows(kind, messages, model_url, args.concurrency, args.cpu_loop)))
    common = ["--queue", url, "--settings", str(settings), "--user-dir", str(run_dir)]
    port = free_port()
    logs = [run_dir / f"worker{i}.log" for i in range(workers)] + [run_dir / "coordinator.log"]
    commands = [["worker", *common]] * workers + [["serve", str(run_dir / "flows.json"), "--port", str(port), *common]]
    procs = []
    for command, log in zip(commands, logs, strict=True):
        with log.open("wb") as out:
            procs.append(subprocess.Popen([sys.executable, "-m", "flowengine", *command], cwd=ROOT, stdout=out,
                                          stderr=subprocess.STDOUT))
    try:
        deadline = time.monotonic() + 60
        while client.hlen("flowengine:workers") < workers or not _ready(port):
            if time.monotonic() > deadline:
                raise SystemExit("processes did not start")
            time.sleep(0.1)
        worker_pids = [p.pid for p in procs[:workers]]
        other_pids = [procs[-1].pid, redis_proc.pid]
        cpu, other = cpu_seconds(worker_pids), cpu_seconds(other_pids)
        answered = model.answered
        start = time.perf_counter()
        httpx.post(f"http://127.0.0.1:{port}/go", timeout=30).raise_for_status()
        while not _finished(client, messages):
            time.sleep(0.01)
        rate = messages / (time.perf_counter() - start)
        if kind == "io" and model.answered - answered < messages:  # a failed call ends its hop early
            tail = "\n".join(logs[0].read_text(errors="replace").splitlines()[-15:])
            raise SystemExit(f"only {model.answered - answered} of {messages} calls were answered: the figure "
                             f"would be wrong; the end of the first worker's log:\n{tail}")
        return (rate, (cpu_seconds(worker_pids) - cpu) * 1000 / messages,
                (cpu_seconds(other_pids) - other) * 1000 / messages)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


def _ready(port: int) -> bool:
    try:
        return bool(httpx.get(f"http://127.0.0.1:{port}/flows/state", timeout=1).json().get("state") == "start")
    except httpx.HTTPError:
        return False


def _finished(client: Any, messages: int) -> bool:
    groups = client.xinfo_groups("flowengine:work") if client.exists("flowengine:work") else []
    if not groups:
        return False
    group = groups[0]
    return bool(client.xlen("flowengine:work") >= messages and group["pending"] == 0 and group["lag"] == 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--cpu-messages", type=int, default=400)
    ap.add_argument("--cpu-workers", default="1,2")
    ap.add_argument("--cpu-loop", type=int, default=60000, help="iterations of the CPU-bound function's loop")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds of every configuration")
    ap.add_argument("--skip-io", action="store_true")
    ap.add_argument("--skip-cpu", action="store_true")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="flowengine-bench-queue-"))
    redis_proc, redis_port = start_redis(folder)
    model = Model(args.latency)
    threading.Thread(target=model.serve_forever, daemon=True).start()
    try:
        plans = ([] if args.skip_io else [("io", int(n), args.messages) for n in args.workers.split(",")]) + (
            [] if args.skip_cpu else [("cpu", int(n), args.cpu_messages) for n in args.cpu_workers.split(",")])
        rates: dict[tuple[str, int], list[float]] = {}
        cpus: dict[tuple[str, int], list[float]] = {}
        others: dict[tuple[str, int], list[float]] = {}
        loads: list[float] = []
        print(f"cpus: {os.cpu_count()}; {args.rounds} alternating rounds; concurrency {args.concurrency}")
        print(f"{'round':>5} {'flow':5} {'workers':>7} {'msg/s':>10} {'cpu ms/msg':>10} {'others':>7} {'load(1m)':>9}")
        for round_no in range(1, args.rounds + 1):
            for kind, workers, messages in plans:
                load = os.getloadavg()[0]
                loads.append(load)
                rate, cpu, other = run(kind, workers, messages, args, model, redis_proc, redis_port, folder)
                rates.setdefault((kind, workers), []).append(rate)
                cpus.setdefault((kind, workers), []).append(cpu)
                others.setdefault((kind, workers), []).append(other)
                print(f"{round_no:5d} {kind:5} {workers:7d} {rate:10.1f} {cpu:10.2f} {other:7.2f} {load:9.2f}",
                      flush=True)
        print(f"\nmedian of {args.rounds}; load average (1 min) before the runs: "
              f"{min(loads):.2f}-{max(loads):.2f}; cpu ms/msg: the workers' CPU time per message, others: "
              "the coordinator's and Redis's")
        print(f"{'flow':5} {'workers':>7} {'msg/s':>10} {'factor':>7} {'cpu ms/msg':>10} {'others':>7}   runs (msg/s)")
        base: dict[str, float] = {}
        for (kind, workers), got in rates.items():
            median = statistics.median(got)
            base.setdefault(kind, median)
            print(f"{kind:5} {workers:7d} {median:10.1f} {median / base[kind]:7.2f}x "
                  f"{statistics.median(cpus[(kind, workers)]):10.2f} "
                  f"{statistics.median(others[(kind, workers)]):7.2f}   " + " / ".join(f"{r:.1f}" for r in got))
    finally:
        model.shutdown()
        redis_proc.terminate()
        redis_proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

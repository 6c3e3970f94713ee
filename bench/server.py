"""Server benchmark: HTTP-in latency and large deploys against a real ``flowengine serve``.

    python -m bench.server                 # start-up, latency (L = 0, 1, 10), deploys of 1,000 / 10,000 nodes
    python -m bench.server --only lat --requests 500
    python -m bench.server --only start    # start-up of an empty user dir, median of 3

Start-up: from starting the process until ``GET /settings`` answers 200 (wall, and the server's
own CPU time then, which load on the machine does not distort much), and the idle RSS one second
later.

Starts ``flowengine serve`` on a free 127.0.0.1 port with a fresh user dir, drives it only through
its public surface (admin API, comms websocket, HTTP-in routes) and prints ``<name> <value> <unit>``.
Node-RED 5.0.7 on this machine (its FACTS, section 8): latency median L=10 513 us; full deploy of 10,000
nodes 760-818 ms (until started 928-1,015 ms), RSS after it 202-212 MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import httpx
from websockets.sync.client import connect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOP = [{"t": "set", "p": "hop", "pt": "msg", "to": "payload", "tot": "msg"}]


def latency_flow(chains: tuple[int, ...]) -> list[dict[str, Any]]:
    z = "tablat"
    flows: list[dict[str, Any]] = [{"id": z, "type": "tab", "label": "latency", "disabled": False, "env": []}]
    for chain in chains:
        first = f"l{chain}_0" if chain else f"hout{chain}"
        flows.append({"id": f"hin{chain}", "type": "http in", "z": z, "url": f"/bench/lat{chain}", "method": "get",
                      "upload": False, "swaggerDoc": "", "x": 0, "y": 0, "wires": [[first]]})
        for i in range(chain):
            nxt = f"l{chain}_{i + 1}" if i + 1 < chain else f"hout{chain}"
            flows.append({"id": f"l{chain}_{i}", "type": "change", "z": z, "rules": HOP, "x": 0, "y": 0,
                          "wires": [[nxt]]})
        flows.append({"id": f"hout{chain}", "type": "http response", "z": z, "statusCode": "", "headers": {},
                      "x": 0, "y": 0, "wires": []})
    return flows


def deploy_flow(size: int, per_tab: int = 100, chain_len: int = 10) -> list[dict[str, Any]]:
    flows: list[dict[str, Any]] = []
    count = tab = 0
    while count < size:
        z = f"t{tab:06x}"
        flows.append({"id": z, "type": "tab", "label": f"Flow {tab + 1}", "disabled": False, "env": []})
        for _ in range(per_tab // chain_len):
            if count >= size:
                break
            ids = [f"n{count + k:06x}" for k in range(chain_len)]
            flows.append({"id": ids[0], "type": "inject", "z": z, "props": [{"p": "payload"}],
                          "payload": "", "payloadType": "date", "repeat": "", "crontab": "", "once": False,
                          "x": 0, "y": 0, "wires": [[ids[1]]]})
            for k in range(1, chain_len - 1):
                flows.append({"id": ids[k], "type": "change", "z": z,
                              "rules": [{"t": "set", "p": f"p{k}", "pt": "msg", "to": f"v{k}", "tot": "str"}],
                              "x": 0, "y": 0, "wires": [[ids[k + 1]]]})
            flows.append({"id": ids[-1], "type": "debug", "z": z, "active": False, "tosidebar": True,
                          "complete": "false", "x": 0, "y": 0, "wires": []})
            count += chain_len
        tab += 1
    return flows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_ms(pid: int) -> float:
    """User + system CPU time the process has used so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return -1.0


class Server:
    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # ``-m flowengine`` from this checkout: the code measured is the checkout's, not whatever
        # the installed ``flowengine`` script points to
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "flowengine", "serve", "--port", str(self.port),
                                      "--user-dir", self.tmp.name], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.http = httpx.Client(base_url=self.base, timeout=60)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.http.get("/settings").status_code == 200:
                    self.start_ms = (time.perf_counter() - t0) * 1000
                    self.start_cpu_ms = cpu_ms(self.proc.pid)
                    return
            except httpx.TransportError:
                time.sleep(0.01)
        raise RuntimeError("flowengine serve did not start")

    def deploy(self, flows: list[dict[str, Any]], kind: str = "full") -> tuple[float, float]:
        """(ms until the POST answered, ms until notification/runtime-deploy with the new rev)."""
        with connect(f"ws://127.0.0.1:{self.port}/comms") as ws:
            ws.send(json.dumps({"subscribe": "notification/#"}))
            t0 = time.perf_counter()
            r = self.http.post("/flows", json={"flows": flows}, headers={
                "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": kind})
            t1 = time.perf_counter()
            r.raise_for_status()
            rev = r.json()["rev"]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                for ev in json.loads(ws.recv(timeout=60)):
                    if ev["topic"] == "notification/runtime-deploy" and ev["data"].get("revision") == rev:
                        return (t1 - t0) * 1000, (time.perf_counter() - t0) * 1000
        raise RuntimeError("deploy did not complete")

    def close(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(30)
        self.tmp.cleanup()


def bench_start(runs: int = 3) -> None:
    """Start-up of ``flowengine serve`` with an empty user dir: until ``GET /settings`` answers 200."""
    walls, cpus, rss = [], [], []
    for _ in range(runs):
        srv = Server()
        try:
            walls.append(srv.start_ms)
            cpus.append(srv.start_cpu_ms)
            time.sleep(1.0)  # idle: what the process holds once started
            rss.append(rss_mib(srv.proc.pid))
        finally:
            srv.close()
    print(f"start_until_settings {statistics.median(walls):.0f} ms")
    print(f"start_cpu {statistics.median(cpus):.0f} ms")
    print(f"idle_rss {statistics.median(rss):.0f} MiB")


def bench_latency(requests: int) -> None:
    srv = Server()
    try:
        chains = (0, 1, 10)
        srv.deploy(latency_flow(chains))
        times: dict[int, list[float]] = {c: [] for c in chains}
        with httpx.Client(base_url=srv.base) as c:
            for i in range(300 + requests):
                chain = chains[i % len(chains)]
                t0 = time.perf_counter()
                c.get(f"/bench/lat{chain}").raise_for_status()
                if i >= 300:
                    times[chain].append((time.perf_counter() - t0) * 1e6)
        for chain, ts in times.items():
            ts.sort()
            print(f"lat{chain}_median {statistics.median(ts):.0f} us")
            print(f"lat{chain}_p99 {ts[int(len(ts) * 0.99) - 1]:.0f} us")
    finally:
        srv.close()


def bench_deploy(sizes: list[int]) -> None:
    """Per size, on a fresh server: a full deploy, the same again, then one change node changed in a
    "nodes" deploy (as the harness does). ``*_cpu``: the server's CPU time from just before the POST
    until the deploy's nodes had started (the figure a loaded machine distorts least)."""
    for size in sizes:
        srv = Server()
        try:
            flows = deploy_flow(size)
            # the harness's client starts, connects and drains the comms socket (>= 0.25 s) before
            # its first deploy: the validators serve builds once it listens are ready by then
            time.sleep(0.5)
            cpu0 = cpu_ms(srv.proc.pid)
            resp, started = srv.deploy(flows)
            cpu1 = cpu_ms(srv.proc.pid)
            print(f"deploy{size}_response {resp:.0f} ms")
            print(f"deploy{size}_started {started:.0f} ms")
            print(f"deploy{size}_cpu {cpu1 - cpu0:.0f} ms")
            print(f"deploy{size}_rss {rss_mib(srv.proc.pid):.0f} MiB")
            resp, started = srv.deploy(flows)
            cpu2 = cpu_ms(srv.proc.pid)
            print(f"redeploy{size}_full_started {started:.0f} ms")
            print(f"redeploy{size}_full_cpu {cpu2 - cpu1:.0f} ms")
            flows[2]["rules"][0]["to"] = "changed"
            resp, started = srv.deploy(flows, "nodes")
            print(f"deploy{size}_nodes_one_change_started {started:.0f} ms")
            print(f"deploy{size}_nodes_one_change_cpu {cpu_ms(srv.proc.pid) - cpu2:.0f} ms")
        finally:
            srv.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["start", "lat", "deploy"])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--sizes", default="1000,10000")
    args = ap.parse_args()
    if args.only in (None, "start"):
        bench_start()
    if args.only in (None, "lat"):
        bench_latency(args.requests)
    if args.only in (None, "deploy"):
        bench_deploy([int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()

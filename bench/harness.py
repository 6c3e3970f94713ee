"""Node-RED's benchmark harness run against ``flowengine serve``, start-up included.

    python -m bench.harness                                  # start-up, then bench.py --external (tp, lat, deploy)
    python -m bench.harness --only startup
    python -m bench.harness --only tp --variants fanout4_chain1 --runs 3

The harness (``<shared>/nodered/bench/bench.py``) measures start-up only for Node-RED, which its
``run.sh`` starts: from the spawn until the flows have started and ``GET /auth/login`` answers 200,
polled every 50 ms. This does the same for ``python -m flowengine serve`` from this checkout (its
flows start before it listens, so the 200 alone says both) and prints the harness's figure names:
``startup_ready_empty_median`` (median of 3 fresh user dirs), ``rss_idle_empty_startup`` (1 s after
the first one), ``startup_cpu_empty_median`` (the server's CPU time when it answered: steadier than
the wall clock on a loaded machine; not a harness figure), ``startup_ready_10000nodes`` and
``rss_after_startup_10000nodes`` (the harness's 10,000-node deploy flow as the flows file). Then,
unless ``--only startup``, it starts one more server and runs ``bench.py --external URL --pid PID``
with ``tp`` and ``lat``, and a fresh one for ``deploy`` (as the harness restarts Node-RED for it).

The checkout's modules are byte-compiled first, as an installed package's are (``pip install``
compiles them): a checkout run with ``PYTHONDONTWRITEBYTECODE`` would otherwise compile ~200 modules
from source on every start. The shared folder is ``$FLOWENGINE_SHARED``, else ``../shared`` next to
the repository, else ``/work/shared``.
"""

from __future__ import annotations

import argparse
import compileall
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.server import cpu_ms, free_port, rss_mib

ROOT = Path(__file__).resolve().parent.parent
POLL_S = 0.05  # run.sh's interval between two readiness probes


def shared_dir() -> Path:
    env = os.environ.get("FLOWENGINE_SHARED")
    if env:
        return Path(env)
    for candidate in (ROOT.parent / "shared", Path("/work/shared")):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared"


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/auth/login")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


class Serve:
    """``flowengine serve`` on a free port with a fresh user dir (and ``flows`` as its flows file)."""

    def __init__(self, flows: list[dict[str, object]] | None = None) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        if flows is not None:
            Path(self.tmp.name, "flows.json").write_text(json.dumps(flows))
        self.port = free_port()
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "flowengine", "serve", "--port", str(self.port),
                                      "--user-dir", self.tmp.name], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not _answers(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("flowengine serve did not start")
            time.sleep(POLL_S)
        self.ready_ms = (time.perf_counter() - t0) * 1000
        self.ready_cpu_ms = cpu_ms(self.proc.pid)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)
        self.tmp.cleanup()


def out(name: str, value: float, unit: str) -> None:
    print(f"{name} {int(value)} {unit}", flush=True)


def bench_startup(harness: Path) -> None:
    times, cpus = [], []
    for i in range(3):
        srv = Serve()
        try:
            times.append(srv.ready_ms)
            cpus.append(srv.ready_cpu_ms)
            if i == 0:
                time.sleep(1.0)
                out("rss_idle_empty_startup", rss_mib(srv.proc.pid), "MiB")
        finally:
            srv.close()
    out("startup_ready_empty_median", statistics.median(times), "ms")
    out("startup_cpu_empty_median", statistics.median(cpus), "ms")
    sys.path.insert(0, str(harness))
    import gen_flows  # type: ignore[import-not-found]  # the harness's own flow generator

    srv = Serve(gen_flows.deploy_flow(10000))
    try:
        out("startup_ready_10000nodes", srv.ready_ms, "ms")
        out("rss_after_startup_10000nodes", rss_mib(srv.proc.pid), "MiB")
    finally:
        srv.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="startup,tp,lat,deploy")
    ap.add_argument("--variants", help="passed to bench.py (throughput variants)")
    ap.add_argument("--runs", type=int, help="passed to bench.py (measured throughput runs)")
    ap.add_argument("--n", type=int, help="passed to bench.py (messages per throughput run)")
    args = ap.parse_args()
    harness = shared_dir() / "nodered" / "bench"
    if not (harness / "bench.py").is_file():
        sys.exit(f"Node-RED's harness not found at {harness}: set FLOWENGINE_SHARED")
    for package in ("flowengine", "nodes", "editor"):
        compileall.compile_dir(ROOT / package, quiet=1)
    only = args.only.split(",")
    if "startup" in only:
        bench_startup(harness)
    # The deploy phase gets a fresh server, as the harness gives Node-RED one (its RSS figures
    # would otherwise include what the throughput runs left)
    groups = [[p for p in only if p in ("tp", "lat")], [p for p in only if p == "deploy"]]
    for phases in filter(None, groups):
        cmd = [sys.executable, str(harness / "bench.py"), "--only", ",".join(phases)]
        for flag, value in (("--variants", args.variants), ("--runs", args.runs), ("--n", args.n)):
            if value is not None:
                cmd += [flag, str(value)]
        srv = Serve()
        try:
            subprocess.run([*cmd, "--external", srv.base, "--pid", str(srv.proc.pid)], check=True)
        finally:
            srv.close()


if __name__ == "__main__":
    main()

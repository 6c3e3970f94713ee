"""The benchmarks still run: each one, as its command line is documented, on a tiny workload.

Figures are never asserted here (timed tests are not tests); what is checked is that every
benchmark completes and prints each figure it promises, so a change that breaks one is seen at once.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from shared_dir import shared_dir

REPO = Path(__file__).resolve().parents[2]


def run_bench(*args: str, timeout: float = 300) -> str:
    done = subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    assert "failed" not in done.stderr, done.stderr[-3000:]
    return done.stdout


def test_throughput_prints_every_variant() -> None:
    out = run_bench("bench.throughput", "-n", "300", "--runs", "1")
    for variant in ("chain1", "chain10", "fanout4"):
        assert re.search(rf"^{variant}\s+[\d,]+ msg/s\s+peak RSS \d+ MiB", out, re.M), out


@pytest.mark.skipif(shutil.which("valgrind") is None,
                    reason="needs valgrind (Debian: apt-get install valgrind; .ci/run installs it)")
def test_instructions_prints_a_count_per_message() -> None:
    out = run_bench("bench.instructions", "--variant", "chain1", "-n", "300")
    assert re.search(r"^chain1_instructions_per_msg [\d,]+ instructions$", out, re.M), out


def test_server_bench_prints_latency_and_deploy_figures() -> None:
    out = run_bench("bench.server", "--requests", "30", "--sizes", "200")
    for name in ("start_until_settings", "start_cpu", "idle_rss",
                 "lat0_median", "lat10_median", "lat10_p99", "deploy200_response", "deploy200_started",
                 "deploy200_rss", "redeploy200_full_started", "deploy200_nodes_one_change_started",
                 "deploy200_cpu", "redeploy200_full_cpu", "deploy200_nodes_one_change_cpu"):
        assert re.search(rf"^{name} \d+ (us|ms|MiB)$", out, re.M), f"{name} missing:\n{out}"


def test_watchdog_bench_prints_the_cost() -> None:
    out = run_bench("bench.watchdog", "-n", "2000", "--runs", "1")
    for name in ("function_call_unlimited", "function_call_limited", "watchdog_cost"):
        assert re.search(rf"^{name} \d+ ns$", out, re.M), f"{name} missing:\n{out}"


def test_editor_load_bench_prints_its_figures() -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium: apt-get install chromium")
    pytest.importorskip("playwright", reason="needs playwright: pip install -e .[test]")
    out = run_bench("bench.editor_load", "--sizes", "40", "--runs", "1")
    for name in ("editor40_drawn", "editor40_start", "editor40_select_move_undo"):
        assert re.search(rf"^{name} \d+ ms$", out, re.M), f"{name} missing:\n{out}"


def test_dashboard_bench_prints_its_figures() -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium: apt-get install chromium")
    pytest.importorskip("playwright", reason="needs playwright: pip install -e .[test]")
    out = run_bench("bench.dashboard", "--widgets", "4", "--rate", "2", "--seconds", "1")
    for name, unit in (("sent", "msg/s"), ("shown", "msg/s"), ("frame_p95", "ms"), ("longest_task", "ms"),
                       ("server_cpu", "%"), ("rss", "MiB"), ("stalled_rss_growth", "MiB")):
        assert re.search(rf"^dashboard4_{name} -?\d+ {unit}$", out, re.M), f"{name} missing:\n{out}"


def test_openai_embeddings_bench_prints_the_ratio() -> None:
    if not (shared_dir() / "openai" / "mock" / "steady.sh").exists():
        pytest.skip(f"needs the steady mock script under {shared_dir()}: set FLOWENGINE_SHARED")
    if shutil.which("npm") is None:
        pytest.skip("needs npm to install the steady OpenAI mock: apt-get install npm")
    out = run_bench("bench.openai_embeddings", "--requests", "40", "--concurrency", "4", "--rounds", "1")
    assert re.search(r"^ratio node/plain :\s+[\d.]+x", out, re.M), out


def test_harness_bench_prints_the_startup_figures() -> None:
    if not (shared_dir() / "nodered" / "bench" / "gen_flows.py").exists():
        pytest.skip(f"needs Node-RED's harness under {shared_dir()}: set FLOWENGINE_SHARED")
    out = run_bench("bench.harness", "--only", "startup")
    for name in ("rss_idle_empty_startup", "startup_ready_empty_median", "startup_cpu_empty_median",
                 "startup_ready_10000nodes", "rss_after_startup_10000nodes"):
        assert re.search(rf"^{name} \d+ (ms|MiB)$", out, re.M), f"{name} missing:\n{out}"


def test_deploys_bench_prints_each_deploy() -> None:
    out = run_bench("bench.deploys", "--sizes", "200", "--first-event", "3")
    assert re.search(r"^prepare_validation_cpu \d+ ms$", out, re.M), out
    for name in ("deploy200_full", "redeploy200_full", "deploy200_nodes_one_change"):
        for unit in ("cpu", "wall"):
            assert re.search(rf"^{name}_{unit} \d+ ms$", out, re.M), f"{name}_{unit} missing:\n{out}"
    for figure in ("first_event_wall", "first_event_cpu", "started_wall", "started_cpu"):
        name = f"deploy200_nodes_one_change_{figure}_median"
        assert re.search(rf"^{name} [\d.]+ ms$", out, re.M), f"{name} missing:\n{out}"

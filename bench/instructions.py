"""Instructions a message of the throughput flows, counted by valgrind's cachegrind.

    python -m bench.instructions                          # chain1, chain10, fanout4; 20,000 parts
    python -m bench.instructions --variant chain10 -n 5000

Wall-clock and CPU times of one version of the code spread by 15-30 % between runs on a shared
machine; the count of instructions the CPU runs does not (about 1 % here). It is the figure to
compare two versions of the code with: run this in each checkout. It is no figure of Node-RED's
harness, and it says nothing about what memory and the system calls cost.

Each variant runs twice in a fresh process under ``valgrind --tool=cachegrind --cache-sim=no``:
the flow of ``bench.throughput`` deployed, then one inject of ``n`` parts, then two. The second
inject's instructions (the difference) over ``n`` are the figure: start-up, deploy and the first
inject's one-time work fall out. The default ``n`` is past ``BURST_AT`` (10,000), as the harness's
100,000 are, so the burst path is measured. About 2-3 minutes a variant on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile

from bench.throughput import VARIANTS, throughput_flow

TOTAL = re.compile(r"I\s+refs:\s+([\d,]+)")


async def _child(variant: str, n: int, injects: int) -> None:
    from flowengine.registry import Registry
    from flowengine.runtime import Runtime
    from flowengine.settings import Settings

    chain, fanout = VARIANTS[variant]
    with tempfile.TemporaryDirectory() as tmp:
        runtime = Runtime(Registry.default(), Settings.load(user_dir=tmp), persist=False)
        ends: asyncio.Queue[None] = asyncio.Queue()
        runtime.events.listen(lambda topic, data: ends.put_nowait(None)
                              if topic == "debug" and "level" not in data else None)
        await runtime.start(throughput_flow(n, chain, fanout))
        for _ in range(injects):
            runtime.inject("go", None)
            for _ in range(fanout):
                await ends.get()
        await runtime.close()


def count(variant: str, n: int, injects: int) -> int:
    """Instructions of a whole child process that deploys ``variant`` and injects ``injects`` times."""
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, "-m", "bench.instructions", "--child", variant, str(n), str(injects)],
        capture_output=True, text=True, check=False)
    found = TOTAL.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"bench.instructions: the {variant} run failed:\n{done.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", choices=[v for v in VARIANTS if not v.startswith("chain10_fn")],
                    action="append", help="default: chain1, chain10, fanout4")
    ap.add_argument("-n", type=int, default=20_000, help="parts an inject splits into (default 20,000)")
    ap.add_argument("--child", nargs=3, metavar=("VARIANT", "N", "INJECTS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        variant, n, injects = args.child
        asyncio.run(_child(variant, int(n), int(injects)))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("bench.instructions needs valgrind (Debian: apt-get install valgrind)")
    for variant in args.variant or ["chain1", "chain10", "fanout4"]:
        one, two = count(variant, args.n, 1), count(variant, args.n, 2)
        _, fanout = VARIANTS[variant]
        per_msg = (two - one) / (args.n * fanout)
        print(f"{variant}_instructions_per_msg {per_msg:,.0f} instructions", flush=True)


if __name__ == "__main__":
    main()

"""In-process deploys: the CPU time of ``Runtime.deploy`` until the nodes started, phase by phase of
the harness's deploy benchmark.

    python -m bench.deploys                  # sizes 1,000 and 10,000
    python -m bench.deploys --sizes 200
    python -m bench.deploys --sizes 1000 --first-event 40

One runtime with a persisted user dir (``gc.freeze()`` after start and the core validators built
before the first deploy, as ``flowengine serve`` does; ``prepare_validation_cpu``) deploys, per size
in turn as the harness does: the size's flow (full), the same again (full), then the same with its
first change node changed ("nodes"). Prints ``<figure> <value> ms`` with the
process's CPU time of each deploy (steadier than the wall clock on a loaded machine; also printed).
The flows are copied before the clock starts, as a request's body would be parsed.

``--first-event N`` then makes N more one-change "nodes" deploys per size and prints the medians of
the time to the deploy's first event (comms sends its frame 50 ms after that event, so the harness's
"until started" is about the client's send + this + 50 ms) and until started, wall and CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import gc
import statistics
import tempfile
import time

from bench.server import deploy_flow
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.settings import Settings


async def run(sizes: list[int], first_event: int = 0) -> None:
    with tempfile.TemporaryDirectory() as user_dir:
        rt = Runtime(Registry.default(), Settings(user_dir=user_dir), persist=True)
        await rt.start([])
        gc.freeze()
        # as flowengine serve does once it listens (in a thread there), before any deploy comes
        cpu = time.process_time()
        rt.registry.prepare_validation()
        print(f"prepare_validation_cpu {(time.process_time() - cpu) * 1000:.0f} ms")
        try:
            for size in sizes:
                flows = deploy_flow(size)
                await deploy(rt, flows, "full", f"deploy{size}_full")
                await deploy(rt, flows, "full", f"redeploy{size}_full")
                flows[2]["rules"][0]["to"] = "modified"
                await deploy(rt, flows, "nodes", f"deploy{size}_nodes_one_change")
                if first_event:
                    await first_events(rt, flows, first_event, f"deploy{size}_nodes_one_change")
        finally:
            await rt.close()


async def deploy(rt: Runtime, flows: list[dict], kind: str, name: str) -> None:
    body = copy.deepcopy(flows)
    cpu, wall = time.process_time(), time.perf_counter()
    await rt.deploy(body, kind)
    await rt.wait_started()
    print(f"{name}_cpu {(time.process_time() - cpu) * 1000:.0f} ms")
    print(f"{name}_wall {(time.perf_counter() - wall) * 1000:.0f} ms")


async def first_events(rt: Runtime, flows: list[dict], count: int, name: str) -> None:
    """``count`` one-change deploys: medians until the first event and until started."""
    marks: list[tuple[float, float]] = []
    publish = rt.events.publish

    def marking(topic: str, data: object, retain: bool = False, **kw: object) -> None:
        if not marks:
            marks.append((time.perf_counter(), time.process_time()))
        publish(topic, data, retain=retain, **kw)  # type: ignore[arg-type]

    rt.events.publish = marking  # type: ignore[method-assign]
    rows = []
    try:
        for i in range(count):
            flows[2]["rules"][0]["to"] = f"modified{i}"
            body = copy.deepcopy(flows)
            marks.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            await rt.deploy(body, "nodes")
            await rt.wait_started()
            first_wall, first_cpu = marks[0]
            rows.append((first_wall - wall, first_cpu - cpu, time.perf_counter() - wall, time.process_time() - cpu))
    finally:
        rt.events.publish = publish  # type: ignore[method-assign]
    for figure, column in zip(("first_event_wall", "first_event_cpu", "started_wall", "started_cpu"),
                              zip(*rows, strict=True), strict=True):
        print(f"{name}_{figure}_median {statistics.median(column) * 1000:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--first-event", type=int, default=0, metavar="N",
                    help="N more one-change deploys per size: medians until the first event and until started")
    args = ap.parse_args()
    asyncio.run(run([int(s) for s in args.sizes.split(",")], args.first_event))


if __name__ == "__main__":
    main()

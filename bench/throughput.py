"""In-process throughput benchmark with the shapes Node-RED's benchmark uses.

    python -m bench.throughput                       # every variant, 100,000 messages, median of 3
    python -m bench.throughput --variant chain10 -n 20000 --runs 1

Flow: inject (payload = [0..N-1], start = timestamp) -> split -> F branches of L change nodes
(``set msg.hop = msg.payload``) -> join (auto) -> change (end = timestamp, delete payload) -> debug.
msgs/s = N*F / (end - start), measured from the message's own timestamps, as Node-RED's harness does.
Each variant runs in a fresh subprocess so its peak RSS (ru_maxrss) is its own.
Node-RED 5.0.7 on this machine (its FACTS, section 8): chain1 123,152; chain10 31,181; fanout4 124,494 msg/s;
RSS 0.5-1.3 GiB. chain10_fn: ten JavaScript function nodes (``return msg;``), Node-RED's harness variant;
chain10_fn_py: the same chain with Python function nodes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from typing import Any

VARIANTS = {"chain1": (1, 1), "chain10": (10, 1), "fanout4": (1, 4), "chain10_fn": (10, 1), "chain10_fn_py": (10, 1)}
# the chain's node: change (set msg.hop), or a function node returning msg in JavaScript (Node-RED's
# harness variant chain10_fn) or in Python
HOP_NODES = {
    "chain10_fn": {"type": "function", "func": "return msg;", "outputs": 1},
    "chain10_fn_py": {"type": "function", "language": "python", "func": "return msg", "outputs": 1},
}
HOP_RULE = [{"t": "set", "p": "hop", "pt": "msg", "to": "payload", "tot": "msg"}]


def throughput_flow(n: int, chain: int, fanout: int, hop: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    z = "tabtp"

    def node(nid: str, typ: str, wires: list[str], **props: Any) -> dict[str, Any]:
        return {"id": nid, "type": typ, "z": z, "name": "", "x": 0, "y": 0, "wires": [wires], **props}

    flows: list[dict[str, Any]] = [{"id": z, "type": "tab", "label": "throughput", "disabled": False, "env": []}]
    firsts = [f"b{b}c0" for b in range(fanout)]
    flows.append(node("go", "inject", ["split1"], props=[
        {"p": "payload", "v": json.dumps(list(range(n))), "vt": "json"},
        {"p": "start", "v": "", "vt": "date"}], repeat="", crontab="", once=False, topic=""))
    flows.append(node("split1", "split", firsts, splt="\\n", spltType="str", arraySplt=1,
                      arraySpltType="len", stream=False, addname="", property="payload"))
    for b in range(fanout):
        for i in range(chain):
            nxt = f"b{b}c{i + 1}" if i + 1 < chain else f"b{b}join"
            if hop is None:
                flows.append(node(f"b{b}c{i}", "change", [nxt], rules=HOP_RULE))
            else:
                flows.append(node(f"b{b}c{i}", hop["type"], [nxt], **{k: v for k, v in hop.items() if k != "type"}))
        flows.append(node(f"b{b}join", "join", [f"b{b}end"], mode="auto", build="object", property="payload",
                          propertyType="msg", key="topic", joiner="\\n", joinerType="str", accumulate="false",
                          timeout="", count=""))
        flows.append(node(f"b{b}end", "change", ["dbg"], rules=[
            {"t": "set", "p": "end", "pt": "msg", "to": "", "tot": "date"},
            {"t": "delete", "p": "payload", "pt": "msg"}]))
    dbg = node("dbg", "debug", [], active=True, tosidebar=True, console=False, tostatus=False,
               complete="true", targetType="full")
    dbg["wires"] = []
    flows.append(dbg)
    return flows


async def measure(n: int, chain: int, fanout: int, hop: dict[str, Any] | None = None) -> float:
    from flowengine.registry import Registry
    from flowengine.runtime import Runtime
    from flowengine.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        runtime = Runtime(Registry.default(), Settings.load(user_dir=tmp), persist=False)
        done: asyncio.Future[list[float]] = asyncio.get_running_loop().create_future()
        rates: list[float] = []

        def on_event(topic: str, data: Any) -> None:
            if topic == "debug" and "level" not in data:
                msg = json.loads(data["msg"])
                rates.append(n / ((msg["end"] - msg["start"]) / 1000.0))
                if len(rates) == fanout and not done.done():
                    done.set_result(rates)
            elif topic == "debug" and not done.done():
                done.set_exception(RuntimeError(f"flow error: {data.get('msg')}"))

        runtime.events.listen(on_event)
        await runtime.start(throughput_flow(n, chain, fanout, hop))
        await asyncio.sleep(0.2)
        if not runtime.inject("go", None):
            raise RuntimeError("inject node 'go' did not start")
        results = await asyncio.wait_for(done, timeout=600)
        await runtime.close()
        # every branch took the same messages: the aggregate rate is N*F over the slowest branch
        return fanout * min(results)


def child(variant: str, n: int, runs: int) -> None:
    chain, fanout = VARIANTS[variant]
    hop = HOP_NODES.get(variant)
    rates = [asyncio.run(measure(n, chain, fanout, hop)) for _ in range(runs + 1)][1:]  # one warm-up
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"variant": variant, "rate": statistics.median(rates), "rates": rates, "peak_rss_mib": peak}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", choices=sorted(VARIANTS), action="append")
    ap.add_argument("-n", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    variants = args.variant or list(VARIANTS)
    if args.child:
        child(variants[0], args.n, args.runs)
        return
    for v in variants:
        out = subprocess.run([sys.executable, "-m", "bench.throughput", "--child", "--variant", v,
                              "-n", str(args.n), "--runs", str(args.runs)], capture_output=True, text=True)
        if out.returncode:
            print(f"{v}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{v:8s} {r['rate']:>10,.0f} msg/s   peak RSS {r['peak_rss_mib']:.0f} MiB   "
              f"runs {[round(x) for x in r['rates']]}")


if __name__ == "__main__":
    main()

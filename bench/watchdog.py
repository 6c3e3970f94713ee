"""Watchdog benchmark: what ``functionTimeout`` costs a Python function node's message.

    python -m bench.watchdog               # 100,000 messages, best of 5 runs
    python -m bench.watchdog -n 10000 --runs 2

Runs two Python function nodes (``return msg``) in an in-process runtime, one with a time limit
(the watchdog armed around every call, as ``functionTimeout`` = 10 s does by default) and one with
none (``functionTimeout = 0``), calls each node's input handler directly and prints
``function_call_unlimited``, ``function_call_limited`` and their difference ``watchdog_cost``, in
nanoseconds per message. The best run of each is kept: the figure is the cost itself, not the
machine's load. ``Watchdog.arm``/``disarm`` as methods cost more; the node inlines them.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from flowengine.settings import Settings
from flowengine.testing import FlowHarness


def _node(node_id: str, timeout: str) -> dict[str, Any]:
    return {"id": node_id, "type": "function", "language": "python", "func": "return msg", "outputs": 1,
            "timeout": timeout, "wires": [[]]}


def _no_op(*args: Any) -> None:
    return None


def _time(node: Any, n: int) -> float:
    on_input = node.on_input
    msg = {"payload": 1, "_msgid": "m"}
    t = time.perf_counter()
    for _ in range(n):
        on_input(msg, _no_op, _no_op)
    return time.perf_counter() - t


async def _measure(n: int, runs: int) -> tuple[float, float]:
    flows = [_node("limited", "10"), _node("unlimited", "")]
    async with FlowHarness(flows, settings=Settings(functionTimeout=0)) as h:
        limited, unlimited = h.runtime.node("limited"), h.runtime.node("unlimited")
        assert limited is not None and unlimited is not None
        assert getattr(limited, "timeout", 0) == 10 and not getattr(unlimited, "timeout", 0)
        best_limited = min(_time(limited, n) for _ in range(runs))
        best_unlimited = min(_time(unlimited, n) for _ in range(runs))
    return best_limited, best_unlimited


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="messages per run")
    parser.add_argument("--runs", type=int, default=5, help="runs of each; the best is kept")
    args = parser.parse_args(argv)
    limited, unlimited = asyncio.run(_measure(args.n, args.runs))
    per = 1e9 / args.n
    print(f"function_call_unlimited {unlimited * per:.0f} ns")
    print(f"function_call_limited {limited * per:.0f} ns")
    print(f"watchdog_cost {max(0.0, limited - unlimited) * per:.0f} ns")


if __name__ == "__main__":
    main()

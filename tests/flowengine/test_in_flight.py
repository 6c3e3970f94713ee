"""Messages in flight are bounded (``maxMessagesInFlight``, issue 18 fault 3): a loop where each
node feeds two others levels off, and the refused sends are catchable errors naming the node."""

from __future__ import annotations

import asyncio
from typing import Any

from flowengine.settings import Settings
from flowengine.testing import FlowHarness


def _change(node_id: str, wires: list[str]) -> dict[str, Any]:
    return {"id": node_id, "type": "change", "z": "t", "rules": [], "wires": [wires]}


async def test_a_fan_out_loop_levels_off_and_refusals_are_catchable(tmp_path: Any) -> None:
    flows = [{"id": "t", "type": "tab", "label": "t"},
             _change("a", ["b", "c"]), _change("b", ["a", "c"]), _change("c", ["a", "b"]),
             {"id": "catch", "type": "catch", "z": "t", "scope": ["a"], "wires": [["err"]]},
             {"id": "err", "type": "test-sink", "z": "t"}]
    settings = Settings.load(user_dir=tmp_path, maxMessagesInFlight=2_000)
    async with FlowHarness(flows, settings=settings) as h:
        h.send_to("a", {"payload": 1})
        caught = await h.wait_for("err", 1, timeout=10)
        dispatcher = h.runtime.dispatcher
        for _ in range(50):  # the loop keeps running at the bound; the queues never pass it
            await asyncio.sleep(0.005)
            assert dispatcher.backlog() <= 2_000 + 2_000  # catch messages ride on top of the bound
        assert dispatcher.refused > 0
    error = caught[0]["error"]
    assert error["source"]["id"] == "a"
    assert error["message"].startswith("message not sent: 2,000 messages are in flight (maxMessagesInFlight)")
    # uncaught refusals (b and c) are logged, at most once a second per node
    logged = [nid for _lvl, nid, text in h.logs if "maxMessagesInFlight" in text]
    assert set(logged) <= {"b", "c"} and len(logged) <= 2 * 3

"""range node: scale, clamp, roll, drop and rounding (corpus range_node)."""

from __future__ import annotations

from typing import Any

import pytest

from flowengine.testing import FlowHarness


async def scaled(values: list[Any], **props: Any) -> list[Any]:
    flows = [{"id": "r", "type": "range", "minin": "0", "maxin": "10", "minout": "0", "maxout": "100",
              "action": "scale", "round": False, "property": "payload", "wires": [["out"]], **props},
             {"id": "out", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        for v in values:
            h.send_to("r", {"payload": v})
        await h.drain()
        return [m.get("payload", "<none>") for m in h.received("out")]


@pytest.mark.parametrize(("action", "rounded", "expected"), [
    ("scale", False, [50, 123.4, -10, 70]),
    ("clamp", True, [50, 100, 0, 70]),
    ("roll", False, [50, 23.4, 90, 70]),
    ("drop", False, [50, 70]),
])
async def test_actions(action: str, rounded: bool, expected: list[Any]) -> None:
    got = await scaled([5, 12.34, -1, "7"], action=action, round=rounded)
    assert got == pytest.approx(expected)


async def test_round_half_up_non_numbers_and_missing_property() -> None:
    assert await scaled([2.5, -2.5], round=True, maxout="10") == [3, -2]  # Math.round: halves go up
    assert await scaled(["abc", None], minout="1") == [1]  # Number(null) is 0; "abc" is dropped
    flows_missing = await scaled([], property="nothere")
    assert flows_missing == []

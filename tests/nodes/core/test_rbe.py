"""filter (rbe) node: report by exception per topic, deadband and narrowband (corpus rbe_filter)."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness


async def passed(msgs: list[dict[str, Any]], **props: Any) -> list[Any]:
    flows = [{"id": "f", "type": "rbe", "func": "rbe", "gap": "", "start": "", "inout": "out", "septopics": True,
              "property": "payload", "topi": "topic", "wires": [["out"]], **props},
             {"id": "out", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        for m in msgs:
            h.send_to("f", m)
        await h.drain()
        return [(m.get("topic"), m["payload"]) for m in h.received("out")]


async def test_report_by_exception_per_topic_with_deep_compare() -> None:
    msgs = [{"payload": 1, "topic": "a"}, {"payload": 1, "topic": "a"}, {"payload": 1, "topic": "b"},
            {"payload": 2, "topic": "a"}, {"payload": {"x": 1}, "topic": "a"}, {"payload": {"x": 1}, "topic": "a"},
            {"payload": 2, "topic": "a", "reset": True}]
    assert await passed(msgs) == [("a", 1), ("b", 1), ("a", 2), ("a", {"x": 1}), ("a", 2)]


async def test_rbei_ignores_the_first_value_and_shared_topics() -> None:
    msgs = [{"payload": 1, "topic": "a"}, {"payload": 1, "topic": "b"}, {"payload": 2, "topic": "c"}]
    assert await passed(msgs, func="rbei", septopics=False) == [("c", 2)]


async def test_deadband_and_narrowband() -> None:
    values = [{"payload": v} for v in (10, 12, 16, 17, 11, "20 units", "x")]
    assert [p for _t, p in await passed(values, func="deadband", gap="5")] == [10, 16]
    assert [p for _t, p in await passed(values, func="deadbandEq", gap="5")] == [10, 16, 11, "20 units"]
    assert [p for _t, p in await passed(values, func="narrowband", gap="3", start="11")] == [10, 12, 11]
    assert [p for _t, p in await passed(values, func="deadband", gap="50%", inout="in")] == [10, "20 units"]

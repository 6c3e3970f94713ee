"""trigger node: op1/op2 (corpus trigger_basic, trigger_payload_extend), reset, topics, repeat."""

from __future__ import annotations

import asyncio
from typing import Any

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

BASE = {
    "op1": "1",
    "op2": "0",
    "op1type": "str",
    "op2type": "str",
    "duration": "30",
    "extend": False,
    "overrideDelay": False,
    "units": "ms",
    "reset": "",
    "bytopic": "all",
    "topic": "topic",
    "outputs": 1,
}


def trigger_flow(outputs: int = 1, **props: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": "tr",
            "type": "trigger",
            **{**BASE, **props, "outputs": outputs},
            "wires": [["out"], ["second"]][:outputs],
        },
        {"id": "out", "type": "test-sink"},
        {"id": "second", "type": "test-sink"},
    ]


def payloads(msgs: list[dict[str, Any]]) -> list[Any]:
    return [m.get("payload") for m in msgs]


async def test_op1_then_op2_and_inputs_ignored_while_waiting() -> None:
    async with FlowHarness(trigger_flow(duration="50")) as h:
        h.send_to("tr", {"payload": "a", "topic": "t"})
        h.send_to("tr", {"payload": "b"})
        msgs = await h.wait_for("out", 2)
        await h.drain()
    assert payloads(msgs) == ["1", "0"]
    assert msgs[1]["topic"] == "t"  # the second message is a copy of the triggering one


async def test_payload_types_with_extend_and_reset() -> None:
    flows = trigger_flow(op1="", op2="", op1type="pay", op2type="payl", duration="300", extend=True)
    async with FlowHarness(flows) as h:
        h.send_to("tr", {"payload": "first"})
        await h.wait_for("out", 1)
        h.send_to("tr", {"payload": "second"})
        msgs = await h.wait_for("out", 2)
        h.send_to("tr", {"payload": "third"})
        await h.wait_for("out", 3)
        h.send_to("tr", {"payload": "x", "reset": True})
        await h.drain()
        assert not h.node("tr").topics  # type: ignore[attr-defined]
        await asyncio.sleep(0.4)
    assert payloads(h.received("out")) == ["first", "second", "third"]
    assert payloads(msgs) == ["first", "second"]


async def test_reset_by_payload_and_wait_for_reset() -> None:
    async with FlowHarness(trigger_flow(duration="0", reset="stop", op1type="num", op1="5")) as h:
        h.send_to("tr", {"payload": "a"})
        h.send_to("tr", {"payload": "ignored"})
        h.send_to("tr", {"payload": "stop"})
        h.send_to("tr", {"payload": "again"})
        msgs = await h.wait_for("out", 2)
        await h.drain()
    assert payloads(msgs) == [5, 5] and len(h.received("out")) == 2


async def test_second_output_and_json_and_null_types() -> None:
    flows = trigger_flow(2, op1type="nul", op2type="json", op2='{"done": true}', duration="20")
    async with FlowHarness(flows) as h:
        h.send_to("tr", {"payload": "go"})
        [second] = await h.wait_for("second", 1)
        await h.drain()
    assert second["payload"] == {"done": True}
    assert h.received("out") == []


async def test_by_topic_runs_one_timer_per_topic() -> None:
    async with FlowHarness(trigger_flow(bytopic="topic", duration="20", op2type="pay")) as h:
        h.send_to("tr", {"payload": "a", "topic": "A"})
        h.send_to("tr", {"payload": "b", "topic": "B"})
        h.send_to("tr", {"payload": "a2", "topic": "A"})
        msgs = await h.wait_for("out", 4)
    assert sorted((m["topic"], m["payload"]) for m in msgs) == [("A", "1"), ("A", "a"), ("B", "1"), ("B", "b")]


async def test_negative_duration_repeats_until_reset() -> None:
    async with FlowHarness(trigger_flow(duration="-10", op1="tick")) as h:
        h.send_to("tr", {"payload": "go"})
        await h.wait_for("out", 3)
        h.send_to("tr", {"reset": True})
        await h.drain()
        count = len(h.received("out"))
        await asyncio.sleep(0.1)
        assert len(h.received("out")) == count
    assert set(payloads(h.received("out"))) == {"tick"}


async def test_msg_delay_overrides_duration() -> None:
    async with FlowHarness(trigger_flow(duration="10", units="s", overrideDelay=True)) as h:
        h.send_to("tr", {"payload": "go", "delay": 20})
        msgs = await h.wait_for("out", 2, timeout=5)
    assert payloads(msgs) == ["1", "0"]


async def test_mustache_op_and_status() -> None:
    async with FlowHarness(trigger_flow(op1="hi {{payload}}", op2type="nul", duration="20")) as h:
        h.send_to("tr", {"payload": "<b>"})
        [msg] = await h.wait_for("out")
        await h.wait_event("status/tr")
    assert msg["payload"] == "hi &lt;b&gt;"


async def test_close_cancels_pending_second_message() -> None:
    async with FlowHarness(trigger_flow(duration="5000")) as h:
        h.send_to("tr", {"payload": "a"})
        await h.wait_for("out", 1)
        node = h.node("tr")
        assert node.topics  # type: ignore[attr-defined]
        await h.deploy([{"id": "out", "type": "test-sink"}])
        assert not node.topics  # type: ignore[attr-defined]
        await asyncio.sleep(0.15)
    assert payloads(h.received("out")) == ["1"]


async def test_topics_are_bounded_by_node_message_buffer_max_length() -> None:
    settings = Settings(nodeMessageBufferMaxLength=2)
    flows = [*trigger_flow(bytopic="topic", duration="5000"), {"id": "c", "type": "catch", "wires": [["errs"]]},
             {"id": "errs", "type": "test-sink"}]
    async with FlowHarness(flows, settings=settings) as h:
        for topic in ("A", "B", "C"):
            h.send_to("tr", {"payload": topic, "topic": topic})
        [err] = await h.wait_for("errs")
        assert err["topic"] == "C"
        assert "too many pending messages in trigger node: 2 topics waiting (nodeMessageBufferMaxLength)" in (
            err["error"]["message"])
        h.send_to("tr", {"payload": "a", "topic": "A"})  # a topic already waiting is not a new one
        h.send_to("tr", {"reset": True, "topic": "B"})  # and a reset of another frees its place
        h.send_to("tr", {"payload": "d", "topic": "D"})
        await h.wait_for("out", 3)
        await h.drain()
        assert len(h.received("errs")) == 1
        assert sorted(h.node("tr").topics) == ["A", "D"]  # type: ignore[attr-defined]


async def test_a_shutdown_drain_waits_for_the_second_message_and_stops_repeats() -> None:
    flows = [*trigger_flow(duration="50", op2="later"),
             {"id": "rep", "type": "trigger", **{**BASE, "duration": "-10", "op1": "tick"}, "wires": [["ticks"]]},
             {"id": "ticks", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        h.send_to("tr", {"payload": "go"})
        h.send_to("rep", {"payload": "go"})
        await h.wait_for("ticks", 2)
        assert h.node("tr").held() == 1  # type: ignore[union-attr]
        assert await h.runtime.drain(10.0) == 0  # the second message was waited for, the repeat stopped
        assert payloads(h.received("out")) == ["1", "later"]
        ticks = len(h.received("ticks"))
        await asyncio.sleep(0.1)
        assert len(h.received("ticks")) == ticks

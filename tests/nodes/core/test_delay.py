"""delay node: fixed delay, rate limit drop/queue (corpus delay_*), per topic, flush/reset, close."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

BASE = {
    "pauseType": "delay",
    "timeout": "20",
    "timeoutUnits": "milliseconds",
    "rate": "1",
    "nbRateUnits": "1",
    "rateUnits": "second",
    "randomFirst": "1",
    "randomLast": "5",
    "randomUnits": "milliseconds",
    "drop": False,
    "allowrate": False,
    "outputs": 1,
}


def delay_flow(outputs: int = 1, **props: Any) -> list[dict[str, Any]]:
    wires = [["out"], ["dropped"]][:outputs]
    return [
        {"id": "d", "type": "delay", **{**BASE, **props, "outputs": outputs}, "wires": wires},
        {"id": "out", "type": "test-sink"},
        {"id": "dropped", "type": "test-sink"},
    ]


def payloads(msgs: list[dict[str, Any]]) -> list[Any]:
    return [m.get("payload") for m in msgs]


async def test_fixed_delay_keeps_order() -> None:
    async with FlowHarness(delay_flow()) as h:
        for i in (1, 2, 3):
            h.send_to("d", {"payload": i})
        msgs = await h.wait_for("out", 3)
    assert payloads(msgs) == [1, 2, 3]


async def test_msg_delay_and_random() -> None:
    flows = [
        {"id": "v", "type": "delay", **{**BASE, "pauseType": "delayv", "timeout": "0"}, "wires": [["o1"]]},
        {
            "id": "r",
            "type": "delay",
            **{**BASE, "pauseType": "random", "randomFirst": "1", "randomLast": "20"},
            "wires": [["o2"]],
        },
        {"id": "o1", "type": "test-sink"},
        {"id": "o2", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("v", {"payload": "slow", "delay": 150})
        h.send_to("v", {"payload": "fast", "delay": "5"})
        h.send_to("r", {"payload": "r"})
        msgs = await h.wait_for("o1", 2, timeout=5)
        [rnd] = await h.wait_for("o2", timeout=5)
    assert payloads(msgs) == ["fast", "slow"]
    assert rnd["payload"] == "r"


async def test_rate_limit_drops_intermediate_messages() -> None:
    flows = delay_flow(pauseType="rate", rate="1", rateUnits="minute", drop=True)
    async with FlowHarness(flows) as h:
        for i in (1, 2, 3, 4):
            h.send_to("d", {"payload": i})
        await h.wait_for("out", 1)
        await h.drain()
    assert payloads(h.received("out")) == [1]


async def test_rate_limit_drop_to_second_output() -> None:
    flows = delay_flow(2, pauseType="rate", rate="1", rateUnits="minute", drop=True)
    async with FlowHarness(flows) as h:
        for i in (1, 2, 3):
            h.send_to("d", {"payload": i})
        dropped = await h.wait_for("dropped", 2)
    assert payloads(h.received("out")) == [1]
    assert payloads(dropped) == [2, 3]


async def test_rate_limit_queue_passes_everything_in_order() -> None:
    flows = delay_flow(pauseType="rate", rate="50", rateUnits="second")
    async with FlowHarness(flows) as h:
        for i in (1, 2, 3, 4):
            h.send_to("d", {"payload": i})
        msgs = await h.wait_for("out", 4, timeout=5)
    assert payloads(msgs) == [1, 2, 3, 4]


async def test_rate_queue_flush_and_reset() -> None:
    flows = delay_flow(pauseType="rate", rate="1", rateUnits="minute")
    async with FlowHarness(flows) as h:
        for i in (1, 2, 3, 4):
            h.send_to("d", {"payload": i})
        await h.wait_for("out", 1)
        h.send_to("d", {"flush": 2})
        msgs = await h.wait_for("out", 3)
        assert payloads(msgs) == [1, 2, 3]
        h.send_to("d", {"reset": True})
        h.send_to("d", {"payload": "after reset"})
        msgs = await h.wait_for("out", 4)
    assert payloads(msgs)[3] == "after reset"


async def test_delay_flush_and_reset() -> None:
    async with FlowHarness(delay_flow(timeout="10", timeoutUnits="seconds")) as h:
        for i in (1, 2, 3):
            h.send_to("d", {"payload": i})
        h.send_to("d", {"flush": 1})
        [first] = await h.wait_for("out", 1)
        h.send_to("d", {"reset": True})
        h.send_to("d", {"payload": 4, "flush": True})
        msgs = await h.wait_for("out", 2)
        statuses = [d for t, d in h.events if t == "status/d"]
    assert first["payload"] == 1
    assert payloads(msgs) == [1, 4]
    assert statuses, "the delay node reports its queue size"


async def test_per_topic_queue_keeps_newest_per_topic() -> None:
    flows = delay_flow(2, pauseType="queue", rate="20", rateUnits="second")
    async with FlowHarness(flows) as h:
        for p, t in ((1, "a"), (2, "b"), (3, "a"), (4, "c")):
            h.send_to("d", {"payload": p, "topic": t})
        msgs = await h.wait_for("out", 3, timeout=5)
        replaced = h.received("dropped")
    assert [(m["topic"], m["payload"]) for m in msgs] == [("a", 3), ("b", 2), ("c", 4)]
    assert payloads(replaced) == [1]


async def test_timed_mode_releases_all_topics_together() -> None:
    flows = delay_flow(pauseType="timed", rate="20", rateUnits="second")
    async with FlowHarness(flows) as h:
        for p, t in ((1, "a"), (2, "a"), (3, "b")):
            h.send_to("d", {"payload": p, "topic": t})
        msgs = await h.wait_for("out", 2, timeout=5)
    assert [(m["topic"], m["payload"]) for m in msgs] == [("a", 2), ("b", 3)]


async def test_nothing_fires_after_close() -> None:
    async with FlowHarness(delay_flow(timeout="5000")) as h:
        h.send_to("d", {"payload": 1})
        await h.drain()
        node = h.node("d")
        assert len(node.delays) == 1  # type: ignore[attr-defined]
        await h.deploy([{"id": "out", "type": "test-sink"}])
        assert len(node.delays) == 0  # type: ignore[attr-defined]
        await asyncio.sleep(0.15)
    assert h.received("out") == []


async def test_rate_queue_buffer_limit(tmp_path: Path) -> None:
    settings = Settings.load(user_dir=tmp_path, nodeMessageBufferMaxLength=2)
    flows = delay_flow(pauseType="rate", rate="1", rateUnits="minute")
    async with FlowHarness(flows, settings=settings) as h:
        for i in range(4):
            h.send_to("d", {"payload": i})
        await h.drain()
    assert payloads(h.received("out")) == [0]
    assert any(nid == "d" and "too many pending messages" in text for _l, nid, text in h.logs)


async def test_queues_are_bounded_by_default_and_the_delay_mode_too(tmp_path: Path) -> None:
    # issue 18: a delay node's queue grew ~10 MB/s unless nodeMessageBufferMaxLength was set
    assert Settings.load(user_dir=tmp_path).nodeMessageBufferMaxLength == 100_000
    settings = Settings.load(user_dir=tmp_path, nodeMessageBufferMaxLength=3)
    flows = delay_flow(pauseType="delay", timeout="60", timeoutUnits="seconds")
    async with FlowHarness(flows, settings=settings) as h:
        for i in range(5):
            h.send_to("d", {"payload": i})
        await h.drain()
        assert len(h.runtime.node("d").delays) == 3  # type: ignore[union-attr]
        h.send_to("d", {"flush": True})
        await h.drain()
    assert payloads(h.received("out")) == [0, 1, 2]
    refused = [text for _l, nid, text in h.logs if nid == "d" and "too many pending messages" in text]
    assert len(refused) == 2 and "(nodeMessageBufferMaxLength)" in refused[0]


async def test_burst_mode_passes_up_to_rate_per_period() -> None:
    flows = delay_flow(2, pauseType="burst", rate="2", nbRateUnits="1", rateUnits="minute")
    async with FlowHarness(flows) as h:
        for i in range(4):
            h.send_to("d", {"payload": i})
        dropped = await h.wait_for("dropped", 2)
    assert payloads(h.received("out")) == [0, 1]
    assert payloads(dropped) == [2, 3]

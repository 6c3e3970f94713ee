"""batch node: count (corpus batch_count), overlap, interval, concatenation, reset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowengine.settings import Settings
from flowengine.testing import FlowHarness


def batch_flow(**props: Any) -> list[dict[str, Any]]:
    return [{"id": "b", "type": "batch", **props, "wires": [["out"]]}, {"id": "out", "type": "test-sink"}]


async def test_count_groups_use_first_msgid() -> None:
    async with FlowHarness(batch_flow(mode="count", count=2, overlap=0, interval=10, topics=[])) as h:
        for p in ("a", "b", "c"):
            h.send_to("b", {"payload": p})
        msgs = await h.wait_for("out", 2)
        await h.drain()
    assert [m["payload"] for m in msgs] == ["a", "b"] and len(h.received("out")) == 2
    assert msgs[0]["parts"] == {"id": msgs[0]["_msgid"], "index": 0, "count": 2}
    assert msgs[1]["parts"] == {"id": msgs[0]["_msgid"], "index": 1, "count": 2}


async def test_overlap_repeats_the_tail() -> None:
    async with FlowHarness(batch_flow(mode="count", count="3", overlap="1")) as h:
        for p in range(5):
            h.send_to("b", {"payload": p})
        msgs = await h.wait_for("out", 6)
    assert [m["payload"] for m in msgs] == [0, 1, 2, 2, 3, 4]
    assert msgs[0]["parts"]["id"] != msgs[3]["parts"]["id"]


async def test_interval_and_empty_sequences() -> None:
    async with FlowHarness(batch_flow(mode="interval", interval="0.05", allowEmptySequence=True)) as h:
        h.send_to("b", {"payload": 1})
        h.send_to("b", {"payload": 2})
        msgs = await h.wait_for("out", 3, timeout=5)
    assert [m["payload"] for m in msgs[:2]] == [1, 2]
    assert [m["parts"]["index"] for m in msgs[:2]] == [0, 1]
    assert msgs[2]["payload"] is None and msgs[2]["parts"]["count"] == 1


async def test_concat_topics_in_listed_order() -> None:
    flows = batch_flow(mode="concat", topics=[{"topic": "x"}, {"topic": "y"}])
    async with FlowHarness(flows) as h:
        h.send_to("b", {"topic": "y", "payload": "y0", "parts": {"id": "Y", "index": 0, "count": 1}})
        h.send_to("b", {"topic": "x", "payload": "x0", "parts": {"id": "X", "index": 0, "count": 2}})
        h.send_to("b", {"topic": "z", "payload": "ignored", "parts": {"id": "Z", "index": 0, "count": 1}})
        h.send_to("b", {"topic": "x", "payload": "x1", "parts": {"id": "X", "index": 1, "count": 2}})
        msgs = await h.wait_for("out", 3)
    assert [m["payload"] for m in msgs] == ["x0", "x1", "y0"]
    assert [m["parts"]["index"] for m in msgs] == [0, 1, 2]
    assert {m["parts"]["count"] for m in msgs} == {3}


async def test_reset_drops_held_messages() -> None:
    async with FlowHarness(batch_flow(mode="count", count=2)) as h:
        h.send_to("b", {"payload": "old"})
        h.send_to("b", {"reset": True})
        h.send_to("b", {"payload": "a"})
        h.send_to("b", {"payload": "b"})
        msgs = await h.wait_for("out", 2)
    assert [m["payload"] for m in msgs] == ["a", "b"]


async def test_invalid_overlap_is_reported() -> None:
    async with FlowHarness(batch_flow(mode="count", count=2, overlap=2)) as h:
        await h.drain()
    assert any(nid == "b" for _l, nid, _t in h.logs)


async def test_buffer_limit(tmp_path: Path) -> None:
    settings = Settings.load(user_dir=tmp_path, nodeMessageBufferMaxLength=2)
    async with FlowHarness(batch_flow(mode="count", count=5), settings=settings) as h:
        for i in range(3):
            h.send_to("b", {"payload": i})
        await h.drain()
    assert any(nid == "b" and "too many pending messages" in text for _l, nid, text in h.logs)


def _seq(pid: str, payloads: list[Any]) -> list[dict[str, Any]]:
    n = len(payloads)
    return [{"payload": p, "parts": {"id": pid, "index": i, "count": n}} for i, p in enumerate(payloads)]


async def test_honour_parts_ends_a_batch_at_the_end_of_an_incoming_sequence() -> None:
    # Node-RED 4 (PR #4829): the last message of a msg.parts sequence (index + 1 == count)
    # sends what is held, so the tail of a file split into lines is not kept back.
    async with FlowHarness(batch_flow(mode="count", count=4, honourParts=True)) as h:
        for m in _seq("A", [0, 1, 2, 3, 4, 5]) + _seq("B", [6, 7]):
            h.send_to("b", m)
        msgs = await h.wait_for("out", 8)
    assert [m["payload"] for m in msgs] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert [(m["parts"]["index"], m["parts"]["count"]) for m in msgs] == [
        (0, 4), (1, 4), (2, 4), (3, 4), (0, 2), (1, 2), (0, 2), (1, 2)]
    assert msgs[4]["parts"]["id"] == msgs[4]["_msgid"] != msgs[0]["parts"]["id"]


async def test_honour_parts_off_keeps_the_tail_held() -> None:
    async with FlowHarness(batch_flow(mode="count", count=4, honourParts=False)) as h:
        for m in _seq("A", [0, 1, 2, 3, 4, 5]):
            h.send_to("b", m)
        await h.wait_for("out", 4)
        await h.drain()
    assert [m["payload"] for m in h.received("out")] == [0, 1, 2, 3]


async def test_honour_parts_keeps_the_overlap_after_an_early_end() -> None:
    async with FlowHarness(batch_flow(mode="count", count=3, overlap=1, honourParts="true")) as h:
        for m in [*_seq("A", [0, 1]), {"payload": 2}, {"payload": 3}]:
            h.send_to("b", m)
        msgs = await h.wait_for("out", 5)
    assert [m["payload"] for m in msgs] == [0, 1, 1, 2, 3]
    assert [m["parts"]["count"] for m in msgs] == [2, 2, 3, 3, 3]

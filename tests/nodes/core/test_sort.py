"""sort node: array property and message sequences (corpus sort_node), JSONata keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

BASE = {
    "order": "ascending",
    "as_num": False,
    "target": "payload",
    "targetType": "msg",
    "msgKey": "payload",
    "msgKeyType": "elem",
    "seqKey": "payload",
    "seqKeyType": "msg",
}


def sort_flow(**props: Any) -> list[dict[str, Any]]:
    return [{"id": "so", "type": "sort", **{**BASE, **props}, "wires": [["out"]]}, {"id": "out", "type": "test-sink"}]


async def test_array_numeric_and_string_order() -> None:
    flows = [
        {"id": "n", "type": "sort", **{**BASE, "as_num": True}, "wires": [["o1"]]},
        {"id": "s", "type": "sort", **BASE, "wires": [["o2"]]},
        {"id": "o1", "type": "test-sink"},
        {"id": "o2", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("n", {"payload": [10, 9, 100, 1]})
        h.send_to("s", {"payload": ["10", "9", "100", "1"]})
        [num] = await h.wait_for("o1")
        [text] = await h.wait_for("o2")
    assert num["payload"] == [1, 9, 10, 100]
    assert text["payload"] == ["1", "10", "100", "9"]


async def test_sequence_descending_renumbers_parts() -> None:
    flows = [
        {"id": "sp", "type": "split", "wires": [["so"]]},
        {
            "id": "so",
            "type": "sort",
            **{**BASE, "order": "descending", "targetType": "seq", "target": ""},
            "wires": [["out"]],
        },
        {"id": "out", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("sp", {"payload": [10, 9, 100, 1]})
        msgs = await h.wait_for("out", 4)
    assert [m["payload"] for m in msgs] == [100, 10, 9, 1]
    assert [m["parts"]["index"] for m in msgs] == [0, 1, 2, 3]
    assert all(m["parts"]["count"] == 4 for m in msgs)


async def test_jsonata_keys() -> None:
    flows = [
        {"id": "a", "type": "sort", **{**BASE, "msgKey": "age", "msgKeyType": "jsonata"}, "wires": [["o1"]]},
        {"id": "sp", "type": "split", "wires": [["b"]]},
        {
            "id": "b",
            "type": "sort",
            **{**BASE, "targetType": "seq", "seqKey": "$length(payload)", "seqKeyType": "jsonata"},
            "wires": [["o2"]],
        },
        {"id": "o1", "type": "test-sink"},
        {"id": "o2", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("a", {"payload": [{"age": 30, "n": "x"}, {"age": 5, "n": "y"}]})
        h.send_to("sp", {"payload": ["ccc", "a", "bb"]})
        [people] = await h.wait_for("o1")
        words = await h.wait_for("o2", 3)
    assert [p["n"] for p in people["payload"]] == ["y", "x"]
    assert [m["payload"] for m in words] == ["a", "bb", "ccc"]


async def test_non_array_is_not_sent() -> None:
    async with FlowHarness(sort_flow()) as h:
        h.send_to("so", {"payload": "not an array"})
        h.send_to("so", {"payload": [2, 1]})
        [msg] = await h.wait_for("out")
        await h.drain()
    assert msg["payload"] == [1, 2] and len(h.received("out")) == 1


async def test_buffer_limit_drops_the_oldest_sequence(tmp_path: Path) -> None:
    settings = Settings.load(user_dir=tmp_path, nodeMessageBufferMaxLength=2)
    flows = sort_flow(targetType="seq", target="")
    async with FlowHarness(flows, settings=settings) as h:
        for i in range(3):
            h.send_to("so", {"payload": i, "parts": {"id": "g", "index": i, "count": 5}})
        await h.drain()
    assert any(nid == "so" and "too many pending messages" in text for _l, nid, text in h.logs)

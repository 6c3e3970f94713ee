"""split node: msg.parts shapes (pinned by the corpus split_join_* cases), modes and new ids."""

from __future__ import annotations

import re
from typing import Any

from flowengine.testing import FlowHarness


def split_flow(**props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "sp", "type": "split", **props, "wires": [["out"]]},
        {"id": "out", "type": "test-sink"},
    ]


async def test_array_split_gives_parts_and_new_ids() -> None:
    async with FlowHarness(split_flow(splt="\\n", spltType="str", arraySplt=1, property="payload")) as h:
        h.send_to("sp", {"_msgid": "feedfacefeedface", "payload": [10, "b", {"c": 1}], "topic": "t"})
        msgs = await h.wait_for("out", 3)
    assert [m["payload"] for m in msgs] == [10, "b", {"c": 1}]
    pid = msgs[0]["parts"]["id"]
    assert [m["parts"] for m in msgs] == [
        {"id": pid, "type": "array", "count": 3, "len": 1, "index": i} for i in range(3)
    ]
    assert all(m["topic"] == "t" for m in msgs)
    ids = {m["_msgid"] for m in msgs}
    assert len(ids) == 3 and "feedfacefeedface" not in ids
    assert all(re.fullmatch("[0-9a-f]{16}", i) for i in ids)  # as every other new id
    assert [list(m) for m in msgs] == [["payload", "topic", "parts", "_msgid"]] * 3  # set where send() sets it


async def test_the_ids_of_a_long_array_are_all_new() -> None:
    async with FlowHarness(split_flow(splt="\\n", spltType="str", arraySplt=1, property="payload")) as h:
        h.send_to("sp", {"payload": list(range(2000))})
        msgs = await h.wait_for("out", 2000)
    assert len({m["_msgid"] for m in msgs}) == 2000
    assert all(re.fullmatch("[0-9a-f]{16}", m["_msgid"]) for m in msgs)


async def test_empty_array_and_numbers_send_nothing() -> None:
    async with FlowHarness(split_flow()) as h:
        h.send_to("sp", {"payload": []})
        h.send_to("sp", {"payload": 42})
        h.send_to("sp", {"payload": ["last"]})
        msgs = await h.wait_for("out", 1)
        await h.drain()
    assert [m["payload"] for m in h.received("out")] == ["last"]
    assert msgs[0]["parts"]["count"] == 1


async def test_array_chunks() -> None:
    async with FlowHarness(split_flow(arraySplt="2", arraySpltType="len")) as h:
        h.send_to("sp", {"payload": [1, 2, 3, 4, 5]})
        msgs = await h.wait_for("out", 3)
    assert [m["payload"] for m in msgs] == [[1, 2], [3, 4], [5]]
    assert [(m["parts"]["index"], m["parts"]["count"], m["parts"]["len"]) for m in msgs] == [
        (0, 3, 2),
        (1, 3, 2),
        (2, 3, 2),
    ]


async def test_object_split_with_addname() -> None:
    async with FlowHarness(split_flow(addname="topic")) as h:
        h.send_to("sp", {"payload": {"a": 1, "b": [2], "c": {"d": 3}}})
        msgs = await h.wait_for("out", 3)
    assert [(m["topic"], m["payload"]) for m in msgs] == [("a", 1), ("b", [2]), ("c", {"d": 3})]
    pid = msgs[0]["parts"]["id"]
    assert msgs[1]["parts"] == {"id": pid, "type": "object", "key": "b", "index": 1, "count": 3}


async def test_string_split_by_separator_length_and_bytes() -> None:
    flows = [
        {"id": "s1", "type": "split", "splt": "\\n", "spltType": "str", "wires": [["o1"]]},
        {"id": "s2", "type": "split", "splt": "3", "spltType": "len", "wires": [["o2"]]},
        {"id": "s3", "type": "split", "splt": "[44]", "spltType": "bin", "wires": [["o3"]]},
        {"id": "o1", "type": "test-sink"},
        {"id": "o2", "type": "test-sink"},
        {"id": "o3", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("s1", {"payload": "a\nbb\nc"})
        h.send_to("s2", {"payload": "abcdefg"})
        h.send_to("s3", {"payload": "x,y"})
        by_sep = await h.wait_for("o1", 3)
        by_len = await h.wait_for("o2", 3)
        by_bin = await h.wait_for("o3", 2)
    assert [m["payload"] for m in by_sep] == ["a", "bb", "c"]
    assert by_sep[2]["parts"]["ch"] == "\n" and by_sep[2]["parts"]["type"] == "string"
    assert list(by_sep[0]["parts"]) == ["id", "type", "ch", "index", "count"]
    assert [m["payload"] for m in by_len] == ["abc", "def", "g"]
    assert by_len[0]["parts"]["len"] == 3 and by_len[0]["parts"]["ch"] == ""
    assert [m["payload"] for m in by_bin] == ["x", "y"]
    assert by_bin[0]["parts"]["ch"] == [44]


async def test_buffer_split() -> None:
    async with FlowHarness(split_flow(splt="[0]", spltType="bin")) as h:
        h.send_to("sp", {"payload": b"ab\x00cd"})
        msgs = await h.wait_for("out", 2)
    assert [m["payload"] for m in msgs] == [b"ab", b"cd"]
    assert msgs[0]["parts"]["type"] == "buffer" and msgs[0]["parts"]["ch"] == [0]


async def test_stream_mode_keeps_the_tail() -> None:
    async with FlowHarness(split_flow(splt="\\n", stream=True)) as h:
        h.send_to("sp", {"payload": "a\nb"})
        h.send_to("sp", {"payload": "c\nd\n"})
        msgs = await h.wait_for("out", 3)
    assert [m["payload"] for m in msgs] == ["a", "bc", "d"]
    assert [m["parts"]["index"] for m in msgs] == [0, 1, 2]
    assert all("count" not in m["parts"] for m in msgs)


async def test_nested_split_then_join_restores_the_outer_sequence() -> None:
    flows = [
        {"id": "a", "type": "split", "wires": [["b"]]},
        {"id": "b", "type": "split", "wires": [["j1"]]},
        {"id": "j1", "type": "join", "mode": "auto", "wires": [["mid", "j2"]]},
        {"id": "j2", "type": "join", "mode": "auto", "wires": [["out"]]},
        {"id": "mid", "type": "test-sink"},
        {"id": "out", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("a", {"payload": [[1, 2], [3]]})
        [whole] = await h.wait_for("out", 1)
        inner = h.received("mid")
    assert whole["payload"] == [[1, 2], [3]] and "parts" not in whole
    assert [m["parts"]["index"] for m in inner] == [0, 1]
    assert all(m["parts"]["type"] == "array" and "parts" not in m["parts"] for m in inner)


async def test_invalid_length_is_reported() -> None:
    async with FlowHarness(split_flow(splt="0", spltType="len")) as h:
        await h.drain()
    assert any(nid == "sp" and "Invalid split property" in text for _lvl, nid, text in h.logs)


async def test_buffer_fixed_length_stream() -> None:
    async with FlowHarness(split_flow(splt="2", spltType="len", stream=True)) as h:
        h.send_to("sp", {"payload": b"abc"})
        h.send_to("sp", {"payload": b"def"})
        msgs = await h.wait_for("out", 3)
    assert [m["payload"] for m in msgs] == [b"ab", b"cd", b"ef"]
    assert [m["parts"]["index"] for m in msgs] == [0, 1, 2]

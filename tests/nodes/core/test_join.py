"""join node: auto, manual builds (corpus join_manual_modes), reduce (corpus join_reduce), timers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

MANUAL = {
    "mode": "custom",
    "property": "payload",
    "propertyType": "msg",
    "key": "topic",
    "joinerType": "str",
    "accumulate": "false",
    "timeout": "",
    "reduceRight": False,
    "reduceExp": "",
}


def join_flow(**props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "jn", "type": "join", **props, "wires": [["out"]]},
        {"id": "out", "type": "test-sink"},
    ]


async def test_manual_builds_and_count_semantics() -> None:
    flows = [
        {"id": "ja", "type": "join", **MANUAL, "build": "array", "joiner": "\\n", "count": "3", "wires": [["o1"]]},
        {"id": "js", "type": "join", **MANUAL, "build": "string", "joiner": "+", "count": "3", "wires": [["o2"]]},
        {"id": "jo", "type": "join", **MANUAL, "build": "object", "joiner": "\\n", "count": "3", "wires": [["o3"]]},
        {"id": "jm", "type": "join", **MANUAL, "build": "merged", "joiner": "\\n", "count": "3", "wires": [["o4"]]},
    ] + [{"id": f"o{i}", "type": "test-sink"} for i in range(1, 5)]
    inputs = [({"a": 1}, "k1"), ({"b": 2}, "k2"), ({"a": 3}, "k1"), ({"c": 4}, "k3")]
    async with FlowHarness(flows) as h:
        for payload, topic in inputs:
            for target in ("ja", "js", "jo", "jm"):
                h.send_to(target, {"payload": dict(payload), "topic": topic})
        [arr] = await h.wait_for("o1")
        [text] = await h.wait_for("o2")
        [obj] = await h.wait_for("o3")
        [merged] = await h.wait_for("o4")
        await h.drain()
        assert len(h.received("o1")) == 1  # the 4th message starts a new, unfinished group
    expected = {"payload": [{"a": 1}, {"b": 2}, {"a": 3}], "topic": "k1"}
    assert {k: v for k, v in arr.items() if k != "_msgid"} == expected
    assert text["payload"] == "[object Object]+[object Object]+[object Object]"
    assert obj["payload"] == {"k1": {"a": 3}, "k2": {"b": 2}, "k3": {"c": 4}} and obj["topic"] == "k3"
    assert merged["payload"] == {"a": 3, "b": 2, "c": 4} and merged["topic"] == "k3"


async def test_auto_mode_rebuilds_string_and_object() -> None:
    flows = [
        {"id": "s1", "type": "split", "splt": ",", "wires": [["jn"]]},
        {"id": "s2", "type": "split", "addname": "topic", "wires": [["jn"]]},
        {"id": "jn", "type": "join", "mode": "auto", "wires": [["out"]]},
        {"id": "out", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("s1", {"payload": "x,y,z"})
        h.send_to("s2", {"payload": {"a": 1, "b": 2}})
        msgs = await h.wait_for("out", 2)
    assert msgs[0]["payload"] == "x,y,z" and "parts" not in msgs[0]
    assert msgs[1]["payload"] == {"a": 1, "b": 2} and msgs[1]["topic"] == "b"


async def test_auto_mode_puts_parts_arriving_out_of_order_in_place() -> None:
    """Parts that took different paths (a delay, an API call) arrive in any order: the array is
    rebuilt by parts.index, and two interleaved sequences stay apart by parts.id."""
    def part(seq: str, index: int, value: Any) -> dict[str, Any]:
        return {"payload": value, "parts": {"id": seq, "index": index, "count": 3, "type": "array", "len": 1}}

    async with FlowHarness(join_flow(mode="auto")) as h:
        for msg in (part("A", 2, "a2"), part("B", 1, "b1"), part("A", 0, "a0"), part("B", 2, "b2"),
                    part("A", 1, "a1"), part("B", 0, "b0")):
            h.send_to("jn", msg)
        first, second = await h.wait_for("out", 2)
    assert first["payload"] == ["a0", "a1", "a2"] and second["payload"] == ["b0", "b1", "b2"]


async def test_auto_mode_without_parts_warns() -> None:
    async with FlowHarness(join_flow(mode="auto")) as h:
        h.send_to("jn", {"payload": 1})
        await h.drain()
    assert any(nid == "jn" and "missing msg.parts" in text for _l, nid, text in h.logs)
    assert h.received("out") == []


async def test_reduce_with_fixup() -> None:
    flows = [
        {"id": "sp", "type": "split", "wires": [["jn"]]},
        {
            "id": "jn",
            "type": "join",
            "mode": "reduce",
            "reduceExp": "$A+payload",
            "reduceInit": "0",
            "reduceInitType": "num",
            "reduceFixup": "$A/$N",
            "reduceRight": False,
            "wires": [["out"]],
        },
        {"id": "out", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("sp", {"payload": [2, 4, 6]})
        [msg] = await h.wait_for("out")
    assert msg["payload"] == 4
    assert msg["parts"]["index"] == 2 and msg["parts"]["count"] == 3


async def test_reduce_right_with_index_binding() -> None:
    flows = [
        {"id": "sp", "type": "split", "wires": [["jn"]]},
        {
            "id": "jn",
            "type": "join",
            "mode": "reduce",
            "reduceExp": "$A & payload & $string($I)",
            "reduceInit": "",
            "reduceInitType": "str",
            "reduceFixup": "",
            "reduceRight": True,
            "wires": [["out"]],
        },
        {"id": "out", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("sp", {"payload": ["a", "b", "c"]})
        [msg] = await h.wait_for("out")
    assert msg["payload"] == "c2b1a0"
    assert msg["parts"]["index"] == 0


async def test_reduce_buffer_limit(tmp_path: Path) -> None:
    settings = Settings.load(user_dir=tmp_path, nodeMessageBufferMaxLength=2)
    flows = join_flow(mode="reduce", reduceExp="$A", reduceInit="0", reduceInitType="num")
    async with FlowHarness(flows, settings=settings) as h:
        for i in range(3):
            h.send_to("jn", {"payload": i, "parts": {"id": "g", "index": i, "count": 10}})
        await h.drain()
    assert any(nid == "jn" and "too many pending messages" in text for _l, nid, text in h.logs)


async def test_timeout_sends_a_partial_group() -> None:
    flows = join_flow(**{**MANUAL, "build": "array", "count": "10", "timeout": "0.05"})
    async with FlowHarness(flows) as h:
        h.send_to("jn", {"payload": 1})
        h.send_to("jn", {"payload": 2})
        [msg] = await h.wait_for("out", 1, timeout=5)
    assert msg["payload"] == [1, 2]


async def test_complete_and_reset() -> None:
    async with FlowHarness(join_flow(**{**MANUAL, "build": "array", "count": ""})) as h:
        h.send_to("jn", {"payload": "dropped"})
        h.send_to("jn", {"reset": True})
        h.send_to("jn", {"payload": "a"})
        h.send_to("jn", {"payload": "b", "complete": True})
        [msg] = await h.wait_for("out")
    assert msg["payload"] == ["a", "b"] and "complete" not in msg


async def test_string_joiner_and_buffer_build() -> None:
    flows = [
        {"id": "js", "type": "join", **MANUAL, "build": "string", "joiner": "\\n", "count": "3", "wires": [["o1"]]},
        {
            "id": "jb",
            "type": "join",
            **MANUAL,
            "build": "buffer",
            "joiner": "[45]",
            "joinerType": "bin",
            "count": "2",
            "wires": [["o2"]],
        },
        {"id": "o1", "type": "test-sink"},
        {"id": "o2", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        for v in ("x", 1, None):
            h.send_to("js", {"payload": v})
        h.send_to("jb", {"payload": b"ab"})
        h.send_to("jb", {"payload": "cd"})
        [text] = await h.wait_for("o1")
        [buf] = await h.wait_for("o2")
    assert text["payload"] == "x\n1\n"
    assert buf["payload"] == b"ab-cd"


async def test_accumulate_keeps_sending() -> None:
    async with FlowHarness(join_flow(**{**MANUAL, "build": "object", "count": "2", "accumulate": True})) as h:
        h.send_to("jn", {"topic": "a", "payload": 1})
        h.send_to("jn", {"topic": "b", "payload": 2})
        h.send_to("jn", {"topic": "c", "payload": 3})
        msgs = await h.wait_for("out", 2)
    assert msgs[0]["payload"] == {"a": 1, "b": 2}
    assert msgs[1]["payload"] == {"a": 1, "b": 2, "c": 3}


async def test_full_message_objects() -> None:
    flows = join_flow(**{**MANUAL, "build": "array", "count": "2", "propertyType": "full"})
    async with FlowHarness(flows) as h:
        h.send_to("jn", {"payload": 1, "topic": "x"})
        h.send_to("jn", {"payload": 2})
        [msg] = await h.wait_for("out")
    assert [{k: v for k, v in m.items() if k != "_msgid"} for m in msg["payload"]] == [
        {"payload": 1, "topic": "x"},
        {"payload": 2},
    ]


async def test_close_cancels_the_timeout() -> None:
    flows = join_flow(**{**MANUAL, "build": "array", "count": "10", "timeout": "5"})
    async with FlowHarness(flows) as h:
        h.send_to("jn", {"payload": 1})
        await h.drain()
        node = h.node("jn")
        handle = node.inflight["_"].timer  # type: ignore[attr-defined]
        assert handle is not None and not handle.cancelled()
        await h.deploy([{"id": "out", "type": "test-sink"}])
        await asyncio.sleep(0.15)
    assert handle.cancelled() and node.inflight == {}  # type: ignore[attr-defined]
    assert h.received("out") == []


async def test_complete_node_fires_when_the_group_is_sent() -> None:
    flows = [
        {"id": "j", "type": "join", "mode": "custom", "build": "array", "property": "payload",
         "propertyType": "msg", "count": "3", "timeout": "", "wires": [["out"]]},
        {"id": "c", "type": "complete", "scope": ["j"], "wires": [["done"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "done", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        assert h.node("j").completion_watched()
        h.send_to("j", {"payload": 1})
        h.send_to("j", {"payload": 2})
        await h.drain()
        assert h.received("done") == []  # held until the group goes out, as in Node-RED
        h.send_to("j", {"payload": 3})
        [joined] = await h.wait_for("out")
        assert joined["payload"] == [1, 2, 3]
        await h.wait_for("done", count=3)


async def test_without_complete_nodes_parts_are_released_at_once() -> None:
    flows = [
        {"id": "j", "type": "join", "mode": "custom", "build": "array", "property": "payload",
         "propertyType": "msg", "count": "3", "timeout": "", "wires": [["out"]]},
        {"id": "out", "type": "test-sink"},
    ]
    async with FlowHarness(flows) as h:
        assert not h.node("j").completion_watched()
        h.send_to("j", {"payload": 0})
        h.send_to("j", {"payload": 1})
        await h.drain()
        [group] = h.node("j").inflight.values()
        assert group.count == 2 and group.dones == []  # nothing keeps the parts alive
        h.send_to("j", {"payload": 2})
        [joined] = await h.wait_for("out")
        assert joined["payload"] == [0, 1, 2]


def _sequence(pid: str, payloads: list[Any], **extra: Any) -> list[dict[str, Any]]:
    n = len(payloads)
    return [{"payload": p, "parts": {"id": pid, "index": i, "count": n, **extra}} for i, p in enumerate(payloads)]


async def test_useparts_false_ignores_incoming_parts() -> None:
    # Node-RED 4.0.1+: new manual joins do not use msg.parts; a blank count then never completes
    # the group, msg.complete does, and the parent sequence (parts.parts) survives.
    flows = join_flow(**{**MANUAL, "build": "array", "count": "", "useparts": False})
    async with FlowHarness(flows) as h:
        for m in _sequence("s", [1, 2], parts={"id": "outer", "index": 4, "count": 9}):
            h.send_to("jn", m)
        await h.drain()
        assert h.received("out") == []
        h.send_to("jn", {"payload": 3, "complete": True})
        [msg] = await h.wait_for("out")
    assert msg["payload"] == [1, 2, 3]
    assert msg["parts"] == {"id": "outer", "index": 4, "count": 9}


async def test_useparts_false_with_a_count_ignores_parts_index_and_id() -> None:
    flows = join_flow(**{**MANUAL, "build": "array", "count": "3", "useparts": "false"})
    async with FlowHarness(flows) as h:
        for m in [*_sequence("a", ["a0", "a1"]), *_sequence("b", ["b0"])]:
            h.send_to("jn", m)
        [msg] = await h.wait_for("out")
    assert msg["payload"] == ["a0", "a1", "b0"] and "parts" not in msg


async def test_useparts_absent_keeps_the_3x_behaviour_sequence_by_sequence() -> None:
    # flows from before Node-RED 4.0.1 have no useparts: the incoming msg.parts still count, and
    # two interleaved sequences are joined apart (node-red#4143)
    flows = join_flow(**{**MANUAL, "build": "string", "joiner": "-", "count": ""})
    async with FlowHarness(flows) as h:
        a, b = _sequence("a", ["a0", "a1", "a2"]), _sequence("b", ["b0", "b1"])
        for m in [a[0], b[0], a[1], b[1], a[2]]:
            h.send_to("jn", m)
        msgs = await h.wait_for("out", 2)
    assert [m["payload"] for m in msgs] == ["b0-b1", "a0-a1-a2"]

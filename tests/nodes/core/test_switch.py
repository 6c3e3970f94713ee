"""switch node: JS comparisons, checkall, value sources, sequence rules (corpus switch_*)."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness


def switch_flow(rules: list[dict[str, Any]], checkall: str = "true", **props: Any) -> list[dict[str, Any]]:
    sinks = [f"o{i}" for i in range(len(rules))]
    return [
        {"id": "t", "type": "tab", "label": "t", "env": [{"name": "WHO", "value": "tab", "type": "str"}]},
        {"id": "sw", "type": "switch", "z": "t", "property": "payload", "propertyType": "msg", "rules": rules,
         "checkall": checkall, "outputs": len(rules), "wires": [[s] for s in sinks], **props},
        *({"id": s, "type": "test-sink", "z": "t"} for s in sinks),
    ]


async def route(flows: list[dict[str, Any]], payloads: list[Any], n: int) -> list[list[Any]]:
    """Payloads received by each of the ``n`` sinks."""
    async with FlowHarness(flows) as h:
        for p in payloads:
            h.send_to("sw", {"payload": p})
        await h.drain()
        return [[m["payload"] for m in h.received(f"o{i}")] for i in range(n)]


async def test_first_match_uses_javascript_comparisons() -> None:
    rules = [{"t": "eq", "v": "1", "vt": "num"}, {"t": "gt", "v": "10", "vt": "num"},
             {"t": "btwn", "v": "5", "vt": "num", "v2": "3", "v2t": "num"},
             {"t": "regex", "v": "^a", "vt": "str", "case": True}, {"t": "else"}]
    got = await route(switch_flow(rules, "false"), [1, "1", 12, 4, "4", "ABC", "zzz", None, "12"], 5)
    assert got == [[1, "1"], [12, "12"], [4, "4"], ["ABC"], ["zzz", None]]


async def test_checkall_sends_to_every_match_and_else_only_when_none() -> None:
    rules = [{"t": "gt", "v": "0", "vt": "num"}, {"t": "lt", "v": "10", "vt": "num"},
             {"t": "eq", "v": "5", "vt": "num"}, {"t": "else"}]
    got = await route(switch_flow(rules), [5, 20, -1, "x"], 4)
    assert got == [[5, 20], [5, -1], [5], ["x"]]


async def test_null_compares_like_javascript() -> None:
    rules = [{"t": "lte", "v": "2", "vt": "num"}, {"t": "neq", "v": "0", "vt": "num"}, {"t": "null"}]
    got = await route(switch_flow(rules), [None], 3)
    assert got == [[None], [None], [None]]  # null <= 2, null != 0, is null


async def test_type_and_content_rules() -> None:
    rules = [{"t": "istype", "v": "json", "vt": "json"}, {"t": "empty"}, {"t": "nempty"},
             {"t": "hask", "v": "k", "vt": "str"}, {"t": "cont", "v": "ell", "vt": "str"},
             {"t": "true"}, {"t": "istype", "v": "array", "vt": "array"}]
    got = await route(switch_flow(rules), [7, "hello", [], {"k": 1}, True, '{"a":1}'], 7)
    assert got[0] == [7, True, '{"a":1}']
    assert got[1] == [[]]
    assert got[2] == ["hello", {"k": 1}, '{"a":1}']
    assert got[3] == [{"k": 1}]
    assert got[4] == ["hello"]
    assert got[5] == [True]
    assert got[6] == [[]]


async def test_value_sources_msg_flow_env_and_prev() -> None:
    rules = [{"t": "eq", "v": "other", "vt": "msg"}, {"t": "eq", "v": "WHO", "vt": "env"},
             {"t": "eq", "v": "", "vt": "prev"}, {"t": "gt", "v": "limit", "vt": "flow"}]
    async with FlowHarness(switch_flow(rules)) as h:
        h.node("sw").flow_context().set("limit", 10)
        h.send_to("sw", {"payload": 5, "other": 5})
        h.send_to("sw", {"payload": "tab"})
        h.send_to("sw", {"payload": "tab"})
        h.send_to("sw", {"payload": 11})
        await h.drain()
        got = [[m["payload"] for m in h.received(f"o{i}")] for i in range(4)]
    assert got == [[5], ["tab", "tab"], ["tab"], [11]]


async def test_jsonata_rule_and_property() -> None:
    rules = [{"t": "jsonata_exp", "v": "payload.a > 2 and $count(payload.list) = 2", "vt": "jsonata"},
             {"t": "else"}]
    got = await route(switch_flow(rules), [{"a": 3, "list": [1, 2]}, {"a": 3, "list": [1]}], 2)
    assert got == [[{"a": 3, "list": [1, 2]}], [{"a": 3, "list": [1]}]]
    rules = [{"t": "eq", "v": "6", "vt": "num"}]
    got = await route(switch_flow(rules, property="payload * 2", propertyType="jsonata"), [3, 4], 1)
    assert got == [[3]]


async def test_sequence_rules_with_repair_renumber_parts() -> None:
    rules = [{"t": "head", "v": "2", "vt": "num"}, {"t": "tail", "v": "1", "vt": "num"},
             {"t": "index", "v": "1", "vt": "num", "v2": "2", "v2t": "num"}]
    async with FlowHarness(switch_flow(rules, repair=True)) as h:
        for i in range(4):
            h.send_to("sw", {"payload": i, "parts": {"id": "seq", "index": i, "count": 4}})
        await h.drain()
        got = [h.received(f"o{i}") for i in range(3)]
    assert [m["payload"] for m in got[0]] == [0, 1]
    assert [m["payload"] for m in got[1]] == [3]
    assert [m["payload"] for m in got[2]] == [1, 2]
    assert [(m["parts"]["index"], m["parts"]["count"]) for m in got[2]] == [(0, 2), (1, 2)]
    assert got[2][0]["parts"]["id"] == got[2][1]["parts"]["id"] != "seq"


async def test_invalid_regex_is_a_catchable_error() -> None:
    flows = [*switch_flow([{"t": "regex", "v": "payload", "vt": "msg"}]),
             {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
             {"id": "err", "type": "test-sink", "z": "t"}]
    async with FlowHarness(flows) as h:
        h.send_to("sw", {"payload": "(("})
        [caught] = await h.wait_for("err")
    assert caught["error"]["source"]["id"] == "sw"


async def test_sequence_rule_without_parts_fails_like_node_red() -> None:
    flows = [*switch_flow([{"t": "head", "v": "1", "vt": "num"}]),
             {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
             {"id": "err", "type": "test-sink", "z": "t"}]
    async with FlowHarness(flows) as h:
        h.send_to("sw", {"payload": 1})
        [caught] = await h.wait_for("err")
    assert caught["error"]["message"] == "TypeError: Cannot read properties of undefined (reading 'index')"


async def test_unknown_rule_type_deploys_and_fails_each_message_like_node_red() -> None:
    # a real flow has "between" (the editor writes "btwn"): Node-RED deploys it and every message
    # reaching the rule fails with operators[rule.t]'s TypeError, which catch nodes see
    flows = [*switch_flow([{"t": "eq", "v": "x", "vt": "str"}, {"t": "between", "v": "1", "vt": "num"}]),
             {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
             {"id": "err", "type": "test-sink", "z": "t"}]
    async with FlowHarness(flows) as h:
        assert [p for p in h.runtime.problems if p.level == "error"] == []
        h.send_to("sw", {"payload": "x"})
        [caught] = await h.wait_for("err")
        assert caught["error"]["message"] == "TypeError: operators[rule.t] is not a function"
        assert caught["error"]["source"]["id"] == "sw"
        assert h.received("o0") == []  # the whole message failed, as in Node-RED


def test_rule_type_schema_offers_the_known_rules_and_tolerates_others() -> None:
    from flowengine.nodes.core.switch import SwitchNode

    from flowengine.registry import Registry

    reg = Registry()
    reg.add(SwitchNode)
    base = {"id": "sw", "type": "switch", "property": "payload", "outputs": 1}
    assert reg.validate({**base, "rules": [{"t": "between"}]}) == []
    assert reg.validate({**base, "rules": [{"t": 7}]}) != []
    offered = SwitchNode.schema["properties"]["rules"]["items"]["properties"]["t"]["anyOf"][0]["enum"]
    assert "btwn" in offered and "between" not in offered

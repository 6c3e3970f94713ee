"""change node: typed values, deep paths, move/delete, search/replace, context targets (corpus change_*)."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness
from flowengine.types import UNDEFINED


def change_flow(*rules: dict[str, Any], tab_env: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t", "env": tab_env or []},
        {"id": "c", "type": "change", "z": "t", "rules": list(rules), "wires": [["out"]]},
        {"id": "out", "type": "test-sink", "z": "t"},
    ]


def rule(p: str, to: Any, tot: str, t: str = "set", pt: str = "msg", **extra: Any) -> dict[str, Any]:
    return {"t": t, "p": p, "pt": pt, "to": to, "tot": tot, **extra}


async def test_set_every_constant_type() -> None:
    flows = change_flow(
        rule("s", "text", "str"), rule("n", "42.5", "num"), rule("b", "TRUE", "bool"),
        rule("j", '{"x":[1,{"y":null}]}', "json"), rule("bin", "[104,105]", "bin"), rule("e", "MYVAR", "env"),
        tab_env=[{"name": "MYVAR", "value": "tab-value", "type": "str"}],
    )
    async with FlowHarness(flows) as h:
        h.send_to("c", {"payload": 1})
        h.send_to("c", {"payload": 2})
        first, second = await h.wait_for("out", 2)
    assert first["s"] == "text" and first["n"] == 42.5 and first["b"] is True
    assert first["j"] == {"x": [1, {"y": None}]} and first["bin"] == b"hi" and first["e"] == "tab-value"
    assert first["j"] is not second["j"]  # JSON values are fresh per message


async def test_set_from_msg_jsonata_and_missing_source() -> None:
    flows = change_flow(rule("copy", "payload.a", "msg"), rule("jx", "payload.a * 2", "jsonata"),
                        rule("payload", "nothere", "msg"), rule("deep.path[1].x", "made", "str"))
    async with FlowHarness(flows) as h:
        h.send_to("c", {"payload": {"a": 21}})
        [msg] = await h.wait_for("out")
    assert msg["copy"] == 21 and msg["jx"] == 42
    assert "payload" not in msg  # a missing source deletes the target
    assert msg["deep"] == {"path": [UNDEFINED, {"x": "made"}]}  # JS leaves a hole at index 0


async def test_fast_path_copies_and_deletes() -> None:
    async with FlowHarness(change_flow(rule("hop", "payload", "msg"))) as h:
        h.send_to("c", {"payload": [1, 2], "hop": "old"})
        h.send_to("c", {"hop": "old"})
        first, second = await h.wait_for("out", 2)
    assert first["hop"] == [1, 2] and first["hop"] is first["payload"]
    assert "hop" not in second


async def test_move_delete_and_non_object_warning() -> None:
    flows = change_flow(
        {"t": "move", "p": "payload", "pt": "msg", "to": "data", "tot": "msg"},
        {"t": "move", "p": "data.inner", "pt": "msg", "to": "payload", "tot": "msg"},
        {"t": "delete", "p": "data.drop", "pt": "msg"},
        {"t": "move", "p": "data.keep", "pt": "msg", "to": "kept.here", "tot": "msg"},
    )
    async with FlowHarness(flows) as h:
        h.send_to("c", {"payload": {"inner": {"v": 1}, "drop": 2, "keep": 3}})
        h.send_to("c", {"payload": "plain"})
        first, second = await h.wait_for("out", 2)
    assert first == {"_msgid": first["_msgid"], "data": {}, "payload": {"v": 1}, "kept": {"here": 3}}
    assert second["data"] == "plain" and "payload" not in second
    assert (30, "c", "Cannot set property of non-object type: kept.here") in h.logs


async def test_change_rule_replaces_text_numbers_and_booleans() -> None:
    flows = change_flow(
        {"t": "change", "p": "payload", "pt": "msg", "from": "a.b", "fromt": "str", "to": "X", "tot": "str"},
        {"t": "change", "p": "re", "pt": "msg", "from": "(\\w+)@(\\w+)", "fromt": "re", "to": "$2 at $1", "tot": "str"},
        {"t": "change", "p": "num", "pt": "msg", "from": "5", "fromt": "num", "to": "6", "tot": "num"},
        {"t": "change", "p": "flag", "pt": "msg", "from": "true", "fromt": "bool", "to": "off", "tot": "str"},
    )
    async with FlowHarness(flows) as h:
        h.send_to("c", {"payload": "a.b and a.b, not axb", "re": "bob@home", "num": 5, "flag": True})
        [msg] = await h.wait_for("out")
    assert msg["payload"] == "X and X, not axb"  # the plain string is not a regex
    assert msg["re"] == "home at bob"
    assert msg["num"] == 6 and msg["flag"] == "off"


async def test_context_targets_with_store_prefix() -> None:
    flows = change_flow(
        rule("count", "payload", "msg", pt="flow"),
        rule("obj.a", "payload", "msg", pt="global"),
        rule("fromflow", "count", "flow"),
        rule("fromglobal", "obj", "global"),
        {"t": "delete", "p": "count", "pt": "flow"},
        rule("after", "count", "flow"),
    )
    async with FlowHarness(flows) as h:
        h.send_to("c", {"payload": 7})
        [msg] = await h.wait_for("out")
        assert h.node("c").global_context().get("obj") == {"a": 7}
    assert msg["fromflow"] == 7 and msg["fromglobal"] == {"a": 7} and "after" not in msg


async def test_jsonata_error_drops_the_message_with_a_catchable_error() -> None:
    flows = [*change_flow(rule("x", "$error('boom')", "jsonata")),
             {"id": "catch", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
             {"id": "err", "type": "test-sink", "z": "t"}]
    async with FlowHarness(flows) as h:
        h.send_to("c", {"payload": 1})
        [caught] = await h.wait_for("err")
        await h.drain()
    assert "boom" in caught["error"]["message"]
    assert h.received("out") == []


async def test_invalid_json_rule_disables_the_node() -> None:
    async with FlowHarness(change_flow(rule("x", "{nope", "json"))) as h:
        h.send_to("c", {"payload": 1})
        await h.drain()
    assert h.received("out") == []
    assert any(nid == "c" and "Invalid JSON" in text for _level, nid, text in h.logs)


async def test_legacy_single_action_config() -> None:
    flows = [{"id": "c", "type": "change", "action": "replace", "property": "payload", "to": "new",
              "wires": [["out"]]}, {"id": "out", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        h.send_to("c", {"payload": "old"})
        [msg] = await h.wait_for("out")
    assert msg["payload"] == "new"


async def test_plain_sets_run_as_one_transform_in_rule_order() -> None:
    flows = change_flow(rule("a", "payload", "msg"), rule("b", "a", "msg"), rule("c", "text", "str"),
                        rule("a", "gone", "msg"))
    async with FlowHarness(flows) as h:
        node = h.node("c")
        assert node.transform.__name__ == "run_all"  # the rules' own steps, no general loop
        h.send_to("c", {"payload": 3, "gone": None})
        h.send_to("c", {"payload": 4})
        first, second = await h.wait_for("out", 2)
    assert first["a"] is None and first["b"] == 3 and first["c"] == "text"
    assert "a" not in second and second["b"] == 4 and second["c"] == "text"


async def test_one_plain_set_is_the_transform_itself() -> None:
    async with FlowHarness(change_flow(rule("title", "hello", "str"))) as h:
        assert h.node("c").transform.__name__ == "set_text"
        h.send_to("c", {"payload": 1})
        [msg] = await h.wait_for("out")
    assert msg["title"] == "hello" and msg["payload"] == 1


async def test_a_rule_outside_the_plain_sets_keeps_the_general_path() -> None:
    flows = change_flow(rule("copy", "payload", "msg"), rule("deep.x", "payload", "msg"),
                        rule("dc", "payload", "msg", dc=True))
    async with FlowHarness(flows) as h:
        assert h.node("c").transform.__func__ is type(h.node("c")).transform  # type: ignore[attr-defined]
        h.send_to("c", {"payload": {"v": 1}})
        [msg] = await h.wait_for("out")
    assert msg["copy"] is msg["payload"] and msg["deep"] == {"x": {"v": 1}}
    assert msg["dc"] == {"v": 1} and msg["dc"] is not msg["payload"]  # deep copy

"""validation.py (pure): every problem of a parsed configuration, keyed by node id, type and property."""

from __future__ import annotations

from typing import Any

from flow_builders import node, parser, tab

from flowengine.errors import FlowProblem
from flowengine.validation import ConfigRef, missing_types, validate

KNOWN = {"inject", "change", "debug", "link in", "link out", "link call", "catch", "status", "complete",
         "junction", "cfg", "other-cfg", "global-config"}
CONFIG_TYPES = {"cfg", "other-cfg"}


def known(t: str) -> bool:
    return t in KNOWN


parse = parser(KNOWN, CONFIG_TYPES)




def errors(problems: list[FlowProblem]) -> list[FlowProblem]:
    return [p for p in problems if p.level == "error"]


def where(problems: list[FlowProblem]) -> list[tuple[str | None, str | None, str | None]]:
    return [(p.node_id, p.node_type, p.property) for p in problems]


# ---------------------------------------------------------------------------------------- structure


def test_valid_flow_has_no_errors():
    fs = parse([tab(), node("a", wires=[["b"]]), node("b", "debug", wires=[])])
    assert errors(validate(fs, known)) == []


def test_not_a_list_is_refused():
    assert errors(validate(parse({"flows": []}), known))


def test_entries_without_id_or_type():
    probs = errors(validate(parse([tab(), {"type": "change"}, {"id": "x"}]), known))
    assert any(p.property == "id" for p in probs)
    assert any(p.node_id == "x" and p.property == "type" for p in probs)


def test_duplicate_ids_are_errors_naming_the_node():
    probs = errors(validate(parse([tab(), node("a"), node("a")]), known))
    assert any(p.node_id == "a" and p.property == "id" and "duplicate" in p.message for p in probs)


def test_a_duplicate_is_still_checked_so_its_unknown_type_is_reported():
    # the second "a" used to be dropped before any check: its type was never reported
    fs = parse([tab(), node("a"), node("a", "not-installed", wires=[["ghost"]])])
    probs = errors(validate(fs, known))
    assert ("a", "not-installed", "id") in where(probs)  # the duplicate is the second object
    assert ("a", "not-installed", "type") in where(probs)
    assert ("a", "not-installed", "wires[0]") in where(validate(fs, known))
    assert missing_types(fs, known) == ["not-installed"]


def test_a_duplicate_tab_is_reported_once():
    probs = errors(validate(parse([tab(), tab(), node("a")]), known))
    assert where(probs) == [("t1", "tab", "id")]


def test_bad_wires_shape():
    fs = parse([tab(), {"id": "a", "type": "change", "z": "t1", "x": 1, "y": 1, "wires": "b"}])
    assert any(p.property == "wires" for p in errors(validate(fs, known)))


def test_dangling_wire_is_a_warning_naming_node_and_port():
    # Node-RED loads it and drops the wire; so do we, saying so (2 of 224 real flows have one)
    probs = validate(parse([tab(), node("a", wires=[[], ["ghost"]])]), known)
    assert errors(probs) == []
    [p] = [p for p in probs if p.level == "warning"]
    assert (p.node_id, p.node_type, p.property) == ("a", "change", "wires[1]")
    assert "ghost" in p.message and "dropped" in p.message


def test_wire_to_config_node_is_an_error():
    fs = parse([tab(), node("a", wires=[["c1"]]), {"id": "c1", "type": "cfg"}])
    assert any(p.property == "wires[0]" for p in errors(validate(fs, known)))


def test_wire_to_a_node_of_unknown_type_reports_the_type_not_a_config_node():
    # without x/y an unknown type looks like a config node (Node-RED's rule); the wire is not the
    # problem, the missing type is
    fs = parse([tab(), node("a", wires=[["u"]]), {"id": "u", "type": "mystery", "z": "t1"}])
    probs = errors(validate(fs, known))
    assert where(probs) == [("u", "mystery", "type")]
    assert not any("config node" in p.message for p in probs)


def test_unknown_types_reported_and_listed():
    fs = parse([tab(), node("a", "nope"), node("b", "nope"), node("c", "subflow:missing")])
    assert missing_types(fs, known) == ["nope", "subflow:missing"]
    probs = [p for p in validate(fs, known) if p.property == "type"]
    assert {p.node_type for p in probs} == {"nope", "subflow:missing"}


def test_node_on_a_tab_the_file_lacks_loads_on_an_added_tab():
    # Node-RED's parseConfig adds the tab (addedTabs): the examples it ships have no tab node
    fs = parse([tab(), node("a", z="elsewhere", wires=[["b"]]), node("b", "debug", z="elsewhere")])
    probs = validate(fs, known)
    assert [p for p in probs if p.level != "info"] == []
    [note] = [p for p in probs if p.property == "z"]
    assert (note.node_id, note.level) == ("elsewhere", "info") and "2 node(s)" in note.message


def test_node_without_z_is_an_error_and_a_z_naming_a_node_is_one_too():
    fs = parse([tab(), {"id": "b", "type": "change", "x": 1, "y": 1, "wires": []},
                node("c", z="b"), {"id": "g1", "type": "group", "z": "t1"}, node("d", z="g1")])
    probs = errors(validate(fs, known))
    assert where(probs) == [("b", "change", "z"), ("c", "change", "z"), ("d", "change", "z")]
    assert "'change' object" in probs[1].message and "'group' object" in probs[2].message


def test_unknown_link_target_is_a_warning():
    probs = validate(parse([tab(), node("lo", "link out", links=["gone"], wires=[])]), known)
    assert not errors(probs)
    assert any(p.level == "warning" and p.property == "links" for p in probs)


def test_unknown_group_is_a_warning():
    probs = validate(parse([tab(), node("a", g="nogroup")]), known)
    assert [(p.node_id, p.property, p.level) for p in probs] == [("a", "g", "warning")]


def test_subflow_recursion_is_refused():
    fs = parse([tab(), {"id": "sf", "type": "subflow", "in": [], "out": []}, node("i", "subflow:sf", z="sf")])
    assert any("itself" in p.message for p in errors(validate(fs, known)))


def test_circular_config_dependency_is_an_error():
    fs = parse([{"id": "c1", "type": "cfg", "other": "c2"}, {"id": "c2", "type": "cfg", "other": "c1"}])
    probs = errors(validate(fs, known))
    assert len(probs) == 1 and "circular" in probs[0].message and probs[0].node_id == "c1"


def test_config_self_reference_is_circular():
    fs = parse([{"id": "c1", "type": "cfg", "me": "c1"}])
    assert any("circular" in p.message for p in errors(validate(fs, known)))


def test_wiring_cycles_are_only_info_and_skipped_without_info():
    fs = parse([tab(), node("a", wires=[["b"]]), node("b", wires=[["a"]]), node("s", wires=[["s"]])])
    probs = validate(fs, known)
    assert errors(probs) == []
    assert {p.node_id for p in probs if p.level == "info"} == {"a", "s"}
    assert validate(fs, known, info=False) == []


def test_check_node_problems_are_included_for_enabled_known_nodes():
    calls = []

    def check(raw):
        calls.append(raw["id"])
        return [FlowProblem(raw["id"], raw["type"], "rules", "bad")]

    probs = errors(validate(parse([tab(), node("a"), node("b", d=True), node("c", "unknown-type")]), known, check))
    assert calls == ["a"]
    assert any(p.node_id == "a" and p.property == "rules" for p in probs)


def test_errors_come_before_warnings_and_info():
    fs = parse([tab(), node("a", wires=[["a"]], g="nogroup"), node("b", wires=[["zz"]])])
    levels = [p.level for p in validate(fs, known)]
    assert levels == sorted(levels, key=["error", "warning", "info"].index)


# ---------------------------------------------------------------------------------------- config refs


def refs(**by_prop: ConfigRef | str):
    return lambda t: by_prop if t == "change" else {}


def check_refs(flows: list[dict[str, Any]], **by_prop: ConfigRef | str) -> list[FlowProblem]:
    return errors(validate(parse(flows), known, config_types=refs(**by_prop)))


def test_config_reference_must_exist_and_have_the_type():
    flows = [tab(), node("a", config="c1"), node("b", config="nothere"), node("c", config="gc"),
             node("e", config=""), node("f"), {"id": "c1", "type": "cfg"}, {"id": "gc", "type": "global-config"}]
    probs = check_refs(flows, config="cfg")
    assert where(probs) == [("b", "change", "config"), ("c", "change", "config")]
    assert "'nothere'" in probs[0].message and "does not exist" in probs[0].message
    assert "'global-config'" in probs[1].message and "needs a 'cfg' config node" in probs[1].message
    assert str(probs[0]).startswith("node b (change) property 'config': ")


def test_an_optional_reference_may_be_empty_or_absent_a_required_one_may_not():
    flows = [tab(), node("empty", config=""), node("absent"), node("null", config=None)]
    assert check_refs(flows, config=ConfigRef("cfg")) == []
    probs = check_refs(flows, config=ConfigRef("cfg", required=True))
    assert where(probs) == [("empty", "change", "config"), ("absent", "change", "config"),
                            ("null", "change", "config")]
    assert all("needs a 'cfg' config node" in p.message for p in probs)


def test_a_required_absent_reference_the_schema_already_reported_is_not_repeated():
    def schema(raw):
        return [FlowProblem(raw["id"], raw["type"], "config", "'config' is a required property")]

    probs = errors(validate(parse([tab(), node("a")]), known, schema, refs(config=ConfigRef("cfg", True))))
    assert [p.message for p in probs] == ["'config' is a required property"]


def test_any_config_type_accepts_every_config_node_but_not_a_plain_node():
    flows = [tab(), node("a", config="c1"), node("b", config="o1"), node("c", config="plain"),
             node("plain", "debug", wires=[]), {"id": "c1", "type": "cfg"}, {"id": "o1", "type": "other-cfg"}]
    probs = check_refs(flows, config="")
    assert where(probs) == [("c", "change", "config")]
    assert "not a config node" in probs[0].message


def test_a_disabled_config_node_or_one_on_a_disabled_tab_is_a_warning():
    # Node-RED loads such a flow: the config node is not started and the node runs without it
    flows = [tab(), tab("off", disabled=True), node("a", config="dis"), node("b", config="scoped"),
             {"id": "dis", "type": "cfg", "d": True}, {"id": "scoped", "type": "cfg", "z": "off"}]
    assert check_refs(flows, config="cfg") == []
    probs = [p for p in validate(parse(flows), known, config_types=refs(config="cfg")) if p.property == "config"]
    assert where(probs) == [("a", "change", "config"), ("b", "change", "config")]
    assert [p.level for p in probs] == ["warning", "warning"]
    assert "disabled" in probs[0].message and "disabled tab 'off'" in probs[1].message
    assert "starts without it" in probs[0].message


def test_nodes_that_do_not_run_are_not_checked():
    flows = [tab(), tab("off", disabled=True), node("dis", config="ghost", d=True),
             node("asleep", z="off", config="ghost"), node("u", "unknown-type", config="ghost")]
    assert [p for p in check_refs(flows, config="cfg") if p.property == "config"] == []


def test_a_reference_to_a_subflows_own_config_node_from_outside_is_an_error():
    flows = [tab(), {"id": "sf", "type": "subflow", "in": [], "out": []},
             {"id": "inner", "type": "cfg", "z": "sf"}, node("in_sf", z="sf", config="inner"),
             node("outside", config="inner")]
    assert where(check_refs(flows, config="cfg")) == [("outside", "change", "config")]


def test_env_references_and_wrong_value_types():
    flows = [tab(), node("a", config="${BROKER}"), node("b", config=5)]
    probs = check_refs(flows, config="cfg")
    assert where(probs) == [("b", "change", "config")] and "must be the id" in probs[0].message


def test_config_nodes_are_checked_too():
    # a config node may need another one (a client's tls-config, say)
    flows = [{"id": "c1", "type": "cfg", "tls": "gone"}]
    probs = errors(validate(parse(flows), known, config_types=lambda t: {"tls": "other-cfg"} if t == "cfg" else {}))
    assert where(probs) == [("c1", "cfg", "tls")]

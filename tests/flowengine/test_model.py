"""model.py: parsing flow JSON into frozen dataclasses, and the rev hash."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from flowengine.model import EnvEntry, flows_rev, parse_env, parse_flows


def test_rev_is_sha256_of_compact_json_like_node_red():
    flows = [{"id": "t", "type": "tab", "label": "é"}]
    compact = json.dumps(flows, separators=(",", ":"), ensure_ascii=False)
    assert flows_rev(flows) == hashlib.sha256(compact.encode()).hexdigest()
    assert flows_rev([]) == hashlib.sha256(b"[]").hexdigest()


def test_objects_are_frozen_and_keep_raw():
    raw = {"id": "n", "type": "change", "z": "t", "x": 1, "y": 2, "wires": [["a"], []], "g": "g1", "d": True}
    fs = parse_flows([{"id": "t", "type": "tab"}, raw])
    n = fs.nodes["n"]
    assert n.raw is raw and n.wires == (("a",), ()) and n.g == "g1" and n.disabled
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.id = "x"  # type: ignore[misc]


def test_subflow_ports_and_instance_id():
    fs = parse_flows([{"id": "sf", "type": "subflow", "in": [{"wires": [{"id": "a"}]}],
                       "out": [{"wires": [{"id": "a", "port": 1}, {"id": "sf", "port": 0}]}],
                       "status": {"wires": [{"id": "b", "port": 0}]}},
                      {"id": "i", "type": "subflow:sf", "z": "t", "x": 0, "y": 0, "wires": [[]]}])
    sf = fs.subflows["sf"]
    assert sf.inputs[0].targets == (("a", 0),)
    assert sf.outputs[0].targets == (("a", 1), ("sf", 0))
    assert sf.status is not None and sf.status.targets == (("b", 0),)
    assert fs.nodes["i"].subflow_id == "sf" and not fs.nodes["i"].is_config


def test_config_decision_uses_callback_then_xy_rule():
    flows = [{"id": "a", "type": "cfgtype"}, {"id": "b", "type": "known-node"},
             {"id": "c", "type": "unknown"}, {"id": "d", "type": "unknown", "x": 1, "y": 1},
             {"id": "gc", "type": "global-config"}, {"id": "j", "type": "junction"}]
    fs = parse_flows(flows, lambda t: {"cfgtype": True, "known-node": False}.get(t))
    assert [fs.nodes[i].is_config for i in "abcd"] == [True, False, True, False]
    assert fs.nodes["gc"].is_config and fs.global_config is fs.nodes["gc"]
    assert not fs.nodes["j"].is_config


def test_env_entries_are_typed_and_bad_ones_skipped():
    env = parse_env([{"name": "A", "value": "1", "type": "num"}, {"value": "no name"}, "junk",
                     {"name": "B", "value": "x"}])
    assert env == (EnvEntry("A", "1", "num"), EnvEntry("B", "x", "str"))
    assert parse_env(None) == ()


def test_members_and_by_id():
    fs = parse_flows([{"id": "t", "type": "tab"}, {"id": "a", "type": "x", "z": "t", "x": 0, "y": 0},
                      {"id": "b", "type": "x", "z": "u", "x": 0, "y": 0}])
    assert [n.id for n in fs.members("t")] == ["a"]
    assert fs.by_id("t") == {"id": "t", "type": "tab"} and fs.by_id("zz") is None


def test_a_repeated_id_is_a_problem_and_the_repeat_is_kept_aside_parsed():
    first = {"id": "a", "type": "change", "z": "t", "x": 0, "y": 0, "wires": [[]]}
    again = {"id": "a", "type": "not-installed", "z": "t", "x": 0, "y": 0, "wires": [["b"]]}
    fs = parse_flows([{"id": "t", "type": "tab"}, first, again, {"id": "t", "type": "tab"}])
    assert fs.nodes["a"].raw is first  # the first object wins
    assert [(d.id, d.type, d.wires) for d in fs.duplicates] == [("a", "not-installed", (("b",),))]
    assert [(p.node_id, p.node_type, p.property) for p in fs.problems] == [("a", "not-installed", "id"),
                                                                           ("t", "tab", "id")]


def test_a_z_naming_no_tab_gets_an_added_tab_as_in_node_red():
    # parseConfig's addedTabs: {"type": "tab", "id": z}, no label, after the file's tabs, in order of use
    flows = [{"id": "n1", "type": "inject", "z": "b", "x": 0, "y": 0, "wires": [[]]},
             {"id": "t", "type": "tab", "label": "mine"},
             {"id": "n2", "type": "debug", "z": "a", "x": 0, "y": 0},
             {"id": "c", "type": "cfg", "z": "a"},
             {"id": "n3", "type": "debug", "z": "b", "x": 0, "y": 0},
             {"id": "sf", "type": "subflow", "in": [], "out": []},
             {"id": "n4", "type": "debug", "z": "sf", "x": 0, "y": 0},
             {"id": "n5", "type": "debug", "z": "n1", "x": 0, "y": 0},
             {"id": "g", "type": "group", "z": "b"}]
    fs = parse_flows(flows)
    assert list(fs.tabs) == ["t", "b", "a"]
    added = fs.tabs["b"]
    assert added.added and not fs.tabs["t"].added
    assert (added.label, added.disabled, added.env, dict(added.raw)) == ("", False, (), {"id": "b", "type": "tab"})
    assert [n.id for n in fs.members("a")] == ["n2", "c"]
    assert fs.flows == tuple(flows)  # the file itself is unchanged
    assert "n1" not in fs.tabs and "sf" not in fs.tabs

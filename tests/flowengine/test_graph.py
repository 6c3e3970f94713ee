"""graph.py (pure helpers shared by the graph modules: config refs, link targets) and how parsing
sorts objects. Validation, compiler, subflows and deploy_diff have their own test files."""

from __future__ import annotations

from flow_builders import node, parser, tab

from flowengine.graph import config_refs, link_targets

KNOWN = {"inject", "change", "debug", "link in", "link out", "link call", "catch", "status", "complete",
         "junction", "cfg", "global-config", "test-sink"}
CONFIG_TYPES = {"cfg"}


parse = parser(KNOWN, CONFIG_TYPES)




# ---------------------------------------------------------------------------------------- parse


def test_parse_sorts_objects_into_tables():
    fs = parse([tab(), node("a"), {"id": "c1", "type": "cfg"}, {"id": "g1", "type": "group", "z": "t1"},
                {"id": "sf", "type": "subflow", "name": "S", "in": [], "out": []}])
    assert set(fs.tabs) == {"t1"} and set(fs.groups) == {"g1"} and set(fs.subflows) == {"sf"}
    assert fs.nodes["c1"].is_config and not fs.nodes["a"].is_config


def test_unknown_type_without_xy_is_config_node_like_node_red():
    fs = parse([tab(), {"id": "u", "type": "mystery", "z": "t1"}, node("v", "mystery2")])
    assert fs.nodes["u"].is_config
    assert not fs.nodes["v"].is_config


def test_config_refs_finds_ids_in_values_and_lists():
    raw = {"id": "a", "type": "x", "broker": "c1", "list": ["c2", 3, "zz"], "z": "c3"}
    assert config_refs(raw, {"c1", "c2", "c3"}) == ["c1", "c2"]


# ---------------------------------------------------------------------------------------- links


def test_link_out_targets_are_the_union_of_both_sides():
    flows = [tab(), tab("t2"),
             node("lo", "link out", links=["li1"], mode="link", wires=[]),
             node("li1", "link in", links=[], wires=[[]]),
             node("li2", "link in", z="t2", links=["lo"], wires=[[]]),
             node("li3", "link in", links=[], wires=[[]])]
    assert link_targets(parse(flows)) == {"lo": ["li1", "li2"]}


def test_return_mode_link_out_has_no_link_targets():
    assert link_targets(parse([tab(), node("lo", "link out", mode="return", links=["li"], wires=[]),
                               node("li", "link in", links=["lo"], wires=[[]])])) == {}


def test_link_to_non_link_in_is_ignored():
    fs = parse([tab(), node("lo", "link out", links=["x"], wires=[]), node("x")])
    assert link_targets(fs) == {"lo": []}


def test_links_do_not_cross_into_or_out_of_a_subflow():
    fs = parse([tab(), {"id": "sf", "type": "subflow", "in": [], "out": []},
                node("lo", "link out", links=["in_sf", "on_tab"], wires=[]),
                node("in_sf", "link in", z="sf", links=["lo"], wires=[[]]),
                node("on_tab", "link in", links=[], wires=[[]])])
    assert link_targets(fs) == {"lo": ["on_tab"]}

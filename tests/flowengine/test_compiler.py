"""compiler.py (pure): enabled tabs and nodes only, links compiled into wires, config nodes first."""

from __future__ import annotations

from flow_builders import node, parser, tab

from flowengine.compiler import compile_flows
from flowengine.graph import GLOBAL_FLOW

KNOWN = {"change", "debug", "link in", "link out", "link call", "cfg"}


parse = parser(KNOWN)




# ---------------------------------------------------------------------------------------- tabs, nodes


def test_compile_skips_disabled_nodes_and_tabs_and_puts_configs_first():
    fs = parse([tab(), tab("t2", disabled=True), node("a"), node("b", d=True), node("c", z="t2"),
                {"id": "sc", "type": "cfg", "z": "t1"}, {"id": "gc", "type": "cfg"}])
    c = compile_flows(fs)
    assert set(c.flows) == {GLOBAL_FLOW, "t1"}
    assert [n.id for n in c.flows["t1"].nodes] == ["sc", "a"]
    assert [n.id for n in c.flows[GLOBAL_FLOW].nodes] == ["gc"]
    assert "b" not in c.nodes and "c" not in c.nodes


def test_flow_specs_name_their_place():
    c = compile_flows(parse([tab(), tab("t2"), node("a"), node("b", z="t2"), {"id": "g", "type": "cfg"}]))
    t1 = c.flows["t1"]
    assert (t1.kind, t1.path, t1.parent) == ("tab", "t1", GLOBAL_FLOW) and t1.tab is not None
    assert (c.flows[GLOBAL_FLOW].kind, c.flows[GLOBAL_FLOW].parent) == ("global", None)
    a = c.nodes["a"]
    assert (a.flow, a.root, a.is_config) == ("t1", "a", False) and c.nodes["g"].is_config


def test_disabled_global_config_node_is_not_compiled():
    c = compile_flows(parse([tab(), {"id": "gc", "type": "cfg", "d": True}, node("a", cfg="gc")]))
    assert "gc" not in c.nodes and c.flows[GLOBAL_FLOW].nodes == []


def test_wires_to_a_disabled_node_stay_in_the_spec_and_the_target_does_not_run():
    c = compile_flows(parse([tab(), node("a", wires=[["off"]]), node("off", d=True)]))
    assert c.nodes["a"].wires == (("off",),) and "off" not in c.nodes  # the route drops the target


def test_groups_of_a_tab_travel_with_its_flow():
    c = compile_flows(parse([tab(), tab("t2"), {"id": "g1", "type": "group", "z": "t1", "nodes": ["a"]},
                             node("a", g="g1"), node("b", z="t2")]))
    assert set(c.flows["t1"].groups) == {"g1"} and c.flows["t2"].groups == {}


def test_compiled_config_is_a_copy_of_the_raw_node():
    raw = node("a", rules=[1])
    spec = compile_flows(parse([tab(), raw])).nodes["a"]
    assert spec.config == raw and spec.config is not raw


# ---------------------------------------------------------------------------------------- config order


def test_global_config_nodes_ordered_by_reference():
    fs = parse([{"id": "c1", "type": "cfg", "uses": "c2"}, {"id": "c2", "type": "cfg"}])
    assert [n.id for n in compile_flows(fs).flows[GLOBAL_FLOW].nodes] == ["c2", "c1"]


def test_config_order_keeps_file_order_otherwise_and_for_cycles():
    chain = parse([{"id": "c1", "type": "cfg"}, {"id": "c3", "type": "cfg", "uses": "c2"},
                   {"id": "c2", "type": "cfg"}, {"id": "c4", "type": "cfg"}])
    assert [n.id for n in compile_flows(chain).flows[GLOBAL_FLOW].nodes] == ["c1", "c2", "c3", "c4"]
    cycle = parse([{"id": "c1", "type": "cfg", "uses": "c2"}, {"id": "c2", "type": "cfg", "uses": "c1"}])
    assert [n.id for n in compile_flows(cycle).flows[GLOBAL_FLOW].nodes] == ["c1", "c2"]


# ---------------------------------------------------------------------------------------- links


def test_link_out_compiled_to_the_union_of_both_sides_across_tabs():
    flows = [tab(), tab("t2"),
             node("lo", "link out", links=["li1"], mode="link", wires=[]),
             node("li1", "link in", links=[], wires=[[]]),
             node("li2", "link in", z="t2", links=["lo"], wires=[[]]),
             node("li3", "link in", links=[], wires=[[]])]
    compiled = compile_flows(parse(flows))
    assert compiled.nodes["lo"].wires == (("li1", "li2"),)
    assert compiled.nodes["lo"].config["wires"] == [["li1", "li2"]]


def test_return_mode_link_out_keeps_its_own_wires():
    spec = compile_flows(parse([tab(), node("lo", "link out", mode="return", links=[], wires=[])])).nodes["lo"]
    assert spec.wires == () and spec.config["wires"] == []


def test_link_to_a_disabled_tab_compiles_but_the_target_does_not_run():
    flows = [tab(), tab("off", disabled=True), node("lo", "link out", links=["li"], wires=[]),
             node("li", "link in", z="off", links=["lo"], wires=[[]])]
    c = compile_flows(parse(flows))
    assert c.nodes["lo"].wires == (("li",),) and "li" not in c.nodes


def test_links_inside_a_subflow_stay_inside_it():
    flows = [tab(), {"id": "sf", "type": "subflow", "in": [], "out": []},
             node("lo", "link out", z="sf", links=["inside", "outside"], wires=[]),
             node("inside", "link in", z="sf", links=["lo"], wires=[[]]),
             node("outside", "link in", links=["lo"], wires=[[]]),
             node("inst", "subflow:sf", wires=[])]
    c = compile_flows(parse(flows))
    [lo] = [n for n in c.flows["inst"].nodes if n.config.get("_alias") == "lo"]
    [inside] = [n for n in c.flows["inst"].nodes if n.config.get("_alias") == "inside"]
    assert lo.wires == ((inside.id,),)

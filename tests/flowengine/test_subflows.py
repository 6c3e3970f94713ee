"""subflows.py (pure): per-instance copies of a subflow's nodes, wiring through the ports, env, status."""

from __future__ import annotations

from typing import Any

from flow_builders import node, parser, tab

from flowengine.compiler import compile_flows
from flowengine.graph import FlowSpec, NodeSpec
from flowengine.model import EnvEntry
from flowengine.subflows import expand_instance

KNOWN = {"change", "debug", "status", "catch", "cfg"}


parse = parser(KNOWN)




SUBFLOW = {
    "id": "sf", "type": "subflow", "name": "S", "env": [{"name": "A", "value": "1", "type": "str"}],
    "in": [{"x": 0, "y": 0, "wires": [{"id": "n1"}]}],
    "out": [{"x": 0, "y": 0, "wires": [{"id": "n2", "port": 0}]},
            {"x": 0, "y": 0, "wires": [{"id": "sf", "port": 0}]}],
    "status": {"x": 0, "y": 0, "wires": [{"id": "st", "port": 0}]},
}


def subflow_flows(**instance: Any) -> list[dict[str, Any]]:
    return [tab(), dict(SUBFLOW),
            node("n1", z="sf", wires=[["n2"]]),
            node("n2", z="sf", wires=[[]]),
            node("st", "status", z="sf", scope=["n1"], wires=[[]]),
            node("i1", "subflow:sf", wires=[["o1"], ["o2"]], **{"env": [], **instance}),
            node("o1", "debug", wires=[]), node("o2", "debug", wires=[])]


def copies(flow: FlowSpec) -> dict[str, NodeSpec]:
    return {n.config["_alias"]: n for n in flow.nodes if "_alias" in n.config}


def test_instance_gets_copies_with_alias_and_flattened_wires():
    c = compile_flows(parse(subflow_flows()))
    inst_flow = c.flows["i1"]
    assert inst_flow.kind == "subflow" and inst_flow.parent == "t1" and inst_flow.path == "t1/i1"
    by_alias = copies(inst_flow)
    assert set(by_alias) == {"n1", "n2", "st"}
    n1, n2, st = by_alias["n1"], by_alias["n2"], by_alias["st"]
    assert n1.id != "n1" and n1.config["z"] == "i1" and n1.root == "i1" and n1.flow == "i1"
    assert n1.wires == ((n2.id,),)
    assert n2.wires == (("o1",),)  # output 0 goes straight to the outside targets
    assert st.config["scope"] == [n1.id]  # scope remapped to the copy
    # instance input -> internal input targets, plus the straight-through output 1
    assert c.nodes["i1"].wires == ((n1.id, "o2"),)
    assert "n1" not in c.nodes  # the definition's own nodes never run


def test_status_port_becomes_a_subflow_status_node_of_the_instance():
    c = compile_flows(parse(subflow_flows()))
    st = copies(c.flows["i1"])["st"]
    assert st.wires == (("i1:status",),)
    status = c.nodes["i1:status"]
    assert (status.type, status.flow, status.root, status.config["z"]) == ("subflow-status", "i1", "i1", "i1")


def test_no_status_node_without_status_wires():
    flows = subflow_flows()
    flows[1] = {**SUBFLOW, "status": {"x": 0, "y": 0, "wires": []}}
    c = compile_flows(parse(flows))
    assert "i1:status" not in c.nodes


def test_instance_flow_carries_the_subflow_env_and_the_instance_overrides():
    override = [{"name": "A", "value": "2", "type": "str"}, {"name": "B", "value": "x", "type": "str"}]
    c = compile_flows(parse(subflow_flows(env=override)))
    inst_flow = c.flows["i1"]
    assert inst_flow.subflow is not None and inst_flow.subflow.env == (EnvEntry("A", "1", "str"),)
    assert inst_flow.instance is not None and inst_flow.instance.id == "i1"
    assert inst_flow.instance_config is not None and inst_flow.instance_config["env"] == override


def test_two_instances_get_distinct_ids_stable_across_compiles():
    flows = [*subflow_flows(), node("i2", "subflow:sf", wires=[[], []])]
    a, b = compile_flows(parse(flows)), compile_flows(parse(flows))
    ids1 = {n.id for n in a.flows["i1"].nodes}
    ids2 = {n.id for n in a.flows["i2"].nodes}
    assert not ids1 & ids2
    assert ids1 == {n.id for n in b.flows["i1"].nodes}


def test_config_nodes_and_groups_inside_the_subflow_are_copied_and_references_remapped():
    flows = [tab(), {"id": "sf", "type": "subflow", "in": [{"wires": [{"id": "u"}]}], "out": []},
             {"id": "k", "type": "cfg", "z": "sf"},
             {"id": "g", "type": "group", "z": "sf", "nodes": ["u"]},
             node("u", z="sf", g="g", server="k", wires=[[]]),
             node("i1", "subflow:sf", wires=[])]
    c = compile_flows(parse(flows))
    by_alias = copies(c.flows["i1"])
    k, u = by_alias["k"], by_alias["u"]
    assert [n.config["_alias"] for n in c.flows["i1"].nodes] == ["k", "u"]  # config nodes first
    assert k.is_config and u.config["server"] == k.id
    [gid] = c.flows["i1"].groups
    assert u.config["g"] == gid != "g" and c.flows["i1"].groups[gid].z == "i1"


def test_disabled_internal_nodes_are_not_copied():
    flows = subflow_flows()
    flows[3] = {**flows[3], "d": True}  # n2
    c = compile_flows(parse(flows))
    n1 = copies(c.flows["i1"])["n1"]
    assert "n2" not in copies(c.flows["i1"]) and n1.wires == ((),)


def test_nested_instances_expand_recursively_with_the_outer_root():
    flows = [tab(), {"id": "inner", "type": "subflow", "in": [{"wires": [{"id": "x"}]}],
                     "out": [{"wires": [{"id": "x", "port": 0}]}]},
             node("x", z="inner", wires=[[]]),
             {"id": "outer", "type": "subflow", "in": [{"wires": [{"id": "ii"}]}],
              "out": [{"wires": [{"id": "ii", "port": 0}]}]},
             node("ii", "subflow:inner", z="outer", wires=[[]]),
             node("top", "subflow:outer", wires=[["d"]]), node("d", "debug", wires=[])]
    c = compile_flows(parse(flows))
    [inner] = [f for f in c.flows.values() if f.kind == "subflow" and f.parent == "top"]
    x = inner.nodes[0]
    assert x.config["_alias"] == "x" and x.wires == (("d",),) and x.root == "top"
    assert inner.path == f"t1/top/{inner.id}"


def test_expand_instance_directly_fills_the_flow_and_node_tables():
    fs = parse(subflow_flows())
    inst = fs.nodes["i1"]
    spec = NodeSpec("i1", inst.type, dict(inst.raw), inst.wires, "i1", "t1")
    parent = FlowSpec("t1", "tab", "t1", "global")
    flows: dict[str, FlowSpec] = {}
    nodes: dict[str, NodeSpec] = {}
    expand_instance(fs, {}, inst, spec, parent, "i1", flows, nodes, depth=0)
    assert list(flows) == ["i1"] and len(nodes) == 4  # n1, n2, st, i1:status
    assert spec.wires[0][1] == "o2"  # the instance spec's wires were rewritten in place
    deep_flows: dict[str, FlowSpec] = {}
    expand_instance(fs, {}, inst, spec, parent, "i1", deep_flows, {}, depth=33)
    assert deep_flows == {}  # recursion is bounded (validation refuses it before)

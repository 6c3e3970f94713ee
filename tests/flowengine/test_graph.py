"""The pure configuration modules: graph (shapes, links, config refs), validation, compiler and
subflows (compilation, instance expansion), deploy_diff."""

from __future__ import annotations

from typing import Any

from flowengine.compiler import compile_flows
from flowengine.deploy_diff import deploy_diff
from flowengine.errors import FlowProblem
from flowengine.graph import GLOBAL_FLOW, config_refs, link_targets
from flowengine.model import parse_flows

KNOWN = {"inject", "change", "debug", "link in", "link out", "link call", "catch", "status", "complete",
         "junction", "cfg", "global-config", "test-sink"}
CONFIG_TYPES = {"cfg"}


def known(t: str) -> bool:
    return t in KNOWN


def is_config(t: str) -> bool | None:
    return (t in CONFIG_TYPES) if t in KNOWN else None


def parse(flows: list[dict[str, Any]]):
    return parse_flows(flows, is_config)


def tab(tid: str = "t1", **kw: Any) -> dict[str, Any]:
    return {"id": tid, "type": "tab", "label": tid, "disabled": False, "env": [], **kw}


def node(nid: str, typ: str = "change", z: str = "t1", wires: list[list[str]] | None = None,
         **kw: Any) -> dict[str, Any]:
    return {"id": nid, "type": typ, "z": z, "x": 0, "y": 0, "wires": wires if wires is not None else [[]], **kw}


def errors(problems: list[FlowProblem]) -> list[FlowProblem]:
    return [p for p in problems if p.level == "error"]


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


def test_link_out_compiled_to_union_of_both_sides():
    flows = [tab(), tab("t2"),
             node("lo", "link out", links=["li1"], mode="link", wires=[]),
             node("li1", "link in", links=[], wires=[[]]),
             node("li2", "link in", z="t2", links=["lo"], wires=[[]]),
             node("li3", "link in", links=[], wires=[[]])]
    fs = parse(flows)
    assert link_targets(fs) == {"lo": ["li1", "li2"]}
    compiled = compile_flows(fs)
    assert compiled.nodes["lo"].wires == (("li1", "li2"),)
    assert compiled.nodes["lo"].config["wires"] == [["li1", "li2"]]


def test_return_mode_link_out_has_no_wires():
    fs = parse([tab(), node("lo", "link out", mode="return", links=[], wires=[])])
    assert compile_flows(fs).nodes["lo"].wires == ((),) or compile_flows(fs).nodes["lo"].wires == ([],) or \
        compile_flows(fs).nodes["lo"].wires == ()


def test_link_to_non_link_in_is_ignored():
    fs = parse([tab(), node("lo", "link out", links=["x"], wires=[]), node("x")])
    assert link_targets(fs) == {"lo": []}


# ---------------------------------------------------------------------------------------- compile


def test_compile_skips_disabled_nodes_and_tabs_and_puts_configs_first():
    fs = parse([tab(), tab("t2", disabled=True), node("a"), node("b", d=True), node("c", z="t2"),
                {"id": "sc", "type": "cfg", "z": "t1"}, {"id": "gc", "type": "cfg"}])
    c = compile_flows(fs)
    assert set(c.flows) == {GLOBAL_FLOW, "t1"}
    assert [n.id for n in c.flows["t1"].nodes] == ["sc", "a"]
    assert [n.id for n in c.flows[GLOBAL_FLOW].nodes] == ["gc"]
    assert "b" not in c.nodes and "c" not in c.nodes


def test_global_config_nodes_ordered_by_reference():
    fs = parse([{"id": "c1", "type": "cfg", "uses": "c2"}, {"id": "c2", "type": "cfg"}])
    assert [n.id for n in compile_flows(fs).flows[GLOBAL_FLOW].nodes] == ["c2", "c1"]


SUBFLOW = {
    "id": "sf", "type": "subflow", "name": "S", "env": [{"name": "A", "value": "1", "type": "str"}],
    "in": [{"x": 0, "y": 0, "wires": [{"id": "n1"}]}],
    "out": [{"x": 0, "y": 0, "wires": [{"id": "n2", "port": 0}]},
            {"x": 0, "y": 0, "wires": [{"id": "sf", "port": 0}]}],
    "status": {"x": 0, "y": 0, "wires": [{"id": "st", "port": 0}]},
}


def subflow_flows() -> list[dict[str, Any]]:
    return [tab(), dict(SUBFLOW),
            node("n1", z="sf", wires=[["n2"]]),
            node("n2", z="sf", wires=[[]]),
            node("st", "status", z="sf", scope=["n1"], wires=[[]]),
            node("i1", "subflow:sf", wires=[["o1"], ["o2"]], env=[]),
            node("o1", "debug", wires=[]), node("o2", "debug", wires=[])]


def test_subflow_instance_gets_copies_with_alias_and_flattened_wires():
    c = compile_flows(parse(subflow_flows()))
    inst_flow = c.flows["i1"]
    assert inst_flow.kind == "subflow" and inst_flow.parent == "t1" and inst_flow.path == "t1/i1"
    copies = {n.config["_alias"]: n for n in inst_flow.nodes if "_alias" in n.config}
    assert set(copies) == {"n1", "n2", "st"}
    n1, n2, st = copies["n1"], copies["n2"], copies["st"]
    assert n1.id not in ("n1",) and n1.config["z"] == "i1" and n1.root == "i1"
    assert n1.wires == ((n2.id,),)
    assert n2.wires == (("o1",),)  # output 0 goes straight to the outside targets
    assert st.wires == (("i1:status",),)  # the status port
    assert st.config["scope"] == [n1.id]  # scope remapped to the copy
    # instance input -> internal input targets, plus the straight-through output 1
    assert c.nodes["i1"].wires == ((n1.id, "o2"),)
    assert c.nodes["i1:status"].type == "subflow-status"


def test_two_instances_get_distinct_ids_and_stable_ones_across_compiles():
    flows = [*subflow_flows(), node("i2", "subflow:sf", wires=[[], []])]
    a = compile_flows(parse(flows))
    b = compile_flows(parse(flows))
    ids1 = {n.id for n in a.flows["i1"].nodes}
    ids2 = {n.id for n in a.flows["i2"].nodes}
    assert not ids1 & ids2
    assert ids1 == {n.id for n in b.flows["i1"].nodes}


def test_nested_subflows_expand_recursively():
    flows = [tab(), {"id": "inner", "type": "subflow", "in": [{"wires": [{"id": "x"}]}],
                     "out": [{"wires": [{"id": "x", "port": 0}]}]},
             node("x", z="inner", wires=[[]]),
             {"id": "outer", "type": "subflow", "in": [{"wires": [{"id": "ii"}]}],
              "out": [{"wires": [{"id": "ii", "port": 0}]}]},
             node("ii", "subflow:inner", z="outer", wires=[[]]),
             node("top", "subflow:outer", wires=[["d"]]), node("d", "debug", wires=[])]
    c = compile_flows(parse(flows))
    inner_inst = [f for f in c.flows.values() if f.kind == "subflow" and f.parent == "top"]
    assert len(inner_inst) == 1
    x = inner_inst[0].nodes[0]
    assert x.config["_alias"] == "x" and x.wires == (("d",),) and x.root == "top"


# ---------------------------------------------------------------------------------------- diff


def base() -> list[dict[str, Any]]:
    return [tab(), node("i", "inject", wires=[["c"]]), node("c", wires=[["d"]]), node("d", "debug", wires=[]),
            node("u", "inject", wires=[[]]), {"id": "k", "type": "cfg"}, node("user", "change", cfg="k")]


def diff(old, new, kind):
    return deploy_diff(parse(old), parse(new), kind)


def edited(flows, nid, **changes):
    out = [dict(n) for n in flows]
    for n in out:
        if n["id"] == nid:
            n.update(changes)
    return out


def test_full_restarts_everything():
    p = diff(base(), base(), "full")
    assert p.full and p.stop == p.start == {"i", "c", "d", "u", "k", "user"}


def test_nodes_restarts_only_the_changed_node():
    p = diff(base(), edited(base(), "c", rules=[1]), "nodes")
    assert not p.full and p.stop == p.start == {"c"}


def test_moving_a_node_restarts_nothing():
    for kind in ("nodes", "flows"):
        p = diff(base(), edited(base(), "c", x=500, y=9), kind)
        assert p.stop == p.start == frozenset() and p.rewire == frozenset()


def test_flows_restarts_the_linked_nodes_but_not_unconnected_ones():
    p = diff(base(), edited(base(), "c", rules=[1]), "flows")
    assert p.stop == p.start == {"i", "c", "d"}
    assert "u" not in p.stop


def test_rewired_node_keeps_running_in_nodes_deploy_and_gets_new_wires():
    new = edited(base(), "i", wires=[["d"]])
    p = diff(base(), new, "nodes")
    assert p.rewire == {"i"} and p.stop == frozenset()
    pf = diff(base(), new, "flows")
    assert "i" in pf.stop and "i" in pf.start and pf.rewire == frozenset()


def test_added_and_removed_nodes():
    new = [n for n in base() if n["id"] != "u"] + [node("n", "debug", wires=[])]
    p = diff(base(), new, "nodes")
    assert p.stop == {"u"} and p.start == {"n"} and p.removed == {"u"} and p.added == {"n"}


def test_changed_config_node_restarts_its_users():
    p = diff(base(), edited(base(), "k", host="h2"), "nodes")
    assert p.stop == p.start == {"k", "user"}


def test_tab_env_change_restarts_the_tab():
    new = edited(base(), "t1", env=[{"name": "A", "value": "1", "type": "str"}])
    p = diff(base(), new, "nodes")
    assert p.stop >= {"i", "c", "d", "u", "user"} and "k" not in p.stop


def test_disabling_a_tab_removes_its_nodes():
    p = diff(base(), edited(base(), "t1", disabled=True), "nodes")
    assert p.stop == {"i", "c", "d", "u", "user"} and p.start == frozenset()


def test_global_config_change_forces_full():
    old = [*base(), {"id": "gc", "type": "global-config", "env": []}]
    new = edited(old, "gc", env=[{"name": "X", "value": "1", "type": "str"}])
    assert diff(old, new, "nodes").full


def test_group_change_restarts_members_but_geometry_does_not():
    old = [*base(), {"id": "g", "type": "group", "z": "t1", "name": "G", "nodes": ["c"], "x": 0, "y": 0,
                     "w": 10, "h": 10}]
    old = edited(old, "c", g="g")
    assert diff(old, edited(old, "g", w=99), "nodes").stop == frozenset()
    assert diff(old, edited(old, "g", name="H"), "nodes").stop == {"c"}


def test_subflow_change_restarts_its_instances():
    old = subflow_flows()
    p = diff(old, edited(old, "n2", rules=[2]), "nodes")
    assert p.stop == p.start == {"i1"}
    p2 = diff(old, edited(old, "sf", name="renamed"), "nodes")
    assert p2.stop == {"i1"}


def test_link_change_counts_as_rewire():
    old = [tab(), node("lo", "link out", links=["a"], wires=[]), node("a", "link in", links=["lo"], wires=[[]]),
           node("b", "link in", links=[], wires=[[]])]
    new = edited(old, "b", links=["lo"])
    p = diff(old, new, "nodes")
    assert "lo" in p.rewire and "b" in p.stop


def test_changed_global_config_used_inside_a_subflow_restarts_the_instance():
    old = [*subflow_flows(), {"id": "k", "type": "cfg"}]
    old = edited(old, "n2", cfg="k")
    p = diff(old, edited(old, "k", host="new"), "nodes")
    assert p.stop == {"k", "i1"}

"""deploy_diff.py (pure): which top-level nodes a full / flows / nodes deploy stops, starts, rewires."""

from __future__ import annotations

from typing import Any

from flow_builders import node, parser, tab

from flowengine.deploy_diff import deploy_diff

KNOWN = {"inject", "change", "debug", "link in", "link out", "cfg", "global-config"}


parse = parser(KNOWN)




def base() -> list[dict[str, Any]]:
    """i -> c -> d, an unconnected inject u, a config node k and its user."""
    return [tab(), node("i", "inject", wires=[["c"]]), node("c", wires=[["d"]]), node("d", "debug", wires=[]),
            node("u", "inject", wires=[[]]), {"id": "k", "type": "cfg"}, node("user", "change", cfg="k")]


ALL = {"i", "c", "d", "u", "k", "user"}


def diff(old, new, kind):
    return deploy_diff(parse(old), parse(new), kind)


def edited(flows, nid, **changes):
    return [dict(n, **changes) if n["id"] == nid else dict(n) for n in flows]


# ---------------------------------------------------------------------------------------- full


def test_full_restarts_everything():
    p = diff(base(), base(), "full")
    assert p.full and p.stop == p.start == ALL and p.rewire == frozenset()


def test_full_stops_the_old_nodes_and_starts_the_new_ones():
    new = [*(n for n in base() if n["id"] != "u"), node("n", "debug", wires=[])]
    p = diff(base(), new, "full")
    assert p.stop == ALL and p.start == ALL - {"u"} | {"n"}


def test_unknown_deploy_types_are_full():
    assert diff(base(), base(), "reload").full


def test_global_config_change_forces_full():
    old = [*base(), {"id": "gc", "type": "global-config", "env": []}]
    new = edited(old, "gc", env=[{"name": "X", "value": "1", "type": "str"}])
    assert diff(old, new, "nodes").full and diff(old, new, "flows").full
    assert diff(base(), old, "nodes").full  # added


# ---------------------------------------------------------------------------------------- nodes


def test_nodes_restarts_only_the_changed_node():
    p = diff(base(), edited(base(), "c", rules=[1]), "nodes")
    assert not p.full and p.stop == p.start == {"c"} and p.changed == {"c"}


def test_moving_a_node_restarts_nothing():
    for kind in ("nodes", "flows"):
        p = diff(base(), edited(base(), "c", x=500, y=9), kind)
        assert p.stop == p.start == frozenset() and p.rewire == frozenset()


def test_added_and_removed_nodes():
    new = [*(n for n in base() if n["id"] != "u"), node("n", "debug", wires=[])]
    p = diff(base(), new, "nodes")
    assert p.stop == {"u"} and p.start == {"n"} and p.removed == {"u"} and p.added == {"n"}


def test_changed_config_node_restarts_its_users():
    p = diff(base(), edited(base(), "k", host="h2"), "nodes")
    assert p.stop == p.start == {"k", "user"}


def test_changed_credentials_count_as_a_change():
    p = deploy_diff(parse(base()), parse(base()), "nodes", {"k"})
    assert p.stop == p.start == {"k", "user"}
    old = [*subflow_flows(), node("i2", "subflow:sf", wires=[[]])]
    assert deploy_diff(parse(old), parse(old), "nodes", {"n1"}).stop == {"i1", "i2"}  # inside a subflow
    assert deploy_diff(parse(base()), parse(base()), "nodes", {"gone"}).stop == frozenset()


def test_config_node_change_reaches_users_through_other_config_nodes():
    old = [*base(), {"id": "k2", "type": "cfg", "tls": "k"}, node("user2", cfg="k2")]
    p = diff(old, edited(old, "k", host="h2"), "nodes")
    assert p.stop == {"k", "user", "k2", "user2"}


def test_tab_env_change_restarts_the_tab():
    new = edited(base(), "t1", env=[{"name": "A", "value": "1", "type": "str"}])
    p = diff(base(), new, "nodes")
    assert p.stop == {"i", "c", "d", "u", "user"} and "k" not in p.stop


def test_disabling_a_tab_removes_its_nodes_and_enabling_adds_them():
    off = edited(base(), "t1", disabled=True)
    p = diff(base(), off, "nodes")
    assert p.stop == {"i", "c", "d", "u", "user"} and p.start == frozenset()
    assert diff(off, base(), "nodes").start == {"i", "c", "d", "u", "user"}


def test_disabling_a_node_removes_it():
    p = diff(base(), edited(base(), "u", d=True), "nodes")
    assert p.removed == {"u"} and p.stop == {"u"} and p.start == frozenset()


def test_group_change_restarts_members_but_geometry_does_not():
    old = [*base(), {"id": "g", "type": "group", "z": "t1", "name": "G", "nodes": ["c"], "x": 0, "y": 0,
                     "w": 10, "h": 10}]
    old = edited(old, "c", g="g")
    assert diff(old, edited(old, "g", w=99), "nodes").stop == frozenset()
    assert diff(old, edited(old, "g", name="H"), "nodes").stop == {"c"}


# ---------------------------------------------------------------------------------------- rewire


def test_a_rewired_node_in_each_plan():
    new = edited(base(), "i", wires=[["d"]])
    nodes = diff(base(), new, "nodes")
    assert nodes.rewire == nodes.rewired == {"i"} and nodes.stop == nodes.start == frozenset()
    flows = diff(base(), new, "flows")
    # flows: the rewired node restarts with everything wired to it, old wiring or new
    assert flows.rewire == frozenset() and flows.stop == flows.start == {"i", "c", "d"}
    assert flows.linked == {"c", "d"}
    full = diff(base(), new, "full")
    assert full.full and full.stop == full.start == ALL and full.rewire == frozenset()


def test_a_rewired_and_changed_node_is_just_changed():
    p = diff(base(), edited(base(), "i", wires=[["d"]], topic="t"), "nodes")
    assert p.changed == {"i"} and p.rewire == frozenset() and p.stop == {"i"}


def test_link_change_counts_as_rewire():
    old = [tab(), node("lo", "link out", links=["a"], wires=[]), node("a", "link in", links=["lo"], wires=[[]]),
           node("b", "link in", links=[], wires=[[]])]
    p = diff(old, edited(old, "b", links=["lo"]), "nodes")
    assert "lo" in p.rewire and "b" in p.stop


# ---------------------------------------------------------------------------------------- flows


def test_flows_restarts_the_linked_nodes_but_not_unconnected_ones():
    p = diff(base(), edited(base(), "c", rules=[1]), "flows")
    assert p.stop == p.start == {"i", "c", "d"} and p.linked == {"i", "d"}
    assert "u" not in p.stop


def test_flows_links_a_removed_node_to_its_old_neighbours():
    new = edited([n for n in base() if n["id"] != "d"], "c", wires=[[]])
    p = diff(base(), new, "flows")
    assert p.removed == {"d"} and p.stop == {"i", "c", "d"} and p.start == {"i", "c"}


# ---------------------------------------------------------------------------------------- subflows

SUBFLOW = {"id": "sf", "type": "subflow", "name": "S", "in": [{"wires": [{"id": "n1"}]}],
           "out": [{"wires": [{"id": "n1", "port": 0}]}]}


def subflow_flows() -> list[dict[str, Any]]:
    return [tab(), dict(SUBFLOW), node("n1", z="sf", wires=[[]]), node("i1", "subflow:sf", wires=[["o"]]),
            node("o", "debug", wires=[]), node("plain", "inject", wires=[[]])]


def test_subflow_change_restarts_its_instances():
    old = subflow_flows()
    p = diff(old, edited(old, "n1", rules=[2]), "nodes")
    assert p.stop == p.start == {"i1"}
    assert diff(old, edited(old, "sf", name="renamed"), "nodes").stop == {"i1"}
    assert diff(old, edited(old, "n1", wires=[["n1"]]), "nodes").stop == {"i1"}  # copies carry the wires


def test_moving_a_node_inside_a_subflow_restarts_nothing():
    old = subflow_flows()
    assert diff(old, edited(old, "n1", x=99, y=7), "nodes").stop == frozenset()


def test_a_rewired_subflow_instance_restarts():
    old = [*subflow_flows(), node("o2", "debug", wires=[])]
    p = diff(old, edited(old, "i1", wires=[["o2"]]), "nodes")
    assert p.changed == {"i1"} and p.rewire == frozenset() and p.stop == p.start == {"i1"}


def test_changed_config_node_used_in_a_subflow_restarts_the_instance():
    old = [*subflow_flows(), {"id": "k", "type": "cfg"}]
    old = edited(old, "n1", cfg="k")
    p = diff(old, edited(old, "k", host="new"), "nodes")
    assert p.stop == p.start == {"k", "i1"} and "plain" not in p.stop


def test_changed_config_node_used_in_a_nested_subflow_restarts_the_outer_instance():
    flows = [tab(), {"id": "inner", "type": "subflow", "in": [], "out": []}, node("x", z="inner", cfg="k"),
             {"id": "outer", "type": "subflow", "in": [], "out": []}, node("ii", "subflow:inner", z="outer"),
             node("top", "subflow:outer"), {"id": "k", "type": "cfg"}, node("plain", "inject")]
    p = diff(flows, edited(flows, "k", host="new"), "nodes")
    assert p.stop == {"k", "top"}


def test_changed_nested_subflow_restarts_the_instances_that_contain_it():
    flows = [tab(), {"id": "inner", "type": "subflow", "in": [], "out": []}, node("x", z="inner"),
             {"id": "outer", "type": "subflow", "in": [], "out": []}, node("ii", "subflow:inner", z="outer"),
             node("top", "subflow:outer"), node("direct", "subflow:inner")]
    p = diff(flows, edited(flows, "x", rules=[1]), "nodes")
    assert p.stop == {"top", "direct"}

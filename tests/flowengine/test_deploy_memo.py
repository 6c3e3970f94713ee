"""A deploy reuses the running configuration's parse and validation for the nodes whose JSON text did
not change (deploy_memo.py): what it checks again, and that its answers are a fresh validation's."""

from __future__ import annotations

from typing import Any

import pytest

from flowengine.errors import FlowValidationError
from flowengine.model import node_texts, parse_flows
from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.settings import Settings
from flowengine.validation import validate


class Probe(Node):
    type = "m-probe"
    events: list[str] = []
    schema = {"type": "object", "properties": {"n": {"type": "integer"}, "flag": {"type": "boolean"},
                                               "cfg": {"type": "string", "x-config-type": "m-cfg"}}}

    def on_start(self) -> None:
        self.events.append(f"start {self.id}")

    def on_close(self, removed: bool) -> None:
        self.events.append(f"close {self.id}")


class Cfg(Node):
    type = "m-cfg"
    is_config = True
    inputs = outputs = 0
    schema = {"type": "object", "properties": {"host": {"type": "string"}}}

    def on_start(self) -> None:
        Probe.events.append(f"start {self.id}")

    def on_close(self, removed: bool) -> None:
        Probe.events.append(f"close {self.id}")


class Other(Node):
    type = "m-other"


def registry() -> Registry:
    reg = Registry()
    reg.add(Probe)
    reg.add(Cfg)
    return reg


def probe(nid: str, wires: tuple[str, ...] = (), z: str = "t1", **kw: Any) -> dict[str, Any]:
    return {"id": nid, "type": "m-probe", "z": z, "x": 0, "y": 0, "wires": [list(wires)], **kw}


FLOWS = [
    {"id": "t1", "type": "tab", "label": "one"},
    {"id": "t2", "type": "tab", "label": "two"},
    {"id": "k", "type": "m-cfg", "host": "h"},
    probe("a", ("b",), n=1),
    probe("b", ("c",), flag=True),
    probe("c", cfg="k"),
    probe("d", z="t2"),
]


def edit(flows: list[dict[str, Any]], nid: str, **changes: Any) -> list[dict[str, Any]]:
    return [dict(n, **changes) if n["id"] == nid else dict(n) for n in flows]


@pytest.fixture
async def rt():
    Probe.events = []
    runtime = Runtime(registry(), Settings(), persist=False)
    await runtime.start([])
    await runtime.deploy([dict(n) for n in FLOWS])
    await runtime.wait_started()
    yield runtime
    await runtime.close()


def count_validations(rt: Runtime) -> list[str]:
    """The node ids the registry's schema check is asked about from now on."""
    asked: list[str] = []
    check = rt.registry.validate

    def counting(config: dict[str, Any]) -> Any:
        asked.append(config["id"])
        return check(config)

    rt.registry.validate = counting  # type: ignore[method-assign]
    return asked


def fresh_problems(rt: Runtime, flows: list[dict[str, Any]]) -> list[Any]:
    """What a validation without any reuse finds (a deploy's: no info-level checks)."""
    fs = parse_flows(flows, rt._is_config)
    return validate(fs, rt._known, rt.registry.validate, rt._config_types, info=False)


async def deploy(rt: Runtime, flows: list[dict[str, Any]], kind: str = "nodes") -> None:
    Probe.events = []
    await rt.deploy(flows, kind)
    await rt.wait_started()


async def test_only_the_changed_node_is_validated_and_restarted(rt):
    asked = count_validations(rt)
    await deploy(rt, edit(FLOWS, "b", n=5))
    assert asked == ["b"]
    assert Probe.events == ["close b", "start b"]
    assert rt._fs.reused == {"k", "a", "c", "d"}


async def test_a_full_redeploy_of_the_same_flows_validates_nothing_again_but_restarts_everything(rt):
    asked = count_validations(rt)
    await deploy(rt, [dict(n) for n in FLOWS], "full")
    assert asked == []
    assert sorted(Probe.events) == sorted(["close a", "close b", "close c", "close d", "close k",
                                           "start a", "start b", "start c", "start d", "start k"])


async def test_a_value_equal_in_python_but_not_in_json_is_validated_again(rt):
    # True == 1 in Python, so the dicts compare equal; the texts ("true", "1") do not
    flows = edit(FLOWS, "b", flag=1)
    assert flows[4] == FLOWS[4]
    asked = count_validations(rt)
    with pytest.raises(FlowValidationError) as err:
        await deploy(rt, flows)
    assert asked == ["b"]
    [problem] = err.value.problems
    assert (problem.node_id, problem.property) == ("b", "flag")
    assert "is not of type 'boolean'" in problem.message


async def test_an_invalid_change_is_refused_with_its_message_and_the_next_deploy_still_reuses(rt):
    rev = rt.revision
    with pytest.raises(FlowValidationError) as err:
        await deploy(rt, edit(FLOWS, "a", n="seven"))
    [problem] = err.value.problems
    assert (problem.node_id, problem.node_type, problem.property) == ("a", "m-probe", "n")
    assert "'seven' is not of type 'integer'" in problem.message
    assert rt.revision == rev and Probe.events == []
    asked = count_validations(rt)
    await deploy(rt, edit(FLOWS, "a", n=7))
    assert asked == ["a"] and Probe.events == ["close a", "start a"]


async def test_a_changed_config_node_restarts_the_nodes_using_it(rt):
    asked = count_validations(rt)
    await deploy(rt, edit(FLOWS, "k", host="other"))
    assert asked == ["k"]
    # as Node-RED does: the config node and its users stop (users first) and start again
    assert Probe.events == ["close c", "close k", "start k", "start c"]


async def test_unchanged_nodes_are_checked_again_when_what_they_refer_to_changed(rt):
    # b's text is unchanged, but its wire now points at a node that is gone
    flows = [n for n in FLOWS if n["id"] != "c"]
    asked = count_validations(rt)
    await deploy(rt, flows)
    assert "b" in asked
    assert any(p.node_id == "b" and p.property == "wires[0]" and p.level == "warning" for p in rt.problems)
    assert rt.problems == fresh_problems(rt, flows)


@pytest.mark.parametrize("change", [
    pytest.param(lambda f: edit(f, "k", d=True), id="config node disabled"),
    pytest.param(lambda f: edit(f, "k", type="m-probe", z="t1", x=0, y=0, wires=[]), id="config node turned node"),
    pytest.param(lambda f: edit(f, "t2", disabled=True), id="tab disabled"),
    pytest.param(lambda f: [n for n in f if n["id"] != "t2"], id="tab removed"),
    pytest.param(lambda f: edit(f, "d", z="t1"), id="node moved to another tab"),
    pytest.param(lambda f: edit(f, "c", d=True), id="node disabled"),
    pytest.param(lambda f: [*f, probe("e", ("a",))], id="node added"),
    pytest.param(lambda f: [*f, {"id": "g1", "type": "group", "z": "t1"}], id="group added"),
    pytest.param(lambda f: [*f, probe("a", n="dup")], id="duplicate id"),
    pytest.param(lambda f: edit(f, "c", type="m-unknown"), id="type now unknown"),
    pytest.param(lambda f: edit(f, "a", n=2.5), id="property invalid"),
])
async def test_the_problems_found_are_those_of_a_fresh_validation(rt, change):
    flows = change([dict(n) for n in FLOWS])
    try:
        await deploy(rt, flows)
    except FlowValidationError:
        pass
    assert rt.problems == fresh_problems(rt, flows)


async def test_a_type_registered_since_makes_the_next_deploy_check_every_node(rt):
    rt.registry.add(Other)
    asked = count_validations(rt)
    await deploy(rt, edit(FLOWS, "b", n=5))
    assert sorted(asked) == ["a", "b", "c", "d", "k"]
    assert rt._fs.reused == frozenset()


async def test_a_caller_changing_its_dicts_after_a_deploy_does_not_change_what_is_reused(rt):
    # the memo keeps texts and parses, not the caller's dicts: a dict changed in place afterwards
    # is a new text at the next deploy
    flows = [dict(n) for n in FLOWS]
    await deploy(rt, flows)
    flows[3]["n"] = "not a number"
    with pytest.raises(FlowValidationError) as err:
        await deploy(rt, flows)
    assert [(p.node_id, p.property) for p in err.value.problems] == [("a", "n")]


def test_node_texts_are_the_compact_json_of_each_item():
    import json

    items = [{"id": "a", "v": [1, 1.0, True, None, "é\u2028\"x"], "o": {}}, "text", 5, None, [], {"n": float("nan")}]
    assert node_texts(items) == [json.dumps(i, separators=(",", ":"), ensure_ascii=False) for i in items]
    for bad in ([{"a": {1, 2}}], [{"a": object()}]):
        with pytest.raises(TypeError, match="is not JSON serializable"):
            node_texts(bad)
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        node_texts([loop])


LINKED = [
    {"id": "t1", "type": "tab", "label": "one"},
    {"id": "t2", "type": "tab", "label": "two", "env": [{"name": "E", "value": "1"}]},
    {"id": "k", "type": "m-cfg", "host": "h"},
    {"id": "g1", "type": "group", "z": "t1", "name": "g"},
    probe("a", ("b",), g="g1"),
    probe("b", cfg="k"),
    {"id": "lo", "type": "link out", "z": "t1", "links": ["li"], "x": 0, "y": 0, "wires": []},
    {"id": "li", "type": "link in", "z": "t2", "links": ["lo"], "x": 0, "y": 0, "wires": [["c"]]},
    {"id": "li2", "type": "link in", "z": "t2", "links": [], "x": 0, "y": 0, "wires": [["c"]]},
    probe("c", z="t2"),
]


@pytest.mark.parametrize("change", [
    pytest.param(lambda f: f, id="nothing"),
    pytest.param(lambda f: edit(f, "a", n=3), id="property"),
    pytest.param(lambda f: edit(f, "a", wires=[[]]), id="wires"),
    pytest.param(lambda f: edit(f, "k", host="x"), id="config node"),
    pytest.param(lambda f: edit(f, "li2", links=["lo"]), id="a link in joins: the unchanged link out is rewired"),
    pytest.param(lambda f: edit(f, "g1", name="renamed"), id="group renamed"),
    pytest.param(lambda f: edit(f, "t2", env=[{"name": "E", "value": "2"}]), id="tab env"),
    pytest.param(lambda f: [n for n in f if n["id"] != "c"], id="node removed"),
])
@pytest.mark.parametrize("kind", ["nodes", "flows", "full"])
def test_the_diff_of_reused_nodes_is_the_diff_of_a_comparison(change, kind):
    from flowengine.deploy_diff import deploy_diff

    reg = registry()

    def is_config(t: str) -> bool | None:
        cls = reg.get(t)
        return cls.is_config if cls is not None else None

    index: dict[str, Any] = {}
    old = parse_flows(LINKED, is_config, texts=node_texts(LINKED), index=index)
    flows = change([dict(n) for n in LINKED])
    new = parse_flows(flows, is_config, texts=node_texts(flows), previous=index)
    assert new.reused  # most nodes kept their text
    assert deploy_diff(old, new, kind, unchanged=new.reused) == deploy_diff(old, new, kind)


async def test_environment_references_are_substituted_in_new_and_reused_nodes(rt):
    flows = [dict(n) for n in FLOWS]
    flows[1] = {**flows[1], "env": [{"name": "E", "value": "from tab", "type": "str"}]}
    flows.append(probe("e", z="t2", label="${E}", plain="no reference"))
    await deploy(rt, flows, "full")
    assert rt.node("e").config["label"] == "from tab"
    assert rt._fs.nodes["e"].env_free is False and rt._fs.nodes["d"].env_free is True
    await deploy(rt, [dict(n) for n in flows], "full")  # e reused from the memo, built again
    assert "e" in rt._fs.reused and rt.node("e").config["label"] == "from tab"

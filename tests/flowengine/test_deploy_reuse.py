"""A deploy keeps the compiled specs of the nodes whose text did not change (compiler.py) and resolves
only the routes whose targets changed (route.resolve_changed): what makes it build or resolve again."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from flowengine.compiler import compile_flows
from flowengine.model import node_texts, parse_flows
from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.testing import FlowHarness, TestSink


class Hop(Node):
    """Adds its id and its ``label`` to ``msg.path``, and sends it on."""

    type = "r-hop"
    starts: list[str] = []

    def on_start(self) -> None:
        self.starts.append(self.id)

    def on_input(self, msg, send, done):
        msg.setdefault("path", []).append(f"{self.id}:{self.config.get('label', '')}")
        send(msg)
        done()


class Scribbler(Hop):
    """Writes into its config when built (a node may): the next node built from the spec must not see it."""

    type = "r-scribbler"

    def __init__(self, host, config, credentials=None):
        config["label"] = config.get("label", "") + "+scribbled"
        config["wires"] = [["nowhere"]]
        super().__init__(host, config, credentials)


class Conf(Node):
    type = "r-conf"
    is_config = True
    inputs = outputs = 0


class User(Hop):
    """Puts its config node's ``host`` in the path."""

    type = "r-user"

    def on_input(self, msg, send, done):
        conf = self.host.engine.node(self.config["conf"])  # type: ignore[attr-defined]
        msg.setdefault("path", []).append(f"{self.id}:{conf.config['host'] if conf else None}")
        send(msg)
        done()


def registry() -> Registry:
    reg = Registry.default()
    for cls in (Hop, Scribbler, Conf, User, TestSink):
        reg.add(cls)
    return reg


@pytest.fixture(autouse=True)
def _reset() -> None:
    Hop.starts = []


def hop(nid: str, wires: tuple[str, ...] = (), z: str = "t1", kind: str = "r-hop", **kw: Any) -> dict[str, Any]:
    return {"id": nid, "type": kind, "z": z, "x": 0, "y": 0, "wires": [list(wires)], **kw}


def sink(nid: str, z: str = "t1") -> dict[str, Any]:
    return {"id": nid, "type": "test-sink", "z": z, "x": 0, "y": 0, "wires": []}


def edit(flows: list[dict[str, Any]], nid: str, **changes: Any) -> list[dict[str, Any]]:
    return [dict(n, **changes) if n["id"] == nid else dict(n) for n in flows]


FLOWS = [
    {"id": "t1", "type": "tab", "label": "one"},
    {"id": "t2", "type": "tab", "label": "two", "env": [{"name": "E", "value": "first", "type": "str"}]},
    {"id": "k", "type": "r-conf", "host": "h1"},
    hop("a", ("b",), label="A"),
    hop("b", ("s",), label="B"),
    sink("s"),
    hop("u", ("su",), kind="r-user", conf="k"),
    sink("su"),
    hop("e", ("se",), z="t2", label="${E}"),
    hop("plain", (), z="t2", label="no reference"),
    sink("se", z="t2"),
    {"id": "lo", "type": "link out", "z": "t1", "mode": "link", "links": ["li"], "x": 0, "y": 0, "wires": []},
    {"id": "li", "type": "link in", "z": "t2", "links": ["lo"], "x": 0, "y": 0, "wires": [["sl"]]},
    {"id": "li2", "type": "link in", "z": "t2", "links": [], "x": 0, "y": 0, "wires": [["sl2"]]},
    sink("sl", z="t2"),
    sink("sl2", z="t2"),
]


async def test_an_unchanged_node_keeps_its_spec_and_a_changed_one_gets_a_new_one():
    async with FlowHarness(FLOWS, registry=registry()) as h:
        before = dict(h.runtime._compiled.nodes)
        await h.deploy(copy.deepcopy(edit(FLOWS, "b", label="B2")), "nodes")  # new objects, as a request's
        after = h.runtime._compiled.nodes
        assert after["b"] is not before["b"] and after["b"].config["label"] == "B2"
        assert all(after[nid] is before[nid] for nid in ("a", "s", "u", "k", "e", "li"))
        assert after["lo"] is not before["lo"]  # a link out's wires come from the link nodes: compiled each time
        # a reused spec holds the values of this deploy's dicts, not the previous one's (kept alive else)
        current = {n["id"]: n for n in h.runtime.get_flows()}
        assert after["a"].config["wires"] is current["a"]["wires"]


async def test_a_survivor_wired_to_a_restarted_node_sends_to_the_new_one():
    async with FlowHarness(FLOWS, registry=registry()) as h:
        old_a, old_b = h.node("a"), h.node("b")
        await h.deploy(edit(FLOWS, "b", label="B2"), "nodes")
        assert h.node("a") is old_a and h.node("b") is not old_b
        h.send_to("a", {"payload": 1})
        [m] = await h.wait_for("s")
        assert m["path"] == ["a:A", "b:B2"]


async def test_a_survivor_given_new_wires_sends_there():
    flows = [*FLOWS, sink("s3")]
    async with FlowHarness(flows, registry=registry()) as h:
        old_b = h.node("b")
        await h.deploy(edit(flows, "b", wires=[["s3"]]), "nodes")
        assert h.node("b") is old_b and Hop.starts == ["a", "b", "u", "e", "plain"]  # only the first deploy's
        h.send_to("a", {"payload": 1})
        [m] = await h.wait_for("s3")
        assert m["path"] == ["a:A", "b:B"] and h.received("s") == []


async def test_a_node_that_wrote_into_its_config_leaves_the_reused_spec_as_deployed():
    flows = [*FLOWS, hop("w", ("sw",), kind="r-scribbler", label="W"), sink("sw")]
    async with FlowHarness(flows, registry=registry()) as h:
        assert h.node("w").config["label"] == "W+scribbled"
        spec = h.runtime._compiled.nodes["w"]
        await h.deploy([dict(n) for n in flows], "full")  # everything built again, from reused specs
        assert h.runtime._compiled.nodes["w"] is spec
        assert h.node("w").config["label"] == "W+scribbled"  # not "W+scribbled+scribbled"
        assert h.node("w").config["wires"] == [["nowhere"]] and h.runtime.get_flows()[-2]["label"] == "W"
        survivor = h.node("w")
        await h.deploy(edit(flows, "b", label="B2"), "nodes")  # w keeps running, its spec is reused
        assert h.node("w") is survivor and h.runtime._compiled.nodes["w"] is spec
        assert survivor.config["label"] == "W+scribbled" and survivor.config["wires"] == [["nowhere"]]
        assert spec.config["label"] == "W" and spec.config["wires"] == [["sw"]]  # ready for the next build
        await h.deploy([dict(n) for n in flows], "full")
        assert h.node("w").config["label"] == "W+scribbled"
        h.send_to("a", {"payload": 1})  # and the rest still runs
        await h.wait_for("s")


async def test_a_changed_config_node_restarts_its_users_which_then_use_the_new_one():
    async with FlowHarness(FLOWS, registry=registry()) as h:
        old_u, old_k = h.node("u"), h.node("k")
        await h.deploy(edit(FLOWS, "k", host="h2"), "nodes")
        assert h.node("u") is not old_u and h.node("k") is not old_k
        assert h.runtime._compiled.nodes["u"] is not None
        h.send_to("u", {"payload": 1})
        [m] = await h.wait_for("su")
        assert m["path"] == ["u:h2"]


async def test_a_tab_environment_change_restarts_the_tabs_nodes_with_the_new_value():
    async with FlowHarness(FLOWS, registry=registry()) as h:
        assert h.node("e").config["label"] == "first"
        old_e, old_plain, old_a = h.node("e"), h.node("plain"), h.node("a")
        Hop.starts = []
        await h.deploy(edit(FLOWS, "t2", env=[{"name": "E", "value": "second", "type": "str"}]), "nodes")
        assert sorted(Hop.starts) == ["e", "plain"]
        assert h.node("e") is not old_e and h.node("plain") is not old_plain and h.node("a") is old_a
        assert h.node("e").config["label"] == "second"
        h.send_to("e", {"payload": 1})
        [m] = await h.wait_for("se")
        assert m["path"] == ["e:second"]


async def test_an_unchanged_link_out_follows_a_link_in_that_joins_it():
    async with FlowHarness(FLOWS, registry=registry()) as h:
        before = h.runtime._compiled.nodes["lo"]
        await h.deploy(edit(FLOWS, "li2", links=["lo"]), "nodes")  # lo's own text is unchanged
        assert h.runtime._compiled.nodes["lo"] is not before
        h.send_to("lo", {"payload": 1})
        await h.wait_for("sl")
        await h.wait_for("sl2")


SUBFLOWED = [
    {"id": "t1", "type": "tab", "label": "one"},
    {"id": "t2", "type": "tab", "label": "two", "disabled": False},
    {"id": "sf", "type": "subflow", "name": "sf", "in": [{"wires": [{"id": "inner"}]}],
     "out": [{"wires": [{"id": "inner", "port": 0}]}]},
    hop("inner", z="sf", label="in"),
    hop("i1", ("x",), kind="subflow:sf"),
    hop("x", ("y",)),
    hop("y"),
    {"id": "k", "type": "r-conf", "host": "h"},
    {"id": "kt", "type": "r-conf", "z": "t1", "host": "h"},
    hop("q", ("x",), z="t2"),
    {"id": "lo", "type": "link out", "z": "t1", "links": ["li"], "x": 0, "y": 0, "wires": []},
    {"id": "li", "type": "link in", "z": "t2", "links": ["lo"], "x": 0, "y": 0, "wires": [["q"]]},
    {"id": "li2", "type": "link in", "z": "t2", "links": [], "x": 0, "y": 0, "wires": [["q"]]},
]


@pytest.mark.parametrize("change", [
    pytest.param(lambda f: f, id="nothing"),
    pytest.param(lambda f: edit(f, "x", label="X"), id="property"),
    pytest.param(lambda f: edit(f, "x", wires=[["q"]]), id="wires"),
    pytest.param(lambda f: edit(f, "inner", label="changed"), id="subflow's node"),
    pytest.param(lambda f: edit(f, "i1", wires=[["y"]]), id="instance rewired"),
    pytest.param(lambda f: edit(f, "t2", disabled=True), id="tab disabled"),
    pytest.param(lambda f: edit(f, "q", z="t1"), id="node moved to another tab"),
    pytest.param(lambda f: edit(f, "li2", links=["lo"]), id="a link in joins an unchanged link out"),
    pytest.param(lambda f: [n for n in f if n["id"] != "li"], id="link in removed"),
    pytest.param(lambda f: edit(f, "k", host="other"), id="config node"),
    pytest.param(lambda f: edit(f, "y", d=True), id="node disabled"),
    pytest.param(lambda f: [n for n in f if n["id"] != "t2"], id="tab removed (its nodes on an added tab)"),
])
def test_a_compile_reusing_specs_is_a_fresh_compile(change):
    reg = registry()

    def is_config(t: str) -> bool | None:
        cls = reg.get(t)
        return cls.is_config if cls is not None else None

    index: dict[str, Any] = {}
    old = parse_flows(SUBFLOWED, is_config, texts=node_texts(SUBFLOWED), index=index)
    previous = compile_flows(old)
    flows = change([dict(n) for n in SUBFLOWED])
    new = parse_flows(flows, is_config, texts=node_texts(flows), previous=index)
    reused, fresh = compile_flows(new, previous), compile_flows(new)
    assert reused.flows.keys() == fresh.flows.keys() and reused.links == fresh.links
    for fid, flow in fresh.flows.items():
        assert [vars(s) for s in reused.flows[fid].nodes] == [vars(s) for s in flow.nodes], fid
    assert {k: vars(s) for k, s in reused.nodes.items()} == {k: vars(s) for k, s in fresh.nodes.items()}
    taken = [nid for nid, s in reused.nodes.items() if previous.nodes.get(nid) is s]
    assert set(taken) <= new.reused and not any(s.root != nid for nid, s in reused.nodes.items() if nid in taken)


async def test_a_credentials_change_restarts_the_node_from_its_reused_spec_with_the_new_ones():
    flows = [*FLOWS[:3], hop("a", ("b",), label="A", credentials={"token": "one"}), *FLOWS[4:]]
    async with FlowHarness(flows, registry=registry()) as h:
        spec, old_a, old_b = h.runtime._compiled.nodes["a"], h.node("a"), h.node("b")
        assert old_a.credentials == {"token": "one"}
        changed = [dict(n, credentials={"token": "two"}) if n["id"] == "a" else dict(n) for n in flows]
        await h.deploy(changed, "nodes")  # the flow's text is the same: only the credentials differ
        assert h.runtime._compiled.nodes["a"] is spec
        assert h.node("a") is not old_a and h.node("a").credentials == {"token": "two"}
        assert h.node("b") is old_b
        h.send_to("a", {"payload": 1})
        [m] = await h.wait_for("s")
        assert m["path"] == ["a:A", "b:B"]

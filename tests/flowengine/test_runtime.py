"""runtime.py: deploy types, validation refusal, conflicts, missing types, state, events, storage."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from flowengine.errors import CorruptFlowsError, DeployConflictError, FlowValidationError, StorageError
from flowengine.model import flows_rev
from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.settings import Settings
from flowengine.testing import FlowHarness, TestSink


class Probe(Node):
    """Counts starts/closes in a shared dict passed through the registry class attribute."""

    type = "t-probe"
    events: dict[str, list[str]] = {}
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}

    def on_start(self):
        self.events.setdefault("start", []).append(self.id)

    def on_input(self, msg, send, done):
        msg.setdefault("path", []).append(self.id)
        send(msg)
        done()

    def on_close(self, removed):
        self.events.setdefault("close", []).append(f"{self.id}:{removed}")


class SlowClose(Node):
    type = "t-slowclose"

    async def on_close(self, removed):
        await asyncio.sleep(10)


class Cfg(Node):
    type = "t-cfg"
    is_config = True
    inputs = outputs = 0


def registry() -> Registry:
    reg = Registry()
    for cls in (Probe, SlowClose, Cfg, TestSink):
        reg.add(cls)
    return reg


@pytest.fixture(autouse=True)
def _reset_log():
    Probe.events = {}
    yield


def tab(tid="t1", **kw):
    return {"id": tid, "type": "tab", "label": tid, "disabled": False, "env": [], **kw}


def probe(nid, wires=(), z="t1", **kw):
    return {"id": nid, "type": "t-probe", "z": z, "x": 0, "y": 0, "wires": [list(wires)], **kw}


def sink(nid="s", z="t1"):
    return {"id": nid, "type": "test-sink", "z": z, "x": 0, "y": 0, "wires": []}


BASE = [tab(), probe("a", ["b"]), probe("b", ["s"]), probe("u"), sink(), {"id": "k", "type": "t-cfg"},
        probe("user", cfg="k")]


def edit(flows, nid, **changes):
    return [dict(n, **changes) if n["id"] == nid else dict(n) for n in flows]


async def test_full_deploy_restarts_everything_and_nodes_deploy_only_changed():
    async with FlowHarness(BASE, registry=registry()) as h:
        assert sorted(Probe.events["start"]) == ["a", "b", "u", "user"]
        Probe.events.clear()
        await h.deploy(edit(BASE, "b", n=1), "nodes")
        assert Probe.events == {"close": ["b:False"], "start": ["b"]}
        Probe.events.clear()
        await h.deploy(edit(BASE, "b", n=2), "flows")
        assert sorted(Probe.events["start"]) == ["a", "b"]
        Probe.events.clear()
        await h.deploy(edit(BASE, "b", n=2), "full")
        assert sorted(Probe.events["start"]) == ["a", "b", "u", "user"]


async def test_removed_nodes_are_closed_with_removed_true():
    async with FlowHarness(BASE, registry=registry()) as h:
        Probe.events.clear()
        await h.deploy([n for n in BASE if n["id"] != "u"], "nodes")
        assert Probe.events == {"close": ["u:True"]}
        assert h.runtime.node("u") is None


async def test_a_full_deploy_closes_deleted_nodes_with_removed_true_and_the_rest_false():
    async with FlowHarness(BASE, registry=registry()) as h:  # as Node-RED: diff.removed for every deploy type
        Probe.events.clear()
        await h.deploy([n for n in BASE if n["id"] != "u"], "full")
        closed = Probe.events["close"]
        assert "u:True" in closed and all(c.endswith(":False") for c in closed if c != "u:True")


async def test_config_change_restarts_users():
    async with FlowHarness(BASE, registry=registry()) as h:
        Probe.events.clear()
        await h.deploy(edit(BASE, "k", host="x"), "nodes")
        assert Probe.events["start"] == ["user"]


async def test_rewired_node_gets_new_wires_in_place_on_nodes_deploy():
    flows = [*BASE, sink("s2")]
    async with FlowHarness(flows, registry=registry()) as h:
        node_b = h.node("b")
        Probe.events.clear()
        await h.deploy(edit(flows, "b", wires=[["s2"]]), "nodes")
        assert Probe.events == {}  # nothing restarted
        assert h.node("b") is node_b
        h.send_to("a", {"payload": 1})
        [m] = await h.wait_for("s2")
        assert m["path"] == ["a", "b"] and h.received("s") == []


async def test_invalid_deploy_is_refused_and_nothing_running_is_touched():
    async with FlowHarness(BASE, registry=registry()) as h:
        rev = h.runtime.revision
        Probe.events.clear()
        with pytest.raises(FlowValidationError) as err:
            await h.runtime.deploy(edit(BASE, "b", n="not a number"))
        assert err.value.problems[0].node_id == "b" and err.value.problems[0].property == "n"
        assert Probe.events == {} and h.runtime.revision == rev
        h.send_to("a", {"payload": 1})
        await h.wait_for("s")


async def test_stale_rev_is_a_conflict():
    async with FlowHarness(BASE, registry=registry()) as h:
        rev = h.runtime.revision
        assert rev == flows_rev(h.flows)
        new_rev = await h.runtime.deploy(edit(BASE, "b", n=3), "full", rev=rev)
        await h.runtime.wait_started()
        with pytest.raises(DeployConflictError):
            await h.runtime.deploy(BASE, "full", rev=rev)
        assert h.runtime.revision == new_rev


async def test_missing_types_stop_flows_and_keep_config_verbatim():
    flows = [*BASE, {"id": "m", "type": "from-elsewhere", "z": "t1", "x": 1, "y": 1, "wires": [[]], "odd": 1}]
    async with FlowHarness(BASE, registry=registry()) as h:
        h.events.clear()
        await h.runtime.deploy(flows)
        assert h.runtime.state == "stop" and h.runtime.missing_types == ["from-elsewhere"]
        assert h.runtime.node("a") is None
        state = [d for t, d in h.events if t == "notification/runtime-state"]
        assert {"state": "stop", "error": "missing-types", "type": "warning",
                "text": "notification.warnings.missing-types", "types": ["from-elsewhere"]} in state
        assert h.runtime.get_flows()[-1] == flows[-1]
        await h.deploy(BASE)
        assert h.runtime.state == "start" and h.runtime.node("a") is not None


async def test_deploy_event_sequence():
    async with FlowHarness(BASE, registry=registry()) as h:
        h.node("a").status(text="old")
        h.events.clear()
        rev = await h.deploy(edit(BASE, "b", n=5))
        seq = [(t, d) for t, d in h.events if t.startswith(("notification/", "status/"))]
        assert seq[0] == ("notification/runtime-state", {})
        assert ("status/a", {}) in seq
        i_stop = seq.index(("notification/runtime-state", {"state": "stop", "deploy": True}))
        i_start = seq.index(("notification/runtime-state", {"state": "start", "deploy": True}))
        assert seq.index(("status/a", {})) < i_stop < i_start
        assert seq[-1] == ("notification/runtime-deploy", {"revision": rev})
        assert h.runtime.events.retained("notification/runtime-deploy") == [
            ("notification/runtime-deploy", {"revision": rev})]


async def test_credentials_are_stripped_and_stored():
    flows = [*BASE, {"id": "k2", "type": "t-cfg", "credentials": {"password": "s3cret"}}]
    async with FlowHarness(BASE, registry=registry()) as h:
        await h.deploy(flows)
        assert all("credentials" not in n for n in h.runtime.get_flows())
        assert h.runtime.credentials.get("k2") == {"password": "s3cret"}
        assert h.node("k2").credentials == {"password": "s3cret"}
        assert "s3cret" not in json.dumps(h.runtime.get_flows())


async def test_a_credentials_only_change_restarts_the_node_and_its_users():
    """A new key for a config node reaches the running node (and the nodes using it) on a
    'nodes' deploy; the same key sent again, or the __PWRD__ placeholder, restarts nothing."""
    async with FlowHarness(BASE, registry=registry()) as h:
        Probe.events.clear()
        await h.deploy(edit(BASE, "k", credentials={"password": "one"}), "nodes")
        assert Probe.events == {"close": ["user:False"], "start": ["user"]}
        assert h.node("k").credentials == {"password": "one"}
        Probe.events.clear()
        await h.deploy(edit(BASE, "k", credentials={"password": "__PWRD__"}), "nodes")
        await h.deploy(edit(BASE, "k", credentials={"password": "one"}), "nodes")
        assert Probe.events == {}
        await h.deploy(edit(BASE, "k", credentials={"password": "two"}), "nodes")
        assert h.node("k").credentials == {"password": "two"} and Probe.events["start"] == ["user"]


async def test_close_timeout_is_logged_and_deploy_continues():
    settings = Settings(nodeCloseTimeout=50)
    flows = [tab(), {"id": "slow", "type": "t-slowclose", "z": "t1", "x": 0, "y": 0, "wires": [[]]}]
    async with FlowHarness(flows, registry=registry(), settings=settings) as h:
        await asyncio.wait_for(h.deploy([tab()]), 2)
        assert (20, "slow", "Close timed out") in h.logs


async def test_set_state_stop_and_start():
    async with FlowHarness(BASE, registry=registry()) as h:
        assert await h.runtime.set_state("stop") == "stop"
        assert h.runtime.node("a") is None and not h.inject("a")
        assert h.runtime.storage.load_runtime_config()["runtimeFlowState"] == "stop"
        assert await h.runtime.set_state("start") == "start"
        assert h.runtime.node("a") is not None
        with pytest.raises(ValueError):
            await h.runtime.set_state("foo")


async def test_disabled_nodes_and_tabs_do_not_start():
    flows = [tab(), tab("t2", disabled=True), probe("a", d=True), probe("b"), probe("c", z="t2")]
    async with FlowHarness(flows, registry=registry()) as h:
        assert Probe.events["start"] == ["b"]
        assert h.runtime.node("a") is None and h.runtime.node("c") is None


async def test_persisted_runtime_saves_flows_and_refuses_corrupt_file(tmp_path):
    settings = Settings.load(user_dir=tmp_path)
    rt = Runtime(registry(), settings)
    await rt.start()
    await rt.deploy(edit(BASE, "b", n=1))
    rev = await rt.deploy(BASE)
    await rt.wait_started()
    await rt.close()
    saved = json.loads((tmp_path / "flows.json").read_text())
    assert flows_rev(saved) == rev
    rt2 = Runtime(registry(), settings)
    await rt2.start()
    assert rt2.revision == rev and rt2.node("a") is not None
    await rt2.close()
    (tmp_path / "flows.json").write_text("[{broken")
    rt3 = Runtime(registry(), settings)
    with pytest.raises(CorruptFlowsError) as err:
        await rt3.start()
    assert err.value.backup is not None
    await rt3.close()
    assert (tmp_path / "flows.json").read_text() == "[{broken"


@pytest.mark.parametrize("bad", ["unserialisable", "disk full"])
async def test_a_deploy_that_cannot_be_saved_keeps_the_stored_credentials(tmp_path, monkeypatch, bad):
    """The flows save fails after the credentials were merged and pruned: the credentials file
    goes back to what matches the flows still on disk (a restart finds the key)."""
    settings = Settings.load(user_dir=tmp_path, credentialSecret="s3cret-for-tests")
    rt = Runtime(registry(), settings)
    await rt.start()
    await rt.deploy([*BASE, {"id": "k2", "type": "t-cfg", "credentials": {"password": "kept"}}])
    await rt.wait_started()
    if bad == "disk full":
        def full(flows, credentials=None, texts=None):
            raise StorageError("cannot write flows.json: [Errno 28] No space left on device")

        monkeypatch.setattr(rt.storage, "save_flows", full)
        new = BASE  # k2 removed: its credentials would be pruned
    else:
        new = [*BASE, {"id": "k3", "type": "t-cfg", "x": float("nan"), "credentials": {"password": "new"}}]
    with pytest.raises(StorageError):
        await rt.deploy(new)
    assert rt.node("k2") is not None  # nothing running was touched
    await rt.close()
    rt2 = Runtime(registry(), settings)
    await rt2.start()
    assert rt2.credentials.get("k2") == {"password": "kept"} and rt2.credentials.get("k3") == {}
    assert rt2.node("k2").credentials == {"password": "kept"}
    await rt2.close()


async def test_safe_mode_loads_without_starting(tmp_path):
    settings = Settings.load(user_dir=tmp_path, safeMode=True)
    rt = Runtime(registry(), settings, persist=False)
    await rt.start(BASE)
    assert rt.state == "safe" and rt.node("a") is None
    await rt.deploy(BASE)
    await rt.wait_started()
    assert rt.state == "start" and rt.node("a") is not None
    await rt.close()


async def test_reload_restarts_from_storage(tmp_path):
    settings = Settings.load(user_dir=tmp_path)
    rt = Runtime(registry(), settings)
    await rt.start()
    await rt.deploy(BASE)
    await rt.wait_started()
    Probe.events.clear()
    await rt.reload()
    await rt.wait_started()
    assert sorted(Probe.events["start"]) == ["a", "b", "u", "user"]
    await rt.close()


async def test_node_exception_in_constructor_does_not_stop_the_others():
    class Broken(Node):
        type = "t-broken"

        def __init__(self, host: Any, config: dict[str, Any], credentials: Any = None):
            raise RuntimeError("cannot build")

    reg = registry()
    reg.add(Broken)
    flows = [tab(), {"id": "x", "type": "t-broken", "z": "t1", "x": 0, "y": 0, "wires": [[]]}, probe("a")]
    async with FlowHarness(flows, registry=reg) as h:
        assert h.runtime.node("a") is not None and h.runtime.node("x") is None
        assert any(nid == "x" and "cannot build" in text for _, nid, text in h.logs)


async def test_check_reports_problems_without_deploying():
    rt = Runtime(registry(), Settings(), persist=False)
    problems = rt.check([tab(), probe("a", ["nowhere"]), {"id": "b", "type": "t-probe", "x": 0, "y": 0}])
    assert [(p.node_id, p.property) for p in problems if p.level == "error"] == [("b", "z")]
    assert [(p.node_id, p.property) for p in problems if p.level == "warning"] == [("a", "wires[0]")]


class EarlySpawner(Node):
    type = "t-early"

    def __init__(self, host: Any, config: dict[str, Any], credentials: Any = None):
        super().__init__(host, config, credentials)
        self.task = self.spawn(asyncio.sleep(3600))


async def test_task_spawned_in_constructor_is_owned_and_cancelled_on_redeploy():
    reg = registry()
    reg.add(EarlySpawner)
    flows = [tab(), {"id": "e", "type": "t-early", "z": "t1", "x": 0, "y": 0, "wires": [[]]}]
    async with FlowHarness(flows, registry=reg) as h:
        task = h.node("e").task
        await h.deploy([tab()])
        assert task.cancelled()


class CfgUser(Node):
    """Declares its config references the way node packages do: the x-config-type schema marker."""

    type = "t-cfg-user"
    schema = {"type": "object", "required": ["server"],
              "properties": {"server": {"type": "string", "x-config-type": "t-cfg"},
                             "backup": {"type": "string", "x-config-type": "t-cfg"}}}


async def test_deploy_refuses_a_missing_or_unset_required_config_node():
    reg = registry()
    reg.add(CfgUser)

    def user(nid, **kw):
        return {"id": nid, "type": "t-cfg-user", "z": "t1", "x": 0, "y": 0, "wires": [[]], **kw}

    good = [tab(), {"id": "k", "type": "t-cfg"}, user("ok", server="k", backup="")]
    async with FlowHarness(good, registry=reg) as h:
        assert h.runtime.state == "start"
        bad = [*good, {"id": "off", "type": "t-cfg", "d": True}, user("u1", server="ghost"),
               user("u2", server="off"), user("u3", server="")]
        with pytest.raises(FlowValidationError) as err:
            await h.runtime.deploy(bad)
        found = {(p.node_id, p.node_type, p.property): p.message for p in err.value.problems}
        assert set(found) == {("u1", "t-cfg-user", "server"), ("u3", "t-cfg-user", "server")}
        assert "'ghost'" in found["u1", "t-cfg-user", "server"]
        assert h.runtime.node("ok") is not None  # nothing running was touched


async def test_a_node_whose_config_node_is_disabled_runs_without_it():
    # Node-RED (Flow.js) does not start a disabled config node; RED.nodes.getNode(id) is then null
    reg = registry()
    reg.add(CfgUser)
    flows = [tab(), {"id": "off", "type": "t-cfg", "d": True},
             {"id": "u", "type": "t-cfg-user", "z": "t1", "x": 0, "y": 0, "wires": [[]], "server": "off"}]
    async with FlowHarness(flows, registry=reg) as h:
        assert h.runtime.state == "start"
        user = h.node("u")
        assert user is not None and user.config_node("off") is None and h.runtime.node("off") is None


def test_real_registry_reports_a_missing_openai_config_node():
    # core + openai as FlowHarness builds them: the OpenAI nodes mark `config` with x-config-type,
    # so a node naming a config node that does not exist is refused with its id, type and property
    rt = Runtime(Registry.default(), Settings(), persist=False)
    flows = [tab(), {"id": "cfg", "type": "openai-config", "name": "real"},
             {"id": "op", "type": "openai-list-files", "z": "t1", "config": "no-such-config", "x": 0, "y": 0,
              "wires": [[]]},
             {"id": "fine", "type": "openai-list-files", "z": "t1", "config": "cfg", "x": 0, "y": 0,
              "wires": [[]]}]
    problems = [p for p in rt.check(flows) if p.level == "error"]
    assert [(p.node_id, p.node_type, p.property) for p in problems] == [("op", "openai-list-files", "config")]
    assert "no-such-config" in problems[0].message


async def test_flows_without_their_tab_run_on_an_added_tab_and_are_kept_as_given():
    # Node-RED's example flows carry no tab node: its runtime adds one (parseConfig, addedTabs)
    flows = [probe("a", ["b"], z="lost"), probe("b", ["s"], z="lost"), sink(z="lost"),
             {"id": "k2", "type": "t-cfg", "z": "lost"}]
    async with FlowHarness(flows, registry=registry()) as h:
        assert [p for p in h.runtime.problems if p.level != "info"] == []
        h.send_to("a", {"payload": 1})
        [m] = await h.wait_for("s")
        assert m["path"] == ["a", "b"]
        assert h.runtime.node("k2") is not None and h.runtime.flow_of("a").spec.tab.added
        assert h.runtime.get_flows() == h.flows  # exported back as given: no tab written into the file
        assert not any(n["type"] == "tab" for n in h.flows)
        await h.runtime.deploy([*h.flows, probe("c", z="other")])
        await h.runtime.wait_started()
        assert h.runtime.node("c") is not None and h.runtime.flow_of("c").id == "other"


async def test_a_wire_to_a_missing_node_is_dropped_with_a_warning(caplog):
    flows = [tab(), probe("a", ["gone", "s"]), sink()]
    with caplog.at_level("WARNING", logger="flowengine.runtime"):
        async with FlowHarness(flows, registry=registry()) as h:
            h.send_to("a", {"payload": 1})
            [m] = await h.wait_for("s")
            assert m["path"] == ["a"]
    [line] = [r.getMessage() for r in caplog.records if "gone" in r.getMessage()]
    assert line.startswith("[t-probe:a] wires[0]: wired to unknown node 'gone'") and "dropped" in line


@pytest.mark.parametrize("stopped_by", ["set_state", "file", "file+safeMode"])
async def test_a_stored_stop_is_reset_by_the_next_start_and_deploys_read_the_file_only_then(tmp_path, stopped_by):
    """runtimeFlowState "stop" (POST /flows/state, or in the file at start) becomes "start" when the
    flows start again; a deploy of running flows does not read the runtime config file at all."""
    if stopped_by.startswith("file"):
        (tmp_path / ".config.runtime.json").write_text(json.dumps({"runtimeFlowState": "stop"}))
    rt = Runtime(registry(), Settings.load(user_dir=tmp_path, safeMode=stopped_by.endswith("safeMode")))
    reads = 0
    load = rt.storage.load_runtime_config

    def counting() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return load()

    rt.storage.load_runtime_config = counting  # type: ignore[method-assign]
    await rt.start(BASE)
    try:
        if stopped_by == "set_state":
            assert rt.state == "start"
            await rt.set_state("stop")
        assert rt.state in ("stop", "safe") and load()["runtimeFlowState"] == "stop"
        await rt.deploy(edit(BASE, "b", n=1))
        await rt.wait_started()
        assert rt.state == "start" and load()["runtimeFlowState"] == "start"
        before = reads
        await rt.deploy(edit(BASE, "b", n=2), "nodes")
        await rt.wait_started()
        assert reads == before
    finally:
        await rt.close()


async def test_stopping_some_nodes_unwires_them_from_the_survivors_and_leaves_the_rest():
    """_stop_nodes re-resolves the routes wired to a stopped node and re-indexes the flows that lost
    one; the other routes keep their wiring (a deploy's create resolves everything again)."""
    catch = {"id": "c2", "type": "catch", "z": "t2", "scope": None, "x": 0, "y": 0, "wires": [["d"]]}
    flows = [*BASE, tab("t2"), catch, probe("d", z="t2"), {"id": "c1", "type": "catch", "z": "t1", "scope": None,
                                                            "x": 0, "y": 0, "wires": [[]]}]
    from nodes.core.catch import Catch

    reg = registry()
    reg.add(Catch)
    async with FlowHarness(flows, registry=reg) as h:
        rt = h.runtime
        b, s, c2 = rt.routes["b"], rt.routes["s"], rt.routes["c2"]
        b_ports, c2_ports = b.ports, c2.ports
        t1, t2 = rt.flows["t1"], rt.flows["t2"]
        t2_catchers = t2.catchers
        assert [w.route.spec.id for w in t1.catchers] == ["c1"]
        await rt._stop_nodes({"a", "s", "c1"}, set(), "deploy")
        assert "s" not in rt.routes and s.closed
        assert b.ports == [[]] and b.single is None  # b wrote to s: re-resolved
        assert c2.ports is c2_ports and rt.routes["d"] in c2.ports[0]  # untouched
        assert b_ports is not b.ports
        assert t1.catchers == [] and t2.catchers is t2_catchers

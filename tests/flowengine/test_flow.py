"""flow.py: delivery order, cloning, send forms, errors/catch, status, complete, subflows."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from flowengine.nodes.core import catch, complete, junction, link, status

from flowengine.errors import NodeError
from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.testing import FlowHarness
from flowengine.types import UNDEFINED


class Relay(Node):
    """Test node: optional mutation, then sends ``msg`` (or what ``msg['_send']`` says)."""

    type = "t-relay"
    outputs = 1

    def on_input(self, msg, send, done):
        if "set" in self.config:
            msg[self.config["set"]] = self.id
        if "raise" in self.config:
            raise ValueError(self.config["raise"])
        if "nodeerror" in self.config:
            done(NodeError(self.config["nodeerror"]))
            return
        if "status" in self.config:
            self.status(fill="red", shape="ring", text=self.config["status"])
        send(msg.pop("_send") if "_send" in msg else msg)
        done()


class Multi(Node):
    type = "t-multi"
    outputs = 3

    def on_input(self, msg, send, done):
        send(msg["_arg"])
        done()


class Slow(Node):
    type = "t-async"

    async def on_input(self, msg, send, done):
        await asyncio.sleep(0.01)
        msg["async"] = True
        send(msg)
        done()


class Counter(Node):
    """Loops a message back to itself ``n`` times (no recursion in loops)."""

    type = "t-loop"
    outputs = 2

    def on_input(self, msg, send, done):
        msg["n"] = msg.get("n", 0) + 1
        send([msg, None] if msg["n"] < msg["limit"] else [None, msg])
        done()


def registry() -> Registry:
    reg = Registry()
    for cls in (Relay, Multi, Slow, Counter):
        reg.add(cls)
    for mod in (catch, status, complete, link, junction):
        for cls in mod.NODES:
            reg.add(cls)
    return reg


def harness(flows: list[dict[str, Any]]) -> FlowHarness:
    return FlowHarness(flows, registry=registry())


# ---------------------------------------------------------------------------------------- delivery


async def test_single_wire_keeps_the_same_object_and_adds_msgid():
    async with harness([{"id": "a", "type": "t-relay", "wires": [["s"]]}, {"id": "s", "type": "test-sink"}]) as h:
        msg = {"payload": 1}
        h.send_to("a", msg)
        [got] = await h.wait_for("s")
        assert got is msg
        assert len(got["_msgid"]) == 16


async def test_fan_out_first_keeps_original_others_get_deep_clones():
    flows = [{"id": "a", "type": "t-relay", "wires": [["b", "c", "d"]]},
             {"id": "b", "type": "t-relay", "set": "by", "wires": [["s1"]]},
             {"id": "c", "type": "t-relay", "wires": [["s2"]]},
             {"id": "d", "type": "t-relay", "wires": [["s3"]]},
             {"id": "s1", "type": "test-sink"}, {"id": "s2", "type": "test-sink"}, {"id": "s3", "type": "test-sink"}]
    async with harness(flows) as h:
        msg = {"payload": {"deep": [1]}}
        h.send_to("a", msg)
        [m1] = await h.wait_for("s1")
        [m2] = await h.wait_for("s2")
        [m3] = await h.wait_for("s3")
        assert m1 is msg and m2 is not msg and m3 is not msg
        assert m2["payload"] is not msg["payload"] and m2["payload"]["deep"] is not msg["payload"]["deep"]
        assert "by" not in m2 and "by" not in m3 and m1["by"] == "b"
        assert m1["_msgid"] == m2["_msgid"] == m3["_msgid"]


async def test_breadth_first_order():
    # a -> [b, c]; b -> d; c and d -> sink: c's message arrives first (Node-RED's setImmediate order)
    flows = [{"id": "a", "type": "t-relay", "wires": [["b", "c"]]},
             {"id": "b", "type": "t-relay", "wires": [["d"]]},
             {"id": "c", "type": "t-relay", "set": "last", "wires": [["s"]]},
             {"id": "d", "type": "t-relay", "set": "last", "wires": [["s"]]},
             {"id": "s", "type": "test-sink"}]
    async with harness(flows) as h:
        h.send_to("a", {"payload": 0})
        got = await h.wait_for("s", 2)
        assert [m["last"] for m in got] == ["c", "d"]


async def test_per_wire_order_and_multiple_messages():
    async with harness([{"id": "m", "type": "t-multi", "wires": [["s"], [], ["s2"]]},
                        {"id": "s", "type": "test-sink"}, {"id": "s2", "type": "test-sink"}]) as h:
        a, b, c = {"payload": "a"}, {"payload": "b"}, {"payload": "c"}
        h.send_to("m", {"_arg": [[a, b], None, c]})
        got = await h.wait_for("s", 2)
        assert [m["payload"] for m in got] == ["a", "b"]
        assert (await h.wait_for("s2"))[0]["payload"] == "c"
        assert got[0] is a and got[1] is not b  # every event after the first is a clone


async def test_port_list_skips_none_and_extra_ports_are_ignored():
    async with harness([{"id": "m", "type": "t-multi", "wires": [["s"], ["s"]]},
                        {"id": "s", "type": "test-sink"}]) as h:
        h.send_to("m", {"_arg": [None, {"payload": 2}, {"payload": 3}, {"payload": 4}]})
        got = await h.wait_for("s")
        await h.drain()
        assert [m["payload"] for m in h.received("s")] == [2] and got


async def test_non_message_is_an_error_and_nothing_is_sent():
    async with harness([{"id": "m", "type": "t-multi", "wires": [["s"]]}, {"id": "s", "type": "test-sink"}]) as h:
        h.send_to("m", {"_arg": [[{"payload": 1}, 42]]})
        await h.drain()
        assert h.received("s") == []
        assert any("non-message-returned" in text for _, _, text in h.logs)


async def test_loops_do_not_grow_the_stack():
    async with harness([{"id": "l", "type": "t-loop", "wires": [["l"], ["s"]]},
                        {"id": "s", "type": "test-sink"}]) as h:
        h.send_to("l", {"limit": 5000})
        [m] = await h.wait_for("s", timeout=10)
        assert m["n"] == 5000


async def test_async_handler_runs_as_task():
    async with harness([{"id": "a", "type": "t-async", "wires": [["s"]]}, {"id": "s", "type": "test-sink"}]) as h:
        h.send_to("a", {"payload": 1})
        [m] = await h.wait_for("s")
        assert m["async"] is True


async def test_send_outside_handler_uses_node_send():
    async with harness([{"id": "a", "type": "t-relay", "wires": [["s"]]}, {"id": "s", "type": "test-sink"}]) as h:
        h.node("a").send({"payload": "timer"})
        [m] = await h.wait_for("s")
        assert m["payload"] == "timer"


# ---------------------------------------------------------------------------------------- errors


def catching(extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": "bad", "type": "t-relay", "name": "B", "raise": "boom", "wires": [[]]},
            *extra, {"id": "s", "type": "test-sink"}, {"id": "s2", "type": "test-sink"}]


async def test_handler_exception_goes_to_catch_with_error_shape():
    async with harness(catching([{"id": "c", "type": "catch", "scope": None, "wires": [["s"]]}])) as h:
        h.send_to("bad", {"payload": 1, "error": "old"})
        [m] = await h.wait_for("s")
        assert m["payload"] == 1 and m["_error"] == "old"
        assert m["error"]["message"] == "ValueError: boom"
        assert m["error"]["source"] == {"id": "bad", "type": "t-relay", "name": "B", "count": 1}
        assert "stack" in m["error"]
        assert not [log for log in h.logs if log[0] == 20]


async def test_done_with_error_reports_node_error_text():
    flows = [{"id": "bad", "type": "t-relay", "nodeerror": "nope", "wires": [[]]},
             {"id": "c", "type": "catch", "scope": None, "wires": [["s"]]}, {"id": "s", "type": "test-sink"}]
    async with harness(flows) as h:
        h.send_to("bad", {"payload": 1})
        [m] = await h.wait_for("s")
        assert m["error"]["message"] == "nope" and "stack" not in m["error"]
        assert m["error"]["source"]["name"] is UNDEFINED  # Node-RED: an unnamed node's name is undefined


async def test_uncaught_error_is_logged_at_level_20_on_debug_topic():
    async with harness(catching([])) as h:
        h.send_to("bad", {"payload": 1})
        await h.drain()
        logs = [d for t, d in h.events if t == "debug" and d.get("level") == 20]
        assert logs and logs[0]["id"] == "bad" and logs[0]["type"] == "t-relay"
        assert logs[0]["msg"] == "ValueError: boom" and logs[0]["z"] == "flow" and logs[0]["path"] == "flow"


async def test_scoped_and_uncaught_catch_precedence():
    flows = [{"id": "bad", "type": "t-relay", "raise": "1", "wires": [[]]},
             {"id": "bad2", "type": "t-relay", "raise": "2", "wires": [[]]},
             {"id": "cs", "type": "catch", "scope": ["bad"], "wires": [["s"]]},
             {"id": "cu", "type": "catch", "scope": None, "uncaught": True, "wires": [["s2"]]},
             {"id": "s", "type": "test-sink"}, {"id": "s2", "type": "test-sink"}]
    async with harness(flows) as h:
        h.send_to("bad", {"payload": "one"})
        await h.wait_for("s")
        h.send_to("bad2", {"payload": "two"})
        [m] = await h.wait_for("s2")
        await h.drain()
        assert m["payload"] == "two" and len(h.received("s")) == 1


async def test_group_scoped_catch_prefers_nearest_group():
    flows = [{"id": "g1", "type": "group", "z": "flow", "nodes": ["g2", "c1"]},
             {"id": "g2", "type": "group", "z": "flow", "g": "g1", "nodes": ["bad", "c2"]},
             {"id": "bad", "type": "t-relay", "g": "g2", "raise": "x", "wires": [[]]},
             {"id": "c1", "type": "catch", "g": "g1", "scope": "group", "wires": [["s"]]},
             {"id": "c2", "type": "catch", "g": "g2", "scope": "group", "wires": [["s2"]]},
             {"id": "other", "type": "t-relay", "raise": "y", "wires": [[]]},
             {"id": "s", "type": "test-sink"}, {"id": "s2", "type": "test-sink"}]
    flows.insert(0, {"id": "flow", "type": "tab", "label": "f"})
    async with harness(flows) as h:
        h.send_to("bad", {"payload": 1})
        await h.wait_for("s")
        await h.wait_for("s2")
        h.send_to("other", {"payload": 2})  # not in any group: group catches ignore it
        await h.drain()
        assert len(h.received("s")) == 1 and len(h.received("s2")) == 1
        assert any(level == 20 and nid == "other" for level, nid, _ in h.logs)


async def test_error_loop_stops_at_ten():
    flows = [{"id": "bad", "type": "t-relay", "raise": "x", "wires": [[]]},
             {"id": "c", "type": "catch", "scope": None, "wires": [["bad"]]}]
    async with harness(flows) as h:
        h.send_to("bad", {"payload": 1})
        await h.drain()
        await asyncio.sleep(0.05)
        await h.drain()
        assert h.node("c").stats.received == 9
        assert any("maximum number of catches" in text for _, _, text in h.logs)


async def test_error_without_msg_is_only_logged():
    async with harness(catching([{"id": "c", "type": "catch", "scope": None, "wires": [["s"]]}])) as h:
        assert h.node("bad").error("lonely") is False
        await h.drain()
        assert h.received("s") == [] and (20, "bad", "lonely") in h.logs


async def test_warn_is_level_30():
    async with harness([{"id": "a", "type": "t-relay", "wires": [[]]}]) as h:
        h.node("a").warn("careful")
        ev = [d for t, d in h.events if t == "debug"]
        assert ev[-1]["level"] == 30 and ev[-1]["msg"] == "careful"


async def test_log_events_on_comms_have_node_reds_shape():
    # log_helper + Flow.log + Log.log + encodeObject: key order, z/name only when set, timestamp, format
    flows = [{"id": "a", "type": "t-relay", "name": "A", "wires": [[]]}, {"id": "b", "type": "t-relay", "wires": [[]]}]
    settings = Settings(debugMaxLength=5)
    async with FlowHarness(flows, registry=registry(), settings=settings) as h:
        before = int(time.time() * 1000)
        h.node("a").warn("careful")
        h.node("b").error("broken down")
        warn, err = [d for t, d in h.events if t == "debug"][-2:]
    z = warn["z"]
    assert list(warn) == ["level", "id", "type", "msg", "z", "name", "path", "timestamp", "format"]
    assert warn | {"timestamp": 0} == {"level": 30, "id": "a", "type": "t-relay", "msg": "caref...", "z": z,
                                       "name": "A", "path": z, "timestamp": 0, "format": "string[7]"}
    assert before <= warn["timestamp"] <= time.time() * 1000 and isinstance(warn["timestamp"], int)
    assert list(err) == ["level", "id", "type", "msg", "z", "path", "timestamp", "format"]
    assert (err["level"], err["msg"], err["format"]) == (20, "broke...", "string[11]")


# ---------------------------------------------------------------------------------------- status / complete


async def test_status_goes_to_status_nodes_and_comms():
    flows = [{"id": "a", "type": "t-relay", "name": "A", "status": "hi", "wires": [[]]},
             {"id": "st", "type": "status", "scope": ["a"], "wires": [["s"]]},
             {"id": "all", "type": "status", "scope": None, "wires": [["s2"]]},
             {"id": "s", "type": "test-sink"}, {"id": "s2", "type": "test-sink"}]
    async with harness(flows) as h:
        h.send_to("a", {"payload": 1})
        [m] = await h.wait_for("s")
        assert m["status"] == {"fill": "red", "shape": "ring", "text": "hi",
                               "source": {"id": "a", "type": "t-relay", "name": "A"}}
        await h.wait_for("s2")
        assert ("status/a", {"text": "hi", "fill": "red", "shape": "ring"}) in h.events
        assert h.runtime.events.retained("status/a") == [("status/a", {"text": "hi", "fill": "red",
                                                                        "shape": "ring"})]


async def test_complete_fires_on_done_with_a_clone():
    flows = [{"id": "a", "type": "t-relay", "set": "touched", "wires": [["s"]]},
             {"id": "cm", "type": "complete", "scope": ["a"], "wires": [["s2"]]},
             {"id": "s", "type": "test-sink"}, {"id": "s2", "type": "test-sink"}]
    async with harness(flows) as h:
        h.send_to("a", {"payload": "p"})
        [m] = await h.wait_for("s2")
        [orig] = await h.wait_for("s")
        assert m is not orig and m["touched"] == "a"
        assert m["complete"] == {"source": {"id": "a", "type": "t-relay", "name": UNDEFINED}}
        assert "complete" not in orig


# ---------------------------------------------------------------------------------------- subflows


SF = {"id": "sf", "type": "subflow", "name": "S",
      "in": [{"wires": [{"id": "inner"}]}], "out": [{"wires": [{"id": "inner", "port": 0}]}],
      "status": {"wires": [{"id": "ist", "port": 0}]}, "env": []}


async def test_subflow_instance_routes_through_copies_and_reports_status():
    flows = [{"id": "flow", "type": "tab", "label": "f"}, SF,
             {"id": "inner", "type": "t-relay", "z": "sf", "status": "busy", "set": "via", "wires": [[]]},
             {"id": "ist", "type": "status", "z": "sf", "scope": ["inner"], "wires": [[]]},
             {"id": "i1", "type": "subflow:sf", "z": "flow", "wires": [["s"]]},
             {"id": "ost", "type": "status", "z": "flow", "scope": ["i1"], "wires": [["s2"]]},
             {"id": "s", "type": "test-sink", "z": "flow"}, {"id": "s2", "type": "test-sink", "z": "flow"}]
    async with harness(flows) as h:
        h.send_to("i1", {"payload": 1})
        [m] = await h.wait_for("s")
        assert m["via"] not in ("inner", None)  # the copy has a new id
        copy = h.node(m["via"])
        assert copy.alias == "inner" and copy.z == "i1"
        [st] = await h.wait_for("s2")
        assert st["status"]["text"] == "busy" and st["status"]["source"]["id"] == "i1"


async def test_subflow_error_is_re_raised_on_the_instance():
    sf = {**SF, "status": None}
    flows = [{"id": "flow", "type": "tab", "label": "f"}, sf,
             {"id": "inner", "type": "t-relay", "z": "sf", "raise": "deep", "wires": [[]]},
             {"id": "i1", "type": "subflow:sf", "z": "flow", "wires": [[]]},
             {"id": "c", "type": "catch", "z": "flow", "scope": ["i1"], "wires": [["s"]]},
             {"id": "s", "type": "test-sink", "z": "flow"}]
    async with harness(flows) as h:
        h.send_to("i1", {"payload": 1})
        [m] = await h.wait_for("s")
        assert m["error"]["source"]["id"] == "i1" and m["error"]["source"]["type"] == "subflow:sf"
        assert m["error"]["message"] == "ValueError: deep"


# ---------------------------------------------------------------------------------------- env / context


async def test_env_lookup_order_and_whole_string_substitution(monkeypatch):
    monkeypatch.setenv("FE_PROC", "proc")
    flows = [{"id": "flow", "type": "tab", "label": "F", "env": [{"name": "T", "value": "tab", "type": "str"},
                                                                  {"name": "N", "value": "5", "type": "num"}]},
             {"id": "g", "type": "group", "z": "flow", "name": "G",
              "env": [{"name": "T", "value": "group", "type": "str"}]},
             {"id": "gc", "type": "global-config", "env": [{"name": "GL", "value": "glob", "type": "str"}]},
             {"id": "a", "type": "t-relay", "z": "flow", "g": "g", "whole": "${T}", "part": "x${T}",
              "missing": "${NOPE}", "wires": [[]]},
             {"id": "b", "type": "t-relay", "z": "flow", "wires": [[]]}]
    async with harness(flows) as h:
        a, b = h.node("a"), h.node("b")
        assert a.config["whole"] == "group" and a.config["part"] == "x${T}" and a.config["missing"] == ""
        assert a.env("T") == "group" and b.env("T") == "tab" and b.env("N") == 5
        assert b.env("GL") == "glob" and b.env("FE_PROC") == "proc" and b.env("NOPE") is UNDEFINED
        assert a.env("NR_NODE_ID") == "a" and a.env("NR_GROUP_NAME") == "G" and a.env("NR_FLOW_NAME") == "F"
        assert a.env("NR_NODE_PATH") == "flow/a"


async def test_context_scopes():
    async with harness([{"id": "a", "type": "t-relay", "wires": [[]]}]) as h:
        a = h.node("a")
        a.context().set("k", 1)
        a.flow_context().set("f", 2)
        a.global_context().set("g", 3)
        assert a.context().get("k") == 1 and a.flow_context().get("f") == 2 and a.global_context().get("g") == 3


@pytest.mark.parametrize("vtype,value,expected", [("num", "7", 7), ("str", "x", "x"), ("json", "[1]", [1])])
async def test_evaluate_delegates_to_typed(vtype, value, expected):
    async with harness([{"id": "a", "type": "t-relay", "wires": [[]]}]) as h:
        assert h.node("a").evaluate(value, vtype, {"payload": 1}) == expected


class CfgNode(Node):
    type = "t-cfgnode"
    is_config = True
    inputs = outputs = 0


async def test_global_config_node_errors_go_to_the_flows_of_its_users():
    reg = registry()
    reg.add(CfgNode)
    flows = [{"id": "k", "type": "t-cfgnode"},
             {"id": "u", "type": "t-relay", "cfg": "k", "wires": [[]]},
             {"id": "c", "type": "catch", "scope": ["u"], "wires": [["s"]]}, {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows, registry=reg) as h:
        assert h.node("k").error("config broke", {"payload": 1}) is True
        [m] = await h.wait_for("s")
        assert m["error"]["source"]["id"] == "k" and m["error"]["message"] == "config broke"


async def test_room_waits_for_a_short_queue():
    async with harness([{"id": "a", "type": "t-relay", "wires": [["s"]]}, {"id": "s", "type": "test-sink"}]) as h:
        flow = h.runtime.flow_of("a")
        assert flow is not None
        for i in range(50):
            h.node("a").send({"payload": i})
        await asyncio.wait_for(flow.room(10), 2)
        assert len(h.runtime.dispatcher.queue) <= 10


class Burst(Node):
    """Sends ``msg['n']`` numbered messages in one handler call."""

    type = "t-burst"

    def on_input(self, msg, send, done):
        for i in range(msg["n"]):
            send({"payload": i})
        done()


def burst_registry() -> Registry:
    reg = registry()
    reg.add(Burst)
    return reg


async def test_burst_flows_through_downstream_nodes_in_order_with_a_short_backlog():
    from flowengine.dispatch import BURST_AT

    n = BURST_AT * 2
    seen_backlog: list[int] = []
    flows = [{"id": "b", "type": "t-burst", "wires": [["a"]]},
             {"id": "a", "type": "t-relay", "wires": [["c"]]},
             {"id": "c", "type": "t-relay", "wires": [["s"]]},
             {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows, registry=burst_registry()) as h:
        d = h.runtime.dispatcher
        h.runtime.events.listen(lambda t, _: seen_backlog.append(d.backlog()) if t == "test-sink" else None)
        h.send_to("b", {"n": n})
        got = await h.wait_for("s", n, timeout=30)
        assert [m["payload"] for m in got] == list(range(n))
        # the parts did not pile up in front of every hop: at most the burst itself is queued
        assert max(seen_backlog) <= n + 2


async def test_per_wire_order_is_kept_when_a_burst_starts_in_between():
    from flowengine.dispatch import BURST_AT

    flows = [{"id": "x", "type": "t-relay", "wires": [["y"]]},
             {"id": "y", "type": "t-relay", "wires": [["s"]]},
             {"id": "b", "type": "t-burst", "wires": [["z", "z2"]]},
             {"id": "z", "type": "t-relay", "wires": [[]]},
             {"id": "z2", "type": "t-relay", "wires": [[]]},
             {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows, registry=burst_registry()) as h:
        # x's first message to y waits in the main queue behind the burst; the second must not
        # overtake it through the urgent queue
        h.send_to("x", {"payload": "first"})
        h.send_to("b", {"n": BURST_AT})
        h.send_to("x", {"payload": "second"})
        got = await h.wait_for("s", 2, timeout=30)
        assert [m["payload"] for m in got] == ["first", "second"]


async def test_fan_out_under_a_burst_still_clones():
    from flowengine.dispatch import BURST_AT

    flows = [{"id": "b", "type": "t-burst", "wires": [["a", "c"]]},
             {"id": "a", "type": "t-relay", "set": "mark", "wires": [["s"]]},
             {"id": "c", "type": "t-relay", "wires": [["s2"]]},
             {"id": "s", "type": "test-sink"}, {"id": "s2", "type": "test-sink"}]
    n = BURST_AT + 500
    async with FlowHarness(flows, registry=burst_registry()) as h:
        h.send_to("b", {"n": n})
        left = await h.wait_for("s", n, timeout=30)
        right = await h.wait_for("s2", n, timeout=30)
        assert [m["payload"] for m in right] == list(range(n))
        assert all("mark" not in m for m in right) and all(m["mark"] == "a" for m in left)
        assert all(a is not b for a, b in zip(left, right, strict=True))


class BadSignature(Node):
    type = "t-badsig"

    def on_input(self, msg):  # type: ignore[override]
        return None


async def test_a_broken_handler_signature_is_the_nodes_error_and_delivery_goes_on():
    reg = registry()
    reg.add(BadSignature)
    flows = [{"id": "x", "type": "t-badsig", "wires": [[]]},
             {"id": "a", "type": "t-relay", "wires": [["s"]]}, {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows, registry=reg) as h:
        h.send_to("x", {"payload": 1})
        h.send_to("a", {"payload": 2})
        [m] = await h.wait_for("s")
        assert m["payload"] == 2
        assert any(nid == "x" and "TypeError" in text for _, nid, text in h.logs)


async def test_a_stopped_node_cannot_send_any_more():
    async with harness([{"id": "a", "type": "t-relay", "wires": [["s"]]}, {"id": "s", "type": "test-sink"}]) as h:
        route = h.runtime.routes["a"]
        await h.deploy([{"id": "a", "type": "t-relay", "set": "x", "wires": [["s"]]},
                        {"id": "s", "type": "test-sink"}], "nodes")
        route.send({"payload": "late"})
        await h.drain()
        assert h.received("s") == []

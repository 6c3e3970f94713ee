"""link in / link out / link call."""

from __future__ import annotations

from flowengine.testing import FlowHarness


def tab(tid):
    return {"id": tid, "type": "tab", "label": tid}


async def test_link_out_reaches_link_ins_on_other_tabs_with_event_and_clones():
    flows = [tab("t1"), tab("t2"),
             {"id": "lo", "type": "link out", "z": "t1", "mode": "link", "links": ["li"], "wires": []},
             {"id": "li", "type": "link in", "z": "t1", "links": [], "wires": [["s1"]]},
             {"id": "li2", "type": "link in", "z": "t2", "links": ["lo"], "wires": [["s2"]]},
             {"id": "s1", "type": "test-sink", "z": "t1"}, {"id": "s2", "type": "test-sink", "z": "t2"}]
    async with FlowHarness(flows) as h:
        msg = {"payload": {"a": 1}}
        h.send_to("lo", msg)
        [m1] = await h.wait_for("s1")
        [m2] = await h.wait_for("s2")
        assert m1["_event"] == m2["_event"] == "node:lo"
        assert m1 is msg and m2 is not msg and m2["payload"] == {"a": 1}


def call_flow(timeout="5", return_it=True, link_type="static", **call):
    return [tab("t"),
            {"id": "lc", "type": "link call", "z": "t", "links": ["target"], "linkType": link_type,
             "timeout": timeout, "wires": [["s"]], **call},
            {"id": "target", "type": "link in", "z": "t", "name": "sub", "links": [], "wires": [["ret"]]},
            {"id": "ret", "type": "link out", "z": "t", "mode": "return" if return_it else "link",
             "links": [], "wires": []},
            {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["errs"]]},
            {"id": "s", "type": "test-sink", "z": "t"}, {"id": "errs", "type": "test-sink", "z": "t"}]


async def test_link_call_returns_and_removes_link_source():
    async with FlowHarness(call_flow()) as h:
        h.send_to("lc", {"payload": "hello"})
        [m] = await h.wait_for("s")
        assert m["payload"] == "hello" and "_linkSource" not in m and m["_event"] == "node:ret"
        assert h.node("lc").pending == {}


async def test_link_call_keeps_outer_link_source_when_nested():
    async with FlowHarness(call_flow()) as h:
        outer = {"id": "x" * 28, "node": "elsewhere"}
        h.send_to("lc", {"payload": 1, "_linkSource": [outer]})
        [m] = await h.wait_for("s")
        assert m["_linkSource"] == [outer]


async def test_link_call_pushes_28_hex_id():
    seen = []
    flows = call_flow(return_it=False)
    flows[2]["wires"] = [["peek"]]
    flows.append({"id": "peek", "type": "test-sink", "z": "t"})
    async with FlowHarness(flows) as h:
        h.send_to("lc", {"payload": 1})
        [m] = await h.wait_for("peek")
        seen = m["_linkSource"]
        assert len(seen) == 1 and seen[0]["node"] == "lc" and len(seen[0]["id"]) == 28
        int(seen[0]["id"], 16)


async def test_link_call_timeout_is_an_error():
    flows = call_flow(timeout="0.05", return_it=False)
    async with FlowHarness(flows) as h:
        h.send_to("lc", {"payload": 1})
        [m] = await h.wait_for("errs")
        assert m["error"]["message"] == "timeout" and m["error"]["source"]["id"] == "lc"
        assert h.received("s") == []


async def test_dynamic_link_call_by_name_and_id():
    async with FlowHarness(call_flow(link_type="dynamic")) as h:
        h.send_to("lc", {"payload": 1, "target": "sub"})
        h.send_to("lc", {"payload": 2, "target": "target"})
        h.send_to("lc", {"payload": 3, "target": "nope"})
        got = await h.wait_for("s", 2)
        assert sorted(m["payload"] for m in got) == [1, 2]
        [err] = await h.wait_for("errs")
        assert "not found" in err["error"]["message"]


async def test_return_without_link_source_is_an_error():
    async with FlowHarness(call_flow()) as h:
        h.send_to("ret", {"payload": 1})
        [err] = await h.wait_for("errs")
        assert err["error"]["source"]["id"] == "ret"

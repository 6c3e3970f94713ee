"""JavaScript function nodes share one engine, each in its own realm, and hand messages to each other
as JavaScript objects (nodes/core/_js_shared.py): what that must not change for flows.
"""

from __future__ import annotations

from typing import Any

import pytest
from flowengine.nodes.core import _js_shared

from flowengine.testing import FlowHarness


def chain(*codes: str, **props: Any) -> list[dict[str, Any]]:
    """A tab with function nodes f0 -> f1 -> ... -> sink ``out``, a catch node and its sink ``err``."""
    flows: list[dict[str, Any]] = [{"id": "t", "type": "tab"}]
    for i, code in enumerate(codes):
        nxt = f"f{i + 1}" if i + 1 < len(codes) else "out"
        flows.append({"id": f"f{i}", "type": "function", "z": "t", "name": f"n{i}", "func": code,
                      "wires": [[nxt]], **props})
    flows += [{"id": "out", "type": "test-sink", "z": "t"},
              {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
              {"id": "err", "type": "test-sink", "z": "t"}]
    return flows


async def test_each_node_keeps_its_own_undeclared_variables_and_built_ins() -> None:
    # as each Node-RED function node has its own vm context: `counter` and Array.prototype.total of
    # one node are not the other's
    first = """
    if (typeof counter === "undefined") counter = 0;
    counter += 1;
    Array.prototype.total = function () { return 1; };
    msg.first = counter;
    return msg;
    """
    second = """
    if (typeof counter === "undefined") counter = 100;
    counter += 1;
    msg.second = [counter, typeof [].total, typeof globalThis.counter];
    return msg;
    """
    async with FlowHarness(chain(first, second)) as h:
        h.send_to("f0", {"payload": 1})
        h.send_to("f0", {"payload": 2})
        outs = await h.wait_for("out", 2)
    assert [(m["first"], m["second"]) for m in outs] == [(1, [101, "undefined", "number"]),
                                                         (2, [102, "undefined", "number"])]


async def test_a_message_goes_on_as_the_same_object_with_values_json_cannot_carry() -> None:
    first = """
    msg.bin = Buffer.from("hi");
    msg.when = new Date(86400000);
    msg.map = new Map([["k", 1]]);
    msg.nothing = undefined;
    msg.nan = NaN;
    return msg;
    """
    second = """
    msg.seen = [Buffer.isBuffer(msg.bin), msg.bin.toString(), msg.when instanceof Date,
                msg.map.get("k"), "nothing" in msg, Number.isNaN(msg.nan), Buffer.concat([msg.bin, msg.bin]).length];
    return msg;
    """
    async with FlowHarness(chain(first, second)) as h:
        h.send_to("f0", {"payload": 1})
        [out] = await h.wait_for("out")
    assert out["seen"] == [True, "hi", True, 1, True, True, 4]
    assert out["bin"] == b"hi" and out["when"].year == 1970 and out["nan"] != out["nan"]


async def test_shared_objects_come_back_the_same_after_several_nodes() -> None:
    class Handle(dict[str, Any]):
        def __deepcopy__(self, memo: dict[int, Any]) -> Handle:
            return self

    req, res = Handle(query={"q": "1"}), Handle()
    async with FlowHarness(chain("msg.a = msg.req.query.q; return msg;", "msg.b = 2; return msg;",
                                 "return msg;")) as h:
        h.send_to("f0", {"req": req, "res": res})
        [out] = await h.wait_for("out")
    assert out["req"] is req and out["res"] is res and (out["a"], out["b"]) == ("1", 2)


async def test_an_error_in_a_later_node_reports_the_whole_message() -> None:
    second = "if (msg.payload === 'loop') { while (true) {} } return msg;"
    async with FlowHarness(chain("msg.mark = 'first'; return msg;", second, timeout=0.2)) as h:
        h.send_to("f0", {"payload": "loop"})
        h.send_to("f0", {"payload": "ok"})
        [caught] = await h.wait_for("err")
        [out] = await h.wait_for("out")
    assert caught["payload"] == "loop" and caught["mark"] == "first"
    assert caught["error"]["message"] == "Error: Script execution timed out after 200ms"
    assert out["payload"] == "ok" and out["mark"] == "first"


async def test_a_thrown_error_in_a_later_node_keeps_the_message_as_the_code_left_it() -> None:
    second = "msg.changed = true; throw new Error('boom');"
    async with FlowHarness(chain("msg.mark = 'first'; return msg;", second)) as h:
        h.send_to("f0", {"payload": 1})
        [caught] = await h.wait_for("err")
    assert (caught["mark"], caught["changed"], caught["error"]["message"]) == ("first", True, "Error: boom")


async def test_more_messages_in_flight_than_the_bound_arrive_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_js_shared, "MAX_RESIDENTS", 3)
    codes = ["msg.n = (msg.n || 0) + 1; return msg;"] * 4
    async with FlowHarness(chain(*codes)) as h:
        for i in range(40):
            h.send_to("f0", {"payload": i})
        outs = await h.wait_for("out", 40)
    assert [(m["payload"], m["n"]) for m in outs] == [(i, 4) for i in range(40)]


async def test_the_engine_goes_with_the_last_function_node() -> None:
    async with FlowHarness(chain("return msg;", "return msg;")) as h:
        extra = h.runtime.settings.extra
        assert extra["function_js_shared"].users == 2
        await h.deploy([{"id": "t", "type": "tab"}])
        assert "function_js_shared" not in extra
        await h.deploy(chain("msg.again = true; return msg;", "return msg;"))
        h.send_to("f0", {"payload": 1})
        [out] = await h.wait_for("out")
    assert out["again"] is True


def test_a_stand_in_is_filled_with_the_message_it_stands_for() -> None:
    shared = _js_shared.JsShared()
    realm = shared.realm()
    realm.eval("globalThis.make = () => ({payload: Buffer.from('x'), n: 1}); globalThis.enc = (v) => "
               "'1'.concat(JSON.stringify({payload: {'__fe$': 'b', v: v.payload.toString('base64')}, n: v.n}));")
    obj = shared.engine.call(realm.function("make"))
    stand_in = shared.keep("id1", obj, realm.function("enc"))
    assert stand_in == {"_msgid": "id1"}
    shared.fill(stand_in)
    assert stand_in == {"_msgid": "id1", "payload": b"x", "n": 1}
    assert shared.take(stand_in) is None  # filled: a real message from now on
    shared.release(realm, {})

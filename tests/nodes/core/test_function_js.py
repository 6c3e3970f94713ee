"""function node in JavaScript (no ``language``): Node-RED's sandbox in the embedded engine.

The differential corpus (tests/compat, ``fn_*``) pins Node-RED's exact outputs; these tests cover
what it cannot: timers cleared on close, the interrupt leaving the node usable, references that
must come back as the same objects, values that JSON cannot carry, and validation.
"""

from __future__ import annotations

import asyncio
import textwrap
from typing import Any

from flowengine.nodes.core._js_function import calls_done

from flowengine.jsvalues import JsError, JsMap, JsRegExp
from flowengine.registry import Registry
from flowengine.testing import FlowHarness
from flowengine.types import UNDEFINED


def js_flow(func: str, outputs: int = 1, **props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t", "env": [{"name": "GREETING", "value": "hello", "type": "str"}]},
        {"id": "f", "type": "function", "z": "t", "name": "js", "func": textwrap.dedent(func), "outputs": outputs,
         "wires": [[f"o{i}"] for i in range(outputs)], **props},
        *({"id": f"o{i}", "type": "test-sink", "z": "t"} for i in range(outputs)),
        {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
        {"id": "err", "type": "test-sink", "z": "t"},
    ]


async def test_code_without_language_runs_as_javascript() -> None:
    async with FlowHarness(js_flow("msg.payload = typeof msg.payload + ':' + [1, 2, 3].at(-1); return msg;")) as h:
        h.send_to("f", {"payload": 5})
        [out] = await h.wait_for("o0")
    assert out["payload"] == "number:3"


async def test_values_json_cannot_carry_cross_both_ways() -> None:
    code = """
    msg.seen = [Buffer.isBuffer(msg.bin), msg.bin.length, msg.when instanceof Date, msg.nothing === undefined];
    msg.out = {re: /a+/g, map: new Map([["k", 1]]), big: 10n, nan: NaN, u: undefined, bytes: Buffer.from("hi")};
    return msg;
    """
    async with FlowHarness(js_flow(code)) as h:
        import datetime as dt

        when = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
        h.send_to("f", {"payload": 1, "bin": b"\x00\xff", "when": when, "nothing": UNDEFINED})
        [out] = await h.wait_for("o0")
    assert out["seen"] == [True, 2, True, True]
    assert out["when"] == when and out["bin"] == b"\x00\xff"
    o = out["out"]
    assert o["re"] == JsRegExp("a+", "g") and o["map"] == JsMap((("k", 1),))
    assert o["big"].value == 10 and o["nan"] != o["nan"] and o["u"] is UNDEFINED and o["bytes"] == b"hi"


async def test_shared_objects_come_back_as_the_same_objects() -> None:
    class Handle(dict[str, Any]):
        def __deepcopy__(self, memo: dict[int, Any]) -> Handle:
            return self

    res = Handle()
    req = Handle(query={"q": "1"})
    async with FlowHarness(js_flow("msg.payload = msg.req.query.q; return msg;")) as h:
        h.send_to("f", {"req": req, "res": res})
        [out] = await h.wait_for("o0")
    assert out["payload"] == "1" and out["req"] is req and out["res"] is res


async def test_an_endless_loop_is_interrupted_and_the_node_keeps_its_state() -> None:
    code = """
    context.set("n", (context.get("n") || 0) + 1);
    if (msg.payload === "loop") { while (true) {} }
    msg.payload = context.get("n");
    return msg;
    """
    async with FlowHarness(js_flow(code, timeout=0.2)) as h:
        h.send_to("f", {"payload": "loop"})
        h.send_to("f", {"payload": "next"})
        [caught] = await h.wait_for("err")
        [out] = await h.wait_for("o0")
    assert caught["error"]["message"] == "Error: Script execution timed out after 200ms"
    assert caught["error"]["code"] == "ERR_SCRIPT_EXECUTION_TIMEOUT"
    assert out["payload"] == 2


async def test_timers_are_cleared_when_the_node_closes() -> None:
    code = "setInterval(() => node.send({payload: 'tick'}), 20); return null;"
    async with FlowHarness(js_flow(code)) as h:
        h.send_to("f", {"payload": 1})
        await h.wait_for("o0", 2)
        await h.deploy([{"id": "t", "type": "tab", "label": "t"}])
        count = len(h.received("o0"))
        await asyncio.sleep(0.1)
        assert len(h.received("o0")) == count


async def test_on_close_handlers_and_finalize_run_on_stop() -> None:
    flows = js_flow("return msg;", initialize="node.on('close', () => global.set('closed', 'handler'));",
                    finalize="global.set('final', 'ran');")
    async with FlowHarness(flows) as h:
        scope = h.runtime.context.global_scope()
        await h.deploy([{"id": "t", "type": "tab", "label": "t"}])
        assert scope.get("closed") == "handler" and scope.get("final") == "ran"


async def test_node_status_env_and_warn() -> None:
    code = """
    node.status({fill: "green", shape: "dot", text: env.get("GREETING")});
    node.warn({seen: msg.payload});
    return msg;
    """
    async with FlowHarness(js_flow(code)) as h:
        h.send_to("f", {"payload": 7})
        await h.wait_for("o0")
        statuses = [d for t, d in h.events if t == "status/f"]
    assert statuses[-1]["text"] == "hello"


async def test_errors_from_timers_reach_catch_with_an_empty_message() -> None:
    async with FlowHarness(js_flow("setTimeout(() => { throw new RangeError('late'); }, 1); return null;")) as h:
        h.send_to("f", {"payload": 1})
        [caught] = await h.wait_for("err")
    assert caught["error"]["message"] == "RangeError: late"
    assert set(caught) == {"error", "_msgid"}


async def test_a_syntax_error_fails_each_message_with_a_catchable_error() -> None:
    async with FlowHarness(js_flow("return msg +;")) as h:
        h.send_to("f", {"payload": 1})
        caught = await h.wait_for("err")
    assert "SyntaxError" in caught[0]["error"]["message"]


def test_validation_checks_code_in_its_language() -> None:
    registry = Registry.default()
    js = registry.validate({"id": "f", "type": "function", "func": "return msg +;"})
    assert [(p.property, p.level) for p in js] == [("func", "warning")]
    assert "not valid JavaScript" in js[0].message and "(line 1" in js[0].message
    py = registry.validate({"id": "f", "type": "function", "language": "python", "func": "return msg +;"})
    assert [(p.property, p.level) for p in py] == [("func", "warning")] and "not valid Python" in py[0].message
    assert registry.validate({"id": "f", "type": "function", "func": "msg.payload = 1;\nreturn msg;"}) == []
    libs = registry.validate({"id": "f", "type": "function", "func": "return msg",
                              "libs": [{"var": "os", "module": "os"}]})
    assert [(p.property, p.level) for p in libs] == [("libs", "error")] and "os" in libs[0].message


def test_auto_done_is_decided_by_the_code_not_its_comments_or_strings() -> None:
    assert calls_done("if (x) { node.done(); }")
    assert not calls_done("// node.done() here\nreturn msg;")
    assert not calls_done("/* node.done() */ var s = 'node.done()'; return msg;")


async def test_a_thrown_error_keeps_its_properties_and_stack() -> None:
    async with FlowHarness(js_flow("const e = new TypeError('bad'); e.code = 'E1'; throw e;")) as h:
        h.send_to("f", {"payload": 1})
        [caught] = await h.wait_for("err")
    assert caught["error"]["message"] == "TypeError: bad"
    assert caught["error"]["code"] == "E1" and "stack" in caught["error"]
    assert isinstance(caught["_error"], JsError) and caught["_error"].js_name == "TypeError"


async def test_long_strings_built_by_concatenation_cross_to_python() -> None:
    # QuickJS keeps long concatenations as ropes internally; every way out must hand over text
    code = """
    const big = "x".repeat(5000) + msg.payload;
    flow.set("big", big);
    node.status({text: "s".repeat(3000) + "!"});
    msg.payload = big;
    return msg;
    """
    async with FlowHarness(js_flow(code)) as h:
        h.send_to("f", {"payload": "y"})
        [out] = await h.wait_for("o0")
        stored = h.node("f").flow_context().get("big")
    assert out["payload"] == "x" * 5000 + "y" and stored == out["payload"]


async def test_messages_between_javascript_nodes_keep_their_values_when_fanned_out() -> None:
    # a's message goes on to b and c (JavaScript): b gets it as a sent it (its text is reused), c a clone
    flows = [
        {"id": "t", "type": "tab"},
        {"id": "a", "type": "function", "z": "t", "func": "msg.n = 1; return msg;", "wires": [["b", "c"]]},
        {"id": "b", "type": "function", "z": "t", "func": "msg.n += 10; return msg;", "wires": [["ob"]]},
        {"id": "c", "type": "function", "z": "t", "func": "msg.n += 100; return msg;", "wires": [["oc"]]},
        {"id": "ob", "type": "test-sink", "z": "t"},
        {"id": "oc", "type": "test-sink", "z": "t"},
    ]
    async with FlowHarness(flows) as h:
        for i in range(3):
            h.send_to("a", {"payload": i})
        ob = await h.wait_for("ob", 3)
        oc = await h.wait_for("oc", 3)
    assert [(m["payload"], m["n"]) for m in ob] == [(0, 11), (1, 11), (2, 11)]
    assert [(m["payload"], m["n"]) for m in oc] == [(0, 101), (1, 101), (2, 101)]


async def test_promisify_and_awaited_timers() -> None:
    code = """
    const sleep = promisify(setTimeout);
    const got = await sleep(5, "slept");
    msg.payload = got + ":" + typeof util.format;
    return msg;
    """
    async with FlowHarness(js_flow(code)) as h:
        h.send_to("f", {"payload": 1})
        [out] = await h.wait_for("o0")
    assert out["payload"] == "slept:function"


async def test_context_incr_and_compare_and_set() -> None:
    code = """
    const first = flow.compareAndSet("owner", undefined, msg.payload);
    const again = flow.compareAndSet("owner", undefined, "other");
    const obj = context.get("o") || {n: 0};
    obj.n += 1;  // a reference the turn would write back: the atomic call's value wins
    context.set("o", obj);
    const steps = [context.incr("count"), context.incr("count", 2), global.incr("ratio", 0.5)];
    flow.incr("later", (err, value) => { msg.cb = [err, value]; });
    const cleared = flow.compareAndSet("nothing", null, 1);
    msg.payload = {first, again, steps, cleared, owner: flow.get("owner"), n: context.get("o").n};
    return msg;
    """
    async with FlowHarness(js_flow(code)) as h:
        h.send_to("f", {"payload": "me"})
        [out] = await h.wait_for("o0")
        with_null = h.node("f").flow_context()
        with_null.set("nothing", None)
        h.send_to("f", {"payload": "again"})
        [_, second] = await h.wait_for("o0", 2)
    assert out["payload"] == {"first": True, "again": False, "steps": [1, 3, 0.5], "cleared": False,
                              "owner": "me", "n": 1}
    assert out["cb"] == [UNDEFINED, 1]
    assert second["payload"]["first"] is False and second["payload"]["steps"] == [4, 6, 1.0]
    assert second["payload"]["cleared"] is True and second["payload"]["n"] == 2


async def test_context_incr_names_a_bad_step() -> None:
    code = 'if (msg.payload === 1) context.incr("n", "two"); else context.incr(5); return msg;'
    async with FlowHarness(js_flow(code)) as h:
        h.send_to("f", {"payload": 1})
        h.send_to("f", {"payload": 2})
        [one, two] = await h.wait_for("err", 2)
    assert one["error"]["message"] == "TypeError: context.incr: by must be a number, got two"
    assert two["error"]["message"] == "TypeError: context.incr: the key must be a string, got number"

"""function node: Python code, outputs, node API, context, errors, async, initialize/finalize, timeout."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from flowengine.settings import Settings
from flowengine.testing import FlowHarness


def fn_flow(func: str, outputs: int = 1, **props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t", "env": [{"name": "GREETING", "value": "hello", "type": "str"}]},
        {
            "id": "f",
            "type": "function", "language": "python",
            "z": "t",
            "func": textwrap.dedent(func),
            "outputs": outputs,
            "wires": [[f"o{i}"] for i in range(outputs)],
            **props,
        },
        *({"id": f"o{i}", "type": "test-sink", "z": "t"} for i in range(outputs)),
        {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
        {"id": "err", "type": "test-sink", "z": "t"},
    ]


async def test_return_forms_route_to_outputs() -> None:
    code = """
    p = msg["payload"]
    if p == "none":
        return None
    if p == "both":
        return [msg, {"payload": "extra"}]
    if p == "many":
        return [[{"payload": 1}, {"payload": 2}], None]
    return msg
    """
    async with FlowHarness(fn_flow(code, outputs=2)) as h:
        for p in ("plain", "none", "both", "many"):
            h.send_to("f", {"_msgid": f"id-{p}", "payload": p})
        await h.drain()
        first = h.received("o0")
        second = h.received("o1")
    assert [m["payload"] for m in first] == ["plain", "both", 1, 2]
    assert [m["payload"] for m in second] == ["extra"]
    assert second[0]["_msgid"] == "id-both"  # new messages keep the incoming id


async def test_node_api_context_and_env() -> None:
    code = """
    count = (context.get("count") or 0) + 1
    context.set("count", count)
    flow.set("last", msg["payload"])
    global_.set("g", {"n": count})
    node.warn("seen " + str(count))
    node.status(fill="green", shape="dot", text=str(count))
    msg["count"] = count
    msg["env"] = env.get("GREETING")
    msg["keys"] = sorted(context.keys())
    node.send({"payload": "early"})
    return msg
    """
    async with FlowHarness(fn_flow(code)) as h:
        h.send_to("f", {"payload": "a"})
        h.send_to("f", {"payload": "b"})
        msgs = await h.wait_for("o0", 4)
        node = h.node("f")
        assert node.flow_context().get("last") == "b"
        assert node.global_context().get("g") == {"n": 2}
    assert [m["payload"] for m in msgs] == ["early", "a", "early", "b"]
    assert msgs[3]["count"] == 2 and msgs[3]["env"] == "hello" and msgs[3]["keys"] == ["count"]
    assert (30, "f", "seen 2") in h.logs
    assert ("status/f", {"text": "2", "fill": "green", "shape": "dot"}) in h.events


async def test_exception_is_a_catchable_error_and_bad_return_too() -> None:
    code = """
    if msg["payload"] == "bad":
        raise ValueError("fn failed")
    return 42
    """
    async with FlowHarness(fn_flow(code)) as h:
        h.send_to("f", {"payload": "bad"})
        h.send_to("f", {"payload": "num"})
        caught = await h.wait_for("err", 2)
    assert caught[0]["error"]["message"] == "ValueError: fn failed"
    assert caught[0]["error"]["source"] == {
        "id": "f",
        "type": "function",
        "name": caught[0]["error"]["source"]["name"],
        "count": 1,
    }
    assert "Function tried to send a message of type int" in caught[1]["error"]["message"]
    assert h.received("o0") == []


async def test_explicit_done_and_async_code() -> None:
    code = """
    import asyncio
    await asyncio.sleep(0.01)
    node.send(msg)
    node.done()
    """
    flows = [
        *fn_flow(code),
        {"id": "cmp", "type": "complete", "z": "t", "scope": ["f"], "wires": [["fin"]]},
        {"id": "fin", "type": "test-sink", "z": "t"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("f", {"payload": 1})
        [msg] = await h.wait_for("o0")
        [completed] = await h.wait_for("fin")
    assert msg["payload"] == 1 and completed["payload"] == 1


async def test_initialize_finalize_and_libs() -> None:
    code = 'msg["payload"] = context.get("ready") + m.sqrt(16)\nreturn msg'
    flows = fn_flow(
        code,
        initialize='context.set("ready", 1)',
        finalize='global_.set("closed", True)',
        libs=[{"var": "m", "module": "math"}],
    )
    async with FlowHarness(flows) as h:
        h.send_to("f", {"payload": 0})
        [msg] = await h.wait_for("o0")
        await h.deploy([{"id": "probe", "type": "test-sink"}])  # stops f: finalize runs
        assert h.node("probe").global_context().get("closed") is True
    assert msg["payload"] == 5


@pytest.mark.parametrize("isolation", ["none", "process"])
async def test_syntax_error_is_reported_at_start(isolation: str) -> None:
    async with FlowHarness(fn_flow("return (", isolation=isolation)) as h:
        h.send_to("f", {"payload": 1})
        await h.drain()
    assert h.received("o0") == []
    assert any(nid == "f" and "SyntaxError" in text for _lvl, nid, text in h.logs)


@pytest.mark.parametrize("isolation", ["none", "process"])
async def test_timeout_stops_an_endless_loop_and_the_node_recovers(isolation: str) -> None:
    code = """
    while msg["payload"] == "loop":
        pass
    msg["init"] = context.get("init")
    msg["flowval"] = flow.get("v")
    msg["env"] = env.get("GREETING")
    node.warn("in worker")
    node.status(text="busy")
    node.send({"payload": "early"})
    return msg
    """
    flows = fn_flow(code, timeout=0.5, isolation=isolation,
                    initialize='context.set("init", "yes")\nflow.set("v", 3)')
    async with FlowHarness(flows) as h:
        h.send_to("f", {"payload": "loop"})
        h.send_to("f", {"payload": "ok"})
        [caught] = await h.wait_for("err", timeout=30)
        early, msg = await h.wait_for("o0", 2, timeout=30)
    assert caught["error"]["message"] == ("Function timed out: function node f ran longer than 0.5 s "
                                          "(its timeout, or the functionTimeout setting)")
    assert caught["payload"] == "loop" and caught["error"]["source"]["id"] == "f"
    assert msg["payload"] == "ok" and msg["init"] == "yes" and msg["flowval"] == 3 and msg["env"] == "hello"
    assert early["payload"] == "early" and early["_msgid"] == msg["_msgid"]
    assert (30, "f", "in worker") in h.logs
    assert ("status/f", {"text": "busy"}) in h.events


def _settings(tmp_path: Any, **values: Any) -> Settings:
    return Settings.load(user_dir=tmp_path, **values)


@pytest.mark.parametrize("code", [
    "while True:\n    pass",                                    # a pure-Python loop
    "import time\ntime.sleep(60)",                             # a blocking call
    "import asyncio\nawait asyncio.sleep(0)\nwhile True:\n    pass",  # async code, after an await
    "while True:\n    try:\n        x = [1]\n    except Exception:\n        pass",      # catches every Exception
])
async def test_the_watchdog_interrupts_code_without_a_timeout(tmp_path: Any, code: str) -> None:
    # functionTimeout (10 s by default) applies to every node without its own timeout, in-process
    counting = "n = context.get('n') or 0\ncontext.set('n', n + 1)\nmsg['n'] = n + 1\n"
    flows = fn_flow(counting + "if msg['payload'] == 'stuck':\n" + textwrap.indent(code, "    ") + "\nreturn msg")
    async with FlowHarness(flows, settings=_settings(tmp_path, functionTimeout=0.3)) as h:
        h.send_to("f", {"payload": "stuck"})
        h.send_to("f", {"payload": "next"})
        [caught] = await h.wait_for("err", timeout=10)
        [after] = await h.wait_for("o0", timeout=10)
    assert caught["error"]["message"].startswith("Function timed out: function node f ran longer than 0.3 s")
    assert after["payload"] == "next" and after["n"] == 2  # the node kept its context and serves on
    assert h.runtime.watchdog.fired >= 1


async def test_runtime_calls_are_never_interrupted_half_way(tmp_path: Any) -> None:
    # the interrupt lands in the user's code, never inside node.send or context (shielded). The
    # sends stop at 100,000 (then the loop only spins): however late a loaded machine lets the
    # watchdog fire, the runtime never holds maxMessagesInFlight (250,000) and refuses none
    code = ("n = 0\nwhile True:\n    if n < 100000:\n        node.send({'payload': 1})\n"
            "        context.set('n', (context.get('n') or 0) + 1)\n        n += 1")
    async with FlowHarness(fn_flow(code), settings=_settings(tmp_path, functionTimeout=0.3)) as h:
        h.send_to("f", {"payload": 0})
        await h.wait_for("err", timeout=10)
        await h.drain()
        node = h.runtime.node("f")
        sent = h.received("o0")
        assert h.runtime.dispatcher.refused == 0
        assert node is not None and len(sent) == node.stats.sent
        assert all(route.pending == 0 for route in h.runtime.routes.values())
        assert node.context().get("n") in (len(sent), len(sent) - 1)


def test_the_default_limit_is_ten_seconds_and_zero_turns_it_off(tmp_path: Any) -> None:
    assert Settings.load(user_dir=tmp_path).functionTimeout == 10
    from flowengine.watchdog import Watchdog
    assert Watchdog().arm(0) is False


async def test_a_looping_initialize_is_interrupted_and_logged(tmp_path: Any) -> None:
    flows = fn_flow("return msg", initialize="while True:\n    pass")
    async with FlowHarness(flows, settings=_settings(tmp_path, functionTimeout=0.2)) as h:
        h.send_to("f", {"payload": 1})
        [out] = await h.wait_for("o0", timeout=10)
    assert out["payload"] == 1
    assert any(nid == "f" and text.startswith("initialize: Function timed out") for _l, nid, text in h.logs)


@pytest.mark.parametrize("code", ["import os\nos._exit(3)", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"])
async def test_process_isolation_survives_the_worker_dying(tmp_path: Any, code: str) -> None:
    flows = fn_flow("if msg['payload'] == 'die':\n" + textwrap.indent(code, "    ") +
                    "\nmsg['init'] = context.get('init')\nreturn msg",
                    initialize="context.set('init', 'again')")
    async with FlowHarness(flows, settings=_settings(tmp_path, functionIsolation="process")) as h:
        h.send_to("f", {"payload": "die"})
        h.send_to("f", {"payload": "next"})
        [caught] = await h.wait_for("err", timeout=30)
        [after] = await h.wait_for("o0", timeout=30)
    code_seen = "3" if "_exit" in code else "-11"
    assert caught["error"]["message"].startswith(f"Function worker process ended (exit code {code_seen})")
    assert after["payload"] == "next" and after["init"] == "again"  # a new worker, initialize run again
    assert any(level == 30 and nid == "f" and "a new worker is started" in text for level, nid, text in h.logs)


@pytest.mark.parametrize("code", ["import sys\nsys.exit(1)", "raise KeyboardInterrupt()", "raise SystemExit"])
async def test_exit_and_interrupt_in_user_code_are_catchable_errors(code: str) -> None:
    async with FlowHarness(fn_flow(code)) as h:
        h.send_to("f", {"payload": 1})
        await h.wait_for("err")
        h.send_to("f", {"payload": 2})  # the runtime and the node keep going
        caught = await h.wait_for("err", 2)
    assert [c["payload"] for c in caught] == [1, 2]
    assert caught[0]["error"]["message"].split(":")[0] in ("SystemExit", "KeyboardInterrupt")

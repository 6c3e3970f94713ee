"""``Runtime.drain`` (the first step of a shutdown) and what a redeploy drops: timers stop before the
drain (a tick never starts a message that closing would cut), messages an async handler is still
running are waited for or counted, and a redeploy names what it drops (Node-RED says nothing)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.testing import FlowHarness, TestSink


class SlowAsync(Node):
    """An async input handler that takes a while: the message is in flight until it sends."""

    type = "t-slow-async"
    release: asyncio.Event | None = None

    async def on_input(self, msg: Any, send: Any, done: Any) -> None:
        assert SlowAsync.release is not None
        await SlowAsync.release.wait()
        send(msg)
        done()


def _registry() -> Registry:
    reg = Registry.default()
    for cls in (SlowAsync, TestSink):
        if cls.type not in reg:
            reg.add(cls)
    return reg


def _inject(node_id: str, target: str, repeat: str = "") -> dict[str, Any]:
    return {"id": node_id, "type": "inject", "props": [{"p": "payload"}], "payload": "tick", "payloadType": "str",
            "repeat": repeat, "crontab": "", "once": False, "topic": "", "wires": [[target]]}


def _python(node_id: str, func: str, target: str = "sink") -> dict[str, Any]:
    return {"id": node_id, "type": "function", "language": "python", "func": func, "outputs": 1,
            "wires": [[target]]}


async def _until(cond: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.005)


async def test_inject_timers_stop_before_the_drain_and_every_tick_started_is_finished() -> None:
    flows = [_inject("tick", "slow", repeat="0.02"),
             _python("slow", "import asyncio\nawait asyncio.sleep(0.05)\nreturn msg"),
             {"id": "sink", "type": "test-sink"}]
    async with FlowHarness(flows, _registry()) as h:
        inject = h.runtime.node("tick")
        assert inject is not None
        await _until(lambda: len(h.received("sink")) >= 2)
        await _until(lambda: h.runtime.routes["slow"].node.held() > 0)  # a tick's message is running
        dropped = await h.runtime.drain(10.0)
        sent = inject.stats.sent
        assert dropped == 0
        assert len(h.received("sink")) == sent  # every message a tick started ran to its end
        for _ in range(3):  # long enough for several ticks: none comes after the drain began
            await asyncio.sleep(0.05)
            assert inject.stats.sent == sent
        assert len(h.received("sink")) == sent


async def test_the_drain_waits_for_async_handlers_and_counts_the_ones_it_cuts(
        caplog: pytest.LogCaptureFixture) -> None:
    SlowAsync.release = asyncio.Event()
    flows = [{"id": "slow", "type": "t-slow-async", "wires": [["sink"]]}, {"id": "sink", "type": "test-sink"}]
    async with FlowHarness(flows, _registry()) as h:
        h.send_to("slow", {"payload": 1})
        await _until(lambda: h.runtime.routes["slow"].running == 1)
        with caplog.at_level(logging.WARNING, logger="flowengine.runtime"):
            assert await h.runtime.drain(0.05) == 1
        assert "shutdown: 1 message dropped after draining for" in caplog.text
        assert "1 held by t-slow-async slow" in caplog.text
        h.send_to("slow", {"payload": 2})
        await _until(lambda: h.runtime.routes["slow"].running == 2)
        drain = asyncio.ensure_future(h.runtime.drain(10.0))
        await asyncio.sleep(0.05)
        assert not drain.done()  # still running: the drain waits
        SlowAsync.release.set()
        assert await drain == 0
        assert [m["payload"] for m in h.received("sink")] == [1, 2]
        assert h.runtime.routes["slow"].running == 0


async def test_python_async_code_and_process_workers_count_as_held(caplog: pytest.LogCaptureFixture) -> None:
    flows = [_python("f", "import asyncio\nawait asyncio.sleep(30)\nreturn msg"), {"id": "sink", "type": "test-sink"}]
    async with FlowHarness(flows, _registry()) as h:
        h.send_to("f", {"payload": 1})
        await _until(lambda: h.runtime.routes["f"].node.held() == 1)
        with caplog.at_level(logging.WARNING, logger="flowengine.runtime"):
            assert await h.runtime.drain(0.05) == 1
        assert "1 held by function f" in caplog.text


async def test_a_redeploy_names_the_messages_it_drops(caplog: pytest.LogCaptureFixture) -> None:
    delay = {"id": "d", "type": "delay", "pauseType": "rate", "rate": "1", "nbRateUnits": "1", "rateUnits": "minute",
             "drop": False, "outputs": 1, "wires": [["sink"]]}
    flows = [delay, {"id": "sink", "type": "test-sink"}]
    async with FlowHarness(flows, _registry()) as h:
        for i in range(4):
            h.send_to("d", {"payload": i})
        await _until(lambda: h.runtime.routes["d"].node.held() == 3)  # the first went through at once
        with caplog.at_level(logging.WARNING, logger="flowengine.runtime"):
            await h.runtime.deploy(h.normalise([{"id": "sink", "type": "test-sink"}]))
        assert "deploy: 3 messages in flight dropped with the nodes it stopped: 3 held by delay d" in caplog.text
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="flowengine.runtime"):
            await h.runtime.deploy(h.normalise([{"id": "sink", "type": "test-sink"}]))
        assert "dropped" not in caplog.text  # nothing was in flight: nothing said


async def test_a_javascript_interval_stops_at_the_drain_and_a_timeout_still_fires() -> None:
    init = ("setInterval(() => node.send({payload: 'tick'}), 20);\n"
            "setTimeout(() => node.send({payload: 'later'}), 2000);")
    fn = {"id": "js", "type": "function", "func": "return msg;", "initialize": init, "outputs": 1, "wires": [["sink"]]}
    async with FlowHarness([fn, {"id": "sink", "type": "test-sink"}], _registry()) as h:
        await _until(lambda: len(h.received("sink")) >= 2)
        await h.runtime.drain(1.0)
        ticks = len(h.received("sink"))
        assert all(m["payload"] == "tick" for m in h.received("sink"))
        await _until(lambda: any(m["payload"] == "later" for m in h.received("sink")))
        assert [m["payload"] for m in h.received("sink")][ticks - 1:] == ["tick", "later"]


async def test_the_drain_waits_for_awaiting_javascript_code() -> None:
    fn = {"id": "js", "type": "function", "outputs": 1, "wires": [["sink"]],
          "func": "await new Promise(resolve => setTimeout(resolve, 200));\nreturn msg;"}
    async with FlowHarness([fn, {"id": "sink", "type": "test-sink"}], _registry()) as h:
        h.send_to("js", {"payload": 1})
        await _until(lambda: h.runtime.routes["js"].node.held() == 1)
        assert await h.runtime.drain(10.0) == 0
        assert [m["payload"] for m in h.received("sink")] == [1]

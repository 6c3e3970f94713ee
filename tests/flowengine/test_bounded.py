"""bounded.py and its use by the runtime: close handlers, owned tasks and on_start that ignore
cancellation are abandoned (named), deploys and close() end, the next deploy works."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from flowengine.bounded import Abandoned, cancel_within, finish_within, run_bounded
from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.testing import FlowHarness, TestSink


class Gate:
    """Lets the stubborn tasks end after a test: the test's event loop waits for every task."""

    released = False


async def _swallow() -> None:
    while not Gate.released:
        try:
            await asyncio.sleep(3600)
        except BaseException:  # the fault under test: a task that ignores cancellation
            pass


@pytest.fixture(autouse=True)
async def _release_stubborn_tasks() -> AsyncIterator[None]:
    Gate.released = False
    yield
    Gate.released = True
    for task in asyncio.all_tasks():
        if task is not asyncio.current_task():
            task.cancel()


class StubbornClose(Node):
    type = "t-stubborn-close"

    async def on_close(self, removed: bool) -> None:
        await _swallow()


class StubbornTask(Node):
    type = "t-stubborn-task"

    def on_input(self, msg: Any, send: Any, done: Any) -> None:
        self.spawn(_swallow())
        send(msg)
        done()


class StubbornStart(Node):
    type = "t-stubborn-start"

    async def on_start(self) -> None:
        await _swallow()


def _registry() -> Registry:
    reg = Registry()
    for cls in (StubbornClose, StubbornTask, StubbornStart, TestSink):
        reg.add(cls)
    return reg


def _tab() -> dict[str, Any]:
    return {"id": "t1", "type": "tab", "label": "Flow 1"}


def _node(node_id: str, node_type: str, wires: list[list[str]] | None = None) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "z": "t1", "x": 0, "y": 0, "wires": wires or []}


SETTINGS = Settings(nodeCloseTimeout=100)


async def test_cancel_within_returns_what_ignores_the_cancel() -> None:
    polite = asyncio.ensure_future(asyncio.sleep(3600))
    stubborn = asyncio.ensure_future(_swallow())
    assert await finish_within({polite, stubborn}, 0.01) == {polite, stubborn}
    assert await cancel_within({polite, stubborn}, 0.05) == {stubborn}
    assert polite.cancelled()
    abandoned = Abandoned()
    abandoned.add(stubborn, "the stubborn one")
    assert len(abandoned) == 1 and abandoned.describe() == ["the stubborn one"]
    assert await abandoned.close(0.05) == ["the stubborn one"]


async def test_a_close_handler_ignoring_cancellation_is_abandoned_and_the_next_deploy_works() -> None:
    flows = [_tab(), _node("c", "t-stubborn-close")]
    async with FlowHarness(flows, registry=_registry(), settings=SETTINGS) as h:
        started = time.monotonic()
        await asyncio.wait_for(h.deploy([_tab()]), 3)
        assert time.monotonic() - started < 1.5
        texts = [text for _, node_id, text in h.logs if node_id == "c"]
        assert texts[0] == "Close timed out"
        assert "close handler ignores cancellation" in texts[1] and "(node c, type t-stubborn-close)" in texts[1]
        assert h.runtime.abandoned.describe() == ["close handler of t-stubborn-close:c"]
        await asyncio.wait_for(h.deploy([_tab(), _node("c", "t-stubborn-close")]), 3)
        assert h.runtime.node("c") is not None
    assert h.runtime.left_running == ["close handler of t-stubborn-close:c"]


async def test_an_owned_task_ignoring_cancellation_is_abandoned() -> None:
    flows = [_tab(), _node("s", "t-stubborn-task", [["out"]]), _node("out", "test-sink")]
    async with FlowHarness(flows, registry=_registry(), settings=SETTINGS) as h:
        h.send_to("s", {"payload": 1})
        await h.wait_for("out")
        await asyncio.wait_for(h.deploy([_tab()]), 3)
        assert any("task ignores cancellation" in text for _, node_id, text in h.logs if node_id == "s")
        assert h.runtime.abandoned.describe() == ["task of t-stubborn-task:s"]


async def test_an_on_start_that_never_ends_does_not_hold_the_deploy() -> None:
    flows = [_tab(), _node("st", "t-stubborn-start"), _node("out", "test-sink")]
    async with FlowHarness(flows, registry=_registry(), settings=SETTINGS) as h:
        h.send_to("out", {"payload": "flows run"})
        await h.wait_for("out")
        await asyncio.wait_for(h.deploy([_tab()]), 3)
        assert h.runtime.abandoned.describe() == ["task of t-stubborn-start:st"]


def test_run_bounded_leaves_a_task_that_ignores_cancellation() -> None:
    async def main() -> int:
        asyncio.get_running_loop().create_task(_swallow(), name="stubborn")
        await asyncio.sleep(0)
        return 7

    started = time.monotonic()
    try:
        assert run_bounded(main()) == 7
        assert time.monotonic() - started < 2
    finally:
        Gate.released = True  # the left task's coroutine ends when it is closed

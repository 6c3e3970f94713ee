"""Helpers for the mqtt node tests: flow pieces, waiting on node status, and a plain aiomqtt
client (the test's own view of the broker: it publishes what a flow should receive and records
what a flow published)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiomqtt
import pytest
from mosquitto import Mosquitto, ServiceUnavailable

from flowengine.testing import FlowHarness


@contextlib.contextmanager
def running(broker: Mosquitto) -> Iterator[Mosquitto]:
    """``broker`` started (the test skipped when mosquitto is not installed, a failure in CI),
    stopped afterwards."""
    try:
        broker.start()
    except ServiceUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield broker
    finally:
        broker.stop()


def broker_node(server: Mosquitto, node_id: str = "b", **props: Any) -> dict[str, Any]:
    """An ``mqtt-broker`` config node for ``server`` (3.1.1, random client id unless given)."""
    return {"id": node_id, "type": "mqtt-broker", "broker": "127.0.0.1", "port": str(server.port),
            "clientid": "", "protocolVersion": "4", "keepalive": "60", "cleansession": True, **props}


def mqtt_in(node_id: str, topic: str, sink: str, broker: str = "b", **props: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "mqtt in", "broker": broker, "topic": topic, "qos": "2",
            "datatype": "auto-detect", "wires": [[sink]], **props}


async def until(predicate: Callable[[], bool], describe: Callable[[], str], timeout: float = 5.0) -> None:
    """Wait until ``predicate()`` holds, checking every 10 ms (fails with ``describe()``)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError(describe())
        await asyncio.sleep(0.01)


def statuses(h: FlowHarness, node_id: str) -> list[str]:
    """The texts of every status ``node_id`` showed, oldest first."""
    return [d.get("text", "") for t, d in h.events if t == f"status/{node_id}"]


def status(h: FlowHarness, node_id: str) -> str:
    shown = statuses(h, node_id)
    return shown[-1] if shown else ""


async def shows(h: FlowHarness, text: str, *node_ids: str, timeout: float = 5.0) -> None:
    """Wait until every node in ``node_ids`` shows the status ``text``."""
    await until(lambda: all(status(h, n) == text for n in node_ids),
                lambda: f"status {text!r} not shown: {[(n, statuses(h, n)) for n in node_ids]}; logs {h.logs}",
                timeout)


class Recorder:
    """Messages a plain aiomqtt client received (subscribed before the flow runs)."""

    def __init__(self) -> None:
        self.messages: list[aiomqtt.Message] = []

    async def wait(self, count: int, timeout: float = 3.0) -> list[aiomqtt.Message]:
        await until(lambda: len(self.messages) >= count,
                    lambda: f"got {len(self.messages)} of {count}: {[m.topic.value for m in self.messages]}", timeout)
        return list(self.messages)


@contextlib.asynccontextmanager
async def raw_client(broker: Mosquitto, *subscriptions: str, v5: bool = False,
                     **kwargs: Any) -> AsyncIterator[tuple[aiomqtt.Client, Recorder]]:
    """A connected aiomqtt client subscribed (QoS 2) to ``subscriptions``, recording what arrives."""
    protocol = aiomqtt.ProtocolVersion.V5 if v5 else aiomqtt.ProtocolVersion.V311
    recorder = Recorder()
    async with aiomqtt.Client("127.0.0.1", broker.port, protocol=protocol, **kwargs) as client:
        for topic in subscriptions:
            await client.subscribe(topic, qos=2)

        async def record() -> None:
            async for message in client.messages:
                recorder.messages.append(message)

        reader = asyncio.create_task(record())
        try:
            yield client, recorder
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

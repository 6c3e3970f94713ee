"""The mqtt-broker connection against a real mosquitto: one shared connection, status lines,
birth / close / will messages, user and password, reconnecting after the broker restarts,
dynamic subscriptions and the connect / disconnect actions, redeploys."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
from mosquitto import Mosquitto
from serve_process import free_port

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

from ._mqtt_helpers import broker_node, mqtt_in, raw_client, running, shows, status, statuses, until

pytestmark = pytest.mark.integration


def _harness(flows, tmp_path, **settings):
    return FlowHarness(flows, settings=Settings.load(user_dir=tmp_path, **settings))


async def test_one_shared_connection_with_birth_and_close_messages(mosquitto):
    flows = [broker_node(mosquitto, birthTopic="st/birth", birthPayload="up", birthRetain="true",
                         closeTopic="st/close", closePayload="bye", closeQos="1"),
             {"id": "o", "type": "mqtt out", "broker": "b"}, mqtt_in("i1", "x/1", "s"), mqtt_in("i2", "x/2", "s"),
             {"id": "s", "type": "test-sink"}]
    async with raw_client(mosquitto, "st/#") as (_, seen):
        async with FlowHarness(flows) as h:
            await shows(h, "connected", "o", "i1", "i2")
            broker = h.node("b")
            assert h.node("i1").broker is broker and h.node("o").broker is broker  # type: ignore[attr-defined]
            h.send_to("o", {"topic": "x/1", "payload": "a"})
            h.send_to("o", {"topic": "x/2", "payload": "b"})
            assert [m["payload"] for m in await h.wait_for("s", 2)] == ["a", "b"]
            [birth] = await seen.wait(1)
            assert statuses(h, "i1")[-2:] == ["connecting", "connected"]
        [_, close] = await seen.wait(2)
    assert (birth.topic.value, birth.payload, birth.retain) == ("st/birth", b"up", False)  # live, not from store
    assert (close.topic.value, close.payload, close.qos) == ("st/close", b"bye", 1)
    assert next(t for _, n, t in h.logs if n == "b") == f"Connected to broker: mqtt://127.0.0.1:{mosquitto.port}"


def test_the_broker_publishes_the_will_when_the_process_dies(mosquitto, tmp_path):
    flows = [{"id": "t", "type": "tab", "label": "will"},
             broker_node(mosquitto, clientid="will-test", willTopic="st/will", willPayload="gone", willQos="1",
                         birthTopic="st/birth", birthPayload="up"),
             {"id": "o", "type": "mqtt out", "z": "t", "broker": "b", "wires": []}]
    path = tmp_path / "flows.json"
    path.write_text(json.dumps(flows))

    async def scenario() -> list[bytes]:
        async with raw_client(mosquitto, "st/#") as (_, seen):
            proc = subprocess.Popen([sys.executable, "-m", "flowengine.cli", "run", str(path), "--user-dir",
                                     str(tmp_path), "--port", str(free_port())], cwd=os.getcwd(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                await seen.wait(1, timeout=30)  # the birth message: the flow is connected
            finally:
                proc.kill()  # no clean disconnect: the broker must publish the will
                proc.wait(10)
            return [m.payload for m in await seen.wait(2)]

    assert asyncio.run(scenario()) == [b"up", b"gone"]


async def test_user_and_password():
    with running(Mosquitto(users={"alice": "s3cret"})) as server:
        good = broker_node(server, credentials={"user": "alice", "password": "s3cret"})
        bad = broker_node(server, "bad", credentials={"user": "alice", "password": "wrong"})
        flows = [good, bad, {"id": "o", "type": "mqtt out", "broker": "b"}, mqtt_in("i", "a/#", "s"),
                 {"id": "s", "type": "test-sink"}, {"id": "o2", "type": "mqtt out", "broker": "bad"}]
        async with FlowHarness(flows) as h:
            await shows(h, "connected", "i", "o")
            h.send_to("o", {"topic": "a/1", "payload": "in"})
            assert [m["payload"] for m in await h.wait_for("s")] == ["in"]
            await until(lambda: any("Connection failed to broker" in t for _, n, t in h.logs if n == "bad"),
                        lambda: f"logs: {h.logs}")
            assert status(h, "o2") == "connecting"


async def test_reconnects_after_the_broker_restarts_and_restores_subscriptions(mosquitto, tmp_path):
    flows = [broker_node(mosquitto, birthTopic="st/birth", birthPayload="up"),
             {"id": "o", "type": "mqtt out", "broker": "b"}, mqtt_in("i", "r/#", "s"), mqtt_in("bi", "st/birth", "s"),
             {"id": "s", "type": "test-sink"}]
    async with _harness(flows, tmp_path, mqttReconnectTime=100) as h:
        await shows(h, "connected", "i", "o")
        await h.wait_for("s", 1)  # its own birth message
        mosquitto.kill()
        await shows(h, "disconnected", "i", "o")
        mosquitto.start()
        await shows(h, "connected", "i", "o")
        h.send_to("o", {"topic": "r/again", "payload": "after"})
        msgs = await h.wait_for("s", 3)
    assert [m["payload"] for m in msgs] == ["up", "up", "after"]
    texts = statuses(h, "i")
    assert texts[texts.index("disconnected", 2):][:3] == ["disconnected", "connecting", "connected"]
    assert any(t.startswith("Disconnected from broker") for _, n, t in h.logs if n == "b")


async def test_dynamic_subscriptions(mosquitto):
    flows = [broker_node(mosquitto), {"id": "o", "type": "mqtt out", "broker": "b"},
             mqtt_in("d", "", "s", inputs=1, datatype="utf8"), {"id": "s", "type": "test-sink"},
             {"id": "c", "type": "catch", "scope": ["d"], "uncaught": False, "wires": [["errors"]]},
             {"id": "errors", "type": "test-sink"},
             {"id": "done", "type": "complete", "scope": ["d"], "wires": [["completed"]]},
             {"id": "completed", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "d")
        h.send_to("d", {"action": "subscribe", "topic": ["dyn/a", {"topic": "dyn/b/#", "qos": 1, "datatype": "json"}]})
        [subscribed] = await h.wait_for("completed")
        assert subscribed["subscriptions"] == [{"topic": "dyn/a", "qos": 2}, {"topic": "dyn/b/#", "qos": 1,
                                                                              "datatype": "json"}]
        h.send_to("o", {"topic": "dyn/a", "payload": '{"n":1}'})
        h.send_to("o", {"topic": "dyn/b/c", "payload": '{"n":2}'})
        h.send_to("o", {"topic": "dyn/other", "payload": "x"})
        got = await h.wait_for("s", 2)
        assert [(m["topic"], m["payload"]) for m in got] == [("dyn/a", '{"n":1}'), ("dyn/b/c", {"n": 2})]
        h.send_to("d", {"action": "getSubscriptions"})
        listed = (await h.wait_for("s", 3))[-1]
        assert (listed["topic"], [s["topic"] for s in listed["payload"]]) == ("subscriptions", ["dyn/a", "dyn/b/#"])
        h.send_to("d", {"action": "unsubscribe", "topic": "dyn/a"})
        await h.wait_for("completed", 3)
        h.send_to("o", {"topic": "dyn/a", "payload": "gone"})
        h.send_to("o", {"topic": "dyn/b/d", "payload": "3"})
        assert (await h.wait_for("s", 4))[-1]["payload"] == 3
        h.send_to("d", {"action": "unsubscribe", "topic": True})
        [*_, emptied] = await h.wait_for("completed", 4)
        assert emptied["subscriptions"] == []
        for bad in ({"action": "jump"}, {"action": "subscribe", "topic": "a/#/b"}, {"action": "subscribe", "topic": 5}):
            h.send_to("d", bad)
        errors = await h.wait_for("errors", 3)
        h.send_to("o", {"topic": "dyn/b/e", "payload": "none"})
        await h.drain()
    assert [e["error"]["message"] for e in errors] == [
        "Invalid action specified", "Invalid topic specified", "msg.topic is missing or invalid"]
    assert [m["payload"] for m in h.received("s")][-1] == 3


async def test_connect_and_disconnect_actions(mosquitto):
    with running(Mosquitto()) as other:
        flows = [broker_node(mosquitto, autoConnect=False), {"id": "o", "type": "mqtt out", "broker": "b"},
                 mqtt_in("i", "ctl/#", "s"), {"id": "s", "type": "test-sink"},
                 {"id": "c", "type": "catch", "scope": ["o"], "uncaught": False, "wires": [["errors"]]},
                 {"id": "errors", "type": "test-sink"}]
        async with raw_client(other, "ctl/#") as (_, seen), FlowHarness(flows) as h:
            await h.drain()
            assert status(h, "i") == "disconnected" and h.node("b").client is None  # type: ignore[attr-defined]
            h.send_to("o", {"action": "connect"})
            await shows(h, "connected", "i", "o")
            h.send_to("o", {"action": "connect", "broker": {"port": other.port}})
            [error] = await h.wait_for("errors")
            assert error["error"]["message"] == "Disconnect from broker before connecting"
            h.send_to("o", {"action": "connect", "broker": {"port": str(other.port), "force": True}})
            await until(lambda: statuses(h, "i").count("connected") == 2, lambda: str(statuses(h, "i")))
            h.send_to("o", {"topic": "ctl/x", "payload": "to the other broker"})
            assert [m["payload"] for m in await h.wait_for("s")] == ["to the other broker"]
            assert [m.payload for m in await seen.wait(1)] == [b"to the other broker"]
            h.send_to("i", {"action": "disconnect"})  # an mqtt in node controls the shared connection too
            await shows(h, "disconnected", "i", "o")
            h.send_to("o", {"topic": "ctl/y", "payload": "dropped"})  # not connected: not sent
            await h.drain()
    assert len(h.received("s")) == 1


async def test_redeploying_a_node_moves_its_subscription(mosquitto):
    flows = [broker_node(mosquitto), {"id": "o", "type": "mqtt out", "broker": "b"}, mqtt_in("i", "old/#", "s"),
             {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "i")
        broker = h.node("b")
        flows[2] = mqtt_in("i", "new/#", "s")
        await h.deploy(flows, "nodes")
        await shows(h, "connected", "i")
        await until(lambda: set(broker.subscriptions) == {"new/#"},  # type: ignore[attr-defined]
                    lambda: str(broker.subscriptions))  # type: ignore[attr-defined]
        assert h.node("b") is broker  # the connection stays up
        h.send_to("o", {"topic": "old/x", "payload": "old"})
        h.send_to("o", {"topic": "new/x", "payload": "new"})
        [msg] = await h.wait_for("s")
        await h.drain()
    assert msg["payload"] == "new" and len(h.received("s")) == 1


async def test_a_broker_url_with_an_unknown_scheme_connects_with_plain_mqtt():
    # MQTT.js falls back to its first transport, mqtt over TCP (seen in a real flow: "mqtt-tcp://host"):
    # Node-RED logs no error, only the failed connection attempts
    flows = [
        {"id": "t", "type": "tab"},
        {"id": "b", "type": "mqtt-broker", "broker": "mqtt-tcp://127.0.0.1:1"},
        {"id": "in", "type": "mqtt in", "z": "t", "topic": "a/b", "broker": "b", "wires": [[]]},
    ]
    async with FlowHarness(flows) as h:
        broker = h.node("b")
        assert broker.config_error is None
        assert (broker.options.host, broker.options.port, broker.options.tls) == ("127.0.0.1", 1, False)
        await until(lambda: any(n == "b" and "Connection failed to broker: mqtt-tcp://127.0.0.1:1" in t
                                for _, n, t in h.logs), lambda: f"logs: {h.logs}")
        errors = [d for t, d in h.events if t == "debug" and d.get("level") == 20]
    assert errors == []

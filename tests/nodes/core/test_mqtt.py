"""mqtt out -> a real mosquitto -> mqtt in: payload forms, datatypes, wildcards, QoS, retain,
node vs msg settings, MQTT v5 properties. Each test has its own broker (fixture ``mosquitto``)."""

from __future__ import annotations

import base64

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from flowengine.testing import FlowHarness

from ._mqtt_helpers import broker_node, mqtt_in, raw_client, shows, until

pytestmark = pytest.mark.integration


def _props(**fields: object) -> Properties:
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    for key, value in fields.items():
        setattr(props, key, value)
    return props


async def test_round_trip_of_each_payload_form(mosquitto):
    flows = [broker_node(mosquitto), {"id": "o", "type": "mqtt out", "broker": "b", "topic": "", "qos": "",
                                      "retain": ""},
             mqtt_in("i", "t/x", "s"), {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "i", "o")
        payloads = ["hello", {"x": [1, 2]}, 42, True, b"\xff\x00\x01", [1, "a"], None, "", "3.5", "a\x00b"]
        for p in payloads:
            h.send_to("o", {"topic": "t/x", "payload": p})
        got = [m["payload"] for m in await h.wait_for("s", len(payloads))]
    # auto-detect: JSON when the text parses, else text; bytes that are not UTF-8 (or hold control
    # characters, is-utf8's rule) stay bytes; null/undefined publish an empty message
    assert got == ["hello", {"x": [1, 2]}, 42, True, b"\xff\x00\x01", [1, "a"], "", "", 3.5, b"a\x00b"]
    first = h.received("s")[0]
    assert {k: v for k, v in first.items() if k != "_msgid"} == {
        "topic": "t/x", "payload": "hello", "qos": 0, "retain": False, "_topic": "t/x"}


async def test_each_datatype(mosquitto):
    kinds = ["auto-detect", "auto", "buffer", "utf8", "json", "base64"]
    flows = [broker_node(mosquitto), {"id": "o", "type": "mqtt out", "broker": "b", "topic": "d/x"},
             {"id": "c", "type": "catch", "scope": None, "uncaught": False, "wires": [["caught"]]},
             {"id": "caught", "type": "test-sink"}]
    for kind in kinds:
        flows += [mqtt_in(f"i-{kind}", "d/x", f"s-{kind}", datatype=kind), {"id": f"s-{kind}", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", *[f"i-{k}" for k in kinds])
        for payload in ('{"a":1}', "plain", b"\xfe\xff"):
            h.send_to("o", {"payload": payload})
        got = {k: [m["payload"] for m in await h.wait_for(f"s-{k}", 3 if k != "json" else 1)] for k in kinds}
        errors = await h.wait_for("caught", 2)
    assert got["auto-detect"] == [{"a": 1}, "plain", b"\xfe\xff"]
    assert got["auto"] == ['{"a":1}', "plain", b"\xfe\xff"]
    assert got["buffer"] == [b'{"a":1}', b"plain", b"\xfe\xff"]
    assert got["utf8"] == ['{"a":1}', "plain", "\ufffd\ufffd"]
    assert got["json"] == [{"a": 1}]
    assert got["base64"] == [base64.b64encode(p).decode() for p in (b'{"a":1}', b"plain", b"\xfe\xff")]
    # json: text that does not parse, and bytes that are not text, reach catch with the raw Buffer
    assert [(e["error"]["message"], e["payload"], e["topic"]) for e in errors] == [
        ("Failed to parse JSON string", b"plain", "d/x"), ("Invalid JSON string", b"\xfe\xff", "d/x")]
    assert errors[0]["error"]["source"]["id"] == "i-json"
    assert "_topic" not in errors[0]


async def test_wildcards(mosquitto):
    flows = [broker_node(mosquitto), {"id": "o", "type": "mqtt out", "broker": "b"},
             mqtt_in("plus", "home/+/temp", "s1"), {"id": "s1", "type": "test-sink"},
             mqtt_in("hash", "home/#", "s2"), {"id": "s2", "type": "test-sink"},
             mqtt_in("all", "#", "s3"), {"id": "s3", "type": "test-sink"}]
    topics = ["home/kitchen/temp", "home/kitchen/light", "home", "home/a/b/temp", "office/temp"]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "plus", "hash", "all")
        for t in topics:
            h.send_to("o", {"topic": t, "payload": t})
        await h.wait_for("s3", len(topics))
        await h.wait_for("s2", 4)
        await h.drain()
    assert [m["topic"] for m in h.received("s1")] == ["home/kitchen/temp"]
    assert [m["topic"] for m in h.received("s2")] == topics[:4]  # home/# matches home itself
    assert [m["payload"] for m in h.received("s3")] == topics


async def test_qos_from_node_or_msg_capped_by_the_subscription(mosquitto):
    flows = [broker_node(mosquitto),
             {"id": "o", "type": "mqtt out", "broker": "b", "topic": "", "qos": "", "retain": ""},
             {"id": "fixed", "type": "mqtt out", "broker": "b", "topic": "q/fixed", "qos": "1", "retain": "false"},
             mqtt_in("q2", "q/#", "s2", qos="2"), {"id": "s2", "type": "test-sink"},
             broker_node(mosquitto, "b1"),  # its own connection: overlapping filters on one connection get
             mqtt_in("q1", "q/+", "s1", "b1", qos="1"), {"id": "s1", "type": "test-sink"}]  # a copy each
    async with raw_client(mosquitto, "q/#") as (_, seen), FlowHarness(flows) as h:
        await shows(h, "connected", "q1", "q2", "o")
        h.send_to("o", {"topic": "q/a", "payload": "two", "qos": 2})
        h.send_to("o", {"topic": "q/b", "payload": "one", "qos": "1"})
        h.send_to("o", {"topic": "q/c", "payload": "bad qos", "qos": 7})
        h.send_to("fixed", {"topic": "q/ignored", "payload": "node wins", "qos": 2, "retain": True})
        await h.wait_for("s2", 4)
        await h.wait_for("s1", 4)
        raw = await seen.wait(4)
    # (messages of different QoS may overtake each other on the way: compare by payload)
    assert {m["payload"]: m["qos"] for m in h.received("s2")} == {"two": 2, "one": 1, "bad qos": 0, "node wins": 1}
    assert {m["payload"]: m["qos"] for m in h.received("s1")} == {"two": 1, "one": 1, "bad qos": 0, "node wins": 1}
    assert sorted((m.topic.value, m.retain) for m in raw) == [("q/a", False), ("q/b", False), ("q/c", False),
                                                              ("q/fixed", False)]


async def test_retained_messages_reach_later_subscribers_and_an_empty_one_clears_them(mosquitto):
    flows = [broker_node(mosquitto), {"id": "o", "type": "mqtt out", "broker": "b", "topic": "r/t"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "o")
        h.send_to("o", {"payload": "kept", "retain": True})
        await h.drain()
        later = [*flows, mqtt_in("i", "r/#", "s"), {"id": "s", "type": "test-sink"}]
        await h.deploy(later, "nodes")
        [msg] = await h.wait_for("s")
        assert (msg["payload"], msg["retain"]) == ("kept", True)
        h.send_to("o", {"payload": "", "retain": "true"})  # clears the retained message
        await h.wait_for("s", 2)
    async with raw_client(mosquitto, "r/#") as (_, seen), FlowHarness(flows) as h2:
        await shows(h2, "connected", "o")
        h2.send_to("o", {"payload": "live"})
        assert [m.payload for m in await seen.wait(1)] == [b"live"]


async def test_out_writes_back_topic_qos_retain_and_skips_a_msg_without_payload(mosquitto):
    flows = [broker_node(mosquitto), {"id": "o", "type": "mqtt out", "broker": "b", "topic": "w/node"},
             {"id": "done", "type": "complete", "scope": ["o"], "wires": [["s"]]}, {"id": "s", "type": "test-sink"}]
    async with raw_client(mosquitto, "w/#") as (_, seen), FlowHarness(flows) as h:
        await shows(h, "connected", "o")
        h.send_to("o", {"topic": "w/msg"})  # no payload: nothing published
        h.send_to("o", {"topic": "w/msg", "payload": {"n": 1}})
        done = await h.wait_for("s", 2)
        raw = await seen.wait(1)
    assert [(m.topic.value, m.payload) for m in raw] == [("w/node", b'{"n":1}')]
    assert {k: done[1][k] for k in ("topic", "qos", "retain", "payload")} == {
        "topic": "w/node", "qos": 0, "retain": False, "payload": '{"n":1}'}


async def test_invalid_publish_topic_is_a_warning(mosquitto):
    flows = [broker_node(mosquitto), {"id": "o", "type": "mqtt out", "broker": "b"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "o")
        h.send_to("o", {"topic": "a/+/b", "payload": 1})
        h.send_to("o", {"payload": 1})
        await until(lambda: len([t for _, n, t in h.logs if n == "o" and "Invalid topic specified" in t]) == 2,
                    lambda: f"logs: {h.logs}")


async def test_msg_topic_is_added_only_for_a_local_broker_name(mosquitto):
    url = f"mqtt://127.0.0.1:{mosquitto.port}"
    flows = [broker_node(mosquitto, broker=url, port=""), {"id": "o", "type": "mqtt out", "broker": "b"},
             mqtt_in("i", "u/x", "s"), {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "i")
        h.send_to("o", {"topic": "u/x", "payload": "p"})
        [msg] = await h.wait_for("s")
    assert "_topic" not in msg and msg["payload"] == "p"


async def test_v5_properties_both_ways(mosquitto):
    flows = [broker_node(mosquitto, protocolVersion="5"),
             {"id": "o", "type": "mqtt out", "broker": "b", "topic": "v/out", "respTopic": "v/reply",
              "correl": "abc", "contentType": "", "userProps": '{"k":"node"}', "expiry": "60"},
             mqtt_in("i", "v/#", "s"), {"id": "s", "type": "test-sink"}]
    async with raw_client(mosquitto, v5=True) as (client, _), FlowHarness(flows) as h:
        await shows(h, "connected", "i", "o")
        h.send_to("o", {"payload": {"a": 1}, "contentType": "application/json", "userProperties": {"x": "1", "n": 2}})
        [out] = await h.wait_for("s")
        await client.publish("v/text", b"42", properties=_props(ContentType="text/plain"))
        await client.publish("v/json", b"nope", properties=_props(ContentType="application/json"))
        await client.publish("v/bin", b"\xff", properties=_props(PayloadFormatIndicator=1, CorrelationData=b"\x01"))
        await client.publish("v/raw", b"[1]", properties=_props(ContentType="application/octet-stream"))
        msgs = await h.wait_for("s", 4)
    assert out["payload"] == {"a": 1}
    assert (out["responseTopic"], out["correlationData"], out["contentType"], out["userProperties"]) == (
        "v/reply", b"abc", "application/json", {"k": "node"})
    assert 55 <= out["messageExpiryInterval"] <= 60
    text, binary, raw = msgs[1], msgs[2], msgs[3]
    assert text["payload"] == "42"  # text/plain: a string even though it parses as JSON
    assert (binary["payload"], binary["payloadFormatIndicator"], binary["correlationData"]) == ("\ufffd", True, b"\x01")
    assert raw["payload"] == b"[1]"
    # application/json that does not parse: an error with the text, no message
    assert [m["topic"] for m in msgs] == ["v/out", "v/text", "v/bin", "v/raw"]
    assert any("Failed to parse JSON string" in t for _, n, t in h.logs if n == "i")


async def test_v5_no_local_skips_the_connection_own_messages(mosquitto):
    flows = [broker_node(mosquitto, protocolVersion="5"), {"id": "o", "type": "mqtt out", "broker": "b"},
             mqtt_in("i", "nl/#", "s", nl=True), {"id": "s", "type": "test-sink"}]
    async with raw_client(mosquitto, v5=True) as (client, _), FlowHarness(flows) as h:
        await shows(h, "connected", "i", "o")
        h.send_to("o", {"topic": "nl/own", "payload": "own"})
        await client.publish("nl/other", b"other", qos=1)
        [msg] = await h.wait_for("s")
        await h.drain()
    assert msg["payload"] == "other" and len(h.received("s")) == 1


async def test_missing_broker_is_an_error():
    flows = [{"id": "o", "type": "mqtt out", "broker": ""}, {"id": "i", "type": "mqtt in", "broker": "",
                                                                   "topic": "x", "wires": [[]]}]
    async with FlowHarness(flows) as h:
        await h.drain()
    assert {n for _, n, t in h.logs if "missing broker configuration" in t} == {"o", "i"}


@pytest.mark.parametrize("version", ["3", "5"])
async def test_round_trip_on_mqtt_3_1_and_5(mosquitto, version):
    flows = [broker_node(mosquitto, protocolVersion=version), {"id": "o", "type": "mqtt out", "broker": "b"},
             mqtt_in("i", "p/#", "s"), {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "i", "o")
        h.send_to("o", {"topic": "p/v", "payload": {"version": version}})
        [msg] = await h.wait_for("s")
    assert (msg["topic"], msg["payload"], msg["qos"], msg["retain"]) == ("p/v", {"version": version}, 0, False)


async def test_a_burst_of_qos_1_messages_arrives_whole_and_in_order(mosquitto):
    flows = [broker_node(mosquitto), {"id": "o", "type": "mqtt out", "broker": "b", "topic": "burst", "qos": "1"},
             mqtt_in("i", "burst", "s", qos="1"), {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "i", "o")
        for n in range(500):
            h.send_to("o", {"payload": n})
        msgs = await h.wait_for("s", 500, timeout=10)
    assert [m["payload"] for m in msgs] == list(range(500))
    assert not [t for level, _, t in h.logs if level <= 30]  # Node-RED levels: 20 error, 30 warn


async def test_v5_topic_alias_within_the_broker_maximum(mosquitto):
    # Node-RED: an alias from 1 to the CONNACK's Topic Alias Maximum (mosquitto: 10) is sent; a repeat of
    # the same topic goes out with an empty topic, another topic re-assigns it; others are left out
    flows = [broker_node(mosquitto, protocolVersion="5"), {"id": "o", "type": "mqtt out", "broker": "b"},
             mqtt_in("i", "ta/#", "s"), {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        await shows(h, "connected", "i", "o")
        broker = h.node("b")
        assert broker.topic_alias_maximum == 10
        for topic, alias in (("ta/x", 1), ("ta/x", "1"), ("ta/y", 1), ("ta/z", 99), ("ta/w", "no")):
            h.send_to("o", {"topic": topic, "payload": topic, "topicAlias": alias})
        msgs = await h.wait_for("s", 5)
        assert broker.topic_aliases == {1: "ta/y"}
    assert [(m["topic"], m["payload"]) for m in msgs] == [
        ("ta/x", "ta/x"), ("ta/x", "ta/x"), ("ta/y", "ta/y"), ("ta/z", "ta/z"), ("ta/w", "ta/w")]

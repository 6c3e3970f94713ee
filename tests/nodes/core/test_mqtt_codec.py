"""The pure MQTT rules (mqtt_codec.py, mqtt_options.py): topics, payload decoding and encoding,
v5 properties, and the broker node's options, as Node-RED's 10-mqtt.js has them."""

from __future__ import annotations

import pytest
from flowengine.nodes.core.mqtt_codec import (
    PayloadError,
    decode_payload,
    encode_payload,
    is_utf8,
    match_topic,
    new_properties,
    publish_properties,
    received_properties,
    user_properties,
    valid_publish_topic,
    valid_subscription_topic,
)
from flowengine.nodes.core.mqtt_options import broker_options, client_kwargs, with_overrides
from paho.mqtt.packettypes import PacketTypes

from flowengine.types import UNDEFINED


@pytest.mark.parametrize(("topic", "ok"), [
    ("a/b", True), ("#", True), ("a/#", True), ("+", True), ("a/+/c", True), ("", True), ("/", True),
    ("a/#/c", False), ("a#", False), ("a/b+", False), ("#/a", False), ("a/#\n", False),
])
def test_subscription_topics(topic, ok):
    assert valid_subscription_topic(topic) is ok


@pytest.mark.parametrize(("topic", "ok"), [("a/b", True), ("", False), ("a/+", False), ("a/#", False),
                                           ("a\tb", False), ("a\x00", False), (5, False)])
def test_publish_topics(topic, ok):
    assert valid_publish_topic(topic) is ok


@pytest.mark.parametrize(("topic_filter", "topic", "ok"), [
    ("#", "anything/at/all", True), ("a/#", "a", True), ("a/#", "a/b/c", True), ("a/#", "ab", False),
    ("a/+/c", "a/b/c", True), ("a/+/c", "a/b/x/c", False), ("a/+", "a/", False),  # + needs a character
    ("$share/g/a/+", "a/b", True), ("a.b/(c)", "a.b/(c)", True), ("a.b", "axb", False), ("a/b", "a/b/c", False),
])
def test_match_topic(topic_filter, topic, ok):
    assert match_topic(topic_filter, topic) is ok


def test_is_utf8_follows_the_is_utf8_package():
    assert is_utf8("héllo ✓ 😀\t\r\n".encode())
    assert is_utf8(b"")
    for bad in (b"\xff", b"a\x00", b"\x7f", b"\x1b[0m", b"\xc0\xaf", b"\xed\xa0\x80"):
        assert not is_utf8(bad)


@pytest.mark.parametrize(("datatype", "data", "expected"), [
    ("auto-detect", b'{"a":[1]}', {"a": [1]}), ("auto-detect", b"42", 42), ("auto-detect", b"null", None),
    ("auto-detect", b"NaN", "NaN"), ("auto-detect", b"text", "text"), ("auto-detect", b"\x01", b"\x01"),
    ("auto", b'{"a":1}', '{"a":1}'), ("auto", b"\xff", b"\xff"), ("utf8", b"\xff", "\ufffd"),
    ("buffer", b"x", b"x"), ("base64", b"\x00\xff", "AP8="), ("json", b"[1, 2]", [1, 2]), ("other", b"7", "7"),
])
def test_decode_payload(datatype, data, expected):
    assert decode_payload(datatype, data) == expected


def test_json_datatype_errors_carry_the_raw_payload():
    with pytest.raises(PayloadError) as parse:
        decode_payload("json", b"nope")
    with pytest.raises(PayloadError) as binary:
        decode_payload("json", b"\xff")
    assert (str(parse.value), parse.value.payload) == ("Failed to parse JSON string", b"nope")
    assert (str(binary.value), binary.value.payload) == ("Invalid JSON string", b"\xff")


def test_v5_content_type_and_format_indicator_steer_auto_detect():
    assert decode_payload("auto-detect", b"42", {"contentType": "text/plain"}) == "42"
    assert decode_payload("auto-detect", b"[1]", {"contentType": "image/png"}) == b"[1]"
    assert decode_payload("auto", b"[1]", {"contentType": "application/json"}) == "[1]"
    assert decode_payload("auto-detect", b"[1]", {"contentType": "Application/JSON"}) == [1]
    assert decode_payload("auto-detect", b"\x01", {"payloadFormatIndicator": True}) == "\x01"
    assert decode_payload("auto-detect", b"[2]", {"contentType": "x/unknown"}) == [2]
    with pytest.raises(PayloadError) as err:
        decode_payload("auto-detect", b"{", {"contentType": "application/json"})
    assert err.value.payload == "{"  # already text here, as in Node-RED


@pytest.mark.parametrize(("payload", "sent"), [
    ("s", "s"), (b"\x00", b"\x00"), ({"a": [1, None]}, '{"a":[1,null]}'), ([1], "[1]"), (42, "42"), (1.5, "1.5"),
    (True, "true"), (None, ""), (UNDEFINED, ""), (bytearray(b"x"), b"x"),
])
def test_encode_payload(payload, sent):
    assert encode_payload(payload) == sent


def test_v5_properties_both_ways():
    props = publish_properties({"responseTopic": "r", "correlationData": "id-1", "contentType": "text/plain",
                                "messageExpiryInterval": "30", "payloadFormatIndicator": True,
                                "userProperties": {"a": "1", "n": 2}})
    assert props is not None
    assert received_properties(props) == {"responseTopic": "r", "correlationData": b"id-1",
                                          "contentType": "text/plain", "messageExpiryInterval": 30,
                                          "payloadFormatIndicator": True, "userProperties": {"a": "1"}}
    assert publish_properties({"responseTopic": "", "messageExpiryInterval": -1, "userProperties": {"n": 1}}) is None
    with pytest.raises(ValueError, match="correlationData"):
        publish_properties({"correlationData": 5})


def test_received_user_properties_drop_repeated_keys():
    props = new_properties(PacketTypes.PUBLISH)
    props.UserProperty = [("k", "1"), ("k", "2"), ("one", "x")]
    assert received_properties(props) == {"userProperties": {"one": "x"}}
    assert user_properties(' {"a": "b", "c": 1}') == {"a": "b"}
    assert user_properties("not json") == {}


def _options(config, credentials=None):
    warnings: list[str] = []
    return broker_options(config, credentials or {}, warnings.append), warnings


def test_broker_options_like_node_red():
    opts, warnings = _options({"broker": "127.0.0.1", "port": "18831", "cleansession": False})
    assert (opts.host, opts.port, opts.url, opts.clean, opts.protocol) == (
        "127.0.0.1", 18831, "mqtt://127.0.0.1:18831", True, 4)
    assert warnings == ["No client ID set, using clean session"]
    assert opts.client_id.startswith("nodered") and len(opts.client_id) == 23
    assert _options({"broker": "127.0.0.1"})[0].client_id != opts.client_id  # random each time
    assert _options({"broker": ""})[0].url == "mqtt://localhost:1883"
    wss = _options({"broker": "wss://example.test/mqtt", "usetls": False})[0]
    assert (wss.host, wss.port, wss.tls, wss.websocket_path) == ("example.test", 443, True, "/mqtt")
    assert _options({"broker": "h", "compatmode": True})[0].protocol == 3
    fixed, _ = _options({"broker": "h", "clientid": "me", "cleansession": False, "protocolVersion": 5},
                        {"user": "u", "password": "p"})
    assert (fixed.client_id, fixed.clean, fixed.protocol, fixed.username, fixed.password, fixed.label) == (
        "me", False, 5, "u", "p", "me@mqtt://h:1883")
    with pytest.raises(ValueError, match="'port'"):
        _options({"broker": "h", "port": "x"})


def test_birth_close_will_and_v5_connect_properties():
    opts, _ = _options({"broker": "h", "protocolVersion": "5", "sessionExpiry": "120", "userProps": '{"app":"fe"}',
                        "birthTopic": "b", "birthPayload": "", "birthQos": "1", "birthRetain": "true",
                        "willTopic": "w", "willPayload": "gone", "willMsg": {"contentType": "text/plain",
                                                                              "delay": "5", "correl": "c1"},
                        "closeTopic": ""})
    assert opts.birth is not None and (opts.birth.payload, opts.birth.qos, opts.birth.retain) == ("", 1, True)
    assert opts.close is None
    kwargs = client_kwargs(opts, None)
    will = kwargs["will"]
    assert (will.topic, will.payload, will.properties.ContentType, will.properties.WillDelayInterval,
            will.properties.CorrelationData) == ("w", "gone", "text/plain", 5, b"c1")
    connect = kwargs["properties"]
    assert (connect.SessionExpiryInterval, connect.UserProperty, kwargs["clean_start"]) == (120, [("app", "fe")], True)


def test_connect_action_overrides():
    config, creds = with_overrides({"broker": "old", "port": "1", "birthTopic": "x"}, {"user": "a"},
                                   {"broker": "new", "username": "b", "password": "p", "birth": {"topic": "hi"},
                                    "will": "nonsense"})
    assert (config["broker"], config["port"], config["birthTopic"], config["willTopic"]) == ("new", "1", "hi", None)
    assert creds == {"user": "b", "password": "p"}
    config, _ = with_overrides({"broker": "h"}, {}, {"url": "mqtt://u.test:99"})
    assert _options(config)[0].url == "mqtt://u.test:99"

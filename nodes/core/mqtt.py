"""MQTT nodes: ``mqtt in`` (subscribe; or dynamic subscriptions driven by ``msg.action``),
``mqtt out`` (publish) and the ``mqtt-broker`` config node they share (mqtt_broker.py).

Behaviour follows Node-RED 5's ``10-mqtt.js``: payload decoding (mqtt_codec.py), ``msg._topic``
only for a broker written as localhost / 127.0.0.1 (corpus case mqtt_roundtrip), a JSON payload
that does not parse reaches catch nodes with the raw Buffer and "Failed to parse JSON string",
node topic / QoS / retain winning over ``msg``'s, MQTT v5 properties both ways.
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from flowengine.jsutil import js_truthy, to_number
from flowengine.lazy_module import lazy_module
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from .mqtt_broker import STATUS, MqttBroker, Subscription
from .mqtt_codec import (
    PayloadError,
    decode_payload,
    encode_payload,
    new_properties,
    publish_properties,
    received_properties,
    user_properties,
    valid_publish_topic,
    valid_subscription_topic,
)
from .mqtt_options import host_is_local
from .mqtt_schema import IN_SCHEMA, OUT_SCHEMA

if TYPE_CHECKING:
    import aiomqtt
else:
    aiomqtt = lazy_module("aiomqtt")  # loaded when a broker first connects (flowengine.lazy_module)

__all__ = ["NODES", "MqttBroker", "MqttIn", "MqttOut"]

INVALID_ACTION = "Invalid action specified"
ALREADY_CONNECTED = "Disconnect from broker before connecting"
BAD_SUBSCRIPTION = "msg.topic is missing or invalid"
INVALID_TOPIC = "Invalid topic specified"
NOT_DEFINED = "topic not defined"
MISSING_CONFIG = "missing broker configuration"
IN_ACTIONS = ("connect", "disconnect", "subscribe", "unsubscribe", "getSubscriptions")


def _int(value: Any, low: int, high: int, default: int) -> int:
    """``parseInt(value)`` when it is within [low, high], else ``default``."""
    try:
        number = int(float(value)) if not isinstance(value, bool) and value not in (None, "", UNDEFINED) else None
    except (TypeError, ValueError):
        number = None
    return number if number is not None and low <= number <= high else default


def _flag(value: Any) -> bool | None:
    return True if value in (True, "true") else False if value in (False, "false") else None


async def _connect_action(broker: MqttBroker, msg: Msg) -> None:
    """The *connect* action: ``msg.broker`` settings apply to a new connection; an open one is
    only replaced when they say ``force``. Returns once connected."""
    overrides = msg.get("broker") if isinstance(msg.get("broker"), dict) else None
    if not broker.can_connect():
        if overrides is None:
            return
        if not overrides.get("force"):
            raise ValueError(ALREADY_CONNECTED)
        await broker.disconnect()
    if overrides is not None:
        broker.set_options(overrides)
    broker.connect()
    await broker.connected()


class _BrokerUser(Node):
    """mqtt in / out: the broker node they registered with (None when missing or not started)."""

    color = "#d8bfd8"
    icon = "bridge.svg"
    category = "network"
    broker: MqttBroker | None = None

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.topic = str(config.get("topic") or "")

    def _find_broker(self) -> MqttBroker | None:
        broker = self.config_node(self.config.get("broker"))
        if not isinstance(broker, MqttBroker):
            self.error(f"{MISSING_CONFIG}: property 'broker' must name an mqtt-broker node")
            return None
        return broker


class MqttIn(_BrokerUser):
    type = "mqtt in"
    label = "mqtt in"
    inputs = 0
    outputs = 1
    schema = IN_SCHEMA
    help = node_help("mqtt in")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.dynamic = str(config.get("inputs")) == "1"
        self.qos = _int(config.get("qos"), 0, 2, 2)
        self.datatype = str(config.get("datatype") or "utf8")
        self.dynamic_subs: dict[str, dict[str, Any]] = {}

    def on_start(self) -> None:
        if not self.dynamic and not valid_subscription_topic(self.topic):
            self.warn(f"{INVALID_TOPIC}: property 'topic' {self.topic!r}")
            return
        broker = self._find_broker()
        if broker is None:
            return
        if not (self.topic or self.dynamic):
            self.status(STATUS["disconnected"])
            self.error(f"{NOT_DEFINED}: set property 'topic' or use dynamic subscriptions")
            return
        self.broker = broker
        broker.register(self)
        if not self.dynamic:
            sub = {"topic": self.topic, "qos": self.qos, "nl": self.config.get("nl"), "rap": self.config.get("rap"),
                   "rh": self.config.get("rh")}
            broker.subscribe(self._subscription(broker, sub, self.datatype))

    def _subscription(self, broker: MqttBroker, sub: dict[str, Any], datatype: str) -> Subscription:
        """The broker subscription for ``sub`` (v5 options only on a v5 connection)."""
        options: dict[str, Any] = {}
        if broker.v5:
            options = {"no_local": bool(_flag(sub.get("nl"))), "retain_as_published": bool(_flag(sub.get("rap"))),
                       "retain_handling": _int(sub.get("rh"), 0, 2, 0)}
        return Subscription(sub["topic"], int(sub["qos"]), functools.partial(self._received, datatype), self.id,
                            **options)

    def _received(self, datatype: str, message: aiomqtt.Message) -> None:
        broker = self.broker
        if broker is None:
            return
        topic = message.topic.value
        data = message.payload if isinstance(message.payload, bytes) else str(message.payload or "").encode()
        retain = bool(message.retain)
        msg: Msg = {"topic": topic, "payload": None, "qos": message.qos, "retain": retain}
        v5 = received_properties(message.properties) if broker.v5 else None
        if v5:
            msg.update(v5)
        try:
            msg["payload"] = decode_payload(datatype, data, v5)
        except PayloadError as exc:
            self.error(str(exc), {"payload": exc.payload, "topic": topic, "qos": message.qos, "retain": retain})
            return
        if host_is_local(broker.options):
            msg["_topic"] = topic
        self.send(msg)

    async def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        broker = self.broker
        if broker is None:
            done()
            return
        action = msg.get("action")
        if action not in IN_ACTIONS:
            done(INVALID_ACTION)
            return
        try:
            if action == "connect":
                await _connect_action(broker, msg)
            elif action == "disconnect":
                await broker.disconnect()
            elif action == "getSubscriptions":
                msg["topic"] = "subscriptions"
                msg["payload"] = list(self.dynamic_subs.values())
                send(msg)
            else:
                await self._change_subscriptions(broker, str(action), msg)
        except ValueError as exc:
            done(str(exc))
            return
        done()

    async def _change_subscriptions(self, broker: MqttBroker, action: str, msg: Msg) -> None:
        """subscribe / unsubscribe the topics in ``msg.topic``; returns once the broker acknowledged."""
        topic = msg.get("topic", UNDEFINED)
        if action == "unsubscribe" and topic is True:
            entries: list[Any] = list(self.dynamic_subs.values())
        elif isinstance(topic, list):
            entries = topic
        elif isinstance(topic, str | dict) or topic is None:  # typeof null is "object" in Node-RED
            entries = [topic]
        else:
            raise ValueError(BAD_SUBSCRIPTION)
        subs: list[Any] = [{"topic": e} if isinstance(e, str) else e for e in entries]
        if any(not isinstance(s, dict) or not s.get("topic") or not valid_subscription_topic(s["topic"])
               for s in subs):
            raise ValueError(INVALID_TOPIC)
        tasks = []
        for sub in subs:
            if action == "unsubscribe" or sub["topic"] in self.dynamic_subs:
                tasks.append(broker.unsubscribe(sub["topic"], self.id, True))
                self.dynamic_subs.pop(sub["topic"], None)
            if action == "subscribe":
                sub["qos"] = _int(sub.get("qos"), 0, 2, 2)
                if broker.v5:
                    sub["rh"] = _int(sub.get("rh"), 0, 2, 0)
                    sub["rap"] = _flag(sub.get("rap")) is not False  # default true, as the node's own default
                    if _flag(sub.get("nl")) is None:
                        sub.pop("nl", None)
                    else:
                        sub["nl"] = _flag(sub["nl"])
                datatype = str(sub.get("datatype") or self.datatype)
                tasks.append(broker.subscribe(self._subscription(broker, sub, datatype)))
                self.dynamic_subs[sub["topic"]] = sub
        msg["subscriptions"] = list(self.dynamic_subs.values())
        pending = [t for t in tasks if t is not None]
        if pending:
            await asyncio.wait(pending)

    async def on_close(self, removed: bool) -> None:
        broker, self.broker = self.broker, None
        if broker is None:
            return
        for topic in [*self.dynamic_subs, *([] if self.dynamic else [self.topic])]:
            broker.unsubscribe(topic, self.id, removed)
        self.dynamic_subs = {}
        await broker.deregister(self, removed)


class MqttOut(_BrokerUser):
    type = "mqtt out"
    label = "mqtt out"
    inputs = 1
    outputs = 0
    schema = OUT_SCHEMA
    help = node_help("mqtt out")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.qos = config.get("qos") or None
        self.retain = config.get("retain") or None
        # MQTT v5 properties set on the node win over the msg's
        self.v5_fields: dict[str, Any] = {}
        users = user_properties(config.get("userProps"))
        if users:
            self.v5_fields["userProperties"] = users
        for key, prop in (("respTopic", "responseTopic"), ("correl", "correlationData"),
                          ("contentType", "contentType"), ("expiry", "messageExpiryInterval")):
            if config.get(key):
                self.v5_fields[prop] = config[key]

    def on_start(self) -> None:
        broker = self._find_broker()
        if broker is None:
            return
        self.broker = broker
        broker.register(self)

    async def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        broker = self.broker
        if broker is None:
            done()
            return
        action = msg.get("action")
        if js_truthy(action):
            if action not in ("connect", "disconnect"):
                done(INVALID_ACTION)
                return
            try:
                await (_connect_action(broker, msg) if action == "connect" else broker.disconnect())
            except ValueError as exc:
                done(str(exc))
                return
            done()
            return
        try:
            await self._publish(broker, msg)
        except (ValueError, aiomqtt.MqttError) as exc:
            done(f"publish to {broker.options.label} failed: {exc}")
            return
        done()

    async def _publish(self, broker: MqttBroker, msg: Msg) -> None:
        """Node-RED's doPublish: the node's topic / QoS / retain win, written back into ``msg``."""
        if js_truthy(msg.get("qos")):
            msg["qos"] = _int(msg["qos"], 0, 2, -1)
            if msg["qos"] == -1:
                msg["qos"] = None
        if self.topic:
            msg["topic"] = self.topic
        msg["qos"] = _int(self.qos or msg.get("qos") or 0, 0, 2, 0)
        retain = self.retain or msg.get("retain") or False
        msg["retain"] = retain is True or retain == "true"
        if broker.v5:
            msg.update(self.v5_fields)
        if "payload" not in msg or broker.state != "connected":
            return  # no payload: nothing to send; disconnected: dropped, as in Node-RED
        payload = msg["payload"] = encode_payload(msg["payload"])
        topic = msg.get("topic")
        props = None
        if broker.v5:
            if msg.get("userProperties") is not None and not isinstance(msg.get("userProperties"), dict):
                del msg["userProperties"]
            props = publish_properties(msg)
            if not topic and props is not None and getattr(props, "ResponseTopic", None):
                topic = msg["topic"] = msg.pop("responseTopic", None)
        if not valid_publish_topic(topic):
            self.warn(f"{INVALID_TOPIC}: set property 'topic' or msg.topic (got {topic!r})")
            return
        if broker.v5:
            props = _topic_alias(broker, msg, props)
            topic = msg["topic"]
        await broker.publish_message(str(topic), payload, msg["qos"], msg["retain"], props)


def _topic_alias(broker: MqttBroker, msg: Msg, props: Properties | None) -> Properties | None:
    """``msg.topicAlias`` as Node-RED's publish reads it: a number from 1 to the broker's Topic
    Alias Maximum is sent as the alias (otherwise it is left out); an alias already standing for
    ``msg.topic`` on this connection is sent with an empty topic, else it is (re)assigned."""
    if "topicAlias" not in msg:
        return props
    number = to_number(msg["topicAlias"])
    if number != number or number in (float("inf"), float("-inf")):  # not a number: Node-RED deletes it
        del msg["topicAlias"]
        return props
    alias = msg["topicAlias"] = int(number)
    if not 1 <= alias <= broker.topic_alias_maximum:
        return props
    props = props if props is not None else new_properties(PacketTypes.PUBLISH)
    props.TopicAlias = alias
    if broker.topic_aliases.get(alias) == msg["topic"]:
        msg["topic"] = ""
    else:
        broker.topic_aliases[alias] = msg["topic"]
    return props


NODES: list[type[Node]] = [MqttBroker, MqttIn, MqttOut]

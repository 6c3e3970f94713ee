"""The ``mqtt-broker`` config node: one MQTT connection (aiomqtt) shared by every mqtt in / mqtt out
node that names it.

The first user to register opens the connection (unless *autoConnect* is off: then a *connect*
action does). A task owned by the broker node runs it: connect, restore every subscription (and
wait for the broker's acknowledgements), show "connected" on each user, publish the birth message,
then hand each received message to the subscriptions whose filter matches its topic. When the
connection is lost the users show "disconnected"; after ``mqttReconnectTime`` ms (setting, default
5000) they show "connecting" and it tries again, for as long as the node runs. Closing publishes
the close message and disconnects cleanly (so the broker drops the will message).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from flowengine.lazy_module import lazy_module
from flowengine.node import Node

from ._help import node_help
from ._tls_proxy import TlsConfig
from .mqtt_codec import match_topic, new_properties, publish_properties
from .mqtt_options import BrokerOptions, LwtMessage, broker_options, client_kwargs, tls_default_context, with_overrides
from .mqtt_schema import BROKER_SCHEMA

if TYPE_CHECKING:
    import aiomqtt
else:
    aiomqtt = lazy_module("aiomqtt")  # loaded when a broker first connects (flowengine.lazy_module)

__all__ = ["STATUS", "MqttBroker", "Subscription"]

STATUS = {
    "connected": {"fill": "green", "shape": "dot", "text": "connected"},
    "connecting": {"fill": "yellow", "shape": "ring", "text": "connecting"},
    "disconnected": {"fill": "red", "shape": "ring", "text": "disconnected"},
}
RECONNECT_SETTING = "mqttReconnectTime"
DEFAULT_RECONNECT_MS = 5000
CLOSE_WAIT_S = 2.0
"""How long the close message and the clean disconnect may take (Node-RED waits 2 s too)."""
SUBSCRIPTION_IDS_UNSUPPORTED = 0xA1
PENDING_CALLS_WARNING = 10_000
"""aiomqtt logs a warning past this many unacknowledged calls (its default, 10, is a small burst)."""


@dataclass(frozen=True)
class Subscription:
    """One node's (``ref``) subscription to a topic filter; ``callback`` gets each matching message."""

    topic: str
    qos: int
    callback: Callable[[aiomqtt.Message], None]
    ref: str
    no_local: bool = False
    retain_as_published: bool = False
    retain_handling: int = 0


@contextlib.asynccontextmanager
async def _opened(client: aiomqtt.Client) -> AsyncIterator[aiomqtt.Client]:
    """``async with client`` whose connect survives cancellation: aiomqtt connects in a worker
    thread, so a cancelled connect lets that attempt finish and then closes what it opened."""
    entering = asyncio.ensure_future(client.__aenter__())
    try:
        await asyncio.shield(entering)
    except asyncio.CancelledError:
        # closing while connecting: a failed attempt needs no clean-up, so its error is moot
        with contextlib.suppress(aiomqtt.MqttError):
            await entering
            await client.__aexit__(None, None, None)
        raise
    try:
        yield client
    finally:
        await client.__aexit__(None, None, None)


def _code(code: Any) -> int:
    return int(getattr(code, "value", code))


class MqttBroker(Node):
    type = "mqtt-broker"
    category = "config"
    label = "MQTT broker"
    is_config = True
    inputs = 0
    outputs = 0
    credentials_schema = {"user": "text", "password": "password"}
    schema = BROKER_SCHEMA
    help = node_help("mqtt-broker")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self._settings = (dict(config), dict(self.credentials))
        self.config_error: str | None = None
        try:
            self.options: BrokerOptions = broker_options(config, self.credentials, self.warn)
        except ValueError as exc:
            # Node-RED keeps such a broker node and fails when it connects (an unknown URL scheme, say):
            # the node exists, its users show "disconnected", and connecting reports the error
            self.config_error = str(exc)
            fallback = {k: v for k, v in config.items() if k not in ("broker", "url")}
            self.options = broker_options(fallback, self.credentials, self.warn)
        self.users: dict[str, Node] = {}
        self.subscriptions: dict[str, dict[str, Subscription]] = {}
        self.state = "disconnected"
        self.client: aiomqtt.Client | None = None
        self._runner: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._closing = False
        self._sub_ids: dict[str, int] = {}
        self._next_sub_id = 1
        self._sub_ids_supported = True
        self.topic_alias_maximum = 0
        """The broker's Topic Alias Maximum (MQTT 5 CONNACK), 0 when it takes no aliases."""
        self.topic_aliases: dict[int, str] = {}
        """The topic each alias stands for on the open connection (Node-RED's ``topicAliases``)."""
        self._lingering: dict[str, set[str]] = {}
        value = (getattr(host.settings, "extra", None) or {}).get(RECONNECT_SETTING)
        try:
            self.reconnect_s = (float(value) if value else DEFAULT_RECONNECT_MS) / 1000
        except (TypeError, ValueError):
            raise ValueError(f"setting '{RECONNECT_SETTING}' must be a number of milliseconds, got {value!r}") from None

    # --- users ---
    def register(self, node: Node) -> None:
        """``node`` uses this connection: it shows the connection state; the first user connects."""
        self.users[node.id] = node
        node.status(STATUS[self.state])
        if len(self.users) == 1 and self.options.auto_connect:
            self.connect()

    async def deregister(self, node: Node, removed: bool) -> None:
        """``node`` stops using the connection; the last user of a removed set disconnects it."""
        node.status(STATUS["disconnected"])
        self.users.pop(node.id, None)
        if removed and not self._closing and self.state == "connected" and not self.users:
            await self.disconnect()

    def _set_state(self, state: str) -> None:
        self.state = state
        if state == "connected":
            self._connected.set()
        else:
            self._connected.clear()
        for user in list(self.users.values()):
            user.status(STATUS[state])

    @property
    def v5(self) -> bool:
        return self.options.protocol == 5

    # --- connection ---
    def can_connect(self) -> bool:
        return self._runner is None or self._runner.done()

    def connect(self) -> None:
        """Open the connection (and keep reopening it) unless it is open or being opened."""
        if self.config_error is not None:
            self.error(f"cannot connect: {self.config_error}")
            return
        if self.can_connect():
            self._closing = False
            self._runner = self.spawn(self._run())

    async def connected(self) -> None:
        """Return once the connection is open (its subscriptions restored)."""
        await self._connected.wait()

    def set_options(self, overrides: dict[str, Any]) -> None:
        """Apply a connect action's ``msg.broker`` settings to the next connection."""
        config, credentials = with_overrides(*self._settings, overrides)
        self.options = broker_options(config, credentials, self.warn)
        self.config_error = None
        self._settings = (config, credentials)

    async def disconnect(self) -> None:
        """Publish the close message (when connected) and disconnect cleanly; no reconnecting."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        client = self.client
        if client is not None and self.state == "connected" and self.options.close is not None:
            try:
                await asyncio.wait_for(self._publish_lwt(client, self.options.close), CLOSE_WAIT_S)
            except (aiomqtt.MqttError, TimeoutError, ValueError) as exc:
                self.warn(f"close message not sent to {self.options.label}: {exc}")
        runner.cancel()
        await asyncio.wait([runner], timeout=2 * CLOSE_WAIT_S)
        if self.state != "disconnected":
            self._set_state("disconnected")

    async def on_close(self, removed: bool) -> None:
        self._closing = True
        await self.disconnect()

    def _tls_context(self) -> ssl.SSLContext | None:
        if not self.options.tls:
            return None
        tls = self.config_node(self.config.get("tls"))
        if isinstance(tls, TlsConfig):
            return tls.ssl_context()
        return tls_default_context(self.options.verify_server_cert)

    async def _run(self) -> None:
        opts = self.options
        while True:
            self._set_state("connecting")
            try:
                client = aiomqtt.Client(**client_kwargs(opts, self._tls_context()))
            except ValueError as exc:  # a bad will topic, unusable certificates: retrying cannot help
                self.error(f"cannot connect to {opts.label}: {exc}")
                self._set_state("disconnected")
                return
            # a burst into mqtt out is many QoS 1/2 publishes awaiting their acknowledgements at once
            client.pending_calls_threshold = PENDING_CALLS_WARNING
            self._watch_connack(client)
            try:
                async with _opened(client):
                    await self._serve(client)
            except aiomqtt.MqttError as exc:
                if self.state == "connected":
                    self.info(f"Disconnected from broker: {opts.label}")
                    self._set_state("disconnected")
                else:
                    self.info(f"Connection failed to broker: {opts.label} ({exc})")
            await asyncio.sleep(self.reconnect_s)

    def _watch_connack(self, client: aiomqtt.Client) -> None:
        """Keep the CONNACK's Topic Alias Maximum: aiomqtt drops the CONNACK properties, so the
        paho client's connect callback is wrapped to read them first."""
        paho = client._client
        inner = paho.on_connect

        def on_connect(*args: Any) -> None:
            props = args[4] if len(args) > 4 else None
            self.topic_alias_maximum = int(getattr(props, "TopicAliasMaximum", 0) or 0)
            self.topic_aliases = {}
            if inner is not None:
                inner(*args)

        paho.on_connect = on_connect

    async def _serve(self, client: aiomqtt.Client) -> None:
        """One open connection: restore subscriptions, birth message, then deliver messages."""
        self.client = client
        try:
            self.info(f"Connected to broker: {self.options.label}")
            await self._restore(client)
            self._set_state("connected")
            if self.options.birth is not None:
                try:
                    await self._publish_lwt(client, self.options.birth)
                except ValueError as exc:
                    self.warn(f"birth message not sent: {exc} (property 'birthTopic')")
            room = getattr(self.host, "room", None)  # the runtime's back-pressure, when it offers it
            async for message in client.messages:
                self._dispatch(message)
                if room is not None:
                    await room()
        finally:
            self.client = None

    async def _restore(self, client: aiomqtt.Client) -> None:
        latest = {topic: list(refs.values())[-1] for topic, refs in self.subscriptions.items() if refs}
        if latest:
            await asyncio.gather(*(self._send_subscribe(client, sub) for sub in latest.values()))

    def _dispatch(self, message: aiomqtt.Message) -> None:
        topic = message.topic.value
        ids: set[int] = set()
        if self.v5 and self._sub_ids_supported and message.properties is not None:
            ids = set(getattr(message.properties, "SubscriptionIdentifier", None) or [])
        for topic_filter, refs in list(self.subscriptions.items()):
            if ids and self._sub_ids.get(topic_filter) not in ids:
                continue  # the broker says this copy is for another subscription
            if not match_topic(topic_filter, topic):
                continue
            for sub in list(refs.values()):
                try:
                    sub.callback(message)
                except Exception as exc:  # one bad handler must not stop the connection's reader
                    self.error(f"MQTT subscription handler error: {exc}")

    # --- subscriptions ---
    def subscribe(self, sub: Subscription) -> asyncio.Task[None] | None:
        """Add (or replace) ``sub.ref``'s subscription to ``sub.topic``; while connected it is sent
        at once and the task returned ends when the broker acknowledged it."""
        for old in self._lingering.pop(sub.ref, set()) - {sub.topic}:
            if old not in self.subscriptions:
                self._sub_ids.pop(old, None)
                self._send_unsubscribe(old)
        self.subscriptions.setdefault(sub.topic, {})[sub.ref] = sub
        if sub.topic not in self._sub_ids:
            self._sub_ids[sub.topic] = self._next_sub_id
            self._next_sub_id += 1
        client = self.client
        return self.spawn(self._send_subscribe(client, sub)) if client is not None else None

    def unsubscribe(self, topic: str, ref: str, remove: bool) -> asyncio.Task[None] | None:
        """Drop ``ref``'s subscription to ``topic``. The broker is told when no other node uses the
        filter and either ``remove`` or *autoUnsubscribe* is set; otherwise the broker keeps it
        (a persistent session) until ``ref`` subscribes to another topic."""
        refs = self.subscriptions.get(topic)
        if not refs or ref not in refs:
            return None
        del refs[ref]
        if refs:
            return None
        del self.subscriptions[topic]
        if not (remove or self.options.auto_unsubscribe):
            self._lingering.setdefault(ref, set()).add(topic)
            return None
        self._sub_ids.pop(topic, None)
        return self._send_unsubscribe(topic)

    def _send_unsubscribe(self, topic: str) -> asyncio.Task[None] | None:
        client = self.client
        return self.spawn(self._unsubscribe_now(client, topic)) if client is not None else None

    async def _unsubscribe_now(self, client: aiomqtt.Client, topic: str) -> None:
        try:
            await client.unsubscribe(topic)
        except aiomqtt.MqttError as exc:
            if self.client is client:  # a lost connection forgets its subscriptions anyway
                self.warn(f"unsubscribe from '{topic}' failed: {exc}")

    async def _send_subscribe(self, client: aiomqtt.Client, sub: Subscription) -> None:
        try:
            if self.v5:
                codes = await self._subscribe_v5(client, sub)
            else:
                codes = await client.subscribe(sub.topic, qos=sub.qos)
        except aiomqtt.MqttError as exc:
            if self.client is client:
                self.warn(f"subscribe to '{sub.topic}' failed: {exc}")
            return
        refused = [code for code in codes if _code(code) >= 0x80]
        if refused:
            self.warn(f"the broker refused the subscription to '{sub.topic}': {refused[0]}")

    async def _subscribe_v5(self, client: aiomqtt.Client, sub: Subscription) -> Any:
        options = SubscribeOptions(qos=sub.qos, noLocal=sub.no_local, retainAsPublished=sub.retain_as_published,
                                   retainHandling=sub.retain_handling)
        sub_id = self._sub_ids.get(sub.topic)
        if self._sub_ids_supported and sub_id is not None:
            props = new_properties(PacketTypes.SUBSCRIBE)
            props.SubscriptionIdentifier = sub_id
            codes = await client.subscribe(sub.topic, options=options, properties=props)
            if not any(_code(code) == SUBSCRIPTION_IDS_UNSUPPORTED for code in codes):
                return codes
            self._sub_ids_supported = False  # the broker has no subscription identifiers: go without
        return await client.subscribe(sub.topic, options=options)

    # --- publishing ---
    async def publish_message(self, topic: str, payload: bytes | str, qos: int, retain: bool,
                      properties: Properties | None) -> bool:
        """Publish on the open connection (waiting for the broker's acknowledgement at QoS 1/2);
        False, and nothing sent, while disconnected (as Node-RED drops it)."""
        client = self.client
        if client is None or self.state != "connected":
            return False
        await client.publish(topic, payload, qos=qos, retain=retain, properties=properties if self.v5 else None)
        return True

    async def _publish_lwt(self, client: aiomqtt.Client, lwt: LwtMessage) -> None:
        props = publish_properties(lwt.properties) if self.v5 else None
        await client.publish(lwt.topic, lwt.payload, qos=lwt.qos, retain=lwt.retain, properties=props)

"""The ``mqtt-broker`` node's settings as one frozen value (``BrokerOptions``), built from the node's
properties and credentials the way Node-RED's ``setOptions`` does, and turned into the keyword
arguments of an ``aiomqtt.Client`` (pure apart from the random client id).

A *connect* action may carry ``msg.broker`` with new settings (``broker``, ``port``, ``url``,
``clientid``, ``username``, ``password``, ``birth`` / ``close`` / ``will`` objects, ...):
``with_overrides`` gives the properties and credentials they stand for.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from flowengine.lazy_module import lazy_module

from .mqtt_codec import encode_payload, new_properties, to_buffer, user_properties

if TYPE_CHECKING:
    import aiomqtt
    import paho.mqtt.client as paho_client
else:
    aiomqtt = lazy_module("aiomqtt")  # loaded when a broker first connects (flowengine.lazy_module)
    paho_client = lazy_module("paho.mqtt.client")

__all__ = ["BrokerOptions", "LwtMessage", "broker_options", "client_kwargs", "host_is_local", "tls_default_context",
           "with_overrides"]

NO_CLIENT_ID = "No client ID set, using clean session"
DEFAULT_PORTS = {"mqtt": 1883, "tcp": 1883, "mqtts": 8883, "ssl": 8883, "tls": 8883, "ws": 80, "wss": 443}
TLS_SCHEMES = ("mqtts", "ssl", "tls", "wss")
# msg.broker keys of a connect action that replace the property of the same name
OVERRIDABLE = ("url", "broker", "port", "clientid", "autoConnect", "usetls", "verifyservercert", "compatmode",
               "protocolVersion", "keepalive", "cleansession", "autoUnsubscribe", "userProps", "sessionExpiry")


@dataclass(frozen=True)
class LwtMessage:
    """A birth, close or will message; ``properties`` are its v5 fields in ``msg`` spelling."""

    topic: str
    payload: bytes | str
    qos: int
    retain: bool
    properties: dict[str, Any] = field(default_factory=dict)

    def will_properties(self) -> Properties | None:
        """The v5 properties of this message used as the connection's will."""
        props = new_properties(PacketTypes.WILLMESSAGE)
        found = False
        for key, attr in (("contentType", "ContentType"), ("responseTopic", "ResponseTopic")):
            if isinstance(self.properties.get(key), str) and self.properties[key]:
                setattr(props, attr, self.properties[key])
                found = True
        for key, attr in (("messageExpiryInterval", "MessageExpiryInterval"),
                          ("willDelayInterval", "WillDelayInterval")):
            if isinstance(self.properties.get(key), int):
                setattr(props, attr, self.properties[key])
                found = True
        if "correlationData" in self.properties:
            props.CorrelationData = self.properties["correlationData"]
            found = True
        for key, value in self.properties.get("userProperties", {}).items():
            props.UserProperty = (key, value)
            found = True
        return props if found else None


@dataclass(frozen=True)
class BrokerOptions:
    """Everything needed to open (and describe) the connection of one ``mqtt-broker`` node."""

    broker: str
    """The *broker* property as written; ``msg._topic`` is added only when it is localhost/127.0.0.1."""
    host: str
    port: int
    url: str
    """The broker URL Node-RED logs (``mqtt://host:port``, or the URL given)."""
    tls: bool
    websocket_path: str | None
    client_id: str
    configured_client_id: str
    username: str | None
    password: str | None
    keepalive: int
    clean: bool
    protocol: int
    """3 (MQTT 3.1), 4 (3.1.1) or 5."""
    auto_connect: bool
    auto_unsubscribe: bool
    verify_server_cert: bool
    session_expiry: int | None
    user_properties: dict[str, str]
    birth: LwtMessage | None
    close: LwtMessage | None
    will: LwtMessage | None

    @property
    def label(self) -> str:
        """``clientid@url`` as Node-RED's connection log lines name the broker."""
        return (f"{self.configured_client_id}@" if self.configured_client_id else "") + self.url


def _true(value: Any) -> bool:
    return value is True or value == "true"


def _number(value: Any, default: int, prop: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise ValueError(f"property '{prop}' must be a number, got {value!r}") from None


def _lwt(prefix: str, config: dict[str, Any]) -> LwtMessage | None:
    """Node-RED's createLWT: no topic, no message; v5 fields from ``<prefix>Msg`` under their
    short names (respTopic, correl, expiry, delay, userProps) or msg names."""
    topic = config.get(f"{prefix}Topic")
    if not topic:
        return None
    payload = config.get(f"{prefix}Payload")
    qos = _number(config.get(f"{prefix}Qos") or 0, 0, f"{prefix}Qos")
    raw = config.get(f"{prefix}Msg")
    v5 = dict(raw) if isinstance(raw, dict) else {}
    for short, name in (("respTopic", "responseTopic"), ("correl", "correlationData"),
                        ("expiry", "messageExpiryInterval"), ("delay", "willDelayInterval"),
                        ("userProps", "userProperties")):
        if short in v5:
            v5[name] = v5.pop(short)
    props: dict[str, Any] = {}
    for key in ("contentType", "responseTopic"):
        if isinstance(v5.get(key), str) and v5[key]:
            props[key] = v5[key]
    if v5.get("correlationData"):
        props["correlationData"] = to_buffer(v5["correlationData"], f"{prefix}Msg.correl")
    for key in ("messageExpiryInterval", "willDelayInterval"):
        if v5.get(key) not in (None, ""):
            try:
                props[key] = int(float(v5[key]))
            except (TypeError, ValueError):
                pass  # setIntProp: a value that is not a number is left out
    users = user_properties(v5.get("userProperties"))
    if users:
        props["userProperties"] = users
    return LwtMessage(str(topic), encode_payload(payload if payload else ""), qos, _true(config.get(f"{prefix}Retain")),
                      props)


def broker_options(config: dict[str, Any], credentials: dict[str, Any], warn: Callable[[str], None]) -> BrokerOptions:
    """The options of an ``mqtt-broker`` node; raises ``ValueError`` naming a property that cannot be used."""
    broker = str(config.get("broker") if config.get("broker") is not None else "")
    url = str(config.get("url") or "")
    websocket_path: str | None = None
    if url or "://" in broker:
        url = url or broker
        parts = urlsplit(url)
        # MQTT.js connects with plain mqtt when it has no transport for the scheme ("mqtt-tcp://" is
        # seen in real flows), and to localhost when the URL names no host
        scheme = parts.scheme.lower() if parts.scheme.lower() in DEFAULT_PORTS else "mqtt"
        try:
            port = parts.port or DEFAULT_PORTS[scheme]
        except ValueError:
            raise ValueError(f"property 'broker': {url!r} has no usable port") from None
        host, tls = parts.hostname or "localhost", scheme in TLS_SCHEMES
        if scheme in ("ws", "wss"):
            websocket_path = parts.path or "/"
    else:
        tls = _true(config.get("usetls"))
        host = broker or "localhost"
        port = _number(config.get("port") or None, 1883, "port") if broker else 1883
        shown = f"[{host}]" if ":" in host else host
        url = f"{'mqtts' if tls else 'mqtt'}://{shown}:{port}"
    clientid = str(config.get("clientid") or "")
    clean = config.get("cleansession") not in (False, "false")
    if not clean and not clientid:
        clean = True
        warn(NO_CLIENT_ID)
    if _true(config.get("compatmode")) or str(config.get("protocolVersion")) == "3":
        protocol = 3
    elif str(config.get("protocolVersion")) == "5":
        protocol = 5
    else:
        protocol = 4
    expiry = config.get("sessionExpiry", config.get("sessionExpiryInterval"))
    session_expiry = _number(expiry, 0, "sessionExpiry") if expiry not in (None, "", "0", 0) else None
    user = credentials.get("user")
    return BrokerOptions(
        broker=broker, host=host, port=port, url=url, tls=tls, websocket_path=websocket_path,
        client_id=clientid or "nodered" + os.urandom(8).hex(), configured_client_id=clientid,
        username=str(user) if user else None,
        password=str(credentials["password"]) if credentials.get("password") else None,
        keepalive=_number(config.get("keepalive"), 60, "keepalive"), clean=clean, protocol=protocol,
        auto_connect=config.get("autoConnect") not in (False, "false"),
        auto_unsubscribe=config.get("autoUnsubscribe") is not False,
        verify_server_cert=_true(config.get("verifyservercert")),
        session_expiry=session_expiry if session_expiry and session_expiry > 0 else None,
        user_properties=user_properties(config.get("userProps") or config.get("userProperties")),
        birth=_lwt("birth", config), close=_lwt("close", config), will=_lwt("will", config),
    )


def with_overrides(config: dict[str, Any], credentials: dict[str, Any],
                   overrides: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The properties and credentials a connect action's ``msg.broker`` asks for."""
    new_config, new_creds = dict(config), dict(credentials)
    for key in OVERRIDABLE:
        if key in overrides:
            new_config[key] = overrides[key]
    if "userProperties" in overrides:
        new_config["userProps"] = overrides["userProperties"]
    if "sessionExpiryInterval" in overrides:
        new_config["sessionExpiry"] = overrides["sessionExpiryInterval"]
    if "url" not in overrides and ("broker" in overrides or "port" in overrides):
        new_config.pop("url", None)
    for prefix in ("birth", "close", "will"):
        if prefix in overrides:
            lwt = overrides[prefix] if isinstance(overrides[prefix], dict) else {}
            new_config.update({f"{prefix}Topic": lwt.get("topic"), f"{prefix}Payload": lwt.get("payload"),
                               f"{prefix}Qos": lwt.get("qos"), f"{prefix}Retain": lwt.get("retain"),
                               f"{prefix}Msg": lwt.get("properties")})
    if "username" in overrides:
        new_creds["user"] = overrides["username"]
    if "password" in overrides:
        new_creds["password"] = overrides["password"]
    return new_config, new_creds


def client_kwargs(opts: BrokerOptions, tls_context: ssl.SSLContext | None) -> dict[str, Any]:
    """Keyword arguments for ``aiomqtt.Client`` that open the connection ``opts`` describes."""
    protocol = {3: aiomqtt.ProtocolVersion.V31, 4: aiomqtt.ProtocolVersion.V311, 5: aiomqtt.ProtocolVersion.V5}
    kwargs: dict[str, Any] = {
        "hostname": opts.host, "port": opts.port, "identifier": opts.client_id, "keepalive": opts.keepalive,
        "protocol": protocol[opts.protocol], "tls_context": tls_context,
    }
    if opts.username is not None:
        kwargs.update(username=opts.username, password=opts.password)
    if opts.websocket_path is not None:
        kwargs.update(transport="websockets", websocket_path=opts.websocket_path)
    if opts.protocol == 5:
        kwargs["clean_start"] = opts.clean  # MQTT 5 calls clean session "clean start"
        props = new_properties(PacketTypes.CONNECT)
        props.RequestResponseInformation = 1
        props.RequestProblemInformation = 1
        if opts.session_expiry is not None:
            props.SessionExpiryInterval = opts.session_expiry
        for key, value in opts.user_properties.items():
            props.UserProperty = (key, value)
        kwargs["properties"] = props
    else:
        kwargs.update(clean_session=opts.clean, clean_start=paho_client.MQTT_CLEAN_START_FIRST_ONLY)
    if opts.will is not None:
        will = opts.will
        kwargs["will"] = aiomqtt.Will(will.topic, will.payload, will.qos, will.retain,
                                      will.will_properties() if opts.protocol == 5 else None)
    return kwargs


def host_is_local(opts: BrokerOptions) -> bool:
    """Node-RED adds ``msg._topic`` only for a broker property of exactly localhost or 127.0.0.1."""
    return opts.broker in ("localhost", "127.0.0.1")


def tls_default_context(verify: bool) -> ssl.SSLContext:
    """The context of a TLS connection without a tls-config node (*verifyservercert* decides)."""
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


"""MQTT message rules shared by the mqtt nodes, as Node-RED's ``10-mqtt.js`` has them (pure, no I/O).

- topics: ``valid_subscription_topic``, ``valid_publish_topic`` and ``match_topic`` (a received
  topic against a subscription filter, ``+`` / ``#`` / ``$share/<name>/``);
- received payloads: ``decode_payload`` turns the bytes into what *datatype* asks for (auto-detect,
  buffer, utf8, json, base64), with MQTT v5's payload format indicator and content type;
- published payloads: ``encode_payload`` (objects as JSON, bytes as-is, the rest as text);
- MQTT v5 properties both ways: ``received_properties`` (paho ``Properties`` -> ``msg`` fields)
  and ``publish_properties`` (``msg`` fields -> paho ``Properties``).
"""

from __future__ import annotations

import base64
import functools
import re
from typing import Any

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from flowengine.encoding import to_json_text
from flowengine.jsutil import js_string
from flowengine.typed import TypedInputError, parse_json
from flowengine.types import UNDEFINED

__all__ = [
    "DATATYPES", "PayloadError", "decode_payload", "encode_payload", "is_utf8", "match_topic", "new_properties",
    "publish_properties", "received_properties", "to_buffer", "user_properties", "valid_publish_topic",
    "valid_subscription_topic",
]

DATATYPES = ("auto-detect", "auto", "buffer", "utf8", "json", "base64")
"""``mqtt in`` *datatype* values: auto-detect (JSON object, string or Buffer), auto (string or
Buffer; Node-RED's older default), buffer, utf8, json, base64."""

JSON_PARSE_FAILED = "Failed to parse JSON string"
JSON_NOT_TEXT = "Invalid JSON string"

# MQTT v5 content types Node-RED knows (lower case): how auto-detect treats their payloads
KNOWN_MEDIA_TYPES = {
    "text/css": "string", "text/html": "string", "text/plain": "string", "application/json": "json",
    "application/octet-stream": "buffer", "application/pdf": "buffer", "application/x-gtar": "buffer",
    "application/x-gzip": "buffer", "application/x-tar": "buffer", "application/xml": "string",
    "application/zip": "buffer", "audio/aac": "buffer", "audio/ac3": "buffer", "audio/basic": "buffer",
    "audio/mp4": "buffer", "audio/ogg": "buffer", "image/bmp": "buffer", "image/gif": "buffer",
    "image/jpeg": "buffer", "image/tiff": "buffer", "image/png": "buffer",
}

_SUBSCRIPTION_TOPIC = re.compile(r"^(#\Z|(\+|[^+#]*)(/(\+|[^+#]*))*(/(\+|#|[^+#]*))?\Z)")
_NOT_IN_PUBLISH_TOPIC = re.compile(r"[+#\x08\f\n\r\t\v\0]")
# bytes the is-utf8 package refuses although they are valid UTF-8: the ASCII controls but tab/LF/CR
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class PayloadError(ValueError):
    """A received payload that *datatype* cannot accept; ``payload`` is what the error msg carries."""

    def __init__(self, text: str, payload: bytes | str) -> None:
        super().__init__(text)
        self.payload = payload


def valid_subscription_topic(topic: Any) -> bool:
    """A topic filter an ``mqtt in`` node may subscribe to (``+`` a whole level, ``#`` only last)."""
    return isinstance(topic, str) and _SUBSCRIPTION_TOPIC.match(topic) is not None


def valid_publish_topic(topic: Any) -> bool:
    """A non-empty topic without wildcards or control characters."""
    return isinstance(topic, str) and topic != "" and _NOT_IN_PUBLISH_TOPIC.search(topic) is None


def match_topic(topic_filter: str, topic: str) -> bool:
    """Whether ``topic`` matches the subscription filter, by Node-RED's rule: ``+`` matches one
    non-empty level, a final ``/#`` also matches the parent level, ``$share/<name>/`` is dropped."""
    if topic_filter == "#":
        return True
    pattern = _filter_pattern(topic_filter)
    return pattern is not None and pattern.match(topic) is not None


@functools.lru_cache(maxsize=1024)
def _filter_pattern(topic_filter: str) -> re.Pattern[str] | None:
    if topic_filter.startswith("$share"):
        topic_filter = re.sub(r"^\$share/[^#+/]+/(.*)", r"\1", topic_filter, flags=re.S)
    pattern = re.sub(r"([\[\]?()\\$^*.|{}])", r"\\\1", topic_filter).replace("+", "[^/]+")
    pattern = re.sub(r"/#\Z", "(/.*)?", pattern)
    try:
        return re.compile("^" + pattern + r"\Z")
    except re.error:
        return None


def is_utf8(data: bytes) -> bool:
    """The is-utf8 package's test that Node-RED uses: valid UTF-8 without ASCII control characters
    other than tab, line feed and carriage return (so ``b"a\\x00"`` stays a Buffer)."""
    if _CONTROL_BYTES.search(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")  # Buffer.toString(): bad sequences become U+FFFD


def decode_payload(datatype: str, data: bytes, v5: dict[str, Any] | None = None) -> Any:
    """What ``msg.payload`` becomes for a received ``data`` under *datatype*. ``v5`` holds the
    message's v5 fields (``received_properties``) on an MQTT v5 connection, else None. Raises
    ``PayloadError`` where Node-RED reports an error instead of sending the message."""
    utf8_flag = bool(v5 and v5.get("payloadFormatIndicator") is True)
    content_type = str(v5.get("contentType") or "") if v5 else ""
    if datatype == "buffer":
        return data
    if datatype == "base64":
        return base64.b64encode(data).decode("ascii")
    if datatype == "utf8":
        return _text(data)
    if datatype == "json":
        if not (utf8_flag or is_utf8(data)):
            raise PayloadError(JSON_NOT_TEXT, data)
        try:
            return parse_json(_text(data))
        except TypedInputError:
            raise PayloadError(JSON_PARSE_FAILED, data) from None
    # "auto-detect" (and the older "auto", which never parses JSON); any other value acts as "auto"
    parse = datatype == "auto-detect"
    if utf8_flag or content_type:
        kind = KNOWN_MEDIA_TYPES.get(content_type.lower())
        if kind == "string":
            return _text(data)
        if kind == "buffer":
            return data
        if kind == "json":  # the sender says JSON: text that does not parse is an error
            text = _text(data)
            try:
                parsed = parse_json(text)
            except TypedInputError:
                raise PayloadError(JSON_PARSE_FAILED, text) from None
            return parsed if parse else text
    if utf8_flag or is_utf8(data):
        text = _text(data)
        if parse:
            try:
                return parse_json(text)
            except TypedInputError:
                return text  # not JSON: a string
        return text
    return data


def encode_payload(payload: Any) -> bytes | str:
    """What ``mqtt out`` publishes for ``msg.payload``: bytes as-is, objects and arrays as JSON,
    null/undefined as an empty message, anything else as its JavaScript text (``42`` -> ``"42"``)."""
    if payload is None or payload is UNDEFINED:
        return ""
    if isinstance(payload, bytes | bytearray):
        return bytes(payload)
    if isinstance(payload, dict | list):
        return to_json_text(payload)
    return js_string(payload)


def to_buffer(value: Any, prop: str) -> bytes:
    """``Buffer.from(value)`` for a v5 binary property (correlation data): bytes, text (UTF-8),
    an array of byte values or a Buffer's JSON form. Raises ``ValueError`` naming ``prop``."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, dict) and value.get("type") == "Buffer" and isinstance(value.get("data"), list):
        value = value["data"]
    if isinstance(value, list) and all(isinstance(b, int | float) and not isinstance(b, bool) for b in value):
        return bytes(int(b) & 0xFF for b in value)
    raise ValueError(f"property '{prop}' must be a Buffer or a string, got {type(value).__name__}")


def user_properties(value: Any) -> dict[str, str]:
    """The string-valued entries of a v5 user properties object (others are dropped, as in Node-RED);
    a JSON text starting with ``{`` (the nodes' *userProps* field) is parsed first."""
    if isinstance(value, str) and re.match(r"^ *\{", value):
        try:
            value = parse_json(value)
        except TypedInputError:
            return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _int(value: Any, minimum: int | None = None) -> int | None:
    """``parseInt``: the leading integer of a number or text, None when there is none or it is too small."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = int(value) if value == value and abs(value) != float("inf") else None
    else:
        match = re.match(r"^\s*([+-]?\d+)", str(value))
        number = int(match.group(1)) if match else None
    if number is None or (minimum is not None and number < minimum):
        return None
    return number


def new_properties(packet_type: int) -> Properties:
    """An empty paho ``Properties`` for one packet type (PUBLISH, SUBSCRIBE, CONNECT, will)."""
    return Properties(packet_type)  # type: ignore[no-untyped-call]


def received_properties(props: Properties | None) -> dict[str, Any]:
    """The ``msg`` fields of a received v5 PUBLISH: responseTopic, correlationData (bytes),
    contentType, messageExpiryInterval, payloadFormatIndicator, userProperties."""
    out: dict[str, Any] = {}
    if props is None:
        return out
    response_topic = getattr(props, "ResponseTopic", None)
    if isinstance(response_topic, str) and response_topic:
        out["responseTopic"] = response_topic
    correlation = getattr(props, "CorrelationData", None)
    if correlation:
        out["correlationData"] = bytes(correlation)
    content_type = getattr(props, "ContentType", None)
    if isinstance(content_type, str) and content_type:
        out["contentType"] = content_type
    expiry = getattr(props, "MessageExpiryInterval", None)
    if isinstance(expiry, int):
        out["messageExpiryInterval"] = expiry
    indicator = getattr(props, "PayloadFormatIndicator", None)
    if indicator is not None:
        # departure: Node-RED turns an explicit 0 ("unspecified bytes") into true as well
        out["payloadFormatIndicator"] = indicator == 1
    pairs = getattr(props, "UserProperty", None) or []
    counts: dict[str, int] = {}
    for key, _ in pairs:
        counts[key] = counts.get(key, 0) + 1
    # MQTT.js gives a repeated key as an array, which Node-RED then drops: keep single keys only
    single = {key: value for key, value in pairs if counts[key] == 1}
    if single:
        out["userProperties"] = single
    return out


def publish_properties(msg: dict[str, Any]) -> Properties | None:
    """The v5 PUBLISH properties ``msg`` asks for (Node-RED's setStrProp / setBufferProp / setIntProp
    rules: empty or wrongly typed values are left out); None when there are none. Raises
    ``ValueError`` for correlation data that cannot be a Buffer."""
    props = new_properties(PacketTypes.PUBLISH)
    found = False
    for key, attr in (("responseTopic", "ResponseTopic"), ("contentType", "ContentType")):
        value = msg.get(key)
        if isinstance(value, str) and value:
            setattr(props, attr, value)
            found = True
    correlation = msg.get("correlationData")
    if correlation is not None and correlation is not UNDEFINED and correlation != "" and correlation is not False:
        props.CorrelationData = to_buffer(correlation, "correlationData")
        found = True
    if "messageExpiryInterval" in msg:
        expiry = _int(msg["messageExpiryInterval"], 0)
        if expiry is not None:
            props.MessageExpiryInterval = expiry
            found = True
    if msg.get("payloadFormatIndicator") in (True, "true"):
        props.PayloadFormatIndicator = 1
        found = True
    for key, value in user_properties(msg.get("userProperties")).items():
        props.UserProperty = (key, value)
        found = True
    return props if found else None

"""JSON schemas of the mqtt nodes (Node-RED's property names and defaults).

Values are accepted in the forms Node-RED flows carry them: its editor writes some numbers and
flags as text (``"qos": "2"``, ``"birthRetain": "false"``) and others as numbers or booleans.
"""

from __future__ import annotations

from typing import Any

from .mqtt_codec import DATATYPES

__all__ = ["BROKER_SCHEMA", "IN_SCHEMA", "OUT_SCHEMA"]

_QOS = {"type": ["string", "integer"], "enum": ["0", "1", "2", 0, 1, 2]}
_FLAG = {"type": ["boolean", "string"]}


def _lwt(kind: str, when: str) -> dict[str, Any]:
    return {
        f"{kind}Topic": {"type": "string", "default": "", "title": f"{kind.capitalize()} topic",
                         "description": f"Topic of the message published {when}; empty for none."},
        f"{kind}Qos": {**_QOS, "default": "0", "title": f"{kind.capitalize()} QoS"},
        f"{kind}Retain": {"type": ["string", "boolean"], "enum": ["false", "true", False, True], "default": "false",
                          "title": f"{kind.capitalize()} retain"},
        f"{kind}Payload": {"type": "string", "default": "", "title": f"{kind.capitalize()} payload"},
        f"{kind}Msg": {"type": "object", "default": {}, "title": f"{kind.capitalize()} v5 properties",
                       "description": "MQTT v5: contentType, respTopic, correl, expiry, userProps"
                                      + (", delay (will delay, s)" if kind == "will" else "") + "."},
    }


BROKER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "broker": {"type": "string", "default": "", "title": "Server",
                   "description": "Host name or address of the broker (e.g. localhost), or a URL "
                                  "mqtt://, mqtts://, ws:// or wss://."},
        "port": {"type": ["string", "integer"], "default": 1883, "title": "Port"},
        "usetls": {**_FLAG, "default": False, "title": "Use TLS"},
        "tls": {"type": "string", "default": "", "x-config-type": "tls-config", "title": "TLS configuration",
                "description": "Certificates to use with TLS (a tls-config node)."},
        "verifyservercert": {**_FLAG, "default": False, "title": "Verify server certificate (without a tls-config)"},
        "clientid": {"type": "string", "default": "", "title": "Client ID",
                     "description": "Left empty, a random id (nodered...) is used; set one for a persistent session."},
        "autoConnect": {**_FLAG, "default": True, "title": "Connect automatically"},
        "protocolVersion": {"type": ["string", "integer"], "enum": ["4", "5", "3", 4, 5, 3], "default": 4,
                            "title": "Protocol", "description": "4: MQTT 3.1.1, 5: MQTT 5, 3: MQTT 3.1 (legacy)."},
        "compatmode": {**_FLAG, "default": False, "title": "Legacy MQTT 3.1"},
        "keepalive": {"type": ["string", "integer"], "default": 60, "title": "Keep alive (s)"},
        "cleansession": {**_FLAG, "default": True, "title": "Clean session / clean start"},
        "autoUnsubscribe": {**_FLAG, "default": True, "title": "Unsubscribe when a node stops"},
        "sessionExpiry": {"type": ["string", "integer", "null"], "default": 0, "title": "Session expiry (s)",
                          "description": "MQTT v5: how long the broker keeps the session after a disconnect."},
        "userProps": {"type": ["string", "object"], "default": "", "title": "User properties",
                      "description": "MQTT v5: JSON object of text values sent with the connect request."},
        **_lwt("birth", "whenever the connection opens"),
        **_lwt("close", "before a clean disconnect (redeploy, shutdown)"),
        **_lwt("will", "by the broker when the connection is lost unexpectedly"),
    },
}

IN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "broker": {"type": "string", "default": "", "x-config-type": "mqtt-broker", "title": "Server"},
        "topic": {"type": "string", "default": "", "title": "Topic",
                  "description": "Topic filter; + matches one level, # (last) any number of levels."},
        "qos": {**_QOS, "default": "2", "title": "QoS"},
        "datatype": {"type": "string", "enum": list(DATATYPES), "default": "auto-detect", "title": "Output",
                     "description": "auto-detect: parsed JSON, string or Buffer; auto: string or Buffer; "
                                    "buffer; utf8: string; json: parsed JSON (errors otherwise); base64."},
        "inputs": {"type": ["integer", "string"], "enum": [0, 1, "0", "1"], "default": 0, "title": "Mode",
                   "description": "0: subscribe to the topic; 1: dynamic, subscriptions controlled by msg.action."},
        "nl": {**_FLAG, "default": False, "title": "No local (v5)",
               "description": "Do not receive messages this connection published."},
        "rap": {**_FLAG, "default": True, "title": "Retain as published (v5)",
                "description": "Keep the retain flag of the original publish."},
        "rh": {"type": ["integer", "string"], "enum": [0, 1, 2, "0", "1", "2"], "default": 0,
               "title": "Retained message handling (v5)",
               "description": "0: send retained messages, 1: only for new subscriptions, 2: do not send."},
    },
}

OUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "broker": {"type": "string", "default": "", "x-config-type": "mqtt-broker", "title": "Server"},
        "topic": {"type": "string", "default": "", "title": "Topic", "description": "Empty: msg.topic."},
        "qos": {"type": ["string", "integer"], "enum": ["", "0", "1", "2", 0, 1, 2], "default": "",
                "title": "QoS", "description": "Empty: msg.qos (default 0)."},
        "retain": {"type": ["string", "boolean"], "enum": ["", "true", "false", True, False], "default": "",
                   "title": "Retain", "description": "Empty: msg.retain (default false)."},
        "respTopic": {"type": "string", "default": "", "title": "Response topic (v5)"},
        "contentType": {"type": "string", "default": "", "title": "Content type (v5)"},
        "userProps": {"type": ["string", "object"], "default": "", "title": "User properties (v5)",
                      "description": "JSON object of text values."},
        "correl": {"type": "string", "default": "", "title": "Correlation data (v5)"},
        "expiry": {"type": ["string", "integer"], "default": "", "title": "Message expiry (s, v5)"},
    },
}

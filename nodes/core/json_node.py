"""The json node: convert a property between a JSON string and an object (either way or forced).

``action`` "" toggles by type, "str" always produces a string, "obj" always an object.
``pretty`` indents with 4 spaces. A ``msg.schema`` (JSON Schema) validates the object; failures
set ``msg.schemaError`` (ajv's error objects) and report a catchable error worded as Node-RED's
``JSON Schema error: data/price must be number`` (corpus case json_node).
"""

from __future__ import annotations

import json
from typing import Any

from flowengine.errors import NodeError
from flowengine.node import Node
from flowengine.typed import parse_json
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._ajv_errors import ajv_errors, errors_text
from ._help import node_help
from ._jsjson import js_stringify
from ._jsprops import compile_path, js_get_or_undefined, js_set, resolve_path


class JsonNode(Node):
    type = "json"
    category = "parser"
    color = "#DEBD5C"
    icon = "parser-json.svg"
    schema = {
        "type": "object",
        "properties": {
            "property": {"type": "string", "default": "payload"},
            "action": {"type": "string", "enum": ["", "str", "obj"], "default": ""},
            "pretty": {"type": ["boolean", "string"], "default": False},
        },
    }
    help = node_help("json")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.indent = 4 if config.get("pretty") in (True, "true") else 0
        self.action = config.get("action") or ""
        self.property = str(config.get("property") or "payload")
        self._schema_text: str | None = None
        self._validator: Any = None

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        validate = False
        if msg.get("schema"):
            from jsonschema import SchemaError  # on first use: the process start does not pay for it

            try:
                self._compile_schema(msg["schema"])
            except SchemaError:
                done("JSON Schema error: failed to compile schema")
                return
            validate = True
        keys = compile_path(self.property) or resolve_path(self.property, msg)
        value = js_get_or_undefined(msg, keys)
        if value is UNDEFINED:
            send(msg)
            done()
            return
        if isinstance(value, str):
            if self.action in ("", "obj") or validate:
                try:
                    parsed = parse_json(value)
                except NodeError as exc:
                    done(str(exc))
                    return
                if self.action in ("", "obj"):
                    js_set(msg, keys, parsed)
                if validate and not self._valid(msg, parsed, done):
                    return
        elif isinstance(value, bytes | bytearray):
            if self.action in ("", "str"):
                self.warn("Ignored non-object payload")
                done()
                return
            if validate and not self._valid(msg, value, done):
                return
        elif isinstance(value, dict | list | bool | int | float) or value is None:
            if validate and not self._valid(msg, value, done):
                return
            if self.action in ("", "str"):
                text = js_stringify(value, self.indent)
                if text is None:
                    done("Failed to convert payload")
                    return
                js_set(msg, keys, text)
        else:
            self.warn("Ignored unsupported payload type")
            done()
            return
        if validate:
            msg.pop("schema", None)
        send(msg)
        done()

    def _compile_schema(self, schema: Any) -> None:
        text = json.dumps(schema, sort_keys=True, default=str)
        if text != self._schema_text:
            import jsonschema

            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            self._validator = cls(schema)
            self._schema_text = text

    def _valid(self, msg: Msg, value: Any, done: Done) -> bool:
        errors = list(self._validator.iter_errors(value))
        if not errors:
            return True
        msg["schemaError"] = ajv_errors(errors)
        done("JSON Schema error: " + errors_text(msg["schemaError"]))
        return False


NODES: list[type[Node]] = [JsonNode]

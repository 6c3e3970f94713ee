"""The yaml node: convert a property between a YAML string and an object.

Dumping follows js-yaml's layout (block style, sequences indented under their key) so text
output matches what Node-RED produces for ordinary data.
"""

from __future__ import annotations

import functools
from typing import Any

from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from ._jsjson import to_json_value
from ._jsprops import compile_path, js_set, read_property, resolve_path


@functools.cache
def _indented_dumper() -> Any:
    """js-yaml indents block sequences inside mappings; PyYAML does not by default. (Made on first
    use: PyYAML loads with the first message, not with the runtime, ~25 ms of every start.)"""
    import yaml

    class IndentedDumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

    return IndentedDumper


class YamlNode(Node):
    type = "yaml"
    category = "parser"
    color = "#DEBD5C"
    icon = "parser-yaml.svg"
    schema = {
        "type": "object",
        "properties": {
            "property": {"type": "string", "default": "payload"},
            "propertyOut": {"type": "string"},
        },
    }
    help = node_help("yaml")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.property = str(config.get("property") or "payload")
        self.property_out = str(config.get("propertyOut") or self.property)

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        value = read_property(msg, self.property)
        if value is UNDEFINED:
            send(msg)
            done()
            return
        out_keys = compile_path(self.property_out) or resolve_path(self.property_out, msg)
        import yaml

        if isinstance(value, str):
            try:
                js_set(msg, out_keys, yaml.safe_load(value))
            except yaml.YAMLError as exc:
                done(str(exc))
                return
        elif isinstance(value, dict | list):
            try:
                text = yaml.dump(
                    to_json_value(value), Dumper=_indented_dumper(), sort_keys=False, allow_unicode=True,
                    default_flow_style=False,
                )
            except yaml.YAMLError:
                done("Failed to convert payload")
                return
            js_set(msg, out_keys, text)
        elif isinstance(value, bytes | bytearray):
            self.warn("Ignored non-object payload")
            done()
            return
        else:
            self.warn("Ignored unsupported payload type")
            done()
            return
        send(msg)
        done()


NODES: list[type[Node]] = [YamlNode]

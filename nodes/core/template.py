"""The template node: render a Mustache (or plain) template into a message or context property.

Names resolve against the message first, then ``flow.key`` / ``flow[store].key``,
``global.key`` and ``env.NAME``; unknown names render as empty (corpus case template_mustache).
Output is a string, or parsed JSON / YAML.
"""

from __future__ import annotations

import re
from typing import Any

from flowengine.errors import NodeError
from flowengine.node import Node
from flowengine.typed import parse_context_key, parse_json
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from ._jsprops import compile_path, js_set, resolve_path
from ._mustache import MustacheError, parse, render

_CONTEXT_NAME = re.compile(r"^(flow|global)(\[(\w+)\])?\.(.+)")
_ENV_NAME = re.compile(r"^env\.(.+)")
_JSON_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\f": "\\f", "\b": "\\b"}
_JSON_ESCAPE_RE = re.compile(r"[\\\n\t\r\f\b]")


class TemplateNode(Node):
    type = "template"
    keeps_empty_name = True  # Node-RED copies n.name, so msg.error/status sources show ""
    category = "function"
    color = "rgb(243, 181, 103)"
    icon = "template.svg"
    schema = {
        "type": "object",
        "properties": {
            "field": {"type": "string", "default": "payload"},
            "fieldType": {"type": "string", "enum": ["msg", "flow", "global"], "default": "msg"},
            "format": {"type": "string", "default": "handlebars"},
            "syntax": {"type": "string", "enum": ["mustache", "plain"], "default": "mustache"},
            "template": {"type": "string", "default": "This is the payload: {{payload}} !"},
            "output": {"type": "string", "enum": ["str", "json", "yaml"], "default": "str"},
        },
    }
    help = node_help("template")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.template = str(config.get("template") or "")
        self.field = str(config.get("field") or "payload")
        self.field_type = config.get("fieldType") or "msg"
        self.syntax = config.get("syntax") or "mustache"
        self.output = config.get("output") or "str"
        self._yaml_errors: tuple[type[Exception], ...] = ()
        if self.output == "yaml":
            import yaml  # only for YAML output: PyYAML is not loaded with the runtime (~25 ms of every start)

            self._yaml_errors = (yaml.YAMLError,)
        self._tokens: Any = None

    def on_start(self) -> None:
        if self.syntax == "mustache" and self.template:
            try:
                self._tokens = parse(self.template)
            except MustacheError as exc:
                self.error(f"template node {self.id}, property 'template': {exc}")

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        template = self.template
        if not template and isinstance(msg.get("template"), str):
            template = msg["template"]
        try:
            if self.syntax == "mustache":
                tokens = self._tokens if template is self.template and self._tokens is not None else template
                string_filter = _json_escape if self.output == "json" else None
                text = render(tokens, msg, self._fallback, string_filter)
            else:
                text = template
            value = self._convert(text)
            self._store(msg, value)
        except (MustacheError, ValueError, NodeError, *self._yaml_errors) as exc:
            done(exc)
            return
        send(msg)
        done()

    def _fallback(self, name: str) -> Any:
        m = _ENV_NAME.match(name)
        if m:
            return self.env(m.group(1))
        m = _CONTEXT_NAME.match(name)
        if m:
            scope = self.flow_context() if m.group(1) == "flow" else self.global_context()
            value = scope.get(m.group(4), m.group(3))
            return "" if value is UNDEFINED else value
        return ""

    def _convert(self, text: str) -> Any:
        if self.output == "json":
            return parse_json(text)
        if self.output == "yaml":
            import yaml

            return yaml.safe_load(text)
        return text

    def _store(self, msg: Msg, value: Any) -> None:
        if self.field_type == "msg":
            js_set(msg, compile_path(self.field) or resolve_path(self.field, msg), value)
            return
        store, key = parse_context_key(self.field)
        scope = self.flow_context() if self.field_type == "flow" else self.global_context()
        scope.set(key, value, store)


def _json_escape(text: str) -> str:
    return _JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)


NODES: list[type[Node]] = [TemplateNode]

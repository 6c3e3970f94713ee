"""The switch node: route a message to the outputs whose rule matches a property.

Comparisons follow JavaScript (``"5" == 5``, ``null <= 2``), as flows exported from Node-RED
expect (corpus cases switch_*). ``checkall`` "false" stops at the first match; ``else`` matches
when nothing before it did. Sequence rules (head/tail/index) read ``msg.parts``; with ``repair``
(or a ``tail`` rule) whole sequences are buffered and re-numbered per output.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from flowengine.message import PropertyPathError, clone_msg, new_msgid
from flowengine.node import Node
from flowengine.typed import compile_jsonata, js_string, to_number
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from ._jsprops import Keys, compile_path, js_get, resolve_path
from ._jsregex import js_regex
from ._switch_rules import rule_matches

Test = Callable[[Any, Any, Any, Any], bool]

_RULE_TYPES = (
    "eq", "neq", "lt", "lte", "gt", "gte", "btwn", "cont", "regex", "true", "false", "null", "nnull",
    "empty", "nempty", "istype", "head", "tail", "index", "hask", "jsonata_exp", "else",
)


class SwitchNode(Node):
    type = "switch"
    category = "function"
    color = "#E2D96E"
    icon = "switch.svg"
    outputs = 1
    schema = {
        "type": "object",
        "properties": {
            "property": {"type": "string", "default": "payload"},
            "propertyType": {"type": "string", "default": "msg"},
            "rules": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "t": {
                            "title": "rule",
                            "anyOf": [
                                {"enum": list(_RULE_TYPES)},
                                # Node-RED deploys any other name and fails when a message reaches it
                                {"type": "string", "x-tolerated": True},
                            ],
                        },
                        "v": {},
                        "vt": {"type": "string"},
                        "v2": {},
                        "v2t": {"type": "string"},
                        "case": {"type": ["boolean", "null"]},
                    },
                    "required": ["t"],
                },
                "default": [{"t": "eq", "v": "", "vt": "str"}],
            },
            "checkall": {"type": ["string", "boolean"], "default": "true"},
            "repair": {"type": ["boolean", "string"], "default": False},
            "outputs": {"type": ["integer", "string"], "default": 1},
        },
    }
    help = node_help("switch")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self._property = str(config.get("property") if config.get("property") is not None else "payload")
        self._property_type = config.get("propertyType") or "msg"
        checkall = config.get("checkall")
        self._checkall = str(checkall if checkall not in (None, "") else "true").lower() != "false"
        self._repair = bool(config.get("repair")) and config.get("repair") != "false"
        self._rules: list[dict[str, Any]] = [dict(r) for r in (config.get("rules") or [])]
        self._needs_count = self._repair or any(r.get("t") == "tail" for r in self._rules)
        self._previous: Any = None
        self._valid = True
        self._prop_expr: Any = None
        self._property_keys: Keys | None = None
        self._pending_in: dict[str, dict[str, Any]] = {}
        self._pending_out: dict[str, list[list[Msg | None]]] = {}
        self._pending_count = 0

    def on_start(self) -> None:
        if self._property_type == "msg":
            try:
                self._property_keys = compile_path(self._property)
            except PropertyPathError:
                self._property_keys = None
        try:
            if self._property_type == "jsonata":
                self._prop_expr = compile_jsonata(self._property)
            for rule in self._rules:
                self._prepare_rule(rule)
        except _InvalidRule as exc:
            self._valid = False
            self.error(f"switch node {self.id}, property 'rules': {exc}")

    def on_close(self, removed: bool) -> None:
        self._pending_in.clear()
        self._pending_out.clear()
        self._pending_count = 0

    def _prepare_rule(self, rule: dict[str, Any]) -> None:
        # an unknown rule type is kept: as in Node-RED it fails each message that reaches it
        if not rule.get("vt"):
            rule["vt"] = "num" if not math.isnan(to_number(rule.get("v", ""))) else "str"
        if rule["vt"] == "num":
            n = to_number(rule.get("v", ""))
            if not math.isnan(n):
                rule["v"] = n
        elif rule["vt"] == "jsonata":
            rule["v"] = _compile(rule.get("v", ""))
        if "v2" in rule:
            if not rule.get("v2t"):
                rule["v2t"] = "num" if not math.isnan(to_number(rule["v2"])) else "str"
            if rule["v2t"] == "num":
                rule["v2"] = to_number(rule["v2"])
            elif rule["v2t"] == "jsonata":
                rule["v2"] = _compile(rule["v2"])
        if rule["t"] == "regex":
            flags = "i" if rule.get("case") else ""
            try:
                rule["_re"] = js_regex(js_string(rule.get("v", "")), flags) if rule["vt"] in ("str", "num") else None
            except re.error as exc:
                raise _InvalidRule(f"invalid regular expression {rule.get('v')!r}: {exc}") from exc

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if not self._valid:
            done()
            return
        parts = msg.get("parts")
        has_parts = isinstance(parts, dict) and "id" in parts and "index" in parts
        if self._needs_count and has_parts:
            self._buffer(msg)
        else:
            self._process(msg, has_parts, send)
        done()

    # --- one message ---
    def _process(self, msg: Msg, has_parts: bool, send: Send | None = None) -> None:
        try:
            value = self._read_property(msg)
        except _RuleFailed as exc:
            self.warn(str(exc))
            return
        try:
            onward = self._apply(msg, value, has_parts)
        except _RuleFailed as exc:
            self.error(str(exc), msg)
            return
        if not self._repair or not has_parts:
            (send or self.send)(onward)
        else:
            self._collect_output(onward, msg)

    def _read_property(self, msg: Msg) -> Any:
        if self._prop_expr is not None:
            try:
                return self._prop_expr.evaluate(self, msg)
            except Exception as exc:  # JSONata runtime errors are reported as a warning
                raise _RuleFailed(f"Invalid JSONata expression: {exc}") from exc
        try:
            if self._property_type == "msg":
                keys = self._property_keys or resolve_path(self._property, msg)
                return js_get(msg, keys)
            return self.evaluate(self._property, self._property_type, msg)
        except Exception:  # Node-RED: a property that cannot be read is undefined
            return UNDEFINED

    def _apply(self, msg: Msg, value: Any, has_parts: bool) -> list[Msg | None]:
        onward: list[Msg | None] = []
        else_flag = True
        parts = msg.get("parts", UNDEFINED)
        for rule in self._rules:
            v1 = self._operand(rule, "v", "vt", msg, parts)
            has_v2 = "v2" in rule or rule.get("v2t") == "prev"
            v2 = self._operand(rule, "v2", "v2t", msg, parts) if has_v2 else UNDEFINED
            subject = value
            if rule["t"] == "else":
                subject = else_flag
                else_flag = True
            try:
                matched = rule_matches(rule, subject, v1, v2, parts)
            except Exception as exc:  # an invalid regex built from a msg value, a sequence rule without parts
                raise _RuleFailed(f"{type(exc).__name__}: {exc}") from exc
            if matched:
                onward.append(msg)
                else_flag = False
                if not self._checkall:
                    break
            else:
                onward.append(None)
        self._previous = value
        return onward

    def _operand(self, rule: dict[str, Any], key: str, tkey: str, msg: Msg, parts: Any) -> Any:
        vt = rule.get(tkey)
        v = rule.get(key, UNDEFINED)
        if vt == "prev":
            return self._previous
        if vt == "jsonata":
            bindings = None
            if rule["t"] == "jsonata_exp" and key == "v" and isinstance(parts, dict) and "id" in parts \
                    and "index" in parts:
                bindings = {"I": parts.get("index"), "N": parts.get("count")}
            try:
                return v.evaluate(self, msg, bindings)
            except Exception as exc:  # a JSONata runtime error fails the whole message
                raise _RuleFailed(f"Invalid JSONata expression: {exc}") from exc
        if key == "v" and vt in ("json", "null"):
            return vt  # Node-RED quirk: istype's type names arrive as the value type
        if rule["t"] == "istype" and key == "v":
            return v  # the type name itself ("string", "array"...)
        if vt == "num":
            return v if isinstance(v, int | float) else to_number(v)
        if vt == "str" or not vt:
            return js_string(v) if v is not UNDEFINED else ""
        if v is UNDEFINED:
            return UNDEFINED
        try:
            return self.evaluate(v, vt, msg)
        except Exception:  # missing context or msg values compare as undefined
            return UNDEFINED

    # --- sequences (repair / tail) ---
    def _buffer(self, msg: Msg) -> None:
        parts = msg["parts"]
        group = self._pending_in.setdefault(parts["id"], {"count": None, "msgs": []})
        group["msgs"].append(msg)
        self._pending_count += 1
        self._check_overflow(msg)
        if "count" in parts:
            group["count"] = parts["count"]
        if group["count"] == len(group["msgs"]):
            msgs = group["msgs"]
            del self._pending_in[parts["id"]]
            self._pending_count -= len(msgs)
            for m in msgs:
                m["parts"]["count"] = group["count"]
                self._process(m, True)

    def _collect_output(self, onward: list[Msg | None], msg: Msg) -> None:
        parts = msg["parts"]
        gid = parts["id"]
        onwards = self._pending_out.setdefault(gid, [])
        onwards.append(onward)
        self._pending_count += 1
        if len(onwards) == parts.get("count"):
            del self._pending_out[gid]
            self._pending_count -= len(onwards)
            self._send_group(onwards)
        self._check_overflow(msg)

    def _send_group(self, onwards: list[list[Msg | None]]) -> None:
        ports = max(len(o) for o in onwards)
        counts = [sum(1 for o in onwards if j < len(o) and o[j] is not None) for j in range(ports)]
        ids = [new_msgid() for _ in range(ports)]
        indexes = [0] * ports
        for onward in onwards:
            out: list[Msg | None] = []
            for j in range(ports):
                m = onward[j] if j < len(onward) else None
                if m is None:
                    out.append(None)
                    continue
                copy = clone_msg(m)
                copy["parts"].update(id=ids[j], index=indexes[j], count=counts[j])
                indexes[j] += 1
                out.append(copy)
            self.send(out)

    def _check_overflow(self, msg: Msg) -> None:
        limit = getattr(self.host.settings, "nodeMessageBufferMaxLength", 0) or 0
        if limit > 0 and self._pending_count > limit:
            self._pending_in.clear()
            self._pending_out.clear()
            self._pending_count = 0
            self.error("Too many pending messages", msg)


class _InvalidRule(Exception):
    """A rule cannot be compiled."""


class _RuleFailed(Exception):
    """Evaluating the property or a rule failed for this message."""


def _compile(expr: Any) -> Any:
    try:
        return compile_jsonata(str(expr))
    except Exception as exc:  # the JSONata parser raises its own error types
        raise _InvalidRule(f"Invalid JSONata expression: {exc}") from exc


NODES: list[type[Node]] = [SwitchNode]

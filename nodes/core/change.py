"""The change node: set, change (search/replace), move and delete message and context properties.

Rules are compiled once into small closures (``Op``: ``msg -> keep?``) so the common rule
``set msg.hop = msg.payload`` costs two dict operations per message: this node is the
benchmark's hot path. Semantics follow Node-RED 5 (corpus cases change_set_types,
change_move_delete, change_context_roundtrip): ``num``/``bool``/``env`` values are evaluated
once, JSON values are fresh per message, a missing source deletes the target, and a target that
cannot be set warns "Cannot set property of non-object type: <property>".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flowengine.message import PropertyPathError, deep_clone
from flowengine.node import Node
from flowengine.typed import compile_jsonata, parse_context_key, to_number
from flowengine.types import UNDEFINED, Msg

from ._change_rules import changed_value, normalise_rules
from ._help import node_help
from ._jsprops import Keys, compile_path, js_get, js_set, render_path, resolve_path
from ._jsregex import escape_js_regex, js_regex

Op = Callable[[Msg], object]
"""One compiled rule step: mutates the msg; returns False when the msg must be dropped (a plain
set's step returns the msg itself)."""


class _Drop(Exception):
    """A rule failed in a way that drops the message (the error was already reported)."""


class ChangeNode(Node):
    type = "change"
    category = "function"
    color = "#E2D96E"
    icon = "swap.svg"
    schema = {
        "type": "object",
        "properties": {
            "rules": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "t": {"enum": ["set", "change", "delete", "move"]},
                        "p": {"type": "string"},
                        "pt": {"type": "string"},
                        "to": {"type": ["string", "number", "boolean", "null"]},
                        "tot": {"type": "string"},
                        "from": {"type": ["string", "number", "boolean", "null"]},
                        "fromt": {"type": "string"},
                        "dc": {"type": "boolean"},
                    },
                    "required": ["t"],
                },
                "default": [{"t": "set", "p": "payload", "pt": "msg", "to": "", "tot": "str"}],
            },
            "action": {"type": "string"},
            "property": {"type": "string"},
            "from": {"type": "string"},
            "to": {"type": "string"},
            "reg": {"type": ["boolean", "null", "string"]},
        },
    }
    help = node_help("change")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self._rules = normalise_rules(config)
        self._ops: list[Op] = []
        self._problems: list[str] = []
        self._ready = False

    def on_start(self) -> None:
        fast = _fast_transform(self._rules)
        if fast is not None:  # every rule a plain set: the node is that one closure, no Op list
            self.transform = fast  # type: ignore[method-assign, assignment]
            self._ready = True
            return
        ops: list[Op] = []
        for rule in self._rules:
            try:
                ops.extend(self._compile_rule(rule))
            except _RuleError as exc:
                self._problems.append(str(exc))
            except PropertyPathError as exc:
                # Node-RED lets such a rule fail silently on every message; we say so once
                self.warn(f"change node {self.id}, rule on {rule.get('p')!r} ignored: {exc}")
        for problem in self._problems:
            self.error(f"{problem} (change node {self.id}, property 'rules')")
        self._ops = ops
        self._ready = not self._problems

    def transform(self, msg: Msg) -> Msg | None:
        if not self._ready:
            return None
        for op in self._ops:
            try:
                if op(msg) is False:
                    return None
            except (PropertyPathError, TypeError, ValueError, KeyError, IndexError):
                # Node-RED's applyRule swallows errors of this kind and passes the msg on
                continue
        return msg

    # --- compilation ---
    def _compile_rule(self, rule: dict[str, Any]) -> list[Op]:
        t = rule["t"]
        if t == "move":
            p, pt, to, tot = rule["p"], rule["pt"], str(rule.get("to", "")), rule["tot"]
            if tot != pt or (to in p and p != to):
                return [
                    self._compile_primitive({"t": "set", "p": to, "pt": tot, "to": p, "tot": pt}),
                    self._compile_primitive({"t": "delete", "p": p, "pt": pt}),
                ]
            return [  # two-step move when moving from a child of the target
                self._compile_primitive({"t": "set", "p": "_temp_move", "pt": tot, "to": p, "tot": pt}),
                self._compile_primitive({"t": "delete", "p": p, "pt": pt}),
                self._compile_primitive({"t": "set", "p": to, "pt": tot, "to": "_temp_move", "tot": pt}),
                self._compile_primitive({"t": "delete", "p": "_temp_move", "pt": pt}),
            ]
        if t not in ("set", "change", "delete"):
            raise _RuleError(f"unknown rule type {t!r}")
        return [self._compile_primitive(rule)]

    def _compile_primitive(self, rule: dict[str, Any]) -> Op:
        t, p, pt = rule["t"], str(rule.get("p", "")), rule.get("pt", "msg")
        if pt == "msg":
            fast = _fast_msg_set(rule)
            if fast is not None:
                return fast
            return self._msg_op(rule, t, p)
        if pt in ("flow", "global"):
            return self._context_op(rule, t, p, pt)
        raise _RuleError(f"unsupported property type {pt!r}")

    def _msg_op(self, rule: dict[str, Any], t: str, p: str) -> Op:
        static = compile_path(p)

        def keys_of(msg: Msg) -> Keys:
            return static if static is not None else resolve_path(p, msg)

        if t == "delete":

            def delete(msg: Msg) -> bool:
                js_set(msg, keys_of(msg), UNDEFINED)
                return True

            return delete
        get_to = self._value_getter(rule)
        if t == "set":
            node = self

            def set_(msg: Msg) -> bool:
                value = get_to(msg)
                if not js_set(msg, keys_of(msg), value):
                    node.warn(f"Cannot set property of non-object type: {p}")
                return True

            return _droppable(set_)
        get_from = self._from_getter(rule)

        def change(msg: Msg) -> bool:
            value = get_to(msg)
            from_type, from_value, from_re = get_from(msg)
            keys = keys_of(msg)
            current = js_get(msg, keys)
            new = changed_value(current, value, from_type, from_value, from_re)
            if new is not UNDEFINED:
                js_set(msg, keys, new)
            return True

        return _droppable(change)

    def _context_op(self, rule: dict[str, Any], t: str, p: str, pt: str) -> Op:
        store, key = parse_context_key(p)
        nested = "[msg" in key
        scope_of = self.flow_context if pt == "flow" else self.global_context
        node = self

        def key_of(msg: Msg) -> str:
            return render_path(resolve_path(key, msg)) if nested else key

        get_to = self._value_getter(rule) if t != "delete" else None
        get_from = self._from_getter(rule) if t == "change" else None

        def op(msg: Msg) -> bool:
            k = key_of(msg)
            scope = scope_of()
            try:
                if get_to is None:
                    scope.set(k, UNDEFINED, store)
                elif get_from is None:
                    scope.set(k, get_to(msg), store)
                else:
                    value = get_to(msg)
                    from_type, from_value, from_re = get_from(msg)
                    new = changed_value(scope.get(k, store), value, from_type, from_value, from_re)
                    if new is not UNDEFINED:
                        scope.set(k, new, store)
            except _Drop:
                raise
            except Exception as exc:  # an unknown store, an unwritable key: the msg's error
                node.error(exc, msg)
                return False
            return True

        return _droppable(op)

    def _value_getter(self, rule: dict[str, Any]) -> Callable[[Msg], Any]:
        """``getToValue``: constants are resolved now, the rest per message."""
        tot = rule.get("tot") or "str"
        to = rule.get("to", "")
        dc = bool(rule.get("dc"))
        getter: Callable[[Msg], Any]
        if tot == "str":
            return lambda _msg: to
        if tot == "num":
            number = to_number(to)
            return lambda _msg: number
        if tot == "bool":
            flag = bool(re.fullmatch(r"true", str(to), re.IGNORECASE))
            return lambda _msg: flag
        if tot == "env":
            env_value = self.evaluate(to, "env", None)
            return lambda _msg: env_value
        if tot in ("json", "bin"):
            try:
                parsed = json.loads(str(to))
            except ValueError as exc:
                raise _RuleError(f"Invalid JSON in rule value: {exc}") from exc
            if tot == "bin":
                data = _to_bytes(parsed)
                return lambda _msg: data
            if isinstance(parsed, dict | list):
                return lambda _msg: deep_clone(parsed)
            return lambda _msg: parsed
        if tot == "msg":
            static = compile_path(str(to))
            src = str(to)

            def from_msg(msg: Msg) -> Any:
                return js_get(msg, static if static is not None else resolve_path(src, msg))

            getter = from_msg
        elif tot == "jsonata":
            try:
                expr = compile_jsonata(str(to))
            except Exception as exc:  # the JSONata parser raises its own error types
                raise _RuleError(f"Invalid JSONata expression: {exc}") from exc
            node = self

            def from_jsonata(msg: Msg) -> Any:
                try:
                    return expr.evaluate(node, msg)
                except Exception as exc:  # evaluation errors are the msg's errors
                    node.error(f"Invalid JSONata expression: {exc}", msg)
                    raise _Drop from exc

            getter = from_jsonata
        else:
            node = self

            def typed(msg: Msg) -> Any:
                try:
                    return node.evaluate(to, tot, msg)
                except Exception:  # Node-RED: a failed context read sets undefined
                    return UNDEFINED

            getter = typed
        if dc:
            inner = getter
            return lambda msg: deep_clone(inner(msg))
        return getter

    def _from_getter(self, rule: dict[str, Any]) -> Callable[[Msg], tuple[str, Any, re.Pattern[str] | None]]:
        fromt = rule.get("fromt") or "str"
        raw = rule.get("from", "")
        if fromt in ("msg", "flow", "global"):
            node = self

            def dynamic(msg: Msg) -> tuple[str, Any, re.Pattern[str] | None]:
                if fromt == "msg":
                    value = js_get(msg, resolve_path(str(raw), msg))
                else:
                    value = node.evaluate(raw, fromt, msg)
                return _classify_from(node, value, msg)

            return dynamic
        if fromt == "env":
            raw = self.evaluate(raw, "env", None)
            fromt = "str"
        source = str(raw) if fromt == "re" else escape_js_regex(str(raw))
        try:
            compiled = js_regex(source)
        except re.error as exc:
            raise _RuleError(f"Invalid 'from' property: {exc}") from exc
        static = (fromt, str(raw), compiled)
        return lambda _msg: static


class _RuleError(Exception):
    """A rule cannot be compiled (invalid JSON, JSONata or regex)."""


def _droppable(op: Op) -> Op:
    def guarded(msg: Msg) -> object:
        try:
            return op(msg)
        except _Drop:
            return False

    return guarded


def _fast_transform(rules: list[dict[str, Any]]) -> Callable[[Msg], Msg] | None:
    """The whole node as one call when every rule is a plain top-level ``set`` (none can fail or
    drop the msg): the benchmark's ``set msg.hop = msg.payload`` costs one call and two dict
    operations per message. None when a rule needs the general path."""
    steps = [_fast_msg_set(rule) for rule in rules]
    if not steps or None in steps:
        return None
    if len(steps) == 1:
        return steps[0]
    fixed: list[Callable[[Msg], Msg]] = steps  # type: ignore[assignment]

    def run_all(msg: Msg) -> Msg:
        for step in fixed:
            step(msg)
        return msg

    return run_all


def _fast_msg_set(rule: dict[str, Any]) -> Callable[[Msg], Msg] | None:
    """``set msg.a = msg.b`` / ``set msg.a = "text"`` with plain top-level keys, as a step that
    returns the msg it changed (it cannot fail)."""
    if rule.get("t") != "set" or rule.get("pt", "msg") != "msg":
        return None
    p, tot, to = str(rule.get("p", "")), rule.get("tot") or "str", rule.get("to", "")
    if rule.get("dc") or not p.isidentifier():
        return None
    if tot == "msg" and isinstance(to, str) and to.isidentifier():
        src = to

        def copy_key(msg: Msg) -> Msg:
            value = msg.get(src, UNDEFINED)
            if value is UNDEFINED:
                msg.pop(p, None)
            else:
                msg[p] = value
            return msg

        return copy_key
    if tot == "str":
        text = to

        def set_text(msg: Msg) -> Msg:
            msg[p] = text
            return msg

        return set_text
    return None


def _classify_from(node: Node, value: Any, msg: Msg) -> tuple[str, Any, re.Pattern[str] | None]:
    if isinstance(value, bool):
        return "bool", value, None
    if isinstance(value, int | float):
        return "num", value, None
    if isinstance(value, re.Pattern):
        return "re", value, value
    if isinstance(value, str):
        return "str", value, js_regex(escape_js_regex(value))
    kind = "undefined" if value is UNDEFINED else "object"
    node.error(f"Invalid 'from' property: unsupported type: {kind}", msg)
    raise _Drop


def _to_bytes(parsed: Any) -> bytes:
    if isinstance(parsed, str):
        return parsed.encode("utf-8")
    if isinstance(parsed, list):
        return bytes(int(b) & 0xFF for b in parsed)
    raise _RuleError("A buffer value must be a JSON array of bytes or a string")


NODES: list[type[Node]] = [ChangeNode]

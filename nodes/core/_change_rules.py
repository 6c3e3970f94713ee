"""The change node's pure parts: Node-RED's rule migration (legacy single-action nodes, default
types, ``msg.`` prefixes) and the value a *change* (search/replace) rule gives its target."""

from __future__ import annotations

import re
from typing import Any

from flowengine.typed import js_string, to_number
from flowengine.types import UNDEFINED

from ._jsregex import js_replace


def normalise_rules(config: dict[str, Any]) -> list[dict[str, Any]]:
    """Node-RED's rule migration: legacy single-action config, default types, ``msg.`` prefixes."""
    rules = config.get("rules")
    if not isinstance(rules, list):
        action = config.get("action") or "set"
        rule: dict[str, Any] = {"t": "set" if action == "replace" else action, "p": config.get("property") or ""}
        if rule["t"] in ("set", "move"):
            rule["to"] = config.get("to") or ""
        elif rule["t"] == "change":
            rule["from"] = config.get("from") or ""
            rule["to"] = config.get("to") or ""
            if config.get("reg") is None or config.get("reg"):
                rule["fromt"] = "re"
        rules = [rule]
    out = []
    for raw in rules:
        rule = dict(raw)
        rule.setdefault("pt", "msg")
        rule["pt"] = rule["pt"] or "msg"
        if rule.get("t") == "change" and rule.pop("re", False):
            rule["fromt"] = "re"
        to = rule.get("to", "")
        if rule.get("t") == "set" and not rule.get("tot") and isinstance(to, str) and to.startswith("msg."):
            rule["to"], rule["tot"] = to[4:], "msg"
        rule["tot"] = rule.get("tot") or "str"
        rule["fromt"] = rule.get("fromt") or "str"
        out.append(rule)
    return out


def changed_value(current: Any, value: Any, from_type: str, from_value: Any, from_re: re.Pattern[str] | None) -> Any:
    """The new value of a *change* rule's target, or ``UNDEFINED`` to leave it alone."""
    if isinstance(current, str):
        if from_type in ("num", "bool", "str") and current == from_value and isinstance(from_value, str):
            return value
        if from_re is None:
            return UNDEFINED
        return js_replace(from_re, current, js_string(value))
    if isinstance(current, int | float) and not isinstance(current, bool) and from_type == "num":
        return value if current == to_number(from_value) else UNDEFINED
    if isinstance(current, bool) and from_type == "bool":
        return value if ("true" if current else "false") == js_string(from_value) else UNDEFINED
    return UNDEFINED

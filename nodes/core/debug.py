"""The debug node: show messages (or one property, or a JSONata result) in the editor sidebar.

Sidebar output is published on the event bus topic ``debug`` in Node-RED's shape
``{id, z, path, name, topic?, property?, msg, format, _alias?}`` with ``msg``/``format`` from
``encode_object`` (``RED.util.encodeObject``); ``console`` logs at info level as Node-RED's
``node.log`` does (strings as they are, other values rendered like Node's ``util.inspect``, depth
10, objects and null on a new line); ``tostatus`` mirrors a short text in the node status
(``statusType`` auto: the sidebar value, or ``msg.error`` / ``msg.status``; msg: the ``statusVal``
property; jsonata: an expression).

Flood limits (ours; Node-RED publishes everything and its editor drowns): at most ``debugMaxRate``
sidebar messages per second per node (default 50, 0 = unlimited); a second that dropped some ends
with one summary event ``{id, z, path, name?, msg, format, dropped: N, rate}`` whose ``msg`` is a
text such as "1,234 messages not shown (over 50/s)". The status is updated at most
``STATUS_RATE`` times a second, showing the latest message at the end of a busy second. Console
output is never limited.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flowengine.encoding import BUDGET_PER_LENGTH, encode_object, prune
from flowengine.node import Node
from flowengine.typed import compile_jsonata, js_string
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._debug_rate import CLOCK_KEY, Clock, LoopClock, WindowLimit, max_rate
from ._help import node_help
from ._jsprops import compile_path, js_get, resolve_path

_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")
DEFAULT_MAX_RATE = 50
STATUS_RATE = 5


class DebugNode(Node):
    type = "debug"
    keeps_empty_name = True  # Node-RED copies n.name, so msg.error/status sources show ""
    category = "common"
    color = "#87a980"
    icon = "debug.svg"
    inputs = 1
    outputs = 0
    schema = {
        "type": "object",
        "properties": {
            "active": {"type": ["boolean", "null", "string"], "default": True},
            "tosidebar": {"type": ["boolean", "string"], "default": True},
            "console": {"type": ["boolean", "string"], "default": False},
            "tostatus": {"type": ["boolean", "string"], "default": False},
            "complete": {"type": ["string", "boolean"], "default": "false"},
            "targetType": {"type": "string", "default": "msg"},
            "statusVal": {"type": "string", "default": ""},
            "statusType": {"type": "string", "default": "auto"},
        },
    }
    help = node_help("debug")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self._edit_source = str(config.get("complete") or "") if config.get("targetType") == "jsonata" else None
        complete = None if self._edit_source is not None else str(config.get("complete") or "payload")
        if complete in ("false", "False"):
            complete = "payload"
        if complete in ("True",):
            complete = "true"
        self.complete = complete
        self.to_console = str(config.get("console") or "false").lower() == "true"
        self.to_status = config.get("tostatus") is True or config.get("tostatus") == "true"
        self.status_type = config.get("statusType") or "auto"
        self.status_val = config.get("statusVal") or self.complete
        tosidebar = config.get("tosidebar", True)
        self.to_sidebar = tosidebar is None or tosidebar is True or tosidebar == "true"
        active = config.get("active")
        self.active = active is None or active is True or active == "true"
        self._edit_expr: Any = None
        self._status_expr: Any = None
        self._old_status: str | None = None
        self._valid = True
        self._sidebar_limit: WindowLimit | None = None
        self._status_limit: WindowLimit | None = None
        self._status_latest: Msg | None = None
        if self.to_status:
            # set while the node is built, as Node-RED's constructor does: the editor shows it, but
            # no status node hears it (their flow lists them only once every node exists)
            self.status(fill="grey", shape="ring")
            self._old_status = "{}"

    def on_start(self) -> None:
        try:
            if self._edit_source is not None:
                self._edit_expr = compile_jsonata(self._edit_source)
            if self.status_type == "jsonata":
                self._status_expr = compile_jsonata(str(self.config.get("statusVal") or ""))
        except Exception as exc:  # the JSONata parser's own error types
            self._valid = False
            self.error(f"Invalid JSONata expression in debug node {self.id}: {exc}")
            return
        extra = self.host.settings.extra
        clock: Clock = extra.get(CLOCK_KEY) or LoopClock(self.call_later)
        rate = max_rate(self.host.settings, DEFAULT_MAX_RATE)
        self._sidebar_limit = WindowLimit(rate, clock, lambda dropped: self._publish_dropped(dropped, rate))
        self._status_limit = WindowLimit(STATUS_RATE, clock, lambda _dropped: self._show_latest_status())

    def on_close(self, removed: bool) -> None:
        for limit in (self._sidebar_limit, self._status_limit):
            if limit is not None:
                limit.close()
        self._status_latest = None
        if self._old_status is not None:
            self.status({})

    def admin_set_active(self, active: bool) -> bool:
        self.active = bool(active)
        return True

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if not self._valid or _own_status(msg, self.id):
            done()
            return
        if self.to_status:
            self._limited_status(msg)
        if self.complete == "true":
            if self.to_console:
                self.info("\n" + inspect(prune(msg, self._max_length()), depth=10))
            if self.active and self.to_sidebar and self._admit():
                self._publish({"topic": msg.get("topic", UNDEFINED)}, msg)
            done()
            return
        show = self.active and self.to_sidebar and self._admit()
        if not show and not self.to_console:  # over the rate: no property read, no expression run
            done()
            return
        try:
            value, prop = self._value(msg)
        except _BadExpression as exc:
            self.error(str(exc))
            done()
            return
        if self.to_console:
            if isinstance(value, str):
                cap = self._max_length() * BUDGET_PER_LENGTH  # the log must not take megabytes either
                text = value if len(value) <= cap else value[:cap] + "..."
                self.info(("\n" if "\n" in text else "") + text)
            else:  # JavaScript's typeof "object" (null and buffers too) starts on a new line
                is_object = value is None or isinstance(value, dict | list | bytes | bytearray)
                self.info(("\n" if is_object else "") + inspect(prune(value, self._max_length()), depth=10))
        if show:
            extra: dict[str, Any] = {"topic": msg.get("topic", UNDEFINED)}
            if prop is not None:
                extra["property"] = prop
            self._publish(extra, value)
        done()

    def _value(self, msg: Msg) -> tuple[Any, str | None]:
        if self._edit_expr is not None:
            try:
                return self._edit_expr.evaluate(self, msg), None
            except Exception as exc:  # evaluation errors are reported without the msg
                raise _BadExpression(f"Invalid JSONata expression: {self._edit_source}") from exc
        prop = self.complete or "payload"
        return _read(msg, prop), prop

    def _admit(self) -> bool:
        return self._sidebar_limit is None or self._sidebar_limit.admit()

    def _event(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "z": self.z, "path": getattr(self.host, "path", None) or self.z}
        name = self.config.get("name")
        if name is not None:
            data["name"] = name
        return data

    def _publish(self, extra: dict[str, Any], value: Any) -> None:
        data = self._event()
        for k, v in extra.items():
            if v is not UNDEFINED:
                data[k] = v
        if self.alias:
            data["_alias"] = self.alias
        data.update(encode_object(value, self._max_length()))
        self.publish("debug", data)

    def _max_length(self) -> int:
        return int(getattr(self.host.settings, "debugMaxLength", 1000) or 1000)

    def _publish_dropped(self, dropped: int, rate: int) -> None:
        data = self._event()
        if self.alias:
            data["_alias"] = self.alias
        text = f"{dropped:,} message{'s' if dropped != 1 else ''} not shown (over {rate}/s)"
        data.update(msg=text, format=f"string[{len(text)}]", dropped=dropped, rate=rate)
        self.publish("debug", data)

    def _limited_status(self, msg: Msg) -> None:
        if self._status_limit is None or self._status_limit.admit():
            self._status_latest = None
            self._update_status(msg)
        else:  # shown when this second ends, unless a later message replaces it
            self._status_latest = msg

    def _show_latest_status(self) -> None:
        msg, self._status_latest = self._status_latest, None
        if msg is not None:
            self._update_status(msg)

    def _update_status(self, msg: Msg) -> None:
        try:
            output = self._status_value(msg)
        except _BadExpression as exc:
            self.error(str(exc))
            return
        text = output if isinstance(output, str) else inspect(output)
        fill, shape = "grey", "dot"
        if isinstance(output, dict) and {"fill", "shape", "text"} <= output.keys():
            fill, shape, text = output["fill"], output["shape"], js_string(output["text"])
        if self.status_type == "auto":
            if "error" in msg:
                fill = "red"
                err = msg["error"]
                text = js_string(err.get("message", "") if isinstance(err, dict) else err)
            status = msg.get("status")
            if status and isinstance(status, dict):
                fill = status.get("fill") or "grey"
                shape = status.get("shape") or "ring"
                text = js_string(status.get("text") or "")
        limit = getattr(self.host.settings, "debugStatusLength", 32) or 32
        if len(text) > limit:
            text = text[:limit] + "..."
        new = {"fill": fill, "shape": shape, "text": text}
        encoded = json.dumps(new, sort_keys=True, default=str)
        if encoded != self._old_status:
            self._old_status = encoded
            self.status(new)

    def _status_value(self, msg: Msg) -> Any:
        if self.status_type == "auto":
            if self.complete == "true":
                return msg.get("payload", UNDEFINED)
            return self._value(msg)[0]
        if self._status_expr is not None:
            try:
                return self._status_expr.evaluate(self, msg)
            except Exception as exc:  # evaluation errors are reported without the msg
                raise _BadExpression(f"Invalid JSONata expression: {self.config.get('statusVal')}") from exc
        return _read(msg, str(self.status_val or "payload"))


class _BadExpression(Exception):
    """The debug node's JSONata expression failed."""


def _own_status(msg: Msg, node_id: str) -> bool:
    status = msg.get("status")
    if not isinstance(status, dict):
        return False
    source = status.get("source")
    return isinstance(source, dict) and source.get("id") == node_id


def _read(msg: Msg, prop: str) -> Any:
    try:
        return js_get(msg, compile_path(prop) or resolve_path(prop, msg))
    except Exception:  # Node-RED shows undefined for a property it cannot read
        return UNDEFINED


def inspect(value: Any, depth: int = 2) -> str:
    """``value`` rendered like Node's ``util.inspect`` (what Node-RED's debug node logs and shows).

    Objects and arrays stay on one line while they fit in 80 columns (nested up to 3 levels),
    else one entry per line indented by 2; past ``depth`` levels they show as ``[Object]`` /
    ``[Array]``. Node groups long arrays of short items in columns; here they go one per line.
    """
    return _Inspector(depth).format(value, 0)


_BREAK_LENGTH = 80
_COMPACT = 3
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\\": "\\\\"}


class _Inspector:
    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.indent = 0
        self.current = 0  # depth of the object formatted last (Node's ctx.currentDepth)

    def format(self, value: Any, level: int) -> str:
        if value is UNDEFINED:
            return "undefined"
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value == 0 and math.copysign(1.0, value) < 0:
            return "-0"
        if isinstance(value, int | float):
            return js_string(value)
        if isinstance(value, str):
            return _quote(value)
        if isinstance(value, bytes | bytearray):
            more = f" ... {len(value) - 50} more bytes" if len(value) > 50 else ""
            return "<Buffer" + "".join(f" {b:02x}" for b in value[:50]) + more + ">"
        if isinstance(value, list | tuple):
            return self._container(list(value), level, "[", "]", "[Array]")
        if isinstance(value, dict):
            return self._container(value, level, "{", "}", "[Object]")
        return js_string(value)

    def _container(self, value: list[Any] | dict[Any, Any], level: int, open_: str, close: str,
                   too_deep: str) -> str:
        if not value:
            return open_ + close
        if level > self.depth:
            return too_deep
        level += 1
        self.current = level
        self.indent += 2
        if isinstance(value, dict):
            entries = [f"{_key(k)}: {self.format(v, level)}" for k, v in value.items()]
        else:
            entries = [self.format(v, level) for v in value[:100]]
            if len(value) > 100:
                entries.append(f"... {len(value) - 100} more item{'s' if len(value) > 101 else ''}")
        self.indent -= 2
        if self.current - level < _COMPACT:
            start = len(entries) + self.indent + len(open_) + 10
            total = start + len(entries)
            fits = total + len(entries) <= _BREAK_LENGTH
            for entry in entries:
                total += len(entry)
                fits = fits and total <= _BREAK_LENGTH
            joined = ", ".join(entries)
            if fits and "\n" not in joined:
                return f"{open_} {joined} {close}"
        pad = "\n" + " " * self.indent
        return open_ + pad + "  " + f",{pad}  ".join(entries) + pad + close


def _quote(text: str) -> str:
    quote = "'"
    if "'" in text:
        if '"' not in text:
            quote = '"'
        elif "`" not in text and "${" not in text:
            quote = "`"
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == quote:
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02X}")
        else:
            out.append(ch)
    return quote + "".join(out) + quote


def _key(key: Any) -> str:
    text = str(key)
    return text if _IDENT.match(text) else _quote(text)


NODES: list[type[Node]] = [DebugNode]

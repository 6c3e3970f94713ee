"""The csv node: CSV text <-> objects (RFC 4180 quoting), as Node-RED's csv node.

``spec: "rfc"`` (what the editor gives new nodes) selects this RFC 4180 mode; a node without
``spec`` or with ``spec: ""`` (every flow from before Node-RED 4) runs the legacy parser of
``_csv_legacy``, whose results differ (quoted numbers, CRLF, quotes inside fields, templates).

String payload -> one msg per row (``multi`` "one", with ``msg.parts``) or one msg with an array
(``multi`` "mult"); column names from the header row (``hdrin``), the ``temp`` template, or
``col1``, ``col2``... Object/array payload -> CSV text with an optional header row (``hdrout``
"none" | "all" | "once"). ``msg.columns`` carries the column list either way (corpus csv_node).
"""

from __future__ import annotations

import re
from typing import Any

from flowengine.message import clone_msg, new_msgid
from flowengine.node import Node
from flowengine.typed import js_string
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._csv_legacy import LegacyCsv
from ._help import node_help

_NUMBER = re.compile(r"^-?(?!E)(?!0\d)\d*\.?\d*(E-?\+?)?\d+$", re.IGNORECASE)
_NULL = object()  # a field with no characters at all (not even quotes)


class CsvNode(Node):
    type = "csv"
    category = "parser"
    color = "#DEBD5C"
    icon = "parser-csv.svg"
    schema = {
        "type": "object",
        "properties": {
            "spec": {"type": "string", "default": "rfc"},
            "sep": {"type": "string", "default": ","},
            "hdrin": {"type": ["boolean", "string"], "default": ""},
            "hdrout": {"type": ["string", "boolean"], "default": "none"},
            "multi": {"type": "string", "default": "one"},
            "ret": {"type": "string", "default": "\\n"},
            "temp": {"type": "string", "default": ""},
            "skip": {"type": ["string", "number"], "default": "0"},
            "strings": {"type": ["boolean", "string"], "default": True},
            "include_empty_strings": {"type": ["boolean", "string"], "default": ""},
            "include_null_values": {"type": ["boolean", "string"], "default": ""},
        },
    }
    help = node_help("csv")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.sep = _unescape(str(config.get("sep") or ","))
        self.ret = _unescape(str(config.get("ret") or "\\n"))
        self.multi = config.get("multi") or "one"
        self.hdrin = config.get("hdrin") in (True, "true")
        hdrout = config.get("hdrout")
        self.hdrout = "all" if hdrout is True else "none" if hdrout in (False, None, "") else str(hdrout)
        self.template = _clean_template(str(config.get("temp") or ""), self.sep)
        try:
            self.skip = int(str(config.get("skip") or 0))
        except ValueError:
            self.skip = 0
        strings = config.get("strings")
        self.parse_numbers = strings is None or strings is True or strings == "true"
        self.include_empty = config.get("include_empty_strings") in (True, "true")
        self.include_null = config.get("include_null_values") in (True, "true")
        self._header_sent = False
        self._store: list[dict[str, Any]] = []
        self._warned_template = False
        self.legacy = LegacyCsv(self, str(config.get("temp") or "")) if config.get("spec") != "rfc" else None

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if "reset" in msg:
            self._header_sent = False
            if self.legacy is not None:
                self.legacy.reset()
        if "payload" not in msg:
            if "reset" not in msg:
                send(msg)
            done()
            return
        payload = msg["payload"]
        if isinstance(payload, dict | list):
            text, columns = self._to_csv(msg, payload) if self.legacy is None else self.legacy.to_csv(msg, payload)
            msg["payload"] = text
            msg["columns"] = columns
            if text:
                send(msg)
            done()
        elif isinstance(payload, str):
            if self.legacy is None:
                self._from_csv(msg, payload, send)
            else:
                self.legacy.from_csv(msg, payload, send)
            done()
        else:
            self.warn("This node only handles CSV strings or js objects.")
            done()

    # --- objects -> text ---
    def _to_csv(self, msg: Msg, payload: Any) -> tuple[str, str]:
        rows = payload if isinstance(payload, list) else [payload]
        template = list(self.template)
        if not template and isinstance(msg.get("columns"), str):
            template = _clean_template(msg["columns"], ",")
        if not template and rows and isinstance(rows[0], dict):
            template = list(rows[0].keys())
        out: list[str] = []
        if self.hdrout != "none" and not self._header_sent:
            out.append(self.sep.join(self._quote(c) for c in template) + self.ret)
            if self.hdrout == "once":
                self._header_sent = True
        if rows and not isinstance(rows[0], dict | list):
            rows = [rows]
        for row in rows:
            if isinstance(row, list):
                out.append(self.sep.join(self._quote(_cell(v)) for v in row) + self.ret)
            elif isinstance(row, dict):
                if not template:
                    if not self._warned_template:
                        self.warn("No columns template specified - using property names of the first object.")
                        self._warned_template = True
                    template = list(row.keys())
                out.append(self.sep.join(self._quote(_cell(row.get(c, UNDEFINED))) for c in template) + self.ret)
        columns = ",".join(f'"{c}"' if "," in c else c for c in template)
        return "".join(out), columns

    def _quote(self, text: str) -> str:
        if '"' in text:
            return '"' + text.replace('"', '""') + '"'
        if self.sep in text or "\n" in text or "\r" in text:
            return '"' + text + '"'
        return text

    # --- text -> objects ---
    def _from_csv(self, msg: Msg, text: str, send: Send) -> None:
        rows, unterminated = _parse_rows(text, self.sep)
        if unterminated:
            self.warn("Malformed CSV data - output probably corrupt.")
        parts = msg.get("parts") if isinstance(msg.get("parts"), dict) else None
        first_chunk = parts is None or int(parts.get("index", 0)) <= self.skip
        if first_chunk:
            rows = rows[self.skip :]
        template = list(self.template)
        if self.hdrin and first_chunk and rows:
            header = rows.pop(0)
            template = [("" if c is _NULL else c[0]).strip() for c in header]
            self.template = template
        objects = []
        width = 0
        for row in rows:
            if len(row) == 1 and row[0] is _NULL:
                continue  # blank line
            obj = self._row_object(row, template)
            width = max(width, len(row))
            if obj:
                objects.append(obj)
        if not template:
            template = [f"col{i + 1}" for i in range(width)]
        columns = ",".join(f'"{c}"' if "," in c else c for c in template if c)
        if self.multi != "one":
            if parts is not None and len(rows) <= 1:
                self._store.extend(objects)
                if int(parts.get("index", 0)) + 1 == parts.get("count"):
                    msg["payload"] = self._store
                    msg["columns"] = columns
                    msg.pop("parts", None)
                    self._store = []
                    send(msg)
                return
            msg["payload"] = objects
            msg["columns"] = columns
            send(msg)
            return
        count = len(objects)
        msgid = msg.get("_msgid") or new_msgid()
        for i, obj in enumerate(objects):
            out = clone_msg(msg)
            out["payload"] = obj
            out["columns"] = columns
            if parts is None:
                out["parts"] = {"id": msgid, "index": i, "count": count}
            else:
                shift = self.skip + (1 if self.hdrin else 0)
                out["parts"]["index"] = int(out["parts"].get("index", 0)) - shift
                if "count" in out["parts"]:
                    out["parts"]["count"] = int(out["parts"]["count"]) - shift
            send(out)

    def _row_object(self, row: list[Any], template: list[str]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for j, cell in enumerate(row):
            name = template[j] if j < len(template) else ("" if template else f"col{j + 1}")
            if not name:
                continue
            if cell is _NULL:
                if self.include_null:
                    obj[name] = None
                continue
            value, quoted = cell
            if value == "":
                if self.include_empty:
                    obj[name] = ""
                continue
            if self.parse_numbers and not quoted and _NUMBER.match(value):
                number = float(value)
                obj[name] = int(number) if number.is_integer() and abs(number) < 2**53 else number
            else:
                obj[name] = value
        return obj


def _parse_rows(text: str, sep: str) -> tuple[list[list[Any]], bool]:
    """RFC 4180 rows; a cell is ``(text, was_quoted)`` or ``_NULL`` when it has no characters."""
    rows: list[list[Any]] = []
    row: list[Any] = []
    cell: list[str] = []
    quoted = in_quotes = touched = False
    i, n, slen = 0, len(text), len(sep)

    def end_cell() -> None:
        nonlocal cell, quoted, touched
        row.append((("".join(cell)), quoted) if touched else _NULL)
        cell, quoted, touched = [], False, False

    while i < n:
        c = text[i]
        if in_quotes:
            if c == '"':
                if i + 1 < n and text[i + 1] == '"':
                    cell.append('"')
                    i += 2
                    continue
                in_quotes = False
            else:
                cell.append(c)
            i += 1
            continue
        if c == '"':
            in_quotes = quoted = touched = True
            i += 1
        elif text.startswith(sep, i):
            end_cell()
            i += slen
        elif c in "\r\n":
            end_cell()
            rows.append(row)
            row = []
            i += 2 if c == "\r" and i + 1 < n and text[i + 1] == "\n" else 1
        else:
            cell.append(c)
            touched = True
            i += 1
    if touched or row:
        end_cell()
        rows.append(row)
    return rows, in_quotes


def _cell(value: Any) -> str:
    if value is UNDEFINED or value is None:
        return ""
    return js_string(value)


def _clean_template(temp: str, sep: str) -> list[str]:
    if not temp.strip():
        return []
    cells, _ = _parse_rows(temp.strip(), sep)
    first = cells[0] if cells else []
    return [("" if c is _NULL else c[0]).strip() for c in first]


def _unescape(value: str) -> str:
    return value.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")


NODES: list[type[Node]] = [CsvNode]

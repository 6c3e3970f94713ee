"""The csv node's legacy mode: what a csv node without ``spec: "rfc"`` does (Node-RED before 4.0).

Node-RED 4 added an RFC 4180 parser behind ``spec: "rfc"`` (the editor's default for new nodes)
and kept the old parser for every node without ``spec`` (or ``spec: ""``), so imported flows keep
their results. How the legacy mode differs from the RFC mode:

* Column names (the ``temp`` template and a header row) are split outside quotes, then every
  ``"`` is removed and the names trimmed: ``'"a",  "b" '`` gives ``a, b`` (RFC: strict CSV).
* Every ``\\r`` or ``\\n`` outside quotes ends a record, so CRLF text has an empty record after
  each line, and an empty record is one empty-string field (kept only with
  ``include_empty_strings``, as is the one after a trailing line break).
* A ``"`` anywhere toggles quoting, and text around quotes is joined: ``a"b,c"d`` is one field
  ``ab,cd``; ``""`` inside quotes is a quote.
* Numbers are recognised after trimming and whether quoted or not: ``"7"`` and `` 8 `` give 7, 8
  (RFC: quoted values stay strings).
* Skipped lines are counted by ``\\n`` only; with ``msg.parts`` the part index counts as lines
  already read. On the last part (``index + 1 >= count``) every output gets ``complete: true``,
  and a last part without rows sends ``{complete: true}``.
* Objects to CSV: with a template, a value that is an object, array or null is written as its
  JSON (``null``); without one, such values are left out of the row (the row gets shorter), and a
  value is quoted for a line break only when its *key* holds one (Node-RED's code tests the key).
  Values are quoted when they hold a quote (doubled) or the separator; header names holding the
  separator are quoted.

A separator in the first column of a line is read as an empty (null) first field, as Node-RED's
fix for legacy leading empty columns (node-red#5961) does; before it the legacy parser threw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flowengine.jsutil import js_string
from flowengine.message import clone_msg
from flowengine.types import UNDEFINED, Msg, Send

from ._jsjson import js_stringify
from ._sequence import parse_float

__all__ = ["NUMBER", "LegacyCsv", "legacy_names", "parse_legacy"]

NUMBER = re.compile(r"^-?(?!E)(?!0\d)\d*\.?\d*(E-?\+?)?\d+$", re.IGNORECASE)
Cell = str | None  # None: a field with no characters at all (null)


def legacy_names(text: str, sep: str) -> list[str]:
    """Column names from a template or header line: split outside quotes, quotes removed, trimmed.

    An empty text gives ``[]`` (no names: columns are then ``col1``, ``col2``...).
    """
    if not text.strip():
        return []
    names: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        if text[i] == '"':
            quoted = not quoted
        elif not quoted and sep and text.startswith(sep, i):
            names.append("".join(current))
            current = []
            i += len(sep)
            continue
        current.append(text[i])
        i += 1
    names.append("".join(current))
    return [n.replace('"', "").strip() for n in names]


@dataclass
class LegacyRows:
    """What one string payload parsed to."""

    objects: list[dict[str, Any]]
    last: dict[str, Any]  # the object of the final (unterminated) record, {} when none
    names: list[str]  # the column names used (header, template, or col1..colN)
    header: list[str] | None  # the names read from a header line
    unbalanced: bool  # the text ended inside quotes


def parse_legacy(
    text: str,
    *,
    sep: str,
    template: list[str],
    header: bool,
    skip_lines: int,
    numbers: bool,
    include_empty: bool,
    include_null: bool,
) -> LegacyRows:
    """Parse CSV text the legacy way; ``header`` reads the names from the first line kept."""
    pos = _after_lines(text, skip_lines)
    header_names = None
    if header and pos < len(text):
        end = pos
        while end < len(text) and text[end] not in "\r\n":
            end += 1
        template = header_names = legacy_names(text[pos:end], sep)
        pos = end + 1
    records, unbalanced = _records(text[pos:], sep)
    named = bool(template)
    names = list(template)
    objects: list[dict[str, Any]] = []
    last: dict[str, Any] = {}
    for record in records:
        obj: dict[str, Any] = {}
        for j, cell in enumerate(record):
            if not named:
                while len(names) <= j:
                    names.append(f"col{len(names) + 1}")
            name = names[j] if j < len(names) else ""
            if not name:
                continue
            if cell is None:
                if include_null:
                    obj[name] = None
                continue
            number = _number(cell) if numbers else None
            if number is not None:
                obj[name] = number
            elif cell != "" or include_empty:
                obj[name] = cell
        if obj:
            objects.append(obj)
        last = obj
    return LegacyRows(objects, last, names, header_names, unbalanced)


def _after_lines(text: str, lines: int) -> int:
    """Index just past the ``lines``-th ``\\n`` (the length of the text when there are fewer)."""
    pos = 0
    for _ in range(max(lines, 0)):
        found = text.find("\n", pos)
        if found < 0:
            return len(text)
        pos = found + 1
    return pos


def _records(text: str, sep: str) -> tuple[list[list[Cell]], bool]:
    records: list[list[Cell]] = []
    record: list[Cell] = []
    current: list[str] = []
    touched = quoted = False
    prev = ""
    i = 0

    def close_field(line_end: bool) -> None:
        nonlocal current, touched
        # A field with no characters is null, except the only field of an empty line: "".
        empty_line = line_end and not record
        record.append("".join(current) if touched or empty_line else None)
        current, touched = [], False

    while i < len(text):
        c = text[i]
        step = 1
        if c == '"':
            quoted = not quoted
            touched = True
            if quoted and prev == '"':
                current.append('"')
        elif not quoted and sep and text.startswith(sep, i):
            close_field(False)
            step = len(sep)
        elif not quoted and c in "\r\n":
            close_field(True)
            records.append(record)
            record = []
        else:
            current.append(c)
            touched = True
        prev = c
        i += step
    close_field(True)  # the text's last record, even when it is empty (after a final line break)
    records.append(record)
    return records, quoted


def _number(cell: str) -> int | float | None:
    text = cell.strip()
    if not NUMBER.match(text):
        return None
    value = parse_float(text)
    if value is None:
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _quote(text: str, sep: str, newline: bool) -> str:
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if (sep and sep in text) or newline:
        return '"' + text + '"'
    return text


def _ensure_string(value: Any) -> str:
    """``RED.util.ensureString``: strings as they are, buffers decoded, objects (and null) as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if value is None or isinstance(value, dict | list):
        return js_stringify(value) or ""
    return js_string(value)


def _columns(names: list[str], drop_empty: bool) -> str:
    return ",".join(f'"{c}"' if "," in c else c for c in names if c or not drop_empty)


class LegacyCsv:
    """A legacy-mode csv node's state (header sent, sequence template, rows stored) and handling."""

    def __init__(self, node: Any, template: str) -> None:
        self.node = node
        self.template = legacy_names(template, ",")
        self._sequence_template = list(self.template)
        self._store: list[dict[str, Any]] = []
        self._header_sent = False
        self._warned = False

    def reset(self) -> None:
        self._header_sent = False

    # --- text -> objects ---
    def from_csv(self, msg: Msg, text: str, send: Send) -> None:
        node = self.node
        parts = msg.get("parts") if isinstance(msg.get("parts"), dict) else None
        index = _int(parts.get("index")) if parts is not None else 0
        count = _int(parts.get("count")) if parts is not None and "count" in parts else None
        last = count is not None and index + 1 >= count
        breaks = text.count("\r") + text.count("\n")
        first = parts is None or index <= node.skip or (node.multi == "mult" and breaks > 1)
        rows = parse_legacy(text, sep=node.sep, template=self.template, header=node.hdrin and first,
                            skip_lines=node.skip - index if first else 0, numbers=node.parse_numbers,
                            include_empty=node.include_empty, include_null=node.include_null)
        if rows.header is not None:
            self.template = rows.header
        if rows.unbalanced:
            node.warn("Malformed CSV data - output probably corrupt.")
        columns = _columns(rows.names, drop_empty=True)
        if node.multi != "one":
            if parts is not None and breaks <= 1:
                if rows.last:
                    self._store.append(rows.last)
                if count is not None and index + 1 == count:
                    msg["payload"], self._store = self._store, []
                    msg["columns"] = columns
                    msg.pop("parts", None)
                    send(msg)
                return
            msg["payload"] = rows.objects
            msg["columns"] = columns
            send(msg)
            return
        shift = node.skip + (1 if node.hdrin else 0)
        for i, obj in enumerate(rows.objects):
            out = clone_msg(msg)
            out["columns"] = columns
            out["payload"] = obj
            if parts is None:
                out["parts"] = {"id": msg.get("_msgid"), "index": i, "count": len(rows.objects)}
            else:
                out["parts"]["index"] = index - shift
                if count is not None:
                    out["parts"]["count"] = count - shift
            if last:
                out["complete"] = True
            send(out)
        if last and not rows.objects:
            send({"complete": True})

    # --- objects -> text ---
    def to_csv(self, msg: Msg, payload: Any) -> tuple[str, str]:
        node = self.node
        parts = msg.get("parts")
        later_part = isinstance(parts, dict) and _int(parts.get("index")) > 0
        template = self._sequence_template if not self.template and later_part else list(self.template)
        rows = payload if isinstance(payload, list) else [payload]
        columns_hint = msg.get("columns") if isinstance(msg.get("columns"), str) else None
        out: list[str] = []
        if node.hdrout != "none" and not self._header_sent:
            if not template:
                template = legacy_names(columns_hint, ",") if columns_hint is not None else _keys(rows)
            out.append(node.sep.join(f'"{n}"' if node.sep in n else n for n in template) + node.ret)
            if node.hdrout == "once":
                self._header_sent = True
        if rows and not isinstance(rows[0], dict | list):
            rows = [rows]
        for row in rows:
            if isinstance(row, list):
                cells = []
                for v in row:
                    text = "" if v is UNDEFINED or v is None else js_string(v)
                    cells.append(_quote(text, node.sep, "\n" in text))
            elif isinstance(row, dict):
                if not template and columns_hint is not None:
                    template = legacy_names(columns_hint, ",")
                cells = self._object_cells(row, template, _keys(rows))
            else:
                continue
            out.append(node.sep.join(cells) + node.ret)
        self._sequence_template = template
        return "".join(out), _columns(template, drop_empty=False)

    def _object_cells(self, row: dict[str, Any], template: list[str], keys: list[str]) -> list[str]:
        sep = self.node.sep
        cells = []
        if not template:
            if not self._warned:
                self.node.warn("No columns template specified - using property names of the first object.")
                self._warned = True
            for key in keys:  # the first row's keys; object, array and null values are left out
                value = row.get(key, UNDEFINED)
                if key not in row or value is None or isinstance(value, dict | list):
                    continue
                text = "" if value is UNDEFINED else js_string(value)
                cells.append(_quote(text, sep, "\n" in key))  # Node-RED tests the key, not the value
            return cells
        for name in template:
            value = row.get(name, UNDEFINED) if name else UNDEFINED
            text = "" if value is UNDEFINED else _ensure_string(value)
            cells.append(_quote(text, sep, "\n" in text))
        return cells


def _keys(rows: list[Any]) -> list[str]:
    first = rows[0] if rows else None
    if isinstance(first, dict):
        return [str(k) for k in first]
    if isinstance(first, list):
        return [str(i) for i in range(len(first))]
    return []


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0

"""The body of ``POST /flows``, read taking over the previous body's unchanged nodes.

The editor sends the whole configuration on every deploy (~250 KB for 1,000 nodes) and a deploy
usually changes a few nodes. Inside the server ``json.loads`` read such a body in ~5 ms, and the
runtime then spent as long again telling the unchanged nodes from the changed ones. Here the text
the body shares with the previous one at its start and at its end is found by halving memory
compares, and the items lying in it are the previous body's values, not read again; an object in
between whose text is the previous body's next item's is taken over too. A one-node change of the
harness's 1,000 nodes reads in ~0.2 ms.

Exact by construction:
- JSON is read left to right: the same text read from the same state (inside the flows array,
  which starts at the same place) gives the same values. An item is taken from the shared start
  only when it and the character after it lie in it, and from the shared end only from the first
  item on whose start was an item's start in the previous body;
- an object compared by its text is taken over only when its closing brace ends the text (a
  number could go on: ``12`` is the start of ``123``);
- every other item is read by the scanner ``json.loads`` itself uses (``JSONDecoder.scan_once``),
  with the same whitespace, separators and strictness;
- anything off that path (not an array, nor an object holding ``"flows"``; a syntax error; a
  body nested too deeply) is read again by ``json.loads``: the same value or the same error.

A value taken over is shared with the previous body, and so with the running configuration:
the runtime treats a deployed configuration as read-only, as it already does when it reuses the
nodes it parsed from the previous deploy (deploy_memo.py). The reader keeps one body: its text
and its flows array's items.

``FlowsBody.sources`` gives each item of the flows array its text as received (None for an item
that is not an object). ``Runtime.deploy`` keys its text memo by them (text_memo.py).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass
from json.decoder import scanstring  # type: ignore[attr-defined]  # json's own string reader
from typing import Any

__all__ = ["FlowsBody", "FlowsBodyReader", "refuse_constant"]

_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as the json module reads it
_SPACE_CHARS = " \t\n\r"


def _skip(text: str, i: int) -> int:
    """The first position from ``i`` that is not JSON whitespace."""
    match = _SPACE.match(text, i)
    assert match is not None  # the pattern matches the empty text too
    return match.end()


def refuse_constant(name: str) -> Any:
    """``parse_constant`` refusing ``NaN``/``Infinity``: not JSON, and no Node-RED tool reads them."""
    raise ValueError(f"{name} is not a JSON value (numbers must be finite)")


@dataclass(frozen=True)
class FlowsBody:
    """A parsed body; ``sources``: the texts of its flows array's items, when it was read by items."""

    value: Any
    sources: list[str | None] | None = None


class _OffPath(Exception):
    """The body is not one the reader takes by items: ``json.loads`` reads it (or says what is wrong)."""


class FlowsBodyReader:
    """Reads ``POST /flows`` bodies (v1: the array; v2: ``{"flows": [...], ...}``), one after another."""

    def __init__(self) -> None:
        self._scan = json.JSONDecoder(parse_constant=refuse_constant).scan_once  # type: ignore[attr-defined]
        self._last = _Items("", -1, -1, [], [], [], [])  # the flows array of the last body read by items

    def read(self, raw: bytes) -> FlowsBody:
        """The body's value, as ``json.loads(raw, parse_constant=refuse_constant)`` gives it.

        Raises what that raises (``ValueError``, ``RecursionError``) for a body that is not JSON.
        """
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")  # as json.loads decodes bytes
        try:
            body, items = self._read(text)
        except (_OffPath, ValueError, StopIteration, IndexError, RecursionError):
            return FlowsBody(json.loads(text, parse_constant=refuse_constant))
        self._last = items
        return body

    def _read(self, text: str) -> tuple[FlowsBody, _Items]:
        i = _skip(text, 0)
        items: _Items | None
        value: Any
        if text[i] == "[":
            items = self._array(text, i)
            value = items.values
            i = items.close
        elif text[i] == "{":
            value, items, i = self._object(text, i)
        else:
            raise _OffPath
        if items is None or _skip(text, i) != len(text):
            raise _OffPath
        return FlowsBody(value, items.sources), items

    def _object(self, text: str, i: int) -> tuple[dict[str, Any], _Items | None, int]:
        """The top-level object from ``text[i] == "{"``; its ``"flows"`` array read by items."""
        obj: dict[str, Any] = {}
        items: _Items | None = None
        i = _skip(text, i + 1)
        if text[i] == "}":
            return obj, None, i + 1
        while True:
            if text[i] != '"':
                raise _OffPath
            key, i = scanstring(text, i + 1, True)
            i = _skip(text, i)
            if text[i] != ":":
                raise _OffPath
            i = _skip(text, i + 1)
            if key == "flows" and text[i] == "[":
                items = self._array(text, i)
                obj[key], i = items.values, items.close
            else:
                obj[key], i = self._scan(text, i)
                if key == "flows":
                    items = None  # a later "flows" replaces the array (the last key wins)
            i = _skip(text, i)
            if text[i] == "}":
                return obj, items, i + 1
            if text[i] != ",":
                raise _OffPath
            i = _skip(text, i + 1)

    def _array(self, text: str, start: int) -> _Items:
        """The flows array from ``text[start] == "["``.

        When it starts where the last body's did, the items that lie in the text both bodies
        share at their start, and those from the first item on in the text they share at their
        end, are the last body's (JSON is read left to right: the same text read from the same
        state gives the same values). An item in between is taken over when its text is the
        last body's next item, and otherwise read.
        """
        last = self._last
        new = _Items(text, start, -1, [], [], [], [])
        i = _skip(text, start + 1)
        if text[i] == "]":
            new.close = i + 1
            return new
        tail_from, shift = len(text) + 1, 0  # no shared end
        if start == last.at:
            head = _shared_head(last.text, text)
            # each shared part stands alone: they may overlap (an insertion that starts as the
            # next item does), the items each one holds are still read from the same text
            tail_from = len(text) - _shared_tail(last.text, text, min(len(last.text), len(text)))
            shift = len(text) - len(last.text)
            count = bisect_left(last.ends, head)  # the items that end (before their separator) in it
            if count:
                new.take(last, 0, count, 0)
                i = last.ends[count - 1]
        at = len(new.values)  # the last body's item expected next
        if not at:
            at, i = self._item(text, i, new, last, at)
        while True:
            if text[i] in _SPACE_CHARS:
                i = _skip(text, i)
            if text[i] == "]":
                new.close = i + 1
                return new
            if text[i] != ",":
                raise _OffPath
            i = _skip(text, i + 1)
            if i >= tail_from:
                k = bisect_left(last.starts, i - shift)
                if k < len(last.starts) and last.starts[k] == i - shift:
                    new.take(last, k, len(last.values), shift)
                    new.close = last.close + shift
                    return new
            at, i = self._item(text, i, new, last, at)

    def _item(self, text: str, i: int, new: _Items, last: _Items, at: int) -> tuple[int, int]:
        """Read (or take over) the item at ``text[i]`` into ``new``; the next expected item and position."""
        source: str | None = None
        if text[i] == "{":
            if at < len(last.values) and (source := last.sources[at]) is not None and text.startswith(source, i):
                value, end = last.values[at], i + len(source)
                at += 1
            else:
                value, end = self._scan(text, i)
                source = text[i:end]
                at += 1  # changed in place (an insertion is found again by the shared end)
        else:
            value, end = self._scan(text, i)
        new.add(value, source, i, end)
        return at, end


def _shared_head(a: str, b: str) -> int:
    """The length of the longest common start of ``a`` and ``b`` (memory compares, halving)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if b.startswith(a[low:mid], low):
            low = mid
        else:
            high = mid - 1
    return low


def _shared_tail(a: str, b: str, limit: int) -> int:
    """The length (at most ``limit``) of the longest common end of ``a`` and ``b``."""
    low, high = 0, limit
    while low < high:
        mid = (low + high + 1) // 2
        if b.endswith(a[len(a) - mid:len(a) - low], 0, len(b) - low):
            low = mid
        else:
            high = mid - 1
    return low


@dataclass
class _Items:
    """A flows array as read from ``text``: where it starts (``at``) and ends (``close``, after its
    bracket), its items' values, source texts (objects only), and where each starts and ends."""

    text: str
    at: int
    close: int
    values: list[Any]
    sources: list[str | None]
    starts: list[int]
    ends: list[int]
    def add(self, value: Any, source: str | None, start: int, end: int) -> None:
        self.values.append(value)
        self.sources.append(source)
        self.starts.append(start)
        self.ends.append(end)

    def take(self, other: _Items, first: int, stop: int, shift: int) -> None:
        """``other``'s items ``first:stop``, their positions moved by ``shift``."""
        self.values += other.values[first:stop]
        self.sources += other.sources[first:stop]
        if shift:
            self.starts += [x + shift for x in other.starts[first:stop]]
            self.ends += [x + shift for x in other.ends[first:stop]]
        else:
            self.starts += other.starts[first:stop]
            self.ends += other.ends[first:stop]

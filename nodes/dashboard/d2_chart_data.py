"""The data of a Dashboard 2 chart, kept as the page draws it and changed in place, so that each
message costs the points it adds (not the points the chart holds) and the page gets only the change.

``LineData``: one list of ``{x, y}`` per series in arrival order (line, area and scatter charts).
``TableData``: one value per (series, label) cell, the latest (bar, pie and doughnut charts).

Both give ``values()``: the whole data in the page's format ``{series, data, labels}`` (a live object:
the hub's replay for a browser that connects later serialises it then), and collect what changed
since the last ``take_change()``: ``{"append": [[series, point]...], "remove": {series: n}}`` for
lines, ``{"set": [[series, label, value]...]}`` for tables, or ``None`` when only the whole data
says it (a clear, a removal from the middle of a series).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

__all__ = ["LineData", "TableData"]


class LineData:
    """Points per series, dropped from the front by age or count."""

    def __init__(self) -> None:
        self.series: list[str] = []
        self.data: list[list[dict[str, Any]]] = []
        self._ordered: list[bool] = []
        """Per series: its x values never went down (so the oldest points are at the front)."""
        self._appended: list[list[Any]] = []
        self._removed: dict[str, int] = {}
        self._whole = False

    def values(self) -> dict[str, Any]:
        return {"series": self.series, "data": self.data, "labels": []}

    def clear(self) -> None:
        self.series.clear()
        self.data.clear()
        self._ordered.clear()
        self._whole = True

    def add(self, series: str, x: float, y: Any) -> None:
        if series not in self.series:
            self.series.append(series)
            self.data.append([])
            self._ordered.append(True)
        i = self.series.index(series)
        row = self.data[i]
        if row and not x >= row[-1]["x"]:
            self._ordered[i] = False
        point = {"x": x, "y": y}
        row.append(point)
        self._appended.append([series, point])

    def keep_last(self, count: int) -> None:
        """At most ``count`` points per series (the newest)."""
        for name, row in zip(self.series, self.data, strict=True):
            extra = len(row) - count
            if extra > 0:
                self._drop_front(name, row, extra)

    def keep_after(self, cut: float) -> None:
        """Only points whose x is after ``cut`` (a time)."""
        for i, (name, row) in enumerate(zip(self.series, self.data, strict=True)):
            if self._ordered[i]:
                old = 0
                while old < len(row) and not row[old]["x"] > cut:
                    old += 1
                if old:
                    self._drop_front(name, row, old)
            elif any(not p["x"] > cut for p in row):
                row[:] = [p for p in row if p["x"] > cut]
                self._ordered[i] = all(a["x"] <= b["x"] for a, b in itertools.pairwise(row))
                self._whole = True

    def _drop_front(self, name: str, row: list[dict[str, Any]], count: int) -> None:
        dropped = row[:count]
        del row[:count]
        # points added by this message and dropped at once need not reach the page
        fresh = {id(p) for p in dropped}
        before = len(self._appended)
        self._appended = [a for a in self._appended if id(a[1]) not in fresh]
        count -= before - len(self._appended)
        if count:
            self._removed[name] = self._removed.get(name, 0) + count

    def take_change(self) -> dict[str, Any] | None:
        change = None if self._whole else {"append": self._appended, "remove": self._removed}
        self._appended, self._removed, self._whole = [], {}, False
        return change


class TableData:
    """The latest value per (series, label); ``keep_last`` keeps each series' newest labels."""

    def __init__(self) -> None:
        self.series: list[str] = []
        self.labels: list[str] = []
        self.data: list[list[Any]] = []
        self._cells: dict[tuple[str, str], float] = {}
        """When each cell was last set (its point's x), in the order cells were last set."""
        self._set: list[list[Any]] = []
        self._whole = False

    def values(self) -> dict[str, Any]:
        return {"series": self.series, "data": self.data, "labels": self.labels}

    def clear(self) -> None:
        self.series.clear()
        self.labels.clear()
        self.data.clear()
        self._cells.clear()
        self._whole = True

    def put(self, series: str, label: str, y: Any, x: float) -> None:
        if series not in self.series:
            self.series.append(series)
            self.data.append([None] * len(self.labels))
        if label not in self.labels:
            self.labels.append(label)
            for row in self.data:
                row.append(None)
        self.data[self.series.index(series)][self.labels.index(label)] = y
        self._cells.pop((series, label), None)
        self._cells[(series, label)] = x
        self._set.append([series, label, y])

    def keep_last(self, count: int) -> None:
        """At most ``count`` labels per series: the ones set last."""
        per_series: dict[str, int] = {}
        for series, label in reversed(list(self._cells)):
            per_series[series] = per_series.get(series, 0) + 1
            if per_series[series] > count:
                self._remove(series, label)

    def keep_after(self, cut: float) -> None:
        for (series, label), x in list(self._cells.items()):
            if not (isinstance(x, int | float) and x > cut):
                self._remove(series, label)

    def _remove(self, series: str, label: str) -> None:
        del self._cells[(series, label)]
        self.data[self.series.index(series)][self.labels.index(label)] = None
        self._set.append([series, label, None])

    def take_change(self) -> dict[str, Any] | None:
        change = None if self._whole else {"set": self._set}
        self._set, self._whole = [], False
        return change


def as_time(value: Any, parse: Any) -> float:
    """A point's x as milliseconds (numbers as they are, dates parsed by ``parse``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    result = parse(value)
    return float(result) if isinstance(result, int | float) else math.nan

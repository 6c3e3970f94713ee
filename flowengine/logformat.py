"""Log output of ``flowengine run|serve``: the human format, or ``--log-format json``.

JSON: one object per line, ``{"time", "level", "logger", "msg"}`` plus, for what a node logs,
``node_id``, ``node_type``, ``node_name`` and ``flow`` (the path of the flow the node runs in: its
tab, or ``tab/subflow-instance``), and ``exc`` with the traceback when there is one. ``time`` is
UTC ISO 8601 with milliseconds; ``level`` is Python's level name in lower case.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

__all__ = ["LOG_FORMATS", "NODE_FIELDS", "JsonFormatter", "configure_logging"]

LOG_FORMATS = ("text", "json")
NODE_FIELDS = ("node_id", "node_type", "node_name", "flow")
"""``extra`` keys ``Flow.log`` puts on a node's log records."""
TEXT_FORMAT = "%(asctime)s [%(levelname)s] %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, object] = {
            "time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": getattr(record, "node_text", None) or record.getMessage(),
        }
        for key in NODE_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(log_format: str = "text", stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """Send log records to ``stream`` (stdout) in ``log_format``.

    As ``logging.basicConfig`` does, the text format leaves logging alone when the root logger
    already has handlers (an embedding program's, pytest's); JSON always adds its handler. A
    handler this function added before is replaced.
    """
    if log_format not in LOG_FORMATS:
        raise ValueError(f"unknown log format {log_format!r} (known: {', '.join(LOG_FORMATS)})")
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "flowengine_handler", False)]:
        root.removeHandler(old)
    if log_format == "text" and root.handlers:
        return
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.flowengine_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)

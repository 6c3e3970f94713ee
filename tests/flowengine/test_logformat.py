"""``--log-format json``: one JSON object a line, with the node's id, type, name and flow."""

from __future__ import annotations

import io
import json
import logging

import pytest

from flowengine.logformat import JsonFormatter, configure_logging
from flowengine.testing import FlowHarness


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("flowengine.x", logging.WARNING, __file__, 1, "a %s", ("b",), None)
    record.__dict__.update(extra)
    return record


def test_a_plain_record():
    line = JsonFormatter().format(_record())
    entry = json.loads(line)
    assert entry.keys() == {"time", "level", "logger", "msg"}
    assert entry["level"] == "warning" and entry["msg"] == "a b" and entry["logger"] == "flowengine.x"
    assert entry["time"].endswith("Z") and len(entry["time"]) == len("2026-01-01T00:00:00.000Z")


def test_an_exception_is_kept_on_one_line():
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), __import__("sys").exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: bad\nthing" in json.loads(line)["exc"]


async def test_a_node_log_carries_node_and_flow(caplog):
    flow = [{"id": "t", "type": "tab"},
            {"id": "fn", "type": "function", "z": "t", "name": "warner", "language": "python", "outputs": 1,
             "func": "node.warn('careful ' + str(msg['payload']))\nreturn msg", "wires": [[]]}]
    caplog.set_level(logging.INFO)
    async with FlowHarness(flow) as h:
        h.send_to("fn", {"payload": 1})
        await h.drain()
    [record] = [r for r in caplog.records if r.name == "flowengine.node.function"]
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "careful 1" and entry["level"] == "warning"
    node = (entry["node_id"], entry["node_type"], entry["node_name"], entry["flow"])
    assert node == ("fn", "function", "warner", "t")


def test_configure_logging_replaces_its_own_handler_only():
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    out = io.StringIO()
    try:
        configure_logging("json", out)
        configure_logging("json", out)
        ours = [h for h in root.handlers if getattr(h, "flowengine_handler", False)]
        assert len(ours) == 1 and all(h in root.handlers for h in saved[0])
        logging.getLogger("flowengine.t").info("hello")
        assert json.loads(out.getvalue().splitlines()[-1])["msg"] == "hello"
        with pytest.raises(ValueError, match="unknown log format 'xml'"):
            configure_logging("xml")
    finally:
        for h in list(root.handlers):
            if getattr(h, "flowengine_handler", False):
                root.removeHandler(h)
        root.setLevel(saved[1])

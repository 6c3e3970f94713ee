"""A Python function node without ``timeout`` cannot freeze a real ``flowengine serve`` (issue 18,
fault 2): ``while True: pass`` is interrupted after ``functionTimeout``, the admin API answers
again, the log names the node, and the node serves the next message."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from .helpers import tab
from .served import SETTINGS, function_node, served

pytestmark = pytest.mark.integration

LIMIT_S = 1.0
CODE = ("n = (global_.get('runs') or 0) + 1\nglobal_.set('runs', n)\n"
        "if msg['payload'] == 'stuck':\n    while True:\n        pass\nreturn msg")


def _inject(node_id: str, payload: str) -> dict[str, object]:
    return {"id": node_id, "type": "inject", "z": "t1", "props": [{"p": "payload"}], "payload": payload,
            "payloadType": "str", "repeat": "", "crontab": "", "once": False, "topic": "", "x": 1, "y": 1,
            "wires": [["f"]]}


def test_an_endless_loop_is_interrupted_and_the_server_answers_again(tmp_path: Path) -> None:
    flows = [tab(), function_node("f", func=CODE), _inject("stuck", "stuck"), _inject("fine", "fine")]
    with served(tmp_path, flows, f"functionTimeout = {LIMIT_S}\n" + SETTINGS) as server:
        assert httpx.post(f"{server.base}/inject/stuck").status_code == 200
        started = time.monotonic()
        # the loop holds the event loop until the watchdog interrupts it; then the API answers
        assert httpx.get(f"{server.base}/flows", timeout=LIMIT_S + 10).status_code == 200
        assert time.monotonic() - started < LIMIT_S + 5
        deadline = time.monotonic() + 10
        while "Function timed out" not in server.output():
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.05)
        assert httpx.post(f"{server.base}/inject/fine").status_code == 200
        deadline = time.monotonic() + 10
        while httpx.get(f"{server.base}/context/global/runs").json().get("msg") != "2":
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.05)
        out = server.output()
    assert "function node f ran longer than 1 s" in out, out
    assert "[function:f]" in out, out

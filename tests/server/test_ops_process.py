"""``flowengine run`` as a real process: ``--log-format json`` and ``metricsPort`` (metrics and health on
their own port, without authentication)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from serve_process import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_run_with_json_logs_and_a_metrics_port(tmp_path):
    port, metrics_port = free_port(), free_port()
    (tmp_path / "settings.toml").write_text(f"uiPort = {port}\nmetricsPort = {metrics_port}\nnodeCloseTimeout = 2000\n")
    flows = tmp_path / "flows.json"
    flows.write_text(json.dumps([
        {"id": "t", "type": "tab", "label": "main"},
        {"id": "inj", "type": "inject", "z": "t", "props": [{"p": "payload"}], "payload": "7", "payloadType": "num",
         "repeat": "", "crontab": "", "once": True, "onceDelay": 0.05, "topic": "", "wires": [["fn"]]},
        {"id": "fn", "type": "function", "z": "t", "name": "warner", "language": "python", "outputs": 1,
         "func": "node.warn('seen ' + str(msg['payload']))\nreturn msg", "wires": [[]]},
    ]))
    log = tmp_path / "out.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flowengine", "run", str(flows), "--user-dir", str(tmp_path),
                                 "--log-format", "json"], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{metrics_port}"
        deadline = time.monotonic() + 30
        received = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                text = httpx.get(f"{base}/metrics", timeout=2).text
            except httpx.HTTPError:
                time.sleep(0.1)
                continue
            found = {(s.name, s.labels.get("type")): s.value
                     for f in text_string_to_metric_families(text) for s in f.samples}
            received = found.get(("flowengine_messages_received_total", "function"))
            if received == 1:
                break
            time.sleep(0.05)
        assert received == 1, log.read_text()
        health = httpx.get(f"{base}/healthz", timeout=2)
        assert health.status_code == 200 and health.json()["flows"] == "started"
        assert httpx.get(f"{base}/readyz", timeout=2).status_code == 200
        assert httpx.get(f"{base}/flows", timeout=2).status_code == 404  # only metrics and health there
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0, log.read_text()
    lines = log.read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "msg"} <= e.keys() for e in entries)
    [warned] = [e for e in entries if e.get("node_id") == "fn"]
    assert warned == {**warned, "level": "warning", "msg": "seen 7", "node_type": "function", "node_name": "warner",
                      "flow": "t"}
    assert any(e["msg"] == f"metrics at http://127.0.0.1:{metrics_port}/metrics" for e in entries)

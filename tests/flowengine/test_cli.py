"""cli.py: validate, nodes, hash-password, and the headless run loop."""

from __future__ import annotations

import asyncio
import json

from flowengine.cli import main, run_headless
from flowengine.settings import Settings

GOOD = [{"id": "t", "type": "tab", "label": "x"},
        {"id": "j", "type": "junction", "z": "t", "x": 0, "y": 0, "wires": [[]]}]


def write(tmp_path, flows, name="flows.json"):
    p = tmp_path / name
    p.write_text(json.dumps(flows))
    return str(p)


def test_validate_ok(tmp_path, capsys):
    assert main(["validate", write(tmp_path, GOOD)]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_validate_reports_by_node_and_exits_1(tmp_path, capsys):
    bad = [*GOOD, {"id": "x", "type": "junction", "z": "t", "x": 0, "y": 0, "wires": [["ghost"]]},
           {"id": "y", "type": "no-such-type", "z": "t", "x": 0, "y": 0, "wires": []}]
    assert main(["validate", write(tmp_path, bad)]) == 1
    out = capsys.readouterr().out
    assert "x (junction):" in out and "wires[0]" in out and "ghost" in out
    assert "y (no-such-type):" in out


def test_validate_invalid_json(tmp_path, capsys):
    p = tmp_path / "f.json"
    p.write_text("{nope")
    assert main(["validate", str(p)]) == 1
    assert "not valid JSON" in capsys.readouterr().err


def test_nodes_lists_types(capsys):
    assert main(["nodes"]) == 0
    out = capsys.readouterr().out
    assert "link call" in out and "catch" in out


def test_hash_password(capsys):
    assert main(["hash-password", "secret"]) == 0
    assert capsys.readouterr().out.strip().startswith("$2")


async def test_run_headless_starts_and_stops_cleanly(tmp_path):
    settings = Settings.load(user_dir=tmp_path, flowFile=write(tmp_path, GOOD))
    stop = asyncio.Event()
    task = asyncio.create_task(run_headless(settings, stop))
    await asyncio.sleep(0.3)
    assert not task.done()
    stop.set()
    assert await asyncio.wait_for(task, 5) == 0


async def test_run_headless_refuses_missing_types(tmp_path, capsys):
    flows = [*GOOD, {"id": "y", "type": "no-such-type", "z": "t", "x": 0, "y": 0, "wires": []}]
    settings = Settings.load(user_dir=tmp_path, flowFile=write(tmp_path, flows))
    assert await asyncio.wait_for(run_headless(settings, asyncio.Event()), 5) == 1
    assert "no-such-type" in capsys.readouterr().err

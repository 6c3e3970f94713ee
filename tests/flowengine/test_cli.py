"""cli.py: validate, nodes, hash-password, the headless run loop, corrupt flows files, `run` as a
subprocess stopped by SIGTERM / SIGINT, and the user-directory lock `run` and `serve` hold."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from serve_process import free_port, wait_ready

from flowengine.cli import main, run_headless
from flowengine.errors import StorageError
from flowengine.settings import Settings
from flowengine.storage import UserDirLock

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
    assert "x (junction):\n  warning: wires[0]: wired to unknown node 'ghost'" in out
    assert "y (no-such-type):\n  error: type: unknown node type" in out
    assert out.rstrip().endswith("1 errors, 1 warnings")


def test_validate_names_the_node_by_its_name_too(tmp_path, capsys):
    # a function node refused for its libs: the line names id, name, type and the property at fault
    bad = [*GOOD, {"id": "f", "type": "function", "z": "t", "name": "check \"auth\"", "func": "return msg;",
                   "libs": [{"var": "moment", "module": "moment"}], "x": 0, "y": 0, "wires": [[]]}]
    assert main(["validate", write(tmp_path, bad)]) == 1
    out = capsys.readouterr().out
    assert 'f "check \\"auth\\"" (function):\n  error: libs: JavaScript modules are not available' in out


def test_validate_accepts_nodes_whose_tab_is_not_in_the_file(tmp_path, capsys):
    # as Node-RED's example flows: no tab node, its runtime adds one
    tabless = [n for n in GOOD if n["type"] != "tab"]
    assert main(["validate", write(tmp_path, tabless)]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out


def test_validate_invalid_json(tmp_path, capsys):
    p = tmp_path / "f.json"
    p.write_text("{nope")
    assert main(["validate", str(p)]) == 1
    assert f"flows file {p} is corrupt: invalid JSON" in capsys.readouterr().err


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


async def test_run_headless_holds_the_user_dir_lock(tmp_path):
    settings = Settings.load(user_dir=tmp_path, flowFile=write(tmp_path, GOOD))
    stop = asyncio.Event()
    task = asyncio.create_task(run_headless(settings, stop))
    await asyncio.sleep(0.3)
    with pytest.raises(StorageError, match="in use by another flowengine process"):
        UserDirLock(tmp_path).acquire()
    stop.set()
    assert await asyncio.wait_for(task, 5) == 0
    with UserDirLock(tmp_path):  # released on exit
        pass


async def test_run_headless_refuses_a_user_dir_in_use(tmp_path):
    settings = Settings.load(user_dir=tmp_path, flowFile=write(tmp_path, GOOD))
    with UserDirLock(tmp_path):
        with pytest.raises(StorageError, match=rf"user directory {tmp_path} is in use .* \(pid {os.getpid()}\)"):
            await asyncio.wait_for(run_headless(settings, asyncio.Event()), 5)


async def test_run_headless_refuses_missing_types(tmp_path, capsys):
    flows = [*GOOD, {"id": "y", "type": "no-such-type", "z": "t", "x": 0, "y": 0, "wires": []}]
    settings = Settings.load(user_dir=tmp_path, flowFile=write(tmp_path, flows))
    assert await asyncio.wait_for(run_headless(settings, asyncio.Event()), 5) == 1
    assert "no-such-type" in capsys.readouterr().err


CORRUPT = b'[{"id": "t", "type": "tab"'


def _corrupt_with_backup(tmp_path, backup=True):
    flows = tmp_path / "flows.json"
    flows.write_bytes(CORRUPT)
    saved = tmp_path / ".flows.json.backup"
    if backup:
        saved.write_text(json.dumps(GOOD))
    return flows, saved


@pytest.mark.parametrize("command", ["run", "validate"])
def test_corrupt_flows_names_the_backup_and_touches_nothing(tmp_path, capsys, command):
    flows, saved = _corrupt_with_backup(tmp_path)
    assert main([command, str(flows), "--user-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"flows file {flows} is corrupt: invalid JSON" in err
    assert f"a backup is at {saved} (copy it over {flows} to restore)" in err
    assert flows.read_bytes() == CORRUPT and json.loads(saved.read_text()) == GOOD


@pytest.mark.parametrize("content, reason", [(CORRUPT, "invalid JSON"), (b"  \n", "the file is empty"),
                                             (b'{"a": 1}', "expected a JSON array of nodes, got dict"),
                                             (b"[NaN]", "invalid JSON (NaN is not JSON)")])
def test_corrupt_flows_without_backup(tmp_path, capsys, content, reason):
    flows = tmp_path / "flows.json"
    flows.write_bytes(content)
    assert main(["run", str(flows), "--user-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"flows file {flows} is corrupt: {reason}" in err and "backup" not in err
    assert flows.read_bytes() == content


def _cli(*args):
    return [sys.executable, "-m", "flowengine.cli", *args]


@pytest.mark.integration
def test_serve_corrupt_flows_names_the_backup(tmp_path):
    flows, saved = _corrupt_with_backup(tmp_path)
    proc = subprocess.run(_cli("serve", str(flows), "--host", "127.0.0.1", "--port", str(free_port()),
                               "--user-dir", str(tmp_path)), capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert f"cannot start: flows file {flows} is corrupt: invalid JSON" in out
    assert f"a backup is at {saved}" in out
    assert flows.read_bytes() == CORRUPT and json.loads(saved.read_text()) == GOOD


@pytest.mark.integration
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_run_subprocess_stops_cleanly_on_a_signal(tmp_path, sig):
    seen, closed = tmp_path / "seen.txt", tmp_path / "closed.txt"
    flows = [
        {"id": "t", "type": "tab", "label": "x"},
        {"id": "inj", "type": "inject", "z": "t", "props": [{"p": "payload"}], "payload": "kept",
         "payloadType": "str", "repeat": "", "crontab": "", "once": True, "onceDelay": 0.1, "topic": "",
         "x": 0, "y": 0, "wires": [["fn"]]},
        {"id": "fn", "type": "function", "language": "python",
         "z": "t", "name": "keep", "outputs": 1, "libs": [], "x": 0, "y": 0,
         "wires": [[]], "initialize": "",
         "func": f"global_.set('k', msg['payload'])\nopen({str(seen)!r}, 'w').write('seen')\nreturn msg",
         "finalize": f"open({str(closed)!r}, 'w').write('closed')"},
    ]
    (tmp_path / "settings.toml").write_text('[contextStorage.default]\nmodule = "localfilesystem"\n')
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(_cli("run", write(tmp_path, flows), "--user-dir", str(tmp_path),
                                     "--settings", str(tmp_path / "settings.toml")),
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not seen.exists():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        stored = tmp_path / "context" / "global" / "global.json"
        assert not stored.exists()  # only in the cache so far (flushInterval is 30 s): the signal flushes it
        proc.send_signal(sig)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = log.read_text()
    assert code == 0, output
    assert closed.read_text() == "closed", output
    assert json.loads(stored.read_text())["k"] == "kept", output
    assert "stopped" in output


@pytest.mark.integration
def test_second_serve_on_the_same_user_dir_exits_1(tmp_path):
    """Two `flowengine serve` on one user dir: the second exits 1 naming the first, touching nothing."""
    user_dir = tmp_path / "user"
    user_dir.mkdir()
    first_port, second_port = free_port(), free_port()
    first_log = tmp_path / "first.log"
    with first_log.open("wb") as out:
        first = subprocess.Popen(_cli("serve", "--host", "127.0.0.1", "--port", str(first_port),
                                      "--user-dir", str(user_dir)), stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{first_port}"
        wait_ready(base, first, log=first_log)
        in_progress = user_dir / ".flows.json.abc123.tmp"  # as if the first were mid-way through a save
        in_progress.write_text("[]")
        second = subprocess.run(_cli("serve", "--host", "127.0.0.1", "--port", str(second_port),
                                     "--user-dir", str(user_dir)), capture_output=True, text=True, timeout=60)
        out = second.stdout + second.stderr
        assert second.returncode == 1, out
        assert (f"cannot start: user directory {user_dir} is in use by another flowengine process "
                f"(pid {first.pid})") in out
        assert in_progress.exists(), "the second server's start-up clean-up deleted the first one's temp file"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{second_port}/flows", timeout=2)
        assert httpx.post(f"{base}/flows", json=GOOD).status_code == 204  # the first keeps serving
        assert httpx.get(f"{base}/flows").json() == GOOD
        run = subprocess.run(_cli("run", write(tmp_path, GOOD), "--user-dir", str(user_dir)),
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 1 and f"(pid {first.pid})" in run.stderr, run.stdout + run.stderr
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0, first_log.read_text()
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    with UserDirLock(user_dir):  # released when the first exited
        pass


def test_serve_starts_with_the_collector_paused_and_turns_it_back_on(tmp_path, monkeypatch):
    import flowengine.server

    seen = []

    def fake_serve(settings, flows, **kwargs):
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(flowengine.server, "serve", fake_serve)
    assert gc.isenabled()
    assert main(["serve", "--user-dir", str(tmp_path)]) == 0
    assert seen == [False]  # imports and app set-up ran without the cyclic GC
    assert gc.isenabled()  # and it is on again, even though serve never reached its own gc.enable()

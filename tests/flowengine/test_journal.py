"""journal.py: flows and credentials saved as one. A crash at any step leaves the old pair or the new
pair once ``recover`` ran (issue 18, fault 5: credentials written before flows, a kill between the
two lost a key). Checked by crashing at every file operation in turn, and with real processes
killed with SIGKILL at random moments of a deploy loop."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from flowengine.errors import StorageError
from flowengine.journal import PendingFile, marker_path, pending_path, recover, save_together
from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.settings import Settings


class Crash(BaseException):
    """The process dies here: nothing after it runs, no cleanup either."""


def _pair(folder: Path) -> tuple[bytes | None, bytes | None]:
    def read(name: str) -> bytes | None:
        path = folder / name
        return path.read_bytes() if path.exists() else None

    return read("flows.json"), read("flows_cred.json")


def _save(folder: Path, flows: bytes, creds: bytes) -> None:
    save_together([PendingFile(folder / "flows.json", flows), PendingFile(folder / "flows_cred.json", creds, 0o600)])


def _recover(folder: Path) -> str | None:
    return recover(marker_path(folder / "flows.json"), [folder / "flows.json", folder / "flows_cred.json"])


def _crash_at(monkeypatch: pytest.MonkeyPatch, step: int) -> list[int]:
    """Make the ``step``-th durable file operation (replace, fsync, unlink) crash; returns the counter."""
    count = [0]
    for name in ("replace", "fsync", "unlink"):
        real = getattr(os, name)

        def op(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            count[0] += 1
            if count[0] == step:
                raise Crash
            return _real(*args, **kwargs)

        monkeypatch.setattr(os, name, op)
    return count


def test_a_crash_at_every_step_leaves_the_old_or_the_new_pair(tmp_path: Path) -> None:
    old, new = (b"[old flows]", b"{old creds}"), (b"[new flows]", b"{new creds}")
    (tmp_path / "probe").mkdir()
    _save(tmp_path / "probe", *old)
    with pytest.MonkeyPatch.context() as mp:  # how many operations one save over an old pair takes
        steps = _crash_at(mp, -1)
        _save(tmp_path / "probe", *new)
    outcomes = set()
    for step in range(1, steps[0] + 2):  # a crash before each operation, then none
        folder = tmp_path / f"crash-{step}"
        folder.mkdir()
        _save(folder, *old)
        with pytest.MonkeyPatch.context() as mp:
            _crash_at(mp, step)
            try:
                _save(folder, *new)
            except Crash:
                pass
        _recover(folder)
        pair = _pair(folder)
        assert pair in (old, new), (step, pair)
        outcomes.add("new" if pair == new else "old")
        assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".backup")) == [
            "flows.json", "flows_cred.json"], step  # no pending file, marker or temp file left
        assert (folder / "flows_cred.json").stat().st_mode & 0o777 == 0o600
    assert outcomes == {"old", "new"}  # both sides of the commit point were hit


def test_a_pending_file_that_does_not_match_its_marker_is_refused(tmp_path: Path) -> None:
    _save(tmp_path, b"[1]", b"{1}")
    pending_path(tmp_path / "flows.json").write_bytes(b"[2]")
    pending_path(tmp_path / "flows_cred.json").write_bytes(b"{changed after the commit}")
    marker_path(tmp_path / "flows.json").write_text(json.dumps({
        "files": ["flows.json", "flows_cred.json"],
        "sha256": {".flows.json.pending": hashlib.sha256(b"[2]").hexdigest(),
                   ".flows_cred.json.pending": hashlib.sha256(b"{2}").hexdigest()}}))
    with pytest.raises(StorageError, match="does not match its commit marker"):
        _recover(tmp_path)
    assert _pair(tmp_path) == (b"[1]", b"{1}")  # nothing touched: the user decides


def test_a_failed_write_before_the_commit_keeps_the_old_pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _save(tmp_path, b"[old]", b"{old}")
    real = os.fsync
    calls = [0]

    def full_disk(fd: int) -> None:
        calls[0] += 1
        if calls[0] == 2:  # the credentials' pending file
            raise OSError(28, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(StorageError, match="No space left"):
        _save(tmp_path, b"[new]", b"{new}")
    monkeypatch.undo()
    assert _pair(tmp_path) == (b"[old]", b"{old}")
    assert not any(p.name.endswith((".pending", ".saving")) for p in tmp_path.iterdir())


class Keyed(Node):
    type = "t-keyed"
    credentials_schema = {"password": "password"}


CHILD = """
import asyncio, sys
from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.settings import Settings

class Keyed(Node):
    type = "t-keyed"
    credentials_schema = {"password": "password"}

PAD = "x" * 2000

def flows(v):  # each version: new node ids, each with its own key (the old ones are pruned)
    out = [{"id": "t1", "type": "tab", "label": f"v{v}"}]
    out += [{"id": f"n{v}-{i}", "type": "t-keyed", "z": "t1", "info": PAD, "x": 0, "y": 0, "wires": [],
             "credentials": {"password": f"pw-{v}-{i}"}} for i in range(300)]
    return out

async def main():
    registry = Registry()
    registry.add(Keyed)
    runtime = Runtime(registry, Settings(user_dir=sys.argv[1], credentialSecret="kill-test"))
    await runtime.start()
    saved = runtime.get_flows()
    v = int(saved[0]["label"][1:]) + 1 if saved else 0
    while True:
        await runtime.deploy(flows(v))
        print(v, flush=True)
        v += 1

asyncio.run(main())
"""


async def _check_pair(user_dir: Path) -> int:
    """Start a runtime on ``user_dir`` (which repairs a half-done save); every node has its key."""
    registry = Registry()
    registry.add(Keyed)
    runtime = Runtime(registry, Settings(user_dir=user_dir, credentialSecret="kill-test"))
    await runtime.start()
    try:
        flows = runtime.get_flows()
        version = int(flows[0]["label"][1:])
        nodes = [n["id"] for n in flows if n["type"] == "t-keyed"]
        assert len(nodes) == 300
        for node_id in nodes:
            assert runtime.credentials.get(node_id) == {"password": f"pw-{node_id[1:]}"}, node_id
        assert sorted(runtime.credentials.ids()) == sorted(nodes)  # and no key of another version
        return version
    finally:
        await runtime.close()


@pytest.mark.integration
async def test_kill_9_during_deploys_never_loses_a_key(tmp_path: Path) -> None:
    rng = random.Random(18)
    versions = []
    for _ in range(30):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None
            first = child.stdout.readline()  # one deploy done: the loop is under way
            assert first.strip().isdigit(), (first, child.stderr.read() if child.poll() is not None else "")
            time.sleep(rng.uniform(0.0, 0.4))
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        versions.append(await _check_pair(tmp_path))
    assert versions == sorted(versions) and len(set(versions)) > 1, versions  # saves happened and moved on

"""dev.py, the README's two commands: `run` passes its options on to `flowengine serve`, and stops
it the way it stops itself."""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from serve_process import free_port, wait_ready

DEV = Path(__file__).resolve().parent.parent / "dev.py"


def load_dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", DEV)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("argv", [["--", "--port", "1990", "flows/hello.json"], ["--port", "1990", "flows/hello.json"]])
def test_run_passes_options_to_serve(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    dev = load_dev()
    seen: list[list[Any]] = []

    class FakeServer:
        def __init__(self, cmd: list[Any], **kwargs: Any) -> None:
            seen.append(cmd)

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(dev.subprocess, "Popen", FakeServer)
    monkeypatch.setattr(dev.signal, "signal", lambda sig, handler: None)  # not this test process's
    assert dev.run(argv) == 0
    assert [str(c) for c in seen[0][1:]] == ["serve", "--port", "1990", "flows/hello.json"]


@pytest.mark.integration
@pytest.mark.skipif(not (DEV.parent / ".venv" / "bin" / "flowengine").exists(),
                    reason="needs the project's .venv (python3 dev.py setup)")
def test_a_sigterm_to_run_stops_the_server_it_started(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(DEV), "run", "--", "--port", str(port), "--user-dir",
                                 str(tmp_path / "user")], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, log=log)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        assert code == 0, log.read_text()  # the server's own code: it shut down cleanly
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{base}/settings", timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _end_left_servers(str(tmp_path / "user"))


def _end_left_servers(user_dir: str) -> None:
    """Kill a server of this test that outlived dev.py (found by its user dir on its command line)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if user_dir.encode() in cmdline and b"serve" in cmdline:
            subprocess.run(["kill", entry.name], check=False)
            time.sleep(1)

"""``flowengine serve`` as a real subprocess on a free loopback port, with its own user dir, flows
and settings (short ``nodeCloseTimeout``, file context), for the shutdown and deploy-bound tests."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from serve_process import free_port, wait_ready

from flowengine.server.serve import SHUTDOWN_MARGIN_S

CLOSE_TIMEOUT_S = 1.5
EXIT_SLACK_S = 1.5
"""Interpreter teardown and a loaded CI machine, on top of the documented bound."""
BOUND_S = CLOSE_TIMEOUT_S + SHUTDOWN_MARGIN_S + EXIT_SLACK_S
SETTINGS = f"""
nodeCloseTimeout = {int(CLOSE_TIMEOUT_S * 1000)}

[contextStorage.default]
module = "localfilesystem"
"""


@dataclass
class Served:
    """The running process, its base URL and port, and its log file."""

    proc: subprocess.Popen[bytes]
    base: str
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        """Send ``sig``; the exit code and the seconds the process took to exit."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=BOUND_S + 10)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"no exit after {BOUND_S + 10}s:\n{self.output()}") from None
        return code, time.monotonic() - started


def write_files(tmp_path: Path, flows: list[dict[str, Any]], settings: str) -> tuple[Path, Path]:
    flows_file = tmp_path / "flows.json"
    flows_file.write_text(json.dumps(flows))
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text(settings)
    return flows_file, settings_file


def serve_command(tmp_path: Path, port: int, settings_file: Path) -> list[str]:
    return [sys.executable, "-m", "flowengine.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--user-dir", str(tmp_path), "--settings", str(settings_file)]


@contextmanager
def served(tmp_path: Path, flows: list[dict[str, Any]], settings: str = SETTINGS, *,
           env: dict[str, str] | None = None, state: str = "start") -> Iterator[Served]:
    """``flowengine serve`` on ``flows`` with ``settings`` (and ``env``), ready once its flows are in
    ``state``; killed on exit if still running."""
    _, settings_file = write_files(tmp_path, flows, settings)
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(serve_command(tmp_path, port, settings_file), stdout=out, stderr=subprocess.STDOUT,
                                env=env)
    running = Served(proc, f"http://127.0.0.1:{port}", port, log)
    try:
        try:
            wait_ready(running.base, proc, state=state)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{running.output()}") from None
        yield running
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def function_node(node_id: str, func: str = "return msg", finalize: str = "", wires: Any = None,
                  initialize: str = "") -> dict[str, Any]:
    """A Python function node on tab ``t1``."""
    return {"id": node_id, "type": "function", "language": "python",
            "z": "t1", "name": node_id, "func": func, "outputs": 1,
            "initialize": initialize, "finalize": finalize, "libs": [], "x": 1, "y": 1, "wires": wires or [[]]}

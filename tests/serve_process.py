"""Helpers for tests that run the server as a real process: a free loopback port, and waiting
until its flows have started."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 120, log: Path | None = None,
               state: str = "start") -> None:
    """Return once ``GET <base>/flows/state`` says ``state``; fail (with the server's output from
    ``log``, else its stdout pipe) when the process exits first or ``timeout`` passes. The bound is
    generous: a start that takes about a second alone took over 30 s on a 2-core machine at load 20
    (the CI machine runs two test workers and Chromium)."""
    def output() -> str:
        if log is not None:
            return log.read_text()
        return repr(proc.stdout.read()) if proc.stdout and proc.poll() is not None else ""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early: {output()}")
        try:
            if httpx.get(f"{base}/flows/state", timeout=5).json().get("state") == state:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server did not become ready: {output()}")

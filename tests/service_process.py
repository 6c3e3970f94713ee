"""What the private test services (tests/mosquitto.py, tests/redis_server.py) share: a process in a
temporary directory started until it answers, and stopped by its PID."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["START_TIMEOUT_S", "ServiceProcess", "ServiceUnavailable"]

START_TIMEOUT_S = 60.0
"""A ceiling: these services start in milliseconds, but a 2-core machine at load 20 is slow."""


class ServiceUnavailable(RuntimeError):
    """A service a test needs is not installed on this machine."""


class ServiceProcess:
    """A service process with its folder; subclasses build the command line and say when it is up."""

    name = "service"

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def folder(self) -> Path:
        """The service's temporary folder (kept across ``kill()`` until ``stop()``)."""
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix=f"flowengine-{self.name}-")
        return Path(self._dir.name)

    def launch(self, args: list[str], log: Path, ready: Callable[[], bool], where: str) -> None:
        """Start ``args`` (output to ``log``) and return once ``ready()``; raise with the log if it does not."""
        with log.open("ab") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        # ours must still run: a process that exited (its port taken) while another answers is no start
        while self.proc.poll() is not None or not ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                text = log.read_text(errors="replace")
                self.stop()
                raise RuntimeError(f"{self.name} did not start on {where}: {text}")
            time.sleep(0.02)  # no event tells when a foreign process starts listening

    def kill_process(self) -> None:
        """End the process abruptly (SIGKILL); its folder stays."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(5)
            self.proc = None

    def stop(self) -> None:
        """Stop the process (SIGTERM to its PID, SIGKILL if it lingers) and remove its folder."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def start(self) -> Any:
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

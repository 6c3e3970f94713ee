"""A private MQTT broker for tests: Debian's ``mosquitto`` on a loopback port, stopped by PID.

Corpus cases that declare ``"services": [{"mosquitto": PORT}]`` get one (as the corpus harness
``capture.py`` starts it: ``listener PORT 127.0.0.1``, anonymous, no persistence); the mqtt node
tests use it as the fixture ``mosquitto`` (tests/nodes/core/conftest.py), on a free port, some with
a password file (``users``) or a TLS listener (``tls``). ``kill()`` then ``start()`` is a broker
restart on the same port. Without the binary, ``start`` raises ``ServiceUnavailable`` saying how to
install it, which tests turn into a skip (a failure under ``FLOWENGINE_NO_SKIP=1``, see conftest).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from serve_process import free_port

__all__ = ["Mosquitto", "ServiceUnavailable", "mosquitto_binary"]

START_TIMEOUT_S = 10.0


class ServiceUnavailable(RuntimeError):
    """A service a test needs is not installed on this machine."""


def mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").is_file() else None


class Mosquitto:
    """``mosquitto -c <tmp conf>`` listening on ``127.0.0.1:port``; a context manager."""

    def __init__(self, port: int | None = None, *, users: dict[str, str] | None = None,
                 tls: tuple[Path, Path] | None = None) -> None:
        self.port = port or free_port()
        self.users = dict(users or {})
        """user -> password: anonymous clients are refused (a mosquitto_passwd file)."""
        self.tls = tls
        """(certificate, private key) PEM files: the listener speaks MQTT over TLS."""
        self.proc: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def start(self) -> Mosquitto:
        """Start the broker and return once it accepts connections."""
        if self.proc is not None:
            raise RuntimeError(f"mosquitto on port {self.port} is already running (pid {self.proc.pid})")
        if self._accepts():  # another process holds the port: waiting for "ours" would be fooled by it
            raise RuntimeError(f"port {self.port} is already in use; cannot start a private mosquitto there")
        binary = mosquitto_binary()
        if binary is None:
            raise ServiceUnavailable("the mosquitto MQTT broker is not installed (apt-get install mosquitto)")
        self._dir = tempfile.TemporaryDirectory(prefix="flowengine-mosquitto-")
        folder = Path(self._dir.name)
        conf = folder / "mosquitto.conf"
        conf.write_text("\n".join(self._config(folder)) + "\n")
        log = folder / "mosquitto.log"
        with log.open("wb") as out:
            self.proc = subprocess.Popen([binary, "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._accepts():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                text = log.read_text(errors="replace")
                self.stop()
                raise RuntimeError(f"mosquitto did not start on 127.0.0.1:{self.port}: {text}")
            time.sleep(0.02)  # no event tells when a foreign process starts listening
        return self

    def _config(self, folder: Path) -> list[str]:
        lines = [f"listener {self.port} 127.0.0.1", "persistence false"]
        if self.tls is not None:
            lines += [f"certfile {self.tls[0]}", f"keyfile {self.tls[1]}"]
        if self.users:
            passwords = folder / "passwords"
            passwords.write_text("")
            tool = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
            for user, password in self.users.items():
                subprocess.run([tool, "-b", str(passwords), user, password], check=True, capture_output=True)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        if (self.users or self.tls) and os.geteuid() == 0:
            lines.append("user root")  # else it reads those files as user "mosquitto", who may not
        return lines

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the broker (SIGTERM to its PID, SIGKILL if it lingers) and remove its files."""
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

    def kill(self) -> None:
        """End the broker abruptly (SIGKILL): its clients see their connections drop."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.stop()

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

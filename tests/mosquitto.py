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
from pathlib import Path

from serve_process import free_port
from service_process import ServiceProcess, ServiceUnavailable

__all__ = ["Mosquitto", "ServiceUnavailable", "mosquitto_binary"]


def mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").is_file() else None


class Mosquitto(ServiceProcess):
    """``mosquitto -c <tmp conf>`` listening on ``127.0.0.1:port``; a context manager."""

    name = "mosquitto"

    def __init__(self, port: int | None = None, *, users: dict[str, str] | None = None,
                 tls: tuple[Path, Path] | None = None) -> None:
        super().__init__()
        self.port = port or free_port()
        self.users = dict(users or {})
        """user -> password: anonymous clients are refused (a mosquitto_passwd file)."""
        self.tls = tls
        """(certificate, private key) PEM files: the listener speaks MQTT over TLS."""

    def start(self) -> Mosquitto:
        """Start the broker and return once it accepts connections."""
        if self.proc is not None:
            raise RuntimeError(f"mosquitto on port {self.port} is already running (pid {self.proc.pid})")
        if self._accepts():  # another process holds the port: waiting for "ours" would be fooled by it
            raise RuntimeError(f"port {self.port} is already in use; cannot start a private mosquitto there")
        binary = mosquitto_binary()
        if binary is None:
            raise ServiceUnavailable("the mosquitto MQTT broker is not installed (apt-get install mosquitto)")
        folder = self.folder()
        conf = folder / "mosquitto.conf"
        conf.write_text("\n".join(self._config(folder)) + "\n")
        self.launch([binary, "-c", str(conf)], folder / "mosquitto.log", self._accepts, f"127.0.0.1:{self.port}")
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

    def kill(self) -> None:
        """End the broker abruptly (SIGKILL): its clients see their connections drop."""
        self.kill_process()
        self.stop()

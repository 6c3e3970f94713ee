"""A private mosquitto broker for tests: its own config in a temporary folder, a loopback listener
on a free (or given) port, optional password file, started and stopped by PID.

Used by the mqtt node tests (fixture ``mosquitto`` in tests/nodes/core/conftest.py) and by the
corpus runner for cases that declare ``"services": [{"mosquitto": PORT}]``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from serve_process import free_port

__all__ = ["INSTALL_HINT", "Mosquitto", "mosquitto_binary"]

INSTALL_HINT = "mosquitto is not installed: apt-get install mosquitto"
START_TIMEOUT_S = 5.0


def mosquitto_binary() -> str | None:
    """The mosquitto executable (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.access(p, os.X_OK)), None)


class Mosquitto:
    """One broker process. ``start()`` returns once it accepts connections; ``stop()`` ends it
    cleanly, ``kill()`` abruptly; ``start()`` again reuses the port (a broker restart)."""

    def __init__(self, directory: Path, port: int | None = None, users: dict[str, str] | None = None,
                 tls: tuple[Path, Path] | None = None) -> None:
        binary = mosquitto_binary()
        if binary is None:
            raise FileNotFoundError(INSTALL_HINT)
        self.binary = binary
        self.dir = directory
        self.port = port or free_port()
        self.users = dict(users or {})
        self.tls = tls
        """(certificate, private key) PEM files: the listener speaks TLS (MQTT over TLS)."""
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = directory / "mosquitto.log"

    def _write_config(self) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        lines = [f"listener {self.port} 127.0.0.1", "persistence false", f"log_dest file {self.log}",
                 "log_type error", "log_type warning", "log_type notice"]
        if self.tls is not None:
            lines += [f"certfile {self.tls[0]}", f"keyfile {self.tls[1]}"]
        if os.geteuid() == 0:
            lines.append("user root")  # else mosquitto switches to user "mosquitto" and cannot read our files
        if self.users:
            passwords = self.dir / "passwords"
            passwords.write_text("")
            for user, password in self.users.items():
                subprocess.run([shutil.which("mosquitto_passwd") or "mosquitto_passwd", "-b", str(passwords), user,
                                password], check=True, capture_output=True)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        conf = self.dir / "mosquitto.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    def start(self) -> None:
        conf = self._write_config()
        self.proc = subprocess.Popen([self.binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"mosquitto exited with {self.proc.returncode}: {err} {self._log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)  # polling for the listener: there is no readiness signal to wait on
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on 127.0.0.1:{self.port}: {self._log_text()}")

    def _log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """End the broker (SIGTERM, then SIGKILL after 5 s) and wait for it."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stderr:
            proc.stderr.close()

    def kill(self) -> None:
        """End the broker abruptly (SIGKILL): clients see their connection drop."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(5)
        if proc is not None and proc.stderr:
            proc.stderr.close()

    def __enter__(self) -> Mosquitto:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

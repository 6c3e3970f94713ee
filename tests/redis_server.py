"""A private Redis for tests: Debian's ``redis-server`` on a free loopback port, stopped by PID.

``RedisServer(aof=True)`` persists with ``appendfsync always`` (a ``kill()`` then ``start()`` on
the same directory is a crash and restart that loses nothing acknowledged); the default keeps
nothing on disk (``--save '' --appendonly no``). Without the binary, ``start`` raises
``ServiceUnavailable`` saying how to install it, which tests turn into a skip (a failure under
``FLOWENGINE_NO_SKIP=1``, see conftest).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from mosquitto import ServiceUnavailable
from serve_process import free_port

__all__ = ["RedisServer", "redis_binary"]

START_TIMEOUT_S = 10.0


def redis_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    return "/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file() else None


class RedisServer:
    """``redis-server`` on ``127.0.0.1:port`` in a temporary directory; a context manager."""

    def __init__(self, port: int | None = None, *, aof: bool = False) -> None:
        self.port = port or free_port()
        self.aof = aof
        self.proc: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server (on the same directory after a ``kill()``) and return once it answers PING."""
        if self.proc is not None:
            raise RuntimeError(f"redis-server on port {self.port} is already running (pid {self.proc.pid})")
        binary = redis_binary()
        if binary is None:
            raise ServiceUnavailable("redis-server is not installed (apt-get install redis-server)")
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="flowengine-redis-")
        folder = Path(self._dir.name)
        persist = ["--appendonly", "yes", "--appendfsync", "always"] if self.aof else ["--appendonly", "no"]
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
                "--daemonize", "no", "--protected-mode", "yes", *persist]
        log = folder / "redis.log"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._pong():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                text = log.read_text(errors="replace")
                self.stop()
                raise RuntimeError(f"redis-server did not start on 127.0.0.1:{self.port}: {text}")
            time.sleep(0.02)  # no event tells when a foreign process starts listening
        return self

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """End the server abruptly (SIGKILL); its directory stays for a restart."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(5)
            self.proc = None

    def stop(self) -> None:
        """Stop the server (SIGTERM to its PID, SIGKILL if it lingers) and remove its directory."""
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

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

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
from pathlib import Path

from serve_process import free_port
from service_process import ServiceProcess, ServiceUnavailable

__all__ = ["RedisServer", "redis_binary"]


def redis_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    return "/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file() else None


class RedisServer(ServiceProcess):
    """``redis-server`` on ``127.0.0.1:port`` in a temporary directory; a context manager."""

    name = "redis-server"

    def __init__(self, port: int | None = None, *, aof: bool = False) -> None:
        super().__init__()
        self.port = port or free_port()
        self.aof = aof

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
        folder = self.folder()
        persist = ["--appendonly", "yes", "--appendfsync", "always"] if self.aof else ["--appendonly", "no"]
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
                "--daemonize", "no", "--protected-mode", "yes", *persist]
        self.launch(args, folder / "redis.log", self._ours_answers, f"127.0.0.1:{self.port}")
        return self

    def _ours_answers(self) -> bool:
        """The server on the port answers, and it is ours (its process_id), not another test's that
        took a port this one was also handed."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(b"INFO server\r\n")
                text = b""
                while b"process_id:" not in text or not text.split(b"process_id:", 1)[1].count(b"\r\n"):
                    chunk = s.recv(4096)
                    if not chunk:
                        return False
                    text += chunk
        except OSError:
            return False
        pid = text.split(b"process_id:", 1)[1].split(b"\r\n", 1)[0]
        return self.proc is not None and pid.strip() == str(self.proc.pid).encode()

    def kill(self) -> None:
        """End the server abruptly (SIGKILL); its directory stays for a restart."""
        self.kill_process()

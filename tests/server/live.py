"""A real uvicorn server in a thread on a free 127.0.0.1 port (for websocket tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app
from flowengine.settings import Settings

__all__ = ["LiveServer", "live_server"]


class LiveServer:
    def __init__(self, app: FastAPI, runtime: Runtime, settings: Settings) -> None:
        self.app = app
        self.runtime = runtime
        self.settings = settings
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", ws_ping_interval=None,
                                timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()
        assert not self.thread.is_alive(), "uvicorn did not stop"


@contextmanager
def live_server(settings: Settings, registry: Registry | None = None, **app_kw: Any) -> Iterator[LiveServer]:
    runtime = Runtime(registry or Registry.default(), settings, persist=False)
    server = LiveServer(create_app(runtime, settings, **app_kw), runtime, settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()

"""``serve``: run one runtime behind uvicorn until SIGTERM/SIGINT (what ``flowengine serve|run`` call)."""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import logging
import signal
import socket
from pathlib import Path
from types import FrameType

import uvicorn

from ..errors import FlowEngineError
from ..registry import Registry
from ..runtime import Runtime
from ..settings import Settings
from .app import create_app
from .http_nodes_router import HTTP_ROUTER_KEY, HttpNodeRouter

__all__ = ["serve"]

log = logging.getLogger("flowengine.server")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # proto set: asyncio then enables TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, plus: on the first signal, answer requests still waiting for an
    ``http response`` node (503) so that shutdown is not held up by them."""

    def __init__(self, config: uvicorn.Config, router: HttpNodeRouter | None) -> None:
        super().__init__(config)
        self.router = router

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            log.info("signal %d: stopping (nodes get up to nodeCloseTimeout to close)", sig)
            if self.router is not None:
                self.router.shutdown()
        super().handle_exit(sig, frame)


def serve(settings: Settings, flows_file: str | None, *, editor: bool = True, admin: bool = True) -> int:
    """Run the runtime with its HTTP server on ``settings.uiHost:uiPort``; blocks until stopped.

    ``flows_file`` (relative to the working directory) replaces ``settings.flowFile``. Returns the
    process exit code: 0 after a clean SIGTERM/SIGINT shutdown, 1 when the server cannot start.
    """
    if flows_file:
        settings.flowFile = str(Path(flows_file).resolve())
    host, port = settings.uiHost, int(settings.uiPort)
    if admin and settings.httpAdminRoot is not False and not settings.adminAuth:
        if _is_loopback(host):
            log.warning("adminAuth is not set: the admin API and editor are open to anyone on this machine; "
                        "listening on %s only", host)
        else:
            log.warning("adminAuth is not set and the server listens on %s: anyone who can reach it can "
                        "deploy flows (run code). Set adminAuth or bind 127.0.0.1", host)
    try:
        sock = _bind(host, port)
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", host, port, exc)
        return 1
    try:
        runtime = Runtime(Registry.default(), settings)
        app = create_app(runtime, settings, editor=editor, admin=admin, start_runtime=False)
    except FlowEngineError as exc:  # bad settings (adminAuth, context stores...): refuse to start
        sock.close()
        log.error("cannot start: %s", exc)
        return 1
    router = settings.extra.get(HTTP_ROUTER_KEY)
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", ws_ping_interval=None,
        timeout_graceful_shutdown=max(1, int(settings.close_timeout_s)),
    )
    server = _Server(config, router if isinstance(router, HttpNodeRouter) else None)

    def stop(sig: int, frame: FrameType | None) -> None:
        # Before uvicorn takes over the signals (while flows start) and after it hands them back
        # (it re-raises the signal once shut down): ask for a stop, never kill mid-shutdown.
        server.should_exit = True

    async def main() -> int:
        try:
            await runtime.start()
        except FlowEngineError as exc:  # e.g. a wrong credentialSecret: refuse, touch nothing
            log.error("cannot start: %s", exc)
            await runtime.close()
            return 1
        # Everything loaded so far (node registry, OpenAI catalog, modules) lives as long as the
        # process: keep it out of the collector's full passes (each took ~100 ms with it).
        gc.collect()
        gc.freeze()
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        log.info("Server now running at http://%s:%d%s", shown, port, settings.admin_root or "/")
        try:
            await server.serve(sockets=[sock])
        finally:
            await runtime.close()
        return 0 if server.started else 1

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return asyncio.run(main())
    except SystemExit as exc:  # uvicorn exits when the app's startup fails
        code = exc.code if isinstance(exc.code, int) else 1
        return code or 1
    finally:
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

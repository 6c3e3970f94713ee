"""``serve``: run one runtime behind uvicorn until SIGTERM/SIGINT (what ``flowengine serve|run`` call).

Shutdown is bounded by ``shutdownDrainTimeout + nodeCloseTimeout + SHUTDOWN_MARGIN_S`` from the
first signal: the listening socket closes at once (new connections are refused), requests waiting
for an ``http response`` node are answered 503, comms clients are closed, other requests get
``HTTP_DRAIN_S``, queued messages are delivered for up to ``shutdownDrainTimeout`` (what is left is
logged as dropped, by node), then the nodes close (each within ``nodeCloseTimeout``) and file
context is flushed. Past the bound the process logs what
is still closing, flushes context and exits 1; if even that cannot run (the event loop is blocked by
a node), a watchdog ends the process ``WATCHDOG_GRACE_S`` later.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from fastapi import FastAPI
from uvicorn.config import Config
from uvicorn.server import Server

from ..bounded import run_bounded
from ..errors import FlowEngineError, StorageError
from ..registry import Registry
from ..runtime import Runtime
from ..settings import Settings
from ..storage import UserDirLock
from .app import create_app
from .health import build_health_router, build_metrics_router
from .http_nodes_router import HTTP_ROUTER_KEY, HttpNodeRouter
from .http_protocol import OneWriteHttpProtocol
from .origin import LOOPBACK_HOSTS_KEY, is_loopback_name

__all__ = ["HTTP_DRAIN_S", "SHUTDOWN_MARGIN_S", "WATCHDOG_GRACE_S", "serve"]

log = logging.getLogger("flowengine.server")

HTTP_DRAIN_S = 2
"""Seconds requests still in flight at a stop signal get to finish before the nodes close."""
SHUTDOWN_MARGIN_S = HTTP_DRAIN_S + 1.0
"""The whole shutdown ends within ``nodeCloseTimeout`` plus this (HTTP drain, then context flush)."""
WATCHDOG_GRACE_S = 2.0
"""How long past the bound a blocked event loop may hold the process before it is ended."""


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


AFTER_START_DELAY_S = 0.1
"""From listening to ``_Server.after_start``: start-up probes come first (run.sh polls every 50 ms),
the first deploy later (the harness's client needs >= 0.25 s to connect; an editor, seconds)."""


class _Server(Server):
    """uvicorn's server, plus a bounded shutdown (see the module docstring)."""

    def __init__(self, config: Config, router: HttpNodeRouter | None, close_timeout_s: float,
                 drain_s: float = 0.0) -> None:
        super().__init__(config)
        self.router = router
        self.close_budget_s = close_timeout_s + SHUTDOWN_MARGIN_S
        self.budget_s = self.close_budget_s + drain_s
        self.stop_requested: float | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.watchdog: threading.Timer | None = None
        self.after_start: Callable[[], None] | None = None
        self._after_start_task: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.after_start is not None:
            # a moment later, so that the probes that wait for the start are answered first
            asyncio.get_running_loop().call_later(AFTER_START_DELAY_S, self._begin_after_start)

    def _begin_after_start(self) -> None:
        if self.after_start is not None and not self.should_exit:
            # in a thread: a request that comes meanwhile is served (the GIL is shared every 5 ms)
            self._after_start_task = asyncio.get_running_loop().create_task(self._run_after_start(self.after_start))

    @staticmethod
    async def _run_after_start(work: Callable[[], None]) -> None:
        try:
            await asyncio.to_thread(work)
        except Exception:  # only a head start: what failed here fails again where it is used, and says so
            log.exception("preparing for the first deploy failed")

    def request_stop(self) -> None:
        """Begin the shutdown (safe in a signal handler: sets flags, schedules, starts a timer)."""
        self.should_exit = True
        if self.stop_requested is not None:
            return
        self.stop_requested = time.monotonic()
        self.watchdog = threading.Timer(self.budget_s + WATCHDOG_GRACE_S, _blocked_exit, (self.budget_s,))
        self.watchdog.daemon = True
        self.watchdog.start()
        if self.router is not None and self.loop is not None:
            # Answered on the loop, not inside the signal handler: set_result runs callbacks.
            self.loop.call_soon_threadsafe(self.router.shutdown)

    def drained(self) -> None:
        """The drain is over: the closing gets its own budget from now (a drain that ended early
        does not lend its unused time to a node that blocks the event loop)."""
        if self.watchdog is not None:
            self.watchdog.cancel()
        self.stop_requested = time.monotonic()
        self.budget_s = self.close_budget_s
        self.watchdog = threading.Timer(self.budget_s + WATCHDOG_GRACE_S, _blocked_exit, (self.budget_s,))
        self.watchdog.daemon = True
        self.watchdog.start()

    def deadline(self) -> float:
        """When the shutdown must be over (monotonic clock)."""
        started = self.stop_requested if self.stop_requested is not None else time.monotonic()
        return started + self.budget_s

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.stop_requested is None:
            log.info("signal %d: stopping (nodes get up to nodeCloseTimeout to close)", sig)
        # uvicorn's first: it reads a SIGINT that finds should_exit already set as a second Ctrl-C
        # and forces the exit (no wait for open requests, no lifespan shutdown: an ERROR logged)
        super().handle_exit(sig, frame)
        self.request_stop()


class _SideServer(Server):
    """The ``metricsPort`` server: runs beside the main one, which alone handles the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _metrics_server(settings: Settings, app: FastAPI, runtime: Runtime) -> tuple[_SideServer, socket.socket] | None:
    """A server for ``/metrics``, ``/healthz``, ``/readyz`` on ``metricsHost:metricsPort`` (no auth)."""
    if not settings.metricsPort:
        return None
    host, port = settings.metricsHost or "127.0.0.1", int(settings.metricsPort)
    sock = _bind(host, port)  # OSError: the caller refuses to start
    side = FastAPI(title="flowengine metrics", docs_url=None, redoc_url=None, openapi_url=None)
    side.include_router(build_health_router(runtime))
    side.include_router(build_metrics_router(app.state.observability, permission=None))
    config = Config(side, log_config=None, access_log=False, lifespan="off")
    log.info("metrics at http://%s:%d/metrics", host, port)
    return _SideServer(config), sock


def _blocked_exit(budget_s: float) -> None:
    """The watchdog: the event loop did not finish the shutdown in time (a node blocks it)."""
    log.critical("shutdown did not finish within nodeCloseTimeout + %gs (+%gs): a node's close code is "
                 "blocking the event loop; exiting without flushing context", budget_s, WATCHDOG_GRACE_S)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


async def _close_runtime(runtime: Runtime, server: _Server, drain_s: float) -> bool:
    """Drain for up to ``drain_s``, then close the runtime within the server's budget; False
    (logged, context flushed) when nodes are still closing."""
    try:
        await runtime.drain(drain_s)
    except Exception as exc:  # draining is best effort: the nodes must close whatever happened
        log.error("shutdown: draining failed: %s", exc)
    server.drained()
    deadline = server.deadline()
    closing = asyncio.ensure_future(runtime.close())
    try:
        await asyncio.wait_for(asyncio.shield(closing), max(0.1, deadline - time.monotonic()))
        return not runtime.left_running  # abandoned close handlers were logged, by node
    except TimeoutError:
        routes = list(runtime.routes.values())
        names = ", ".join(f"{r.spec.type}:{r.spec.id}" for r in routes[:10]) + (", ..." if len(routes) > 10 else "")
        log.error("shutdown exceeded nodeCloseTimeout + %gs while closing the flows (%d nodes: %s); a close "
                  "handler ignores cancellation. Flushing context and exiting anyway",
                  SHUTDOWN_MARGIN_S, len(routes), names or "none")
        try:
            await asyncio.wait_for(runtime.context.flush(), 1.0)
        except (TimeoutError, OSError, FlowEngineError) as exc:
            log.error("context not flushed: %s", exc)
        return False


def serve(settings: Settings, flows_file: str | None, *, editor: bool = True, admin: bool = True,
          queue: Any = None) -> int:
    """Run the runtime with its HTTP server on ``settings.uiHost:uiPort``; blocks until stopped.

    ``flows_file`` (relative to the working directory) replaces ``settings.flowFile``. Returns the
    process exit code: 0 after a clean SIGTERM/SIGINT shutdown, 1 when the server cannot start
    (another process holds the user directory's lock, the port is taken, bad settings...) or the
    shutdown overran its bound. The user directory stays locked (``UserDirLock``) until it returns.
    ``queue`` (a ``QueueConfig``): run as queue mode's coordinator (flowengine/queue/).
    """
    if flows_file:
        settings.flowFile = str(Path(flows_file).resolve())
    lock = UserDirLock(settings.user_dir)
    try:
        # Before anything reads the user dir: a second runtime would run the same flows and
        # credentials, and its startup clean-up would delete the first one's temporary files.
        lock.acquire()
    except StorageError as exc:
        log.error("cannot start: %s", exc)
        return 1
    try:
        return _serve_locked(settings, editor=editor, admin=admin, queue=queue)
    finally:
        lock.release()


def _serve_locked(settings: Settings, *, editor: bool, admin: bool, queue: Any) -> int:
    host, port = settings.uiHost, int(settings.uiPort)
    if admin and settings.httpAdminRoot is not False and not settings.adminAuth:
        if is_loopback_name(host):
            log.warning("adminAuth is not set: the admin API and editor are open to anyone on this machine; "
                        "listening on %s only", host)
        else:
            log.warning("adminAuth is not set and the server listens on %s: anyone who can reach it can "
                        "deploy flows (run code). Set adminAuth or bind 127.0.0.1", host)
    if is_loopback_name(host):
        # Only this machine can connect, but a page it opens can re-resolve its own name to us
        # (DNS rebinding): admin requests must then name a loopback host (see origin.py).
        settings.extra[LOOPBACK_HOSTS_KEY] = True
    try:
        sock = _bind(host, port)
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", host, port, exc)
        return 1
    try:
        if queue is not None:
            queue.share_context(settings)
        runtime = Runtime(Registry.default(), settings)
        coordinator = None
        if queue is not None:
            from ..queue import Coordinator

            coordinator = Coordinator(runtime, queue)  # contributes GET <admin root>/queue
        app = create_app(runtime, settings, editor=editor, admin=admin, start_runtime=False)
    except FlowEngineError as exc:  # bad settings (adminAuth, context stores...): refuse to start
        sock.close()
        log.error("cannot start: %s", exc)
        return 1
    try:
        side = _metrics_server(settings, app, runtime)
    except OSError as exc:
        sock.close()
        log.error("cannot listen on %s:%s (metricsPort): %s", settings.metricsHost, settings.metricsPort, exc)
        return 1
    router = settings.extra.get(HTTP_ROUTER_KEY)
    config = Config(
        app, log_config=None, access_log=False, lifespan="on", ws_ping_interval=None,
        timeout_graceful_shutdown=HTTP_DRAIN_S, http=OneWriteHttpProtocol,
    )
    drain_s = max(0, settings.shutdownDrainTimeout) / 1000.0
    server = _Server(config, router if isinstance(router, HttpNodeRouter) else None, settings.close_timeout_s,
                     drain_s)
    # Once it listens: the core types' validators (and jsonschema, kept out of the start) are built
    # while the editor loads, not in the first deploy (~80 ms of a 1,000-node one).
    server.after_start = runtime.registry.prepare_validation

    def stop(sig: int, frame: FrameType | None) -> None:
        # Before uvicorn takes over the signals (while flows start) and after it hands them back
        # (it re-raises the signal once shut down): ask for a stop, never kill mid-shutdown.
        server.request_stop()

    async def main() -> int:
        server.loop = asyncio.get_running_loop()
        # Everything loaded so far (node registry, OpenAI catalog, modules) lives as long as the
        # process: keep it out of the collector's full passes (each took ~100 ms with it). Frozen
        # before the flows load, so that their nodes are collected once a deploy replaces them; no
        # gc.collect() first: it found ~300 objects to free and cost ~25 ms of every start.
        gc.freeze()
        # The CLI starts the server with the collector off (cli._collector_paused): on again from
        # here, so that what the flows allocate is collected as before
        gc.enable()
        try:
            if coordinator is not None:
                await coordinator.start()
            await runtime.start()
        except FlowEngineError as exc:  # e.g. a wrong credentialSecret: refuse, touch nothing
            log.error("cannot start: %s", exc)
            await runtime.close()
            if coordinator is not None:
                await coordinator.close()
            return 1
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        log.info("Server now running at http://%s:%d%s", shown, port, settings.admin_root or "/")
        side_task = (asyncio.get_running_loop().create_task(side[0].serve(sockets=[side[1]]), name="metrics-server")
                     if side is not None else None)
        try:
            await server.serve(sockets=[sock])
        finally:
            if side is not None and side_task is not None:
                side[0].should_exit = True
                try:
                    await side_task
                except Exception as exc:  # the flows still close; the failure is logged
                    log.error("the metrics server failed: %s", exc)
            closed = await _close_runtime(runtime, server, drain_s)
            if coordinator is not None:
                await coordinator.close()
        return 0 if server.started and closed else 1

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return run_bounded(main())
    except SystemExit as exc:  # uvicorn exits when the app's startup fails
        code = exc.code if isinstance(exc.code, int) else 1
        return code or 1
    finally:
        sock.close()
        if side is not None:
            side[1].close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if server.watchdog is not None:
            server.watchdog.cancel()

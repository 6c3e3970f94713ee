"""The comms websocket (``<admin root>comms``): Node-RED's editor event protocol.

Client frames, read as Node-RED does (the first truthy one of ``auth``, ``subscribe``, ``topic``
wins; anything else, a non-object or non-JSON frame is ignored): ``{"auth": token}`` (the first frame
when adminAuth is on; later ones re-authenticate the connection), ``{"subscribe": pattern}``
(replays retained events that match), ``{"topic": t, "data": d}`` (handed to the hub's client
listeners, Node-RED's ``comms:message:<topic>`` event; nothing is sent back). Server frames: JSON
arrays of up to 50 ``{"topic","data"}`` events, flushed 50 ms after the first one queued;
``{"auth":"ok"|"fail"}`` as single objects; ``hb`` heartbeats when idle. Every event goes to every
active connection.

A client that stops reading never slows the runtime: the bus listener only appends to a bounded
per-connection queue, and a connection whose queue passes ``commsQueueLimit`` events or
``commsQueueLimitBytes`` (an estimate of the events' encoded size) is dropped with a log line.

Connections that have not authenticated yet (adminAuth on) have their own small cap
(``max_pending``) and ``AUTH_TIMEOUT_S`` to authenticate: when the cap is reached the oldest one is
closed to make room, so a flood of idle sockets can never keep the editor's socket out.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from ..events import EventBus
from .auth import AdminAuth, has_permission

__all__ = ["BATCH_SIZE", "FLUSH_DELAY_S", "ClientListener", "CommsConnection", "CommsHub"]

log = logging.getLogger("flowengine.server.comms")

BATCH_SIZE = 50
FLUSH_DELAY_S = 0.05
CLOSE_TIMEOUT_S = 2.0
AUTH_TIMEOUT_S = 10.0
"""Seconds a connection has to authenticate when adminAuth is on."""
MAX_PENDING = 64
"""Connections waiting to authenticate at once; the oldest is closed to make room for a new one."""


ClientListener = Callable[[str, Any, str | None], None]
"""``(topic, data, user)`` for a client's ``{"topic","data"}`` frame (user: None without adminAuth)."""


def _truthy(value: Any) -> bool:
    """JavaScript truthiness, which is how Node-RED tests ``msg.auth`` / ``msg.subscribe`` / ``msg.topic``."""
    if isinstance(value, (dict, list)):
        return True
    if isinstance(value, float) and value != value:  # NaN
        return False
    return bool(value)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=_fallback, allow_nan=True)


def estimate_size(value: Any, depth: int = 0) -> int:
    """About how many bytes ``value`` takes once encoded (cheap: strings are measured, containers
    walked three levels deep, deeper values counted as 64)."""
    if isinstance(value, str):
        return len(value) + 2
    if isinstance(value, bytes | bytearray):
        return len(value) * 4
    if depth >= 3:
        return 64
    if isinstance(value, dict):
        return 2 + sum(len(str(k)) + 4 + estimate_size(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple):
        return 2 + sum(estimate_size(v, depth + 1) + 1 for v in value)
    return 8


def _fallback(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


class CommsConnection:
    """One websocket client: a bounded event queue drained by a sender task."""

    def __init__(self, ws: WebSocket, hub: CommsHub) -> None:
        self.ws = ws
        self.hub = hub
        self.active = not hub.auth.enabled
        self.token: str | None = None
        self.user: str | None = None
        self.dropped = False
        self._queue: deque[tuple[dict[str, Any], int]] = deque()
        self._queued_bytes = 0
        self._control: deque[tuple[dict[str, Any], bool]] = deque()
        self._wake = asyncio.Event()
        self._done = asyncio.Event()
        self._last_sent = time.monotonic()
        self._first_queued = 0.0  # when the oldest event waiting in _queue was queued
        self.opened = time.monotonic()

    @property
    def queued(self) -> int:
        return len(self._queue)

    def push(self, topic: str, data: Any) -> None:
        """Queue one event (called synchronously by the bus; never blocks)."""
        if self._done.is_set():
            return
        size = estimate_size(data) + len(topic) + 24
        if len(self._queue) >= self.hub.queue_limit or self._queued_bytes + size > self.hub.queue_bytes:
            log.warning("comms client %s dropped: %d events (about %d bytes) queued and not read "
                        "(commsQueueLimit %d events, commsQueueLimitBytes %d)", self.peer, len(self._queue),
                        self._queued_bytes + size, self.hub.queue_limit, self.hub.queue_bytes)
            self.dropped = True
            self._queue.clear()
            self._queued_bytes = 0
            self._done.set()
            return
        if not self._queue:
            self._first_queued = time.monotonic()
        self._queue.append(({"topic": topic, "data": data}, size))
        self._queued_bytes += size
        self._wake.set()

    def _answer(self, frame: dict[str, Any], close_after: bool = False) -> None:
        self._control.append((frame, close_after))
        self._wake.set()

    @property
    def peer(self) -> str:
        client = self.ws.client
        return f"{client.host}:{client.port}" if client else "?"

    async def run(self) -> None:
        """Serve the connection until the client leaves, is dropped, or the hub closes."""
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._receive()), group.create_task(self._send())]
            await self._done.wait()
            for task in tasks:
                task.cancel()
        await self._close(1008 if self.dropped else 1000)

    def stop(self) -> None:
        self._done.set()

    async def _close(self, code: int) -> None:
        try:
            await asyncio.wait_for(self.ws.close(code), CLOSE_TIMEOUT_S)
        except (WebSocketDisconnect, RuntimeError, TimeoutError, OSError) as exc:  # peer gone, or stuck
            log.debug("comms close of %s: %r", self.peer, exc)

    # --- client -> server ---
    async def _receive(self) -> None:
        try:
            while True:
                text = await self.ws.receive_text()
                self._handle(text)
        except WebSocketDisconnect:
            pass
        except (KeyError, RuntimeError) as exc:  # a binary frame, or a receive after close
            log.debug("comms receive from %s ended: %r", self.peer, exc)
        finally:
            self._done.set()

    def _handle(self, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            log.debug("comms: ignoring a non-JSON frame from %s", self.peer)
            return
        if not isinstance(frame, dict):
            frame = {}  # Node-RED reads .auth/.subscribe/.topic of any JSON value: these have none
        token = frame.get("auth")
        if _truthy(token):
            if self.hub.auth.enabled:
                self._authenticate(token)
            else:
                log.debug("comms: ignoring an auth frame from %s (adminAuth is off)", self.peer)
            return
        subscribe = frame.get("subscribe")
        if not self.active:
            if not self._anonymous():
                return
            # Node-RED completes an anonymous connection on any first frame but acts only on its
            # subscribe: a topic frame that opened the connection is dropped.
            self._subscribe(subscribe)
            return
        if _truthy(subscribe):
            self._subscribe(subscribe)
            return
        topic = frame.get("topic")
        if _truthy(topic):
            self.hub.received(str(topic), frame.get("data"), self.user)
            return
        log.debug("comms: ignoring a frame without auth, subscribe or topic from %s", self.peer)

    def _authenticate(self, token: Any) -> None:
        """An ``auth`` frame: the first one opens the connection; a later one replaces its token."""
        session = self.hub.auth.session(token if isinstance(token, str) else None)
        if session is None or not has_permission(session.permissions, "status.read"):
            self._answer({"auth": "fail"}, close_after=True)
            return
        self.token = token if isinstance(token, str) else None
        self.user = session.user
        self.active = True
        self._answer({"auth": "ok"})

    def _anonymous(self) -> bool:
        """Complete a connection without a token when adminAuth.default allows it; else fail it."""
        default = self.hub.auth.default_user
        if default is None or not has_permission(default.permissions, "status.read"):
            self._answer({"auth": "fail"}, close_after=True)
            return False
        self.active = True  # anonymous access granted by adminAuth.default: no acknowledgement
        return True

    def _subscribe(self, pattern: Any) -> None:
        if isinstance(pattern, str) and pattern:
            for topic, data in self.hub.events.retained(pattern):
                self.push(topic, data)

    # --- server -> client ---
    async def _send(self) -> None:
        try:
            await self._send_loop()
        except (WebSocketDisconnect, OSError, RuntimeError) as exc:  # the peer went away mid-send
            log.debug("comms send to %s ended: %r", self.peer, exc)
        finally:
            self._done.set()

    async def _send_loop(self) -> None:
        keepalive = self.hub.keepalive_s
        while not self._done.is_set():
            wait = keepalive
            if not self.active:  # wake in time for the authentication deadline
                wait = min(keepalive, max(0.05, AUTH_TIMEOUT_S - (time.monotonic() - self.opened)))
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            except TimeoutError:
                if not self.active and time.monotonic() - self.opened > AUTH_TIMEOUT_S:
                    self._done.set()  # never authenticated: free the slot
                    return
                if self._session_expired():
                    await self._write({"auth": "fail"})
                    self._done.set()
                    return
                if self.active:
                    await self._write([{"topic": "hb", "data": int(time.time() * 1000)}])
                continue
            while self._control:
                frame, close_after = self._control.popleft()
                await self._write(frame)
                if close_after:
                    self._done.set()
                    return
            if self._session_expired():
                await self._write({"auth": "fail"})
                self._done.set()
                return
            if self._queue:
                # Node-RED's timer starts when the first event is queued, not when this task gets
                # the loop: a deploy's synchronous work between the two must not add to the delay
                await asyncio.sleep(max(0.0, self._first_queued + FLUSH_DELAY_S - time.monotonic()))
            self._wake.clear()
            while self._queue:
                entries = [self._queue.popleft() for _ in range(min(BATCH_SIZE, len(self._queue)))]
                self._queued_bytes -= sum(size for _, size in entries)
                await self._write([event for event, _ in entries])

    def _session_expired(self) -> bool:
        return self.token is not None and self.hub.auth.session(self.token) is None

    async def _write(self, frame: Any) -> None:
        await self.ws.send_text(_json(frame))
        self._last_sent = time.monotonic()


class CommsHub:
    """All comms connections of one app; listens to the runtime's event bus."""

    def __init__(self, events: EventBus, auth: AdminAuth, *, queue_limit: int = 10000,
                 keepalive_s: float = 15.0, max_connections: int = 1000, queue_bytes: int = 64 * 2**20,
                 max_pending: int = MAX_PENDING) -> None:
        self.events = events
        self.auth = auth
        self.queue_limit = max(1, queue_limit)
        self.queue_bytes = max(1024, queue_bytes)
        self.max_pending = max(1, max_pending)
        self.keepalive_s = max(0.05, keepalive_s)
        self.max_connections = max_connections
        self.connections: set[CommsConnection] = set()
        self._client_listeners: list[ClientListener] = []
        self._remove_listener: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None

    def start(self) -> None:
        """Begin forwarding bus events (call from the serving event loop)."""
        if self._remove_listener is None:
            self._loop = asyncio.get_running_loop()
            self._thread = threading.get_ident()
            self._remove_listener = self.events.listen(self._on_event)

    def close(self) -> None:
        """Stop forwarding and end every connection."""
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None
        for conn in list(self.connections):
            conn.stop()

    def listen_client(self, listener: ClientListener) -> Callable[[], None]:
        """Receive clients' ``{"topic","data"}`` frames; returns a function that removes the listener."""
        self._client_listeners.append(listener)

        def remove() -> None:
            if listener in self._client_listeners:
                self._client_listeners.remove(listener)

        return remove

    def received(self, topic: str, data: Any, user: str | None) -> None:
        """A client sent ``{"topic","data"}``: tell every client listener (none by default)."""
        for listener in tuple(self._client_listeners):
            try:
                listener(topic, data, user)
            except Exception:  # one broken listener must not end the connection or stop the others
                log.exception("comms client listener failed on topic %s", topic)

    def _on_event(self, topic: str, data: Any) -> None:
        if self._thread is not None and threading.get_ident() != self._thread and self._loop is not None:
            self._loop.call_soon_threadsafe(self._on_event, topic, data)
            return
        for conn in tuple(self.connections):
            if conn.active:
                conn.push(topic, data)

    async def serve(self, ws: WebSocket) -> None:
        """The websocket endpoint."""
        await ws.accept()
        if len(self.connections) >= self.max_connections:
            log.warning("comms: refusing a connection, %d already open", len(self.connections))
            await ws.close(1013)
            return
        conn = CommsConnection(ws, self)
        if not conn.active:
            pending = sorted((c for c in self.connections if not c.active), key=lambda c: c.opened)
            for old in pending[:max(0, len(pending) - self.max_pending + 1)]:
                log.warning("comms: closing %s, which has not authenticated, to make room (%d waiting)",
                            old.peer, len(pending))
                old.stop()
                self.connections.discard(old)
        self.connections.add(conn)
        try:
            await conn.run()
        finally:
            self.connections.discard(conn)

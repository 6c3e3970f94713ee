"""Connected browsers: each has a bounded queue of encoded events and one websocket.

A browser that reads slower than the flows update never holds more than ``limit`` events: when its
queue overflows, the queue is dropped and the browser gets a fresh copy of the layout and every
widget's stored value instead (the same state, without the history it could not keep up with).
Frames to the browser are JSON arrays of events, each ``{"type": ..., ...}``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import bcrypt
from starlette.websockets import WebSocket, WebSocketDisconnect

if TYPE_CHECKING:
    from .hub import DashboardHub

__all__ = ["BasicAuth", "Client", "serve_browser"]

log = logging.getLogger("flowengine.dashboard")
BATCH = 200
"""Events per websocket frame at most."""
MAX_FRAME = 1 << 20
"""Bytes a browser's message may have; a longer one closes the connection."""


class Client:
    """One browser: its socket id (``msg.socketid``), address and outgoing queue."""

    def __init__(self, client_id: str, ip: str, limit: int) -> None:
        self.id = client_id
        self.ip = ip
        self.limit = max(1, limit)
        self.resync = False
        self.closed = False
        self.sent = 0
        self.overflows = 0
        self.layout_version = -1
        """The hub's layout version this browser last got (it is sent the layout only when older)."""
        self._queue: deque[str] = deque()
        self._wake = asyncio.Event()

    def push(self, text: str) -> bool:
        """Queue one encoded event; False when the queue overflowed (a resync replaces it)."""
        if self.closed:
            return True
        if len(self._queue) >= self.limit:
            self._queue.clear()
            self.resync = True
            self.overflows += 1
            self._wake.set()
            return False
        self._queue.append(text)
        self._wake.set()
        return True

    def drain(self) -> list[str]:
        """Take every queued event at once (tests, and a client that is not a websocket)."""
        items = list(self._queue)
        self._queue.clear()
        return items

    @property
    def backlog(self) -> int:
        return len(self._queue)

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def next_batch(self, resync: Callable[[], list[str]]) -> list[str] | None:
        """The next events to send (waits for some); None once the client is closed."""
        while not self._queue and not self.resync:
            if self.closed:
                return None
            self._wake.clear()
            await self._wake.wait()
        if self.closed:
            return None
        if self.resync:
            self.resync = False
            self._queue.clear()
            self._queue.extend(resync())
        count = min(BATCH, len(self._queue))
        return [self._queue.popleft() for _ in range(count)]


def new_socket_id() -> str:
    return secrets.token_urlsafe(15)


def same_origin(headers: Any) -> bool:
    """A websocket opened by a page of another site is refused (as socket.io's ``xdomain`` check)."""
    origin = headers.get("origin")
    if not origin:
        return True
    host = headers.get("host") or ""
    return bool(origin.split("://", 1)[-1].rstrip("/").lower() == host.lower())


class BasicAuth:
    """``httpNodeAuth`` for the websocket handshake (the server checks it for the page's HTTP requests;
    browsers send the same credentials when they open the websocket)."""

    def __init__(self, user: str, hashed: str) -> None:
        self.user = user
        self.hashed = hashed
        self._verified: set[str] = set()

    def allows(self, headers: Any) -> bool:
        header = str(headers.get("authorization") or "")
        if header[:6].lower() != "basic ":
            return False
        try:
            user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        if not hmac.compare_digest(user, self.user):
            return False
        key = hashlib.sha256(f"{user}:{password}".encode()).hexdigest()
        if key in self._verified:  # bcrypt costs ~50 ms: remember what matched
            return True
        try:
            ok = bcrypt.checkpw(password.encode("utf-8"), self.hashed.encode("utf-8"))
        except ValueError:  # not a bcrypt hash
            return False
        if ok:
            self._verified = {key} if len(self._verified) > 100 else self._verified | {key}
        return ok


async def serve_browser(hub: DashboardHub, websocket: WebSocket, auth: BasicAuth | None = None) -> None:
    """Run one browser's connection until it closes."""
    if not same_origin(websocket.headers) or (auth is not None and not auth.allows(websocket.headers)):
        await websocket.close(code=1008)
        return
    await websocket.accept()
    ip = websocket.headers.get("x-real-ip") or websocket.headers.get("x-forwarded-for") or (
        websocket.client.host if websocket.client else "")
    client = Client(new_socket_id(), ip, hub.options.max_backlog)
    hub.connected(client)
    try:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(_write(websocket, client, hub))
            await _read(websocket, client, hub)
            client.close()
    finally:
        client.close()
        hub.disconnected(client)


async def _read(websocket: WebSocket, client: Client, hub: DashboardHub) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            raw = message.get("bytes") or b""
            text = raw.decode("utf-8", errors="replace")
        if len(text) > MAX_FRAME:
            log.warning("dashboard: browser %s sent %d bytes in one message; closing it", client.id, len(text))
            await websocket.close(code=1009)
            return
        try:
            data = json.loads(text)
        except ValueError:
            log.warning("dashboard: browser %s sent a message that is not JSON", client.id)
            continue
        for event in data if isinstance(data, list) else [data]:
            hub.received(client, event)


async def _write(websocket: WebSocket, client: Client, hub: DashboardHub) -> None:
    while True:
        batch = await client.next_batch(hub.resync_frames)
        if batch is None:
            return
        try:
            await websocket.send_text("[" + ",".join(batch) + "]")
        except (RuntimeError, OSError, WebSocketDisconnect) as exc:  # gone mid-send: the reader sees it too
            log.debug("dashboard: browser %s: %s", client.id, exc)
            client.close()
            return
        client.sent += len(batch)

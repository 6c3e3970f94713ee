"""A scripted Realtime server for flow tests: a WebSocket server on 127.0.0.1 that sends the server
events a test file gives, on connect and after each client event of a type, and keeps every client
event it receives so the case can check what the flow sent.

``EventServer`` is the part any fake JSON-event WebSocket server needs (the port, the connections
with their path, headers and received events, a clean stop); ``ScriptedRealtime`` adds the test
file's script. The ``openai-realtime`` node connects to ``base_url`` through
``settings.extra[REALTIME_KEY]`` (``/realtime?model=...`` below it), whatever its config node says.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from ..types import Msg
from .checks import mismatch, show
from .spec import RealtimeScript

if TYPE_CHECKING:
    from websockets.asyncio.server import Server, ServerConnection
    from websockets.datastructures import Headers
    from websockets.http11 import Request, Response

__all__ = ["REALTIME_KEY", "Connection", "EventServer", "ScriptedRealtime"]

REALTIME_KEY = "openai_realtime_base_url"
"""``settings.extra`` key: the base URL Realtime nodes connect below instead of their config node's."""


@dataclass
class Connection:
    """One WebSocket session: the request's path and headers, the client events received (decoded)."""

    path: str
    headers: Headers
    received: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None


class EventServer:
    """``async with EventServer() as server``: a WebSocket server on 127.0.0.1 (a free port) whose
    ``base_url`` is ``http://127.0.0.1:<port>/v1``. Subclasses say what a session does (``converse``)
    and may refuse a handshake (``refuse``)."""

    def __init__(self) -> None:
        self.connections: list[Connection] = []
        self._server: Server | None = None
        self._changed = asyncio.Condition()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running: use it inside 'async with'")
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    async def __aenter__(self) -> Self:
        from websockets.asyncio.server import serve  # only for the cases that use it

        self._server = await serve(self._session, "127.0.0.1", 0, process_request=self._handshake)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def refuse(self, conn: ServerConnection, request: Request) -> Response | None:
        """A response refusing the handshake (``conn.respond(401, ...)``), or None to accept it."""
        return None

    async def converse(self, ws: ServerConnection, conn: Connection) -> None:
        """One accepted session; the default receives every event and answers none."""
        async for raw in ws:
            await self.record(conn, raw)

    async def record(self, conn: Connection, raw: str | bytes) -> dict[str, Any]:
        """Record one client event (JSON text) and wake whoever waits for it."""
        event = json.loads(raw)
        conn.received.append(event)
        async with self._changed:
            self._changed.notify_all()
        return event  # type: ignore[no-any-return]

    async def wait_received(self, count: int, timeout: float) -> list[dict[str, Any]]:
        """The client events of every connection, in order, once there are ``count`` (or at ``timeout``)."""

        def events() -> list[dict[str, Any]]:
            return [e for c in self.connections for e in c.received]

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(events()) >= count)
        except TimeoutError:
            pass  # the caller reports the events that did come
        return events()

    async def send(self, ws: ServerConnection, event: dict[str, Any]) -> None:
        await ws.send(json.dumps(event))

    def _handshake(self, conn: ServerConnection, request: Request) -> Response | None:
        self.connections.append(Connection(request.path, request.headers))
        return self.refuse(conn, request)

    async def _session(self, ws: ServerConnection) -> None:
        conn = self.connections[-1]
        try:
            await self.converse(ws, conn)
        finally:
            conn.close_code = ws.close_code


class ScriptedRealtime(EventServer):
    """The server a test file's ``realtime`` script describes."""

    def __init__(self, script: RealtimeScript) -> None:
        super().__init__()
        self.script = script
        self._served = [0] * len(script.replies)

    async def converse(self, ws: ServerConnection, conn: Connection) -> None:
        for event in self.script.on_connect:
            await self.send(ws, event)
        async for raw in ws:
            event = await self.record(conn, raw)
            kind = event.get("type") if isinstance(event, dict) else None
            for i, reply in enumerate(self.script.replies):
                if reply.after == kind and (reply.times is None or self._served[i] < reply.times):
                    self._served[i] += 1
                    for answer in reply.send:
                        await self.send(ws, answer)
                    if reply.close is not None:
                        await ws.close(reply.close, "closed by the test script")
                        return
                    break

    async def problems(self, timeout: float) -> list[str]:
        """What the flow sent that the script's ``received`` does not allow (waiting up to ``timeout``
        for the events to come)."""
        wanted = self.script.received
        if wanted is None:
            return []
        got = await self.wait_received(len(wanted), timeout)
        if not self.connections:
            return ["realtime: no session was opened (the node never connected)"]
        for i, (want, event) in enumerate(zip(wanted, got, strict=False)):
            why = mismatch(want, Msg(event))
            if why is not None:
                return [f"realtime: client event {i + 1} ({event.get('type')}): {why.removeprefix('msg.')}"
                        f"\n  got: {show(event)}"]
        if len(got) != len(wanted):
            extra = f"; event {len(wanted) + 1}: {show(got[len(wanted)])}" if len(got) > len(wanted) else ""
            kinds = ", ".join(str(e.get("type")) for e in got)
            return [f"realtime: expected {len(wanted)} client events, got {len(got)} ({kinds}){extra}"]
        return []

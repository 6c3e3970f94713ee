"""``OneWriteHttpProtocol``: uvicorn's httptools protocol, writing a response's head and first body
part in one ``send()``.

uvicorn writes the status line and headers as soon as the app sends ``http.response.start`` and
the body when it sends ``http.response.body``: two system calls, two TCP segments and two wake-ups
of the client for every small response. On the loopback each ``send()`` also runs the receiver's
TCP path (2026-12-07, ``flowengine serve`` under the harness's latency loop: cProfile counted 2
``send`` calls per request, py-spy put the socket write at a third of the server's wall time; with
one write, the server's CPU per request fell by about a tenth).

The head is held until the first write that follows it, made from the same step of the event loop
(``http.response.start`` then ``http.response.body``, as every non-streaming response sends them),
and is otherwise written on the loop's next turn: a streaming response whose first part comes
later (server-sent events) still shows its head at once. A response that ends without writing a
body (``HEAD``) or closes the connection writes the head first. Everything else (``100 Continue``,
the websocket upgrade, flow control) is uvicorn's own.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

__all__ = ["JOIN_LIMIT", "OneWriteHttpProtocol"]

JOIN_LIMIT = 64 * 1024
"""A first body part larger than this is written after the head, not copied behind it."""


class _HeadHeld:
    """A request's view of the connection's transport: the first write after the response started
    (its head) waits for the next write, or for the loop's next turn."""

    __slots__ = ("_cycle", "_head_seen", "_held", "_transport")

    def __init__(self, transport: asyncio.Transport, cycle: RequestResponseCycle) -> None:
        self._transport = transport
        self._cycle = cycle
        self._held: bytes | None = None
        self._head_seen = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._head_seen and self._cycle.response_started:
            self._head_seen = True
            self._held = bytes(data)
            asyncio.get_running_loop().call_soon(self.flush)
            return
        held, self._held = self._held, None
        if held is not None:
            if len(data) > JOIN_LIMIT:  # a large body: a second send() costs less than copying it
                self._transport.write(held)
            else:
                data = held + bytes(data)
        self._transport.write(data)

    def flush(self) -> None:
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()


class OneWriteHttpProtocol(HttpToolsProtocol):
    """uvicorn's ``HttpToolsProtocol`` whose requests write through ``_HeadHeld``."""

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle  # the new request's (its ASGI task has not run yet); the old one on upgrade
        if cycle is not None and not isinstance(cycle.transport, _HeadHeld):
            cycle.transport = _HeadHeld(cycle.transport, cycle)  # type: ignore[assignment]

    def on_response_complete(self) -> None:
        cycle = self.cycle
        if cycle is not None and isinstance(cycle.transport, _HeadHeld):
            cycle.transport.flush()  # HEAD, 204, 304: nothing followed the head
        super().on_response_complete()

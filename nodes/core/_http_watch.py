"""Watching the connections of requests an ``http in`` node is still answering.

Most flows answer within milliseconds. A request still waiting after ``WATCH_AFTER_S`` gets a task
that reads its connection, to see the client go away; it is then answered with a 499 nobody reads.
The requests wait in one list per node, oldest first, behind one timer: a timer per request, set
and cancelled, was three of the event loop's calls and a heap entry for every request.
"""

from __future__ import annotations

import asyncio
from collections import deque

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["WATCH_AFTER_S", "Watchlist"]

WATCH_AFTER_S = 0.5
"""How long a request waits for its response before a task starts watching for the client going away."""


class _Waiting:
    """One request waiting for its response; ``request`` is None once it has it."""

    __slots__ = ("deadline", "future", "request", "watcher")

    def __init__(self, deadline: float, request: Request, future: asyncio.Future[Response]) -> None:
        self.deadline = deadline
        self.request: Request | None = request
        self.future = future
        self.watcher: asyncio.Task[None] | None = None

    def watch(self) -> None:
        request = self.request
        assert request is not None
        self.watcher = asyncio.ensure_future(_disconnected(request))
        self.watcher.add_done_callback(self._gone)

    def _gone(self, task: asyncio.Future[None]) -> None:
        if not task.cancelled() and not self.future.done():
            self.future.set_result(Response(status_code=499))  # nobody reads it: the client is gone

    def stop(self) -> None:
        self.request = None
        if self.watcher is not None:
            self.watcher.cancel()
            self.watcher = None


async def _disconnected(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


class Watchlist:
    """The requests of one node waiting for their responses, oldest first, and the timer that
    starts a watcher for each one still waiting at its deadline. It outlives a stopped node until
    its last request is answered: the timer holds it."""

    def __init__(self) -> None:
        self._waiting: deque[_Waiting] = deque()
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        return len(self._waiting)

    async def wait(self, request: Request, future: asyncio.Future[Response]) -> Response:
        """The response ``future`` gets: from an ``http response`` node, or the 499 of a client
        that went away."""
        if future.done():  # answered by the flow's first hops (``Node.send_now``)
            return future.result()
        loop = asyncio.get_running_loop()
        waiting = _Waiting(loop.time() + WATCH_AFTER_S, request, future)
        self._waiting.append(waiting)
        if self._timer is None:
            self._timer = loop.call_at(waiting.deadline, self._sweep)
        try:
            return await future
        finally:
            waiting.stop()

    def _sweep(self) -> None:
        self._timer = None
        waiting = self._waiting
        now = asyncio.get_running_loop().time()
        while waiting:
            first = waiting[0]
            if first.request is None:  # answered
                waiting.popleft()
                continue
            if first.deadline > now:
                self._timer = asyncio.get_running_loop().call_at(first.deadline, self._sweep)
                return
            waiting.popleft()
            first.watch()

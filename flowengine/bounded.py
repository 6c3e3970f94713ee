"""Bounded waits for code the runtime does not control: close handlers, node-owned tasks, ``on_start``.

``asyncio.wait_for`` cancels on timeout and then waits for the cancelled task to finish, so a
coroutine that swallows ``CancelledError`` (a function node's finalize doing
``while True: try: await asyncio.sleep(3600) except BaseException: pass``) kept a deploy, and every
deploy queued behind it, waiting forever. Here a task gets its budget, then one cancel and
``CANCEL_GRACE_S`` to unwind; one still running after that is *abandoned*: the runtime's
``Abandoned`` registry names it, cancels it again at shutdown and reports what is left, and nothing
waits on it any more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine, Iterable
from typing import Any, TypeVar

__all__ = ["CANCEL_GRACE_S", "Abandoned", "as_task", "cancel_within", "failure", "finish_within", "run_bounded"]

log = logging.getLogger("flowengine.runtime")

F = TypeVar("F", bound="asyncio.Future[Any]")

CANCEL_GRACE_S = 0.5
"""How long a cancelled task gets to unwind before it is abandoned."""


def as_task(awaitable: Awaitable[Any], name: str | None = None) -> asyncio.Task[Any]:
    """``awaitable`` as a task of the running loop (a coroutine or any other awaitable)."""
    async def run() -> Any:
        return await awaitable

    return asyncio.get_running_loop().create_task(run(), name=name)


async def finish_within(tasks: Iterable[F], timeout: float) -> set[F]:
    """Wait up to ``timeout`` seconds for ``tasks``; return those still running (not cancelled)."""
    pending = {t for t in tasks if not t.done()}
    if pending and timeout > 0:
        await asyncio.wait(pending, timeout=timeout)
    return {t for t in pending if not t.done()}


async def cancel_within(tasks: Iterable[F], grace: float = CANCEL_GRACE_S) -> set[F]:
    """Cancel ``tasks``, wait up to ``grace`` seconds; return those that ignore the cancellation."""
    chosen = list(tasks)
    for task in chosen:
        task.cancel()
    return await finish_within(chosen, grace)


def failure(task: asyncio.Future[Any]) -> BaseException | None:
    """The exception a finished task ended with (None when it returned or was cancelled)."""
    if not task.done() or task.cancelled():
        return None
    return task.exception()


class Abandoned:
    """Tasks that ignored cancellation, each with what it is (``"close handler of function:f"``).

    Owned by the runtime: they are not waited on by deploys; ``close()`` cancels them once more at
    shutdown and returns the descriptions of those still running, for the shutdown log.
    """

    def __init__(self) -> None:
        self._tasks: dict[asyncio.Future[Any], str] = {}
        self.history: list[str] = []
        """Every description ever added, in order (a shutdown reports those added while it ran)."""

    def add(self, task: asyncio.Future[Any], what: str) -> None:
        self._tasks[task] = what
        self.history.append(what)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Future[Any]) -> None:
        self._tasks.pop(task, None)
        failure(task)  # retrieved: an abandoned task's late error is not "never retrieved"

    def __len__(self) -> int:
        return len(self._tasks)

    def describe(self) -> list[str]:
        return sorted(self._tasks.values())

    async def close(self, grace: float = CANCEL_GRACE_S) -> list[str]:
        """Cancel every abandoned task again; the descriptions of those still running after ``grace``."""
        left = await cancel_within(list(self._tasks), grace)
        return sorted(self._tasks[t] for t in left if t in self._tasks)


def run_bounded(main: Coroutine[Any, Any, int]) -> int:
    """``asyncio.run(main)``, except at the end: ``asyncio.run`` cancels the tasks still running and
    waits for them without a bound, so one that ignores cancellation (a close handler the runtime
    abandoned) would hold the process for ever. Here they get ``CANCEL_GRACE_S`` and are left."""
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            left = loop.run_until_complete(cancel_within(asyncio.all_tasks(loop)))
            if left:
                log.error("exiting with %d task(s) that ignore cancellation: %s", len(left),
                          ", ".join(sorted(t.get_name() for t in left)))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()

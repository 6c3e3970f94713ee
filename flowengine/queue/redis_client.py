"""The Redis connection of a queue-mode process (redis-py's asyncio client) and what counts as
"Redis is unreachable right now" (retried with backoff, never a node's error)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import BusyLoadingError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..bounded import cancel_within
from ..errors import FlowEngineError
from .keys import GROUP, Keys

__all__ = ["UNREACHABLE", "check_reachable", "connect", "ensure_group", "keep_cancellation", "stop_tasks"]

log = logging.getLogger("flowengine.queue")

UNREACHABLE: tuple[type[BaseException], ...] = (
    RedisConnectionError, RedisTimeoutError, BusyLoadingError, ConnectionError, TimeoutError, OSError)


SOCKET_TIMEOUT_S = 15.0
"""No reply within this long (blocking reads ask for 1 s) counts as Redis unreachable: retried."""


def connect(url: str) -> Any:
    """A ``redis.asyncio.Redis`` for ``url`` (connections are opened on first use)."""
    return aioredis.from_url(url, health_check_interval=10, socket_keepalive=True, socket_timeout=SOCKET_TIMEOUT_S,
                             socket_connect_timeout=5.0)


def keep_cancellation() -> None:
    """Re-raise a cancellation that a client library turned into a connection or timeout error
    (so that a loop catching ``UNREACHABLE`` still ends when its task is cancelled)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def stop_tasks(tasks: list[asyncio.Task[Any]], what: str) -> None:
    """Cancel ``tasks`` and wait for them, within ``CANCEL_GRACE_S``; one that ignores the
    cancellation is logged and left (shutdown must end whatever a client library does)."""
    stubborn = await cancel_within(tasks)
    if stubborn:
        log.error("queue: %s did not stop when cancelled: %s", what, ", ".join(t.get_name() for t in stubborn))
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("queue: task %s had failed: %s", task.get_name(), task.exception())


async def ensure_group(redis: Any, keys: Keys) -> None:
    """Create the work stream and its consumer group (from the stream's start) unless they exist."""
    try:
        await redis.xgroup_create(keys.work, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def check_reachable(redis: Any, url: str | None) -> None:
    """``FlowEngineError`` naming ``url`` when Redis does not answer (a process starting in queue mode)."""
    try:
        await redis.ping()
    except UNREACHABLE as exc:
        raise FlowEngineError(f"queue mode: Redis at {_redacted(url)} does not answer ({exc}); start it or fix "
                              "--queue / [queue] url") from exc


def _redacted(url: str | None) -> str:
    """``url`` without its password."""
    if not url or "@" not in url:
        return str(url)
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"

"""When and how long to wait before retrying a request, as the official SDK does (FACTS §5).

Retried: 408, 409, 429, every 5xx, timeouts and connection errors; a ``x-should-retry`` response
header overrides the decision both ways. The wait is ``retry-after-ms`` or ``retry-after``
(seconds or an HTTP date) when it is in (0, 120] s. A longer server-requested wait (up to
``max_retry_wait``) is returned too: the client then *parks* the message outside its concurrency
slot (``ParkForRateLimit``) and the operation node waits, up to the ``maxRetryWait`` setting.
Otherwise exponential backoff ``min(0.5 * 2**n, 8) * (1 - 0.25 * random())``.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["RetryPolicy", "retry_after_seconds"]

RETRY_STATUSES = frozenset({408, 409, 429})


def retry_after_seconds(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float | None:
    """The wait the server asks for, in seconds, or None when it asks nothing readable."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass  # fall through to retry-after, as the SDK does
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return float(email.utils.mktime_tz(parsed)) - now()


@dataclass(frozen=True)
class RetryPolicy:
    """Retry decisions for one client; ``max_retries`` extra attempts after the first."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 120.0
    """Longest server-requested wait slept inside the request (holding its concurrency slot)."""
    max_retry_wait: float = float("inf")
    """Longest server-requested wait at all; beyond, the request fails at once."""

    def should_retry(self, status: int | None, headers: Mapping[str, str] | None = None) -> bool:
        """Whether a response status (None: connection error or timeout) is worth another attempt."""
        flag = (headers or {}).get("x-should-retry")
        if flag == "true":
            return True
        if flag == "false":
            return False
        return status is None or status in RETRY_STATUSES or status >= 500

    def delay(
        self,
        retries_done: int,
        headers: Mapping[str, str] | None,
        rand: Callable[[], float],
        now: Callable[[], float] = time.time,
    ) -> float | None:
        """Seconds to wait before retry number ``retries_done + 1``; None means do not retry."""
        if retries_done >= self.max_retries:
            return None
        asked = retry_after_seconds(headers or {}, now)
        if asked is not None:
            if asked > self.max_retry_wait:
                return None
            if asked > 0:
                return asked
        base = min(self.initial_delay * (2.0**retries_done), self.max_delay)
        return base * (1.0 - 0.25 * rand())

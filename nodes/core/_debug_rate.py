"""The debug node's output limits: a fixed one-second window with a message budget.

A debug node fed thousands of messages a second would otherwise publish each one to the comms
websocket, whose bounded per-client queue then disconnects the editor (a reconnect loop). The
node admits ``limit`` sidebar messages per window and reports the rest once, when the window ends
(at the first message of a later window, or from the node's timer if none comes). Time comes from
``settings.extra["debug_clock"]`` when set (tests), else ``LoopClock``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

CLOCK_KEY = "debug_clock"
WINDOW = 1.0  # seconds


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> float: ...
    def call_later(self, delay: float, fn: Callable[[], Any]) -> Cancellable: ...


class LoopClock:
    """Monotonic seconds (the event loop's time), and timers from ``schedule`` (a node's ``call_later``)."""

    def __init__(self, schedule: Callable[[float, Callable[[], Any]], Cancellable]) -> None:
        self.call_later = schedule

    def now(self) -> float:
        return time.monotonic()


class WindowLimit:
    """At most ``limit`` admissions per ``WINDOW`` (0 = unlimited).

    ``on_window_end(dropped)`` is called once for a window that refused something; the owner
    must call ``close()`` to cancel the pending timer.
    """

    def __init__(self, limit: int, clock: Clock, on_window_end: Callable[[int], None]) -> None:
        self.limit = limit
        self.clock = clock
        self.on_window_end = on_window_end
        self.started: float | None = None
        self.admitted = 0
        self.dropped = 0
        self._timer: Cancellable | None = None

    def admit(self) -> bool:
        if self.limit <= 0:
            return True
        now = self.clock.now()
        if self.started is None or now - self.started >= WINDOW:
            self.end_window()
            self.started, self.admitted = now, 0
        if self.admitted < self.limit:
            self.admitted += 1
            return True
        self.dropped += 1
        if self._timer is None:
            self._timer = self.clock.call_later(max(0.0, self.started + WINDOW - now), self.end_window)
        return False

    def end_window(self) -> None:
        """Report the current window's refusals now (the timer calls this at the window's end)."""
        self.cancel_timer()
        dropped, self.dropped = self.dropped, 0
        if dropped:
            self.on_window_end(dropped)

    def cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def close(self) -> None:
        self.cancel_timer()
        self.dropped = 0


def max_rate(settings: Any, default: int) -> int:
    """``debugMaxRate`` (messages per second per debug node; 0 = unlimited) from the settings."""
    value = getattr(settings, "debugMaxRate", None)
    if value is None:
        value = getattr(settings, "extra", {}).get("debugMaxRate", default)
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default

"""The watchdog: interrupts Python code that holds the event loop past its time limit.

A function node's Python code runs on the event-loop thread (in-process, no worker per node). If it
loops for ever, nothing else runs: not the admin API, not the editor, not other flows. The
``Watchdog`` owned by the runtime bounds each call::

    result = watchdog.call(10.0, code.fn, msg, **names)   # raises TimedOut after 10 s

One thread per runtime polls every ``TICK`` seconds. When a call passes its deadline the thread
raises ``Interrupt`` inside the event-loop thread with CPython's ``PyThreadState_SetAsyncExc``
(delivered at the next bytecode boundary), and, when the loop runs on the main thread, also sends
it ``SIGUSR2`` so that a blocking system call (``time.sleep``, a socket read) returns with EINTR and
the exception is raised from the signal handler. ``call`` turns it into ``TimedOut``.

The hot path (``arm``/``disarm``) is a few attribute reads and writes: no lock, no clock; the
thread measures the time itself. An interrupt that is still pending when the call ends is cleared
under that lock, so it can never land in the runtime's own code. Code that swallows the interrupt
(``except BaseException``) is interrupted again every second until it ends. The runtime's own code that
user code calls (``node.send``, context) runs ``pause``d, so an interrupt never lands half-way
through it. C code that holds the
GIL without running bytecode (one huge regular expression match) cannot be interrupted in-process;
``functionIsolation = "process"`` covers it.
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar

__all__ = ["TICK", "Guarded", "Interrupt", "TimedOut", "Watchdog"]

T = TypeVar("T")
TICK = 0.05
"""Seconds between two checks of the watchdog thread (the precision of a time limit)."""
REFIRE = 1.0
"""Seconds between two interrupts of code that swallowed the first one."""

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = [ctypes.c_ulong, ctypes.py_object]
_set_async_exc.restype = ctypes.c_int
_clear_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi))
_WAKE_SIGNAL = signal.SIGUSR2


class Interrupt(BaseException):
    """Raised inside code that overran its limit (a BaseException: ``except Exception`` does not
    swallow it). Only ``Watchdog.call`` should ever see it."""


_INTERRUPT = ctypes.py_object(Interrupt)


class TimedOut(Exception):
    """A call overran its time limit and was interrupted."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"timed out after {_fmt(seconds)} s")
        self.seconds = seconds


class Watchdog:
    """Bounds synchronous calls on one thread (the event loop's); see the module docstring.

    ``arm(seconds)``, the call, then ``disarm()`` in a ``finally`` (with ``except Interrupt``
    around both); ``call`` wraps the three. The hottest path (``FunctionNode.on_input``) inlines
    them after ``start()``: ``wd.seq += 1; wd.limit = seconds`` before the call and ``wd.limit =
    0.0; if wd.pending: wd.disarm()`` after it (about 0.1 us a call).
    """

    __slots__ = ("_old_handler", "_stop", "_thread", "_tid", "_wake_main", "fired", "limit", "pending", "seq",
                 "tick")

    def __init__(self, tick: float = TICK) -> None:
        self.tick = tick
        self.fired = 0
        """Interrupts raised so far (statistics)."""
        self.limit = 0.0
        """The armed call's limit in seconds (0: none armed)."""
        self.seq = 0
        """Counts armed calls: the thread tells one call from the next by it."""
        self.pending = False
        """An interrupt was raised and may not have landed yet: ``disarm`` clears it."""
        self._tid = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._old_handler: Any = None
        self._wake_main = False

    def arm(self, seconds: float) -> bool:
        """Start the clock of one call on this thread; False (nothing armed) when ``seconds`` is 0
        or a call is armed already (a nested call runs under the outer one's limit)."""
        if seconds <= 0 or self.limit:
            return False
        self.start()
        self.seq += 1
        self.limit = seconds
        return True

    def disarm(self) -> None:
        """End the call armed last; clears an interrupt raised too late to land in it."""
        self.limit = 0.0
        if self.pending:  # no interrupt can be raised from here on (see _watch)
            self.pending = False
            _clear_async_exc(self._tid, None)

    def pause(self) -> float:
        """Shield the runtime's own code called from a bounded call (``node.send``, context...):
        no interrupt lands until ``resume(returned value)``; the call's clock keeps running."""
        limit = self.limit
        self.limit = 0.0
        if self.pending:
            self.pending = False
            _clear_async_exc(self._tid, None)
        return limit

    def resume(self, limit: float) -> None:
        """End a ``pause``: the call is bounded again (interrupted at once if already over)."""
        self.limit = limit

    def call(self, seconds: float, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)``, interrupted with ``TimedOut`` after ``seconds`` (0: no limit)."""
        if not self.arm(seconds):
            return fn(*args, **kwargs)
        try:
            try:
                return fn(*args, **kwargs)
            finally:
                self.disarm()
        except Interrupt:
            self.disarm()  # the interrupt may have landed inside the first disarm
            raise TimedOut(seconds) from None

    def close(self) -> None:
        """Stop the thread (the runtime's shutdown); a later ``arm`` starts it again."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()
        self._stop.clear()
        if self._wake_main and threading.current_thread() is threading.main_thread():
            signal.signal(_WAKE_SIGNAL, self._old_handler)
        self._wake_main = False

    # --- the watchdog thread ---
    def start(self) -> None:
        """Start the thread if it does not run yet; the calling thread is the one it watches."""
        if self._thread is not None:
            return
        self._tid = threading.get_ident()
        self._wake_main = False
        if threading.current_thread() is threading.main_thread():
            old = signal.getsignal(_WAKE_SIGNAL)
            if old in (signal.SIG_DFL, None):
                self._old_handler = old if old is not None else signal.SIG_DFL
                signal.signal(_WAKE_SIGNAL, _on_wake)
                self._wake_main = True
        self._thread = threading.Thread(target=self._watch, name="flowengine-watchdog", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        tid, exc = self._tid, _INTERRUPT
        seen_seq, seen_at, last_fire = -1, 0.0, 0.0
        while not self._stop.wait(self.tick):
            seq, limit = self.seq, self.limit
            if not limit:
                continue
            now = time.monotonic()
            if seq != seen_seq:
                seen_seq, seen_at = seq, now
                continue
            if now - seen_at < limit or (last_fire > seen_at and now - last_fire < REFIRE):
                continue
            # Atomic under the GIL: reading the two attributes, the compare and the jump never
            # check the eval breaker, so the event-loop thread cannot disarm between the check
            # and the interrupt; ``disarm`` then sees ``pending`` and clears what came too late.
            if self.limit and self.seq == seq:
                self.pending = True
                _set_async_exc(tid, exc)
            else:
                continue
            last_fire = now
            self.fired += 1
            if self._wake_main:
                signal.pthread_kill(tid, _WAKE_SIGNAL)


class Guarded:
    """Awaitable running a coroutine so that each of its steps (each stretch between two awaits,
    where it holds the event loop) is bounded by ``seconds``: ``await Guarded(wd, 10.0, coro)``
    raises ``TimedOut`` when one step overruns. Waiting in an ``await`` costs no time."""

    __slots__ = ("coro", "seconds", "watchdog")

    def __init__(self, watchdog: Watchdog, seconds: float, coro: Coroutine[Any, Any, T]) -> None:
        self.watchdog = watchdog
        self.seconds = seconds
        self.coro = coro

    def __await__(self) -> Generator[Any, Any, Any]:
        wd, seconds, coro = self.watchdog, self.seconds, self.coro
        value: Any = None
        error: BaseException | None = None
        while True:
            armed = wd.arm(seconds)
            try:
                try:
                    yielded = coro.send(value) if error is None else coro.throw(error)
                finally:
                    if armed:
                        wd.disarm()
            except StopIteration as stop:
                return stop.value
            except Interrupt:
                wd.disarm()
                raise TimedOut(seconds) from None
            try:
                value, error = (yield yielded), None
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # cancellation and thrown errors go on into the coroutine
                value, error = None, exc


def _on_wake(signum: int, frame: Any) -> None:
    """SIGUSR2 handler: its only job is to run bytecode, so a pending ``Interrupt`` is raised from
    inside the blocking call that the signal cut short."""
    return None


def _fmt(seconds: float) -> str:
    return f"{seconds:g}"

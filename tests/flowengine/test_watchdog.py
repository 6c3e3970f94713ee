"""The watchdog: bounded calls, interrupts that never land outside the call, negligible cost."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from flowengine.watchdog import Guarded, Interrupt, TimedOut, Watchdog


@pytest.fixture
def watchdog() -> Iterator[Watchdog]:
    wd = Watchdog(tick=0.01)
    yield wd
    wd.close()


def _spin() -> None:
    while True:
        pass


def test_an_endless_loop_and_a_blocking_call_are_interrupted(watchdog: Watchdog) -> None:
    for fn, args in ((_spin, ()), (time.sleep, (30,))):
        started = time.monotonic()
        with pytest.raises(TimedOut, match=r"timed out after 0\.2 s"):
            watchdog.call(0.2, fn, *args)
        assert 0.2 <= time.monotonic() - started < 2
    assert watchdog.call(0.2, lambda: 5) == 5  # and it keeps working


def test_code_that_swallows_the_interrupt_is_interrupted_again(watchdog: Watchdog) -> None:
    swallowed: list[float] = []

    def stubborn() -> None:
        while len(swallowed) < 2:
            try:
                while True:
                    time.sleep(0.001)
            except BaseException:  # what careless user code does
                swallowed.append(time.monotonic())
        _spin()

    with pytest.raises(TimedOut):
        watchdog.call(0.1, stubborn)
    assert len(swallowed) == 2


def test_an_interrupt_never_lands_outside_the_call() -> None:
    # calls ending around their limit, checked by a fast watchdog: many fire, none leaks out
    wd = Watchdog(tick=0.0005)
    fired_in_call = leaked = 0

    def busy(n: int) -> int:
        x = 0
        for i in range(n):
            x += i
        return x

    try:
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            try:
                wd.call(0.001, busy, random.randint(1_000, 200_000))
            except TimedOut:
                fired_in_call += 1
            try:
                busy(random.randint(10, 3_000))
            except Interrupt:
                leaked += 1
    finally:
        wd.close()
    assert leaked == 0
    assert fired_in_call <= wd.fired


async def test_guarded_bounds_each_step_of_a_coroutine_not_its_waits(watchdog: Watchdog) -> None:
    import asyncio

    async def waits_then_spins() -> None:
        await asyncio.sleep(0.3)  # longer than the limit: waiting is free
        _spin()

    async def waits_only() -> str:
        await asyncio.sleep(0.3)
        return "done"

    assert await Guarded(watchdog, 0.2, waits_only()) == "done"
    with pytest.raises(TimedOut):
        await Guarded(watchdog, 0.2, waits_then_spins())

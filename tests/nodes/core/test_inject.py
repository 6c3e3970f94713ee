"""inject node: typed props, POST /inject bodies, once/repeat/cron timers (corpus inject_typed_props)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flowengine.nodes.core.inject import WallClock

from flowengine.settings import Settings
from flowengine.testing import FlowHarness


def inject_flow(**props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t", "env": [{"name": "CORPUS_ENV", "value": "tab-env", "type": "str"}]},
        {"id": "in", "type": "inject", "z": "t", "repeat": "", "crontab": "", "once": False, "onceDelay": 0.1,
         "topic": "", "payload": "", "payloadType": "date", "wires": [["out"]], **props},
        {"id": "out", "type": "test-sink", "z": "t"},
    ]


async def test_user_props_replace_configured_props_and_are_typed() -> None:
    props = [{"p": "a", "v": "s", "vt": "str"}, {"p": "b", "v": "1e3", "vt": "num"},
             {"p": "c", "v": "TRUE", "vt": "bool"},
             {"p": "d", "v": '{"x":[1]}', "vt": "json"}, {"p": "e", "v": '"hi"', "vt": "bin"},
             {"p": "f", "v": "CORPUS_ENV", "vt": "env"}, {"p": "g", "v": "nope", "vt": "flow"},
             {"p": "i", "v": "1+2", "vt": "jsonata"}, {"p": "k", "v": "abc", "vt": "num"},
             {"p": "l", "v": "", "vt": "num"}, {"p": "o.p.q", "v": "nested", "vt": "str"}]
    async with FlowHarness(inject_flow(props=[{"p": "payload"}, {"p": "topic", "vt": "str"}])) as h:
        assert h.inject("in", {"__user_inject_props__": props, "extra": 1})
        [msg] = await h.wait_for("out")
    assert msg["a"] == "s" and msg["b"] == 1000 and msg["c"] is True and msg["d"] == {"x": [1]}
    assert msg["e"] == b"hi" and msg["f"] == "tab-env" and msg["i"] == 3 and math.isnan(msg["k"])
    assert msg["l"] == 0 and msg["o"] == {"p": {"q": "nested"}}
    assert "g" not in msg and "payload" not in msg and "topic" not in msg and "__user_inject_props__" not in msg
    assert msg["extra"] == 1  # the body becomes the message


async def test_configured_props_and_legacy_payload() -> None:
    async with FlowHarness(inject_flow(props=[{"p": "payload"}, {"p": "topic", "vt": "str"}],
                                       payload="42", payloadType="num", topic="tt")) as h:
        h.inject("in")
        [msg] = await h.wait_for("out")
    assert msg["payload"] == 42 and msg["topic"] == "tt"
    legacy = inject_flow(payload='{"a":1}', payloadType="json", topic="old")
    async with FlowHarness(legacy) as h:
        h.inject("in", {})
        [msg] = await h.wait_for("out")
    assert msg["payload"] == {"a": 1} and msg["topic"] == "old"


async def test_button_message_has_msgid_first_and_a_timer_message_last() -> None:
    # Node-RED: the button is node.receive() (id set before the props), a timer emits {} (id at send)
    flows = inject_flow(props=[{"p": "payload", "v": "x", "vt": "str"}, {"p": "topic", "v": "t", "vt": "str"}],
                        once=True, onceDelay=0.01)
    async with FlowHarness(flows) as h:
        [timer] = await h.wait_for("out")
        h.inject("in")
        [_, button] = await h.wait_for("out", 2)
    assert list(button) == ["_msgid", "payload", "topic"]
    assert list(timer) == ["payload", "topic", "_msgid"]


async def test_date_payload_is_a_millisecond_timestamp() -> None:
    async with FlowHarness(inject_flow(props=[{"p": "payload"}])) as h:
        h.inject("in")
        [msg] = await h.wait_for("out")
    assert isinstance(msg["payload"], int) and msg["payload"] > 1_600_000_000_000


async def test_once_and_repeat_fire_without_a_button() -> None:
    flows = inject_flow(props=[{"p": "payload", "v": "tick", "vt": "str"}], once=True, onceDelay=0.01, repeat="0.05")
    async with FlowHarness(flows) as h:
        msgs = await h.wait_for("out", 3, timeout=5)
    assert [m["payload"] for m in msgs[:3]] == ["tick"] * 3


async def test_close_cancels_timers() -> None:
    flows = inject_flow(props=[{"p": "payload", "v": "x", "vt": "str"}], repeat="0.02")
    async with FlowHarness(flows) as h:
        await h.wait_for("out", 1, timeout=5)
        node = h.node("in")
    assert node._handles == []


@pytest.mark.parametrize("crontab", ["*/5 * * * *", "0 */1 * * * *"])
async def test_crontab_is_accepted(crontab: str) -> None:
    async with FlowHarness(inject_flow(crontab=crontab)) as h:
        await h.drain()
        assert [t for _lvl, nid, t in h.logs if nid == "in"] == []
        assert h.node("in")._handles  # the next run is scheduled


async def test_bad_crontab_is_reported() -> None:
    async with FlowHarness(inject_flow(crontab="not a cron")) as h:
        await h.drain()
    assert any(nid == "in" and "crontab" in text for _lvl, nid, text in h.logs)


async def test_failing_property_is_a_catchable_error() -> None:
    flows = [*inject_flow(props=[{"p": "payload", "v": "{bad", "vt": "json"}]),
             {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
             {"id": "err", "type": "test-sink", "z": "t"}]
    async with FlowHarness(flows) as h:
        h.inject("in")
        [caught] = await h.wait_for("err")
    assert caught["error"]["source"]["id"] == "in"
    assert h.received("out") == []


class FakeClock:
    """A wall clock the test moves: ``advance()`` jumps to the next timer and runs it."""

    class Timer:
        def __init__(self, when: datetime, fn: Callable[[], Any]):
            self.when, self.fn, self.cancelled = when, fn, False

        def cancel(self) -> None:
            self.cancelled = True

    def __init__(self, start: datetime):
        self.time = start
        self.timers: list[FakeClock.Timer] = []

    def now(self) -> datetime:
        return self.time

    def call_at(self, when: datetime, fn: Callable[[], Any]) -> FakeClock.Timer:
        timer = FakeClock.Timer(when, fn)
        self.timers.append(timer)
        return timer

    def advance(self) -> datetime:
        timer = min((t for t in self.timers if not t.cancelled), key=lambda t: t.when)
        self.timers.remove(timer)
        self.time = timer.when
        timer.fn()
        return timer.when


MONDAY_NOON = datetime(2024, 1, 1, 12, 3, 10, tzinfo=UTC)  # Monday 1 January 2024, 12:03:10


async def fire_times(tmp_path: Path, crontab: str, count: int, start: datetime = MONDAY_NOON) -> list[str]:
    clock = FakeClock(start)
    settings = Settings.load(user_dir=tmp_path)
    settings.extra["inject_clock"] = clock
    flows = inject_flow(crontab=crontab, props=[{"p": "payload", "v": "tick", "vt": "str"}])
    async with FlowHarness(flows, settings=settings) as h:
        times = []
        for i in range(count):
            times.append(clock.advance().strftime("%a %H:%M:%S"))
            await h.wait_for("out", i + 1)
        node = h.node("in")
    assert all(t.cancelled for t in clock.timers) and node._handles == []  # close cancels the next run
    return times


@pytest.mark.parametrize(("crontab", "expected"), [
    ("*/5 * * * *", ["Mon 12:05:00", "Mon 12:10:00", "Mon 12:15:00"]),
    # "at a specific time" on chosen days, as the editor writes it (two-digit minutes)
    ("00 12 * * 1,3", ["Wed 12:00:00", "Mon 12:00:00", "Wed 12:00:00"]),
    # "interval between times": every 10 minutes from 09:00 through 17:50
    ("*/10 9-17 * * *", ["Mon 12:10:00", "Mon 12:20:00", "Mon 12:30:00"]),
    # six fields: seconds first (Node-RED's cron library); croniter puts them last
    ("30 */15 * * * *", ["Mon 12:15:30", "Mon 12:30:30", "Mon 12:45:30"]),
    # day of week 7 is Sunday, as 0 is
    ("0 8 * * 7", ["Sun 08:00:00", "Sun 08:00:00"]),
    ("0 8 * * 0", ["Sun 08:00:00"]),
])
async def test_cron_fires_at_the_scheduled_wall_clock_times(tmp_path: Path, crontab: str, expected: list[str]) -> None:
    assert await fire_times(tmp_path, crontab, len(expected)) == expected


async def test_interval_between_times_wraps_to_the_next_day(tmp_path: Path) -> None:
    evening = datetime(2024, 1, 1, 17, 45, 0, tzinfo=UTC)
    assert await fire_times(tmp_path, "*/10 9-17 * * 1-5", 3, evening) == ["Mon 17:50:00", "Tue 09:00:00",
                                                                           "Tue 09:10:00"]


async def test_a_late_timer_does_not_skip_or_repeat_a_run(tmp_path: Path) -> None:
    clock = FakeClock(MONDAY_NOON)
    settings = Settings.load(user_dir=tmp_path)
    settings.extra["inject_clock"] = clock
    async with FlowHarness(inject_flow(crontab="*/5 * * * *"), settings=settings) as h:
        [timer] = clock.timers
        clock.time = timer.when + timedelta(seconds=40)  # the loop was busy: the timer runs late
        clock.timers.remove(timer)
        timer.fn()
        await h.wait_for("out", 1)
        [nxt] = [t for t in clock.timers if not t.cancelled]
        assert nxt.when == timer.when + timedelta(minutes=5)


async def test_wall_clock_timer_delay_follows_the_wall_clock() -> None:
    clock = WallClock()
    fired: list[int] = []
    handle = clock.call_at(clock.now() + timedelta(seconds=0.01), lambda: fired.append(1))
    past = clock.call_at(clock.now() - timedelta(hours=1), lambda: fired.append(2))  # due: runs at once
    await asyncio.sleep(0.05)
    assert sorted(fired) == [1, 2]
    handle.cancel()
    past.cancel()

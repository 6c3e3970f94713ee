"""debug node: sidebar events in Node-RED's encoding, property/JSONata targets, status, enable/disable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flowengine.settings import Settings
from flowengine.testing import FlowHarness


def debug_flow(**props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t", "env": []},
        {"id": "d", "type": "debug", "z": "t", "name": "dbg", "active": True, "tosidebar": True, "console": False,
         "tostatus": False, "complete": "true", "targetType": "full", "statusVal": "", "statusType": "auto",
         "wires": [], **props},
    ]


def debug_events(h: FlowHarness) -> list[dict[str, Any]]:
    return [d for t, d in h.events if t == "debug" and "level" not in d]


async def test_complete_message_is_published_encoded() -> None:
    async with FlowHarness(debug_flow()) as h:
        h.send_to("d", {"_msgid": "m1", "payload": 42, "topic": "t"})
        await h.drain()
        [event] = debug_events(h)
    assert {k: event[k] for k in ("id", "z", "path", "name", "topic", "format")} == {
        "id": "d", "z": "t", "path": "t", "name": "dbg", "topic": "t", "format": "Object"}
    assert "property" not in event
    assert json.loads(event["msg"]) == {"_msgid": "m1", "payload": 42, "topic": "t"}


async def test_property_and_jsonata_targets() -> None:
    async with FlowHarness(debug_flow(complete="payload.a", targetType="msg")) as h:
        h.send_to("d", {"payload": {"a": "hello"}})
        await h.drain()
        [event] = debug_events(h)
    assert event["property"] == "payload.a" and event["msg"] == "hello" and event["format"] == "string[5]"
    assert "topic" not in event
    async with FlowHarness(debug_flow(complete="payload * 2", targetType="jsonata")) as h:
        h.send_to("d", {"payload": 21})
        await h.drain()
        [event] = debug_events(h)
    assert event["msg"] == "42" and event["format"] == "number" and "property" not in event


async def test_inactive_and_admin_toggle() -> None:
    async with FlowHarness(debug_flow(active=False)) as h:
        h.send_to("d", {"payload": 1})
        await h.drain()
        assert debug_events(h) == []
        assert h.runtime.set_debug_active("d", True)
        h.send_to("d", {"payload": 2})
        await h.drain()
        assert len(debug_events(h)) == 1


async def test_debug_max_length_truncates(tmp_path: Path) -> None:
    with_short = Settings.load(user_dir=tmp_path, debugMaxLength=5)
    async with FlowHarness(debug_flow(complete="payload", targetType="msg"), settings=with_short) as h:
        h.send_to("d", {"payload": "abcdefghij"})
        await h.drain()
        [event] = debug_events(h)
    assert event["msg"] == "abcde..." and event["format"] == "string[10]"


async def test_objects_and_arrays_are_cut_before_encoding(tmp_path: Path) -> None:
    # issue 18: a debug node showing 5 MB objects must not send megabytes to the sidebar or the log
    with_short = Settings.load(user_dir=tmp_path, debugMaxLength=10)
    wide = {f"k{i}": i for i in range(100_000)}
    big = {"rows": [["x" * 100] * 10 for _ in range(1_000)]}
    flows = debug_flow(complete="payload", targetType="msg", console=True)
    async with FlowHarness(flows, settings=with_short) as h:
        for payload in (wide, big, list(range(50))):
            h.send_to("d", {"payload": payload})
        await h.drain()
        events = debug_events(h)
    shown = [json.loads(e["msg"]) for e in events]
    assert len(shown[0]) == 11 and shown[0]["..."].startswith("99990 more")  # the notice is cut at 10 too
    assert len(events[1]["msg"]) < 10 * 100 * 2  # about BUDGET_PER_LENGTH * debugMaxLength characters
    assert shown[1]["rows"]["__enc__"] and shown[1]["rows"]["length"] == 1_000
    assert shown[2] == {"__enc__": True, "type": "array", "data": list(range(10)), "length": 50}
    assert events[2]["format"] == "array[50]"
    assert all(len(line) < 5_000 for line in console_lines(h))
    assert wide["k99999"] == 99_999 and len(big["rows"]) == 1_000  # the messages are untouched


async def test_status_shows_a_short_text() -> None:
    async with FlowHarness(debug_flow(tostatus=True, tosidebar=False)) as h:
        h.send_to("d", {"payload": "x" * 40})
        h.send_to("d", {"payload": {"a": 1}})
        await h.drain()
        statuses = [d for t, d in h.events if t == "status/d"]
        assert debug_events(h) == []
    assert statuses[0] == {"fill": "grey", "shape": "ring"}
    assert statuses[1] == {"text": "x" * 32 + "...", "fill": "grey", "shape": "dot"}
    assert statuses[2]["text"] == "{ a: 1 }"


async def test_the_first_status_is_set_while_the_node_is_built() -> None:
    # Node-RED's constructor sets it: the editor shows it, no status node hears it (this kept the
    # corpus case subflow_two_outputs_status from depending on when start-up statuses arrive)
    flows = [*debug_flow(tostatus=True, tosidebar=False),
             {"id": "st", "type": "status", "scope": ["d"], "wires": [["heard"]]}, {"id": "heard", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        await h.drain()
        assert [d for t, d in h.events if t == "status/d"] == [{"fill": "grey", "shape": "ring"}]
        assert h.received("heard") == []
        h.send_to("d", {"payload": 1})
        [heard] = await h.wait_for("heard")
    assert heard["status"]["text"] == "1"


def console_lines(h: FlowHarness) -> list[str]:
    return [text for level, nid, text in h.logs if nid == "d" and level == 40]  # node.log: info


async def run(msgs: list[dict[str, Any]], **props: Any) -> FlowHarness:
    async with FlowHarness(debug_flow(**props)) as h:
        for m in msgs:
            h.send_to("d", m)
        await h.drain()
    return h


async def test_console_logs_the_complete_message_like_util_inspect() -> None:
    h = await run([{"_msgid": "m1", "payload": "hi", "topic": "t", "n": None, "ok": True}],
                  console=True, tosidebar=False)
    assert console_lines(h) == ["\n{ _msgid: 'm1', payload: 'hi', topic: 't', n: null, ok: true }"]
    assert debug_events(h) == []


async def test_console_logs_a_property_strings_as_they_are_other_values_inspected() -> None:
    msgs = [{"payload": "plain"}, {"payload": "two\nlines"}, {"payload": {"a": [1, "x"]}}, {"payload": None},
            {"payload": 42}, {"payload": False}, {}, {"payload": b"hi"}]
    h = await run(msgs, console="true", complete="payload", targetType="msg")
    assert console_lines(h) == ["plain", "\ntwo\nlines", "\n{ a: [ 1, 'x' ] }", "\nnull", "42", "false",
                                "undefined", "\n<Buffer 68 69>"]
    assert len(debug_events(h)) == len(msgs)  # the sidebar gets them too


async def test_console_breaks_long_objects_over_lines_and_keeps_depth_ten() -> None:
    deep = {"a": {"b": {"c": {"d": {"e": 1}}}}}
    h = await run([{"payload": {"text": "x" * 70, "n": 1}}, {"payload": deep}], console=True, complete="payload")
    assert console_lines(h) == ["\n{\n  text: '" + "x" * 70 + "',\n  n: 1\n}",
                                "\n{\n  a: {\n    b: { c: { d: { e: 1 } } }\n  }\n}"]  # as Node 20 prints it


async def test_console_logs_even_when_the_sidebar_is_off_or_inactive() -> None:
    h = await run([{"payload": 1}], console=True, complete="payload", active=False)
    assert console_lines(h) == ["1"] and debug_events(h) == []


async def test_console_logs_the_jsonata_result() -> None:
    h = await run([{"payload": 21}], console=True, complete="{'double': payload * 2}", targetType="jsonata")
    assert console_lines(h) == ["\n{ double: 42 }"]


async def test_no_console_output_unless_asked() -> None:
    h = await run([{"payload": 1}], console=False, tostatus=True)
    assert console_lines(h) == []


def statuses(h: FlowHarness) -> list[dict[str, Any]]:
    # after the initial grey ring, before the clearing {} of the close
    return [d for t, d in h.events if t == "status/d" and d][1:]


async def test_console_status_and_sidebar_together() -> None:
    h = await run([{"payload": {"a": 1}}], console=True, tostatus=True, complete="payload")
    assert console_lines(h) == ["\n{ a: 1 }"]
    assert statuses(h) == [{"fill": "grey", "shape": "dot", "text": "{ a: 1 }"}]
    assert [e["msg"] for e in debug_events(h)] == ['{"a":1}']


async def test_auto_status_of_the_complete_message_is_the_payload() -> None:
    h = await run([{"payload": "p", "topic": "t"}], tostatus=True, complete="true")
    assert statuses(h) == [{"fill": "grey", "shape": "dot", "text": "p"}]


async def test_auto_status_shows_errors_red_and_status_messages_as_they_are() -> None:
    msgs = [{"payload": 1, "error": {"message": "boom"}},
            {"payload": 2, "status": {"fill": "green", "shape": "ring", "text": "connected"}},
            {"payload": 3, "status": {"text": "no colours"}}]
    h = await run(msgs, tostatus=True, complete="payload")
    assert statuses(h) == [{"fill": "red", "shape": "dot", "text": "boom"},
                           {"fill": "green", "shape": "ring", "text": "connected"},
                           {"fill": "grey", "shape": "ring", "text": "no colours"}]


async def test_msg_status_type_reads_status_val_and_ignores_errors() -> None:
    msgs = [{"payload": "p", "topic": "from topic", "error": {"message": "boom"}}, {"payload": "p", "topic": 7}]
    h = await run(msgs, tostatus=True, complete="payload", statusType="msg", statusVal="topic")
    assert statuses(h) == [{"fill": "grey", "shape": "dot", "text": "from topic"},
                           {"fill": "grey", "shape": "dot", "text": "7"}]


async def test_msg_status_type_without_status_val_uses_the_debugged_property() -> None:
    h = await run([{"payload": {"inner": "v"}}], tostatus=True, complete="payload.inner", statusType="msg",
                  statusVal="")
    assert statuses(h) == [{"fill": "grey", "shape": "dot", "text": "v"}]


async def test_jsonata_status_type_and_a_status_object_result() -> None:
    h = await run([{"payload": 21}], tostatus=True, statusType="jsonata", statusVal="payload * 2")
    assert statuses(h) == [{"fill": "grey", "shape": "dot", "text": "42"}]
    expr = "{'fill': 'blue', 'shape': 'ring', 'text': 'n=' & payload}"
    h = await run([{"payload": 5}], tostatus=True, statusType="jsonata", statusVal=expr)
    assert statuses(h) == [{"fill": "blue", "shape": "ring", "text": "n=5"}]


async def test_an_unchanged_status_is_not_sent_again_and_own_status_is_ignored() -> None:
    own = {"payload": "x", "status": {"text": "loop", "source": {"id": "d", "type": "debug"}}}
    h = await run([{"payload": "same"}, {"payload": "same"}, own, {"payload": "other"}], tostatus=True,
                  complete="payload")
    assert [s["text"] for s in statuses(h)] == ["same", "other"]
    assert len(debug_events(h)) == 3  # the status loop message is dropped entirely


async def test_bad_status_expression_is_an_error_at_start() -> None:
    h = await run([{"payload": 1}], tostatus=True, statusType="jsonata", statusVal="payload +")
    assert any(nid == "d" and "Invalid JSONata" in text for _l, nid, text in h.logs)
    assert debug_events(h) == []


class FakeClock:
    """The debug node's clock (``settings.extra["debug_clock"]``): time moves only on ``advance``."""

    def __init__(self) -> None:
        self.time = 1000.0
        self.timers: list[FakeTimer] = []

    def now(self) -> float:
        return self.time

    def call_later(self, delay: float, fn: Any) -> FakeTimer:
        timer = FakeTimer(self.time + delay, fn)
        self.timers.append(timer)
        return timer

    def advance(self, seconds: float) -> None:
        self.time += seconds
        for timer in [t for t in self.timers if t.when <= self.time and not t.cancelled]:
            timer.cancelled = True
            timer.fn()
        self.timers = [t for t in self.timers if not t.cancelled]


class FakeTimer:
    def __init__(self, when: float, fn: Any) -> None:
        self.when, self.fn, self.cancelled = when, fn, False

    def cancel(self) -> None:
        self.cancelled = True


def clocked(tmp_path: Path, clock: FakeClock, **settings: Any) -> Settings:
    loaded = Settings.load(user_dir=tmp_path, **settings)
    loaded.extra["debug_clock"] = clock
    return loaded


async def test_a_flood_is_limited_per_second_with_one_summary_per_window(tmp_path: Path) -> None:
    clock = FakeClock()
    flow = debug_flow(complete="payload", console=True)
    async with FlowHarness(flow, settings=clocked(tmp_path, clock, debugMaxRate=20)) as h:
        for i in range(1000):
            h.send_to("d", {"payload": i})
        await h.drain()
        shown = debug_events(h)
        assert [e["msg"] for e in shown] == [str(i) for i in range(20)]  # the summary waits for the window's end
        assert len(console_lines(h)) == 1000  # the console is never limited
        clock.advance(1.0)  # the node's timer ends the window
        [summary] = debug_events(h)[20:]
        assert summary == {"id": "d", "z": "t", "path": "t", "name": "dbg", "dropped": 980, "rate": 20,
                           "msg": "980 messages not shown (over 20/s)", "format": "string[34]"}
        assert clock.timers == []
        for i in range(30):  # the next window publishes again; its summary comes with the window after
            h.send_to("d", {"payload": i})
        await h.drain()
        assert len(debug_events(h)) == 41
        clock.advance(1.5)
        h.send_to("d", {"payload": "later"})
        await h.drain()
        tail = debug_events(h)[41:]
    assert [e.get("dropped") for e in tail] == [10, None] and tail[1]["msg"] == "later"


async def test_a_limit_of_zero_publishes_everything(tmp_path: Path) -> None:
    clock = FakeClock()
    async with FlowHarness(debug_flow(complete="payload"), settings=clocked(tmp_path, clock, debugMaxRate=0)) as h:
        for i in range(1000):
            h.send_to("d", {"payload": i})
        await h.drain()
        clock.advance(1.0)
        events = debug_events(h)
    assert len(events) == 1000 and not any("dropped" in e for e in events) and clock.timers == []


async def test_default_limit_and_status_rate(tmp_path: Path) -> None:
    clock = FakeClock()
    async with FlowHarness(debug_flow(complete="payload", tostatus=True), settings=clocked(tmp_path, clock)) as h:
        for i in range(1000):
            h.send_to("d", {"payload": f"n{i}"})
        await h.drain()
        assert len(debug_events(h)) == 50
        assert [s["text"] for s in statuses(h)] == ["n0", "n1", "n2", "n3", "n4"]
        clock.advance(1.0)  # the second's end shows the latest value
        assert [s["text"] for s in statuses(h)][5:] == ["n999"]
        assert debug_events(h)[-1]["dropped"] == 950
    assert clock.timers == []


async def test_close_cancels_the_pending_summary(tmp_path: Path) -> None:
    clock = FakeClock()
    async with FlowHarness(debug_flow(complete="payload"), settings=clocked(tmp_path, clock, debugMaxRate=2)) as h:
        for i in range(5):
            h.send_to("d", {"payload": i})
        await h.drain()
        assert len(clock.timers) == 1
    assert all(t.cancelled for t in clock.timers) and len(debug_events(h)) == 2

"""inject node: typed props, POST /inject bodies, once/repeat/cron timers (corpus inject_typed_props)."""

from __future__ import annotations

import math
from typing import Any

import pytest

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

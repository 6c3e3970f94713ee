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

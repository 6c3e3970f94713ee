"""ui_toast, ui_audio, ui_ui_control; the hub's layout order, links and spacers; state across a
redeploy; a slow page's bounded backlog."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from flowengine.nodes.dashboard.clients import Client
from flowengine.nodes.dashboard.hub import DashboardHub

from flowengine.testing import FlowHarness

from .page_probe import GROUP, TAB, PageProbe, dashboard_flow


async def test_toast_shows_the_payload_and_a_dialog_answer_is_sent_on() -> None:
    flows = dashboard_flow(
        {"id": "note", "type": "ui_toast", "position": "top right", "displayTime": "3", "highlight": "",
         "sendall": True, "outputs": 0, "ok": "OK", "cancel": "", "raw": False, "topic": "", "wires": []},
        {"id": "ask", "type": "ui_toast", "position": "dialog", "displayTime": "", "ok": "Yes", "cancel": "No",
         "topic": "Sure?", "wires": [["out"]]},
        {"id": "out", "type": "test-sink"})
    async with FlowHarness(flows) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("note", {"payload": "<b>Hello</b>", "topic": "Title", "socketid": "someone"})
        h.send_to("ask", {"payload": "Delete?", "extra": 1})
        await h.drain()
        note, ask = page.events("show-toast")
        assert {k: note[k] for k in ("title", "message", "displayTime", "position", "dialog", "raw")} == {
            "title": "Title", "message": "<b>Hello</b>", "displayTime": 3000, "position": "top right",
            "dialog": False, "raw": False}
        assert "socketid" not in note  # sendall drops msg.socketid
        assert (ask["dialog"], ask["ok"], ask["cancel"], ask["title"]) == (True, "Yes", "No", "Sure?")
        answer = {**ask, "msg": {**ask["msg"], "payload": "Yes"}}
        page.operate("ask", answer)
        [msg] = await h.wait_for("out")
        assert (msg["payload"], msg["topic"], msg["extra"]) == ("Yes", "Sure?", 1)


async def test_ui_control_switches_tabs_and_reports_page_events() -> None:
    flows = dashboard_flow({"id": "txt", "type": "ui_text", "format": "{{msg.payload}}", "wires": []},
                           {"id": "ctl", "type": "ui_ui_control", "events": "all", "wires": [["out"]]},
                           {"id": "out", "type": "test-sink"})
    async with FlowHarness(flows) as h:
        page = PageProbe(h, "browser-a")
        page.events()
        h.send_to("ctl", {"payload": "Home"})
        h.send_to("ctl", {"payload": {"group": {"hide": ["Home_Sensors"]}}, "socketid": "browser-a"})
        await h.drain()
        assert page.events("ui-control") == [{"type": "ui-control", "tab": "Home"},
                                             {"type": "ui-control", "group": {"hide": ["Home_Sensors"]},
                                              "socketid": "browser-a"}]
        page.send("ui-change", index=0)
        page.send("ui-collapse", group="Home_Sensors", state=False)
        page.close()
        msgs = await h.wait_for("out", 4)
        assert [(m["payload"], m["socketid"]) for m in msgs] == [
            ("connect", "browser-a"), ("change", "browser-a"), ("group", "browser-a"), ("lost", "browser-a")]
        assert (msgs[1]["tab"], msgs[1]["name"], msgs[2]["open"]) == (0, "Home", False)


async def test_audio_sends_speech_and_sound_to_the_page() -> None:
    flows = dashboard_flow({"id": "au", "type": "ui_audio", "voice": "", "always": "", "wires": []})
    async with FlowHarness(flows) as h:
        page = PageProbe(h)
        h.send_to("au", {"payload": "hello", "level": 500})
        h.send_to("au", {"payload": b"RIFF", "level": 50})
        h.send_to("au", {"reset": True})
        await h.drain()
        tts, sound, reset = page.events("ui-audio")
        assert (tts["tts"], tts["tabname"], "vol" in tts) == ("hello", "Home", False)  # level > 300 dropped
        assert (sound["audio"], sound["vol"]) == ("UklGRg==", 50)
        assert reset["reset"] is True
        page.send("ui-audio", status="playing")
        assert [d for t, d in h.events if t == "status/au"][-1]["text"] == "playing"


async def test_layout_follows_dashboard_1_order_with_links_and_spacers() -> None:
    flows = [
        {**TAB, "id": "t2", "name": "Second", "order": 2},
        {**TAB, "order": 1},
        {**GROUP, "id": "g2", "name": "Later", "order": 2},
        GROUP,
        {"id": "w0", "type": "ui_text", "group": "grp1", "order": 0, "wires": []},
        {"id": "w2", "type": "ui_text", "group": "grp1", "order": 2, "wires": []},
        {"id": "sp", "type": "ui_spacer", "group": "grp1", "order": 1, "width": 1, "height": 1},
        {"id": "w3", "type": "ui_text", "group": "g2", "order": 1, "wires": []},
        {"id": "w4", "type": "ui_text", "group": "g3", "order": 1, "wires": []},
        {**GROUP, "id": "g3", "tab": "t2"},
        {"id": "ln", "type": "ui_link", "name": "Docs", "link": "https://example.org", "icon": "", "target": "newtab",
         "order": 3},
    ]
    async with FlowHarness(flows) as h:
        menu = PageProbe(h).hub.menu()
        assert [e.get("header") or e.get("name") for e in menu] == ["Home", "Second", "Docs"]
        assert [g["id"] for g in menu[0]["items"]] == ["grp1", "g2"]
        assert [c["id"] for c in menu[0]["items"][0]["items"]] == ["sp", "w2", "w0"]  # order 0 goes last


async def test_a_redeploy_keeps_the_values_of_widgets_that_stay() -> None:
    flows = dashboard_flow({"id": "txt", "type": "ui_text", "format": "{{msg.payload}}", "wires": []})
    async with FlowHarness(flows) as h:
        h.send_to("txt", {"payload": "kept"})
        await h.drain()
        await h.deploy([*flows, {"id": "other", "type": "ui_text", "format": "", "wires": []}])
        page = PageProbe(h)
        page.send("ui-replay-state")
        values = {e["id"]: e.get("value") for e in page.events("update-value")}
        assert values == {"txt": "kept"}


def _widget_ids(layout: dict[str, Any]) -> set[str]:
    return {c["id"] for tab in layout["menu"] for group in tab.get("items", []) for c in group["items"]}


async def test_a_redeploy_never_shows_a_page_a_layout_without_the_widgets_it_restarts() -> None:
    flows = dashboard_flow({"id": "txt", "type": "ui_text", "format": "{{msg.payload}}", "wires": []},
                           {"id": "gone", "type": "ui_text", "format": "", "wires": []})
    async with FlowHarness(flows) as h:
        h.send_to("txt", {"payload": "kept"})
        await h.drain()
        page = PageProbe(h)
        page.events()
        new = {"id": "new", "type": "ui_text", "format": "", "wires": [], "group": "grp1"}
        await h.deploy([*flows, new])  # full: every node stops and starts again
        await h.drain()
        layouts = [_widget_ids(e) for e in page.events("ui-controls")]
        assert layouts and all("txt" in ids for ids in layouts)  # the page keeps drawing it as it is
        assert "new" in layouts[-1]
        await h.deploy([*flows[:-1], new], "nodes")  # a widget deleted goes at once
        await h.drain()
        assert _widget_ids(page.events("ui-controls")[-1]) == {"txt", "new"}
        page.send("ui-replay-state")
        [replayed] = page.events("update-value")
        assert (replayed["id"], replayed["value"], replayed["replayed"]) == ("txt", "kept", True)


def test_a_restarting_widget_that_does_not_come_back_leaves_the_page() -> None:
    hub = DashboardHub()
    remove = hub.add_control("w", {"type": "text"}, {"id": "g"}, {"id": "t"})
    hub.restarting("w")
    remove()
    assert "w" in hub.placements  # held for its restart
    hub.forget_state_later("w")  # outside a running loop: at once, as its timer would
    assert "w" not in hub.placements


async def test_a_slow_page_gets_a_fresh_copy_instead_of_an_unbounded_backlog() -> None:
    flows = dashboard_flow({"id": "txt", "type": "ui_text", "format": "{{msg.payload}}", "wires": []})
    async with FlowHarness(flows) as h:
        hub = PageProbe(h).hub
        slow = Client("slow", "127.0.0.1", limit=10)
        hub.connected(slow)
        for i in range(100):
            h.send_to("txt", {"payload": i})
        await h.drain()
        assert slow.backlog <= 10 and slow.overflows >= 1
        batch = await asyncio.wait_for(slow.next_batch(hub.resync_frames), 1)
        assert batch is not None
        events: list[dict[str, Any]] = [json.loads(text) for text in batch]
        assert events[0]["type"] == "ui-controls"
        assert [e["value"] for e in events if e["type"] == "update-value"] == ["99"]

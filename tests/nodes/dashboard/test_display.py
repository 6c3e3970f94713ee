"""Output widgets as Dashboard 1 runs them: ui_text, ui_gauge, ui_template (values to the page,
messages out), plus what every widget shares (msg.enabled, msg.ui_control, msg.socketid)."""

from __future__ import annotations

from flowengine.testing import FlowHarness

from .page_probe import PageProbe, dashboard_flow


def text(**props: object) -> dict[str, object]:
    return {"id": "txt", "type": "ui_text", "label": "Temp", "format": "{{msg.payload}} °C", "layout": "row-spread",
            "order": 1, "width": 0, "height": 0, "wires": [], **props}


async def test_text_shows_the_payload_as_a_string_with_the_fields_its_format_names() -> None:
    async with FlowHarness(dashboard_flow(text(format="{{msg.payload}} at {{msg.room}}"))) as h:
        page = PageProbe(h)
        h.send_to("txt", {"payload": 21.5, "room": "hall", "secret": "x"})
        h.send_to("txt", {"payload": 21.5, "room": "hall"})  # emitted again: ui_text sends every value
        await h.drain()
        values = page.events("update-value")
        assert values[0] == {"type": "update-value", "value": "21.5", "msg": {"payload": 21.5, "room": "hall"},
                             "id": "txt"}
        assert len(values) == 2
        [tab] = page.hub.layout()["menu"]
        [control] = tab["items"][0]["items"]
        assert control["type"] == "text" and control["layout"] == "row" and control["width"] == "6"


async def test_text_of_objects_buffers_and_null() -> None:
    async with FlowHarness(dashboard_flow(text())) as h:
        page = PageProbe(h)
        for payload in ({"a": 1}, [1, 2], b"\xffA", True, None):
            h.send_to("txt", {"payload": payload})
        await h.drain()
        assert [e["value"] for e in page.events("update-value")] == ["[object Object]", "1,2", "\xffA", "true", None]


async def test_enabled_and_ui_control_change_the_widget_on_every_page() -> None:
    async with FlowHarness(dashboard_flow(text())) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("txt", {"enabled": False})
        h.send_to("txt", {"ui_control": {"label": "Outside", "id": "nope", "nothing": 1}})
        await h.drain()
        assert page.events() == [
            {"type": "update-value", "id": "txt", "disabled": True},
            # no payload: ui_text re-sends its (still unset) value with the disabled flag
            {"type": "update-value", "msg": {}, "disabled": True, "id": "txt"},
            {"type": "ui-control", "control": {"label": "Outside"}, "id": "txt"},
        ]
        assert page.hub.placements["txt"].control["label"] == "Outside"  # pages that connect later see it
        assert page.hub.replay["txt"]["disabled"] is True


async def test_socketid_sends_a_template_message_to_that_page_only() -> None:
    # Dashboard 1 routes by msg.socketid when the emitted event carries the message (ui_template,
    # ui_date_picker) or its own socketid (ui_dropdown); ui_text's value goes to every page.
    flows = dashboard_flow(text(), {"id": "tpl", "type": "ui_template", "format": "<p></p>", "wires": []})
    async with FlowHarness(flows) as h:
        first, second = PageProbe(h, "one"), PageProbe(h, "two")
        first.events(), second.events()
        h.send_to("tpl", {"payload": "only you", "socketid": "two"})
        h.send_to("txt", {"payload": "everyone", "socketid": "two"})
        await h.drain()
        assert [e["id"] for e in first.events("update-value")] == ["txt"]
        assert [e["id"] for e in second.events("update-value")] == ["tpl", "txt"]


async def test_a_page_that_connects_later_gets_the_last_values() -> None:
    async with FlowHarness(dashboard_flow(text(), {"id": "g", "type": "ui_gauge", "min": 0, "max": 10,
                                                   "format": "{{value}}", "wires": []})) as h:
        h.send_to("txt", {"payload": "first"})
        h.send_to("txt", {"payload": "last"})
        h.send_to("g", {"payload": 4})
        await h.drain()
        late = PageProbe(h, "late")
        late.events()
        late.send("ui-replay-state")
        replay = late.events()
        assert replay[-1] == {"type": "ui-replay-done"}
        assert {e["id"]: e["value"] for e in replay[:-1]} == {"txt": "last", "g": 4}


async def test_gauge_reads_numbers_and_the_property_its_format_names() -> None:
    flows = dashboard_flow(
        {"id": "g1", "type": "ui_gauge", "gtype": "gage", "title": "T", "label": "°C", "format": "{{value}}",
         "min": "0", "max": "50", "seg1": "30", "seg2": "10", "colors": ["#0f0", "#ff0", "#f00"], "wires": []},
        {"id": "g2", "type": "ui_gauge", "gtype": "donut", "format": "{{msg.payload.temp | number:1}}",
         "min": 100, "max": 0, "wires": []})
    async with FlowHarness(flows) as h:
        page = PageProbe(h)
        h.send_to("g1", {"payload": "42.5"})
        h.send_to("g1", {"payload": "warm"})
        h.send_to("g2", {"payload": {"temp": "7"}})
        await h.drain()
        assert [(e["id"], e["value"]) for e in page.events("update-value")] == [
            ("g1", 42.5), ("g1", "warm"), ("g2", 7)]
        controls = {c["id"]: c for c in page.hub.placements and
                    [p.control for p in page.hub.placements.values()]}
        assert (controls["g1"]["min"], controls["g1"]["max"], controls["g1"]["seg1"], controls["g1"]["seg2"]) == (
            0, 50, 10, 30)
        assert controls["g2"]["reverse"] is True and (controls["g2"]["min"], controls["g2"]["max"]) == (0, 100)
        assert controls["g2"]["height"] == 5  # donut: group width - 1


async def test_template_sends_the_message_to_the_page_and_passes_it_on() -> None:
    flows = dashboard_flow(
        {"id": "tpl", "type": "ui_template", "format": "<p>{{msg.payload}}</p>", "storeOutMessages": True,
         "fwdInMessages": True, "resendOnRefresh": True, "templateScope": "local", "wires": [["out"]]},
        {"id": "out", "type": "test-sink"})
    async with FlowHarness(flows) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("tpl", {"payload": "<b>hi</b>", "topic": "t", "_hidden": 1, "template": "<script>x()</script>"})
        [out] = await h.wait_for("out")
        assert out["payload"] == "<b>hi</b>" and out["template"] == "<script>x()</script>"
        [event] = page.events("update-value")
        assert event["msg"] == {"templateScope": "local", "payload": "<b>hi</b>", "topic": "t"}  # no msg.template
        page.operate("tpl", None, msg={"payload": "clicked", "topic": "from page"})
        msgs = await h.wait_for("out", 2)
        assert {k: msgs[1][k] for k in ("payload", "topic", "socketid")} == {
            "payload": "clicked", "topic": "from page", "socketid": "page-1"}
        assert page.events("update-value")[0]["msg"] == {"payload": "clicked", "topic": "from page"}


async def test_template_accepts_msg_template_only_when_the_node_allows_it() -> None:
    flows = dashboard_flow({"id": "tpl", "type": "ui_template", "format": "<p></p>", "templateFromMsg": True,
                            "wires": []})
    async with FlowHarness(flows) as h:
        page = PageProbe(h)
        h.send_to("tpl", {"payload": 1, "template": "<i>new</i>"})
        h.send_to("tpl", {"payload": 2})
        await h.drain()
        assert [e["msg"]["template"] for e in page.events("update-value")] == ["<i>new</i>", "<i>new</i>"]


async def test_global_template_needs_no_group() -> None:
    flows = dashboard_flow({"id": "css", "type": "ui_template", "format": "<style>body{}</style>",
                            "templateScope": "global", "group": "", "wires": []})
    async with FlowHarness(flows) as h:
        page = PageProbe(h)
        assert [g["id"] for g in page.hub.layout()["globals"]] == ["css"]


async def test_widget_without_a_group_stays_idle_as_in_dashboard_1() -> None:
    async with FlowHarness(dashboard_flow(text(group=""))) as h:
        page = PageProbe(h)
        h.send_to("txt", {"payload": 1})
        await h.drain()
        assert page.events("update-value") == [] and page.hub.layout()["menu"] == []

"""Dashboard 2 (``ui-*``) widgets: what input messages show and pass on, what a page operation
sends into the flow (Dashboard 2's message rules), on the dashboard's own hub."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness

from .page_probe import PageProbe

BASE = {"id": "base", "type": "ui-base", "name": "My Dashboard", "path": "/dashboard", "includeClientData": True,
        "acceptsClientConfig": ["ui-notification", "ui-control"]}
THEME = {"id": "theme", "type": "ui-theme", "name": "Default",
         "colors": {"surface": "#ffffff", "primary": "#aa0000", "bgPage": "#eeeeee", "groupBg": "#ffffff",
                    "groupOutline": "#cccccc"}}
PAGE = {"id": "page", "type": "ui-page", "name": "Home", "ui": "base", "path": "/home", "theme": "theme",
        "order": 1, "visible": "true", "disabled": "false"}
GROUP = {"id": "grp", "type": "ui-group", "name": "Sensors", "page": "page", "width": 6, "order": 1,
         "showTitle": True}


def d2_flow(*nodes: dict[str, Any], wired: bool = True) -> list[dict[str, Any]]:
    """ui-base, theme, page, group, the nodes (widgets in the group, wired to ``out``) and ``out``."""
    out: list[dict[str, Any]] = [dict(BASE), dict(THEME), dict(PAGE), dict(GROUP)]
    for n in nodes:
        n = dict(n)
        if n["type"] not in ("ui-notification", "ui-control", "ui-event"):
            n.setdefault("group", "grp")
        else:
            n.setdefault("ui", "base")
        n.setdefault("wires", [["out"]] if wired else [])
        out.append(n)
    return [*out, {"id": "out", "type": "test-sink"}]


def probe(h: FlowHarness, socket_id: str = "page-1") -> PageProbe:
    return PageProbe(h, socket_id, path="dashboard")


async def test_pages_and_groups_lay_out_the_dashboard_at_its_path() -> None:
    flows = d2_flow({"id": "t", "type": "ui-text", "label": "Temp", "format": "{{msg.payload}}", "width": 0,
                     "height": 0, "order": 1})
    async with FlowHarness(flows) as h:
        page = probe(h)
        layout = page.hub.layout()
        [tab] = layout["menu"]
        assert (tab["id"], tab["header"], tab["path"], tab["hidden"]) == ("page", "Home", "/home", False)
        [group] = tab["items"]
        assert group["id"] == "grp" and group["header"]["name"] == "Sensors"
        [control] = group["items"]
        assert control["type"] == "text" and control["width"] == 6 and control["label"] == "Temp"
        assert layout["site"]["name"] == "My Dashboard"
        assert layout["theme"]["themeState"]["base-color"] == {"value": "#aa0000"}
        assert page.hub.options.path == "dashboard" and page.hub.options.single_page_app


async def test_text_shows_the_value_and_passes_the_message_on() -> None:
    flows = d2_flow({"id": "t", "type": "ui-text", "label": "Temp", "format": "{{msg.payload}}",
                     "value": "payload.temp", "valueType": "msg"})
    async with FlowHarness(flows) as h:
        page = probe(h)
        page.events()
        h.send_to("t", {"payload": {"temp": 21.5}, "topic": "room"})
        [msg] = await h.wait_for("out")
        assert msg["payload"] == 21.5 and msg["topic"] == "room"
        [event] = page.events("update-value")
        assert event == {"type": "update-value", "value": "21.5", "msg": {"payload": 21.5, "topic": "room"}, "id": "t"}


async def test_enabled_visible_and_class_change_the_widget_and_are_replayed() -> None:
    async with FlowHarness(d2_flow({"id": "t", "type": "ui-text", "label": "x"})) as h:
        page = probe(h)
        page.events()
        h.send_to("t", {"enabled": False, "visible": False, "class": "warn"})
        await h.drain()
        assert page.events("update-value") == [
            {"type": "update-value", "id": "t", "disabled": True, "hidden": True, "className": "warn"}]
        [sent] = h.received("out")  # a widget without a passthru property sends every message on
        assert sent["enabled"] is False
        assert "t" not in page.hub.values  # only state properties: not stored as the widget's message
        late = probe(h, "late")
        late.events()
        late.send("ui-replay-state")
        assert late.events("update-value")[0]["disabled"] is True


async def test_gauge_maps_segments_and_sends_numbers_to_the_page() -> None:
    gauge = {"id": "g", "type": "ui-gauge", "gtype": "gauge-half", "title": "Temp", "units": "°C", "min": 0,
             "max": "50", "segments": [{"from": "0", "color": "#5cd65c"}, {"from": "20", "color": "#ffc800"},
                                       {"from": "35", "color": "#ea5353"}], "prefix": "", "suffix": "!"}
    async with FlowHarness(d2_flow(gauge, wired=False)) as h:
        page = probe(h)
        control = page.hub.placements["g"].control
        assert (control["type"], control["gtype"], control["min"], control["max"]) == ("gauge", "gage", 0, 50)
        assert (control["seg1"], control["seg2"], control["colors"][1]) == (20, 35, "#ffc800")
        assert control["format"] == "{{value}}!" and control["units"] == "°C"
        page.events()
        h.send_to("g", {"payload": "42.5"})
        await h.drain()
        assert page.events("update-value") == [{"type": "update-value", "value": 42.5, "id": "g"}]


async def test_button_click_sends_the_payload_with_topic_event_and_client() -> None:
    button = {"id": "b", "type": "ui-button", "label": "Go", "payload": "5", "payloadType": "num",
              "topic": "cmd", "topicType": "str", "emulateClick": False}
    async with FlowHarness(d2_flow(button)) as h:
        page = probe(h)
        page.operate("b", "", event={"clientX": 1})
        [msg] = await h.wait_for("out")
        assert msg["payload"] == 5 and msg["topic"] == "cmd"
        assert msg["_event"] == {"type": "click", "clientX": 1}
        assert msg["_client"] == {"socketId": "page-1", "socketIp": "127.0.0.1"}
        h.send_to("b", {"payload": "ignored"})  # without emulate click an input sends nothing
        await h.drain()
        assert len(h.received("out")) == 1


async def test_button_emulate_click_sends_the_configured_payload() -> None:
    button = {"id": "b", "type": "ui-button", "payload": "on", "payloadType": "str", "topic": "topic",
              "topicType": "msg", "emulateClick": True}
    async with FlowHarness(d2_flow(button)) as h:
        h.send_to("b", {"payload": "x", "topic": "t1"})
        [msg] = await h.wait_for("out")
        assert (msg["payload"], msg["topic"], msg["_event"]) == ("on", "t1", {"type": "inject"})


async def test_switch_input_sets_it_and_page_change_sends_the_on_value() -> None:
    switch = {"id": "s", "type": "ui-switch", "label": "Lamp", "passthru": False, "topic": "lamp",
              "topicType": "str", "onvalue": "ON", "onvalueType": "str", "offvalue": "OFF", "offvalueType": "str"}
    async with FlowHarness(d2_flow(switch)) as h:
        page, other = probe(h), probe(h, "other")
        page.events(), other.events()
        h.send_to("s", {"payload": "ON"})
        h.send_to("s", {"payload": "maybe"})  # refused: neither on nor off
        await h.drain()
        assert [e["value"] for e in page.events("update-value")] == [True]
        assert h.received("out") == []  # passthru off
        page.operate("s", False)
        [msg] = await h.wait_for("out")
        assert (msg["payload"], msg["topic"], msg["_client"]["socketId"]) == ("OFF", "lamp", "page-1")
        assert [e["value"] for e in other.events("update-value")] == [True, False]  # kept in sync


async def test_slider_number_input_and_dropdown_send_their_values() -> None:
    flows = d2_flow(
        {"id": "sl", "type": "ui-slider", "min": 0, "max": 100, "step": 5, "topic": "level", "topicType": "str",
         "passthru": True},
        {"id": "num", "type": "ui-number-input", "min": "800", "max": "2000", "step": "10", "topic": "topic",
         "topicType": "msg"},
        {"id": "dd", "type": "ui-dropdown", "options": [{"label": "A", "value": "a", "type": "str"},
                                                        {"label": "One", "value": "1", "type": "num"}],
         "topic": "mode", "topicType": "str"})
    async with FlowHarness(flows) as h:
        page = probe(h)
        assert page.hub.placements["dd"].control["options"] == [{"label": "A", "value": "a"},
                                                                {"label": "One", "value": 1}]
        page.operate("sl", 35)
        page.operate("num", "1200")
        page.operate("dd", 1)
        msgs = await h.wait_for("out", 3)
        assert [(m["payload"], m.get("topic")) for m in msgs] == [(35, "level"), (1200, ""), (1, "mode")]
        h.send_to("sl", {"payload": 20})  # passthru on: sent on and shown
        [*_, last] = await h.wait_for("out", 4)
        assert last["payload"] == 20


async def test_dropdown_msg_options_replace_the_options_on_every_page() -> None:
    async with FlowHarness(d2_flow({"id": "dd", "type": "ui-dropdown", "options": []})) as h:
        page = probe(h)
        page.events()
        h.send_to("dd", {"options": ["x", {"label": "Why", "value": "y"}, 3]})
        await h.drain()
        [event] = page.events("ui-control")
        assert event["control"]["options"] == [{"label": "x", "value": "x"}, {"label": "Why", "value": "y"},
                                               {"label": "3", "value": 3}]


async def test_form_submit_sends_the_fields_by_key() -> None:
    form = {"id": "f", "type": "ui-form", "options": [{"label": "Comment", "key": "Comment", "type": "text",
                                                       "required": True, "rows": None}],
            "formValue": {"Comment": ""}, "topic": "form", "topicType": "str"}
    async with FlowHarness(d2_flow(form)) as h:
        page = probe(h)
        assert page.hub.placements["f"].control["options"][0]["value"] == "Comment"
        page.operate("f", {"Comment": "hello"})
        [msg] = await h.wait_for("out")
        assert (msg["payload"], msg["topic"]) == ({"Comment": "hello"}, "form")


async def test_chart_keeps_points_per_series_and_clears_on_empty_array() -> None:
    chart = {"id": "c", "type": "ui-chart", "chartType": "line", "category": "topic", "categoryType": "msg",
             "xAxisType": "time", "removeOlder": 1, "removeOlderUnit": "3600", "removeOlderPoints": "2",
             "action": "append"}
    async with FlowHarness(d2_flow(chart)) as h:
        page = probe(h)
        page.events()
        for topic, value in (("a", 1), ("b", 5), ("a", 2), ("a", 3)):
            h.send_to("c", {"topic": topic, "payload": value})
        await h.wait_for("out", 4)  # every message is sent on
        late = probe(h, "page-2")  # a page that connects now gets the whole data
        late.send("ui-replay-state")
        [data] = [e for e in late.events("update-value") if e["id"] == "c"][-1]["value"]
        assert data["values"]["series"] == ["a", "b"]
        assert [[p["y"] for p in row] for row in data["values"]["data"]] == [[2, 3], [5]]
        h.send_to("c", {"payload": []})
        await h.wait_for("out", 5)
        assert page.events("update-value")[-1]["value"] == []


async def test_chart_sends_pages_only_the_points_a_message_adds_or_drops() -> None:
    chart = {"id": "c", "type": "ui-chart", "chartType": "line", "category": "topic", "categoryType": "msg",
             "xAxisType": "time", "removeOlder": 1, "removeOlderUnit": "1", "removeOlderPoints": "3"}
    now = [1_000_000.0]
    h = FlowHarness(d2_flow(chart, wired=False))
    h.settings.extra["dashboard_clock"] = lambda: now[0]
    async with h:
        page = probe(h)
        page.events()
        for i in range(5):  # three points kept per series: the 4th and 5th drop one each
            now[0] += 100
            h.send_to("c", {"topic": "a", "payload": i})
            await h.drain()
        changes = [e["value"][0] for e in page.events("update-value")]
        assert all(c["update"] for c in changes) and len(changes) == 5
        assert changes[0]["append"] == [["a", {"x": 1_000_100, "y": 0}]] and changes[0]["remove"] == {}
        assert changes[4]["append"] == [["a", {"x": 1_000_500, "y": 4}]] and changes[4]["remove"] == {"a": 1}
        now[0] += 950  # a second later: the points older than the window go
        h.send_to("c", {"topic": "b", "payload": 9})
        await h.drain()
        [change] = [e["value"][0] for e in page.events("update-value")]
        assert change["append"] == [["b", {"x": 1_001_450, "y": 9}]] and change["remove"] == {"a": 2}
        [data] = page.hub.replay["c"]["value"]  # what a page connecting now gets
        assert data["values"]["data"] == [[{"x": 1_000_500, "y": 4}], [{"x": 1_001_450, "y": 9}]]
        h.send_to("c", {"topic": "a", "payload": [1, 2, 3, 4, 5]})  # more than it keeps at once
        await h.drain()
        [change] = [e["value"][0] for e in page.events("update-value")]
        assert [p["y"] for _, p in change["append"]] == [3, 4, 5] and change["remove"] == {"a": 1}
        assert len(page.hub.replay["c"]["value"][0]["values"]["data"][0]) == 3


async def test_chart_memory_stays_bounded_by_its_window() -> None:
    chart = {"id": "c", "type": "ui-chart", "chartType": "line", "category": "topic", "categoryType": "msg",
             "xAxisType": "time", "removeOlder": 10, "removeOlderUnit": "1", "removeOlderPoints": ""}
    now = [0.0]
    h = FlowHarness(d2_flow(chart, wired=False))
    h.settings.extra["dashboard_clock"] = lambda: now[0]
    async with h:
        page = probe(h)
        for second in range(200):  # ten a second for 200 s, a 10 s window
            now[0] += 1000
            for i in range(10):
                h.send_to("c", {"topic": "t", "payload": second * 10 + i})
            await h.drain()
        [data] = page.hub.replay["c"]["value"]
        assert len(data["values"]["data"][0]) == 100


async def test_bar_chart_by_category_puts_x_values_as_labels() -> None:
    chart = {"id": "c", "type": "ui-chart", "chartType": "bar", "category": "topic", "categoryType": "msg",
             "xAxisType": "category", "xAxisProperty": "room", "xAxisPropertyType": "property",
             "yAxisProperty": "value", "yAxisPropertyType": "property"}
    async with FlowHarness(d2_flow(chart, wired=False)) as h:
        page = probe(h)
        page.events()
        h.send_to("c", {"topic": "temp", "payload": [{"room": "hall", "value": 20}, {"room": "attic", "value": 25}]})
        h.send_to("c", {"topic": "temp", "payload": {"room": "hall", "value": 21}})
        await h.drain()
        [data] = page.hub.replay["c"]["value"]
        assert data["values"] == {"series": ["temp"], "labels": ["hall", "attic"], "data": [[21, 25]]}
        changes = [e["value"][0] for e in page.events("update-value")]
        assert changes[-1] == {"key": "c", "update": True, "set": [["temp", "hall", 21]]}


async def test_template_sends_what_the_page_sends_and_shows_messages() -> None:
    template = {"id": "tpl", "type": "ui-template", "format": "<template><p>{{ msg.payload }}</p></template>\n"
                "<script>export default { methods: {} }</script>", "templateScope": "local"}
    async with FlowHarness(d2_flow(template)) as h:
        page = probe(h)
        assert page.hub.placements["tpl"].control["format"] == "<p>{{ msg.payload }}</p>\n"
        page.events()
        h.send_to("tpl", {"payload": "<b>text</b>", "template": "<script>x</script>"})
        [passed] = await h.wait_for("out")
        assert passed["payload"] == "<b>text</b>"
        [event] = page.events("update-value")
        assert event["msg"] == {"payload": "<b>text</b>"}  # never msg.template
        page.send("update-value", id="tpl", msg={"payload": "from page", "topic": "t"})
        [_, sent] = await h.wait_for("out", 2)
        assert (sent["payload"], sent["topic"], sent["_client"]["socketId"]) == ("from page", "t", "page-1")


async def test_table_appends_rows_and_replays_them() -> None:
    async with FlowHarness(d2_flow({"id": "tb", "type": "ui-table", "action": "append", "columns": []})) as h:
        page = probe(h)
        assert page.hub.placements["tb"].control["maxrows"] == 0
        page.events()
        h.send_to("tb", {"payload": [{"a": 1}]})
        h.send_to("tb", {"payload": {"a": 2}})
        await h.drain()
        assert page.events("update-value")[-1]["value"] == [{"a": 1}, {"a": 2}]
        assert h.received("out") == []


async def test_notification_shows_to_one_client_and_sends_the_answer() -> None:
    note = {"id": "n", "type": "ui-notification", "position": "top right", "displayTime": "3", "allowDismiss": True,
            "dismissText": "Close", "allowConfirm": False, "raw": False, "outputs": 1}
    async with FlowHarness(d2_flow(note)) as h:
        one, two = probe(h, "one"), probe(h, "two")
        one.events(), two.events()
        h.send_to("n", {"payload": "Hello", "_client": {"socketId": "two"}})
        await h.drain()
        assert one.events("show-toast") == []
        [toast] = two.events("show-toast")
        assert (toast["message"], toast["displayTime"], toast["dismiss"], toast["raw"]) == ("Hello", 3000, "Close",
                                                                                            False)
        two.operate("n", {"msg": toast["msg"], "payload": "dismiss_clicked"})
        [msg] = await h.wait_for("out")
        assert msg["payload"] == "dismiss_clicked" and msg["_client"]["socketId"] == "two"


async def test_ui_control_switches_pages_shows_groups_and_reports_connections() -> None:
    flows = d2_flow({"id": "ctl", "type": "ui-control", "events": "all"}, {"id": "t", "type": "ui-text"}, wired=False)
    for n in flows:
        if n["id"] == "ctl":
            n["wires"] = [["out"]]
    async with FlowHarness(flows) as h:
        page = probe(h)
        [connected] = await h.wait_for("out")
        assert connected["payload"] == "connect" and connected["_client"]["socketId"] == "page-1"
        page.events()
        h.send_to("ctl", {"payload": {"page": "page", "groups": {"hide": ["Home:Sensors"], "show": ["grp"]}}})
        h.send_to("ctl", {"payload": {"widgets": {"disable": ["missing"]}}})
        await h.drain()
        [event] = page.events("ui-control")
        assert event == {"type": "ui-control", "tab": "Home", "group": {"hide": ["Home_Sensors"],
                                                                        "show": ["Home_Sensors"]}}
        page.send("ui-change", index=0)
        [_, change] = await h.wait_for("out", 2)
        assert (change["payload"], change["tab"], change["name"]) == ("change", 0, "Home")
        page.close()
        [*_, lost] = await h.wait_for("out", 3)
        assert lost["payload"] == "lost"


async def test_site_style_template_is_added_to_every_page_as_css() -> None:
    style = {"id": "css", "type": "ui-template", "group": "", "page": "", "ui": "base",
             "templateScope": "site:style", "format": ".nrdb-x { color: red; }"}
    async with FlowHarness(d2_flow(style, wired=False)) as h:
        page = probe(h)
        [control] = page.hub.layout()["globals"]
        assert control["format"] == "<style>.nrdb-x { color: red; }</style>"
        assert control["templateScope"] == "global" and "component" not in control


async def test_radio_group_sends_the_chosen_value_with_its_topic() -> None:
    radio = {"id": "r", "type": "ui-radio-group", "label": "Mode", "columns": 1, "passthru": False,
             "options": [{"label": "Auto", "value": "auto"}, {"label": "Off", "value": "off"}],
             "topic": "mode", "topicType": "str"}
    async with FlowHarness(d2_flow(radio)) as h:
        page = probe(h)
        assert [o["value"] for o in page.hub.placements["r"].control["options"]] == ["auto", "off"]
        page.operate("r", "off")
        [msg] = await h.wait_for("out")
        assert (msg["payload"], msg["topic"]) == ("off", "mode")


async def test_ui_event_reports_page_views_and_leaves() -> None:
    flows = d2_flow({"id": "ev", "type": "ui-event"}, {"id": "t", "type": "ui-text"}, wired=False)
    for n in flows:
        if n["id"] == "ev":
            n["wires"] = [["out"]]
    async with FlowHarness(flows) as h:
        page = probe(h)
        page.send("ui-params", params={"q": "1"})
        page.send("ui-change", index=0)
        [view] = await h.wait_for("out")
        assert view["topic"] == "$pageview" and view["payload"]["page"]["name"] == "Home"
        assert view["payload"]["page"]["path"] == "/home" and view["payload"]["query"] == {"q": "1"}
        assert view["_client"]["socketId"] == "page-1"

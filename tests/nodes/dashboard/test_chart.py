"""ui_chart as Dashboard 1 keeps its data: series per topic, time window and point limits, the
export format in and out, clearing, bar/pie labels, incremental updates to the page."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness

from .page_probe import PageProbe, dashboard_flow

T0 = 1_700_000_000_000


def chart(**props: Any) -> dict[str, Any]:
    return {"id": "ch", "type": "ui_chart", "label": "chart", "chartType": "line", "legend": "false",
            "xformat": "HH:mm:ss", "interpolate": "linear", "removeOlder": 1, "removeOlderUnit": "3600",
            "removeOlderPoints": "", "wires": [], **props}


def harness(*nodes: dict[str, Any], now: float = T0 + 5000) -> FlowHarness:
    h = FlowHarness(dashboard_flow(*nodes))
    h.settings.extra["dashboard_clock"] = lambda: now
    return h


def data_of(page: PageProbe) -> Any:
    return page.hub.values["ch"][0]["values"]


async def test_line_chart_keeps_one_series_per_topic_and_sends_points_to_the_page() -> None:
    async with harness(chart()) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("ch", {"topic": "a", "payload": 1, "timestamp": T0})
        h.send_to("ch", {"topic": "b", "payload": "2.5", "timestamp": T0 + 1000})
        h.send_to("ch", {"topic": "a", "payload": 3, "timestamp": T0 + 2000})
        await h.drain()
        values = data_of(page)
        assert values["series"] == ["a", "b"]
        assert values["data"] == [[{"x": T0, "y": 1}, {"x": T0 + 2000, "y": 3}], [{"x": T0 + 1000, "y": 2.5}]]
        events = page.events("update-value")
        assert events[0]["value"] == [{"key": "ch", "update": True,
                                       "values": {"series": "a", "data": {"x": T0, "y": 1}, "labels": ""}}]
        assert len(events) == 3


async def test_points_past_the_limit_or_the_window_are_dropped() -> None:
    async with harness(chart(removeOlderPoints="2")) as h:
        page = PageProbe(h)
        page.events()
        for i in range(3):
            h.send_to("ch", {"topic": "a", "payload": i, "timestamp": T0 + i})
        await h.drain()
        assert [p["y"] for p in data_of(page)["data"][0]] == [1, 2]
        assert page.events("update-value")[-1]["value"][0]["remove"] == 1
    async with harness(chart(removeOlder="1", removeOlderUnit="1")) as h:  # a one-second window
        page = PageProbe(h)
        h.send_to("ch", {"payload": 1, "timestamp": T0})
        h.send_to("ch", {"payload": 2, "timestamp": T0 + 1500})
        await h.drain()
        assert [p["y"] for p in data_of(page)["data"][0]] == [2]


async def test_an_earlier_timestamp_is_put_in_order_and_the_whole_chart_redrawn() -> None:
    async with harness(chart()) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("ch", {"payload": 1, "timestamp": T0 + 1000})
        h.send_to("ch", {"payload": 2, "timestamp": T0})
        await h.drain()
        assert [p["y"] for p in data_of(page)["data"][0]] == [2, 1]
        last = page.events("update-value")[-1]["value"]
        assert last[0]["values"]["series"] == [""]  # the full data, not one point


async def test_gaps_clearing_and_non_numbers() -> None:
    async with harness(chart()) as h:
        page = PageProbe(h)
        h.send_to("ch", {"payload": False, "timestamp": T0})
        h.send_to("ch", {"payload": None, "timestamp": T0 + 1})
        await h.drain()
        assert [p["y"] for p in data_of(page)["data"][0]] == [None, None]
        page.events()
        h.send_to("ch", {"payload": "not a number"})  # redraws what is there
        await h.drain()
        assert page.events("update-value")[-1]["value"][0]["values"]["data"][0][0]["y"] is None
        h.send_to("ch", {"payload": []})
        await h.drain()
        assert page.events("update-value")[-1]["value"] == [] and page.hub.values["ch"] == []


async def test_export_format_replaces_the_data_and_is_what_the_chart_sends_out() -> None:
    data = [{"series": ["A", "B"], "data": [[{"x": T0, "y": 5}], [{"x": T0, "y": 6}]], "labels": ["x"]}]
    async with harness(chart(wires=[["out"]]), {"id": "out", "type": "test-sink"}) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("ch", {"payload": data})
        [out] = await h.wait_for("out")
        assert out["payload"] == [{"series": ["A", "B"], "data": [[{"x": T0, "y": 5}], [{"x": T0, "y": 6}]]}]
        h.send_to("ch", {"topic": "A", "payload": 7, "timestamp": T0 + 10})
        outs = await h.wait_for("out", 2)
        assert outs[1]["payload"][0]["data"][0] == [{"x": T0, "y": 5}, {"x": T0 + 10, "y": 7}]
        h.send_to("ch", {"payload": [{"nonsense": 1}]})  # warned, data kept
        await h.drain()
        assert any("Bad data inject" in text for _, _, text in h.logs)


async def test_bar_chart_keeps_one_value_per_topic_label() -> None:
    async with harness(chart(chartType="bar")) as h:
        page = PageProbe(h)
        h.send_to("ch", {"topic": "Mon", "payload": 3})
        h.send_to("ch", {"topic": "Tue", "payload": 0})
        h.send_to("ch", {"topic": "Mon", "payload": 4})
        await h.drain()
        values = data_of(page)
        assert values["labels"] == ["Mon", "Tue"] and values["series"] == [""]
        # Dashboard 1 refills the table with `value || null` when a label is added: a 0 becomes a gap
        assert values["data"] == [[4, None]]


async def test_chart_redraws_when_a_page_changes_tab() -> None:
    async with harness(chart()) as h:
        page = PageProbe(h)
        h.send_to("ch", {"payload": 5, "timestamp": T0})
        await h.drain()
        page.events()
        page.send("ui-change", index=0)
        assert page.events("update-value")[0]["value"][0]["values"]["series"] == [""]


async def test_bar_chart_sends_the_changed_cell_and_keeps_the_whole_data_for_late_pages() -> None:
    async with harness(chart(chartType="bar")) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("ch", {"topic": "Mon", "payload": 3})
        h.send_to("ch", {"topic": "Tue", "payload": 5})  # a label after others: Dashboard 1 refills, all is sent
        h.send_to("ch", {"topic": "Mon", "payload": 4})
        await h.drain()
        first, second, third = (e["value"][0] for e in page.events("update-value"))
        assert first == {"key": "ch", "update": True, "set": [["", "Mon", 3]]}
        assert second["values"]["labels"] == ["Mon", "Tue"] and "update" not in second
        assert third == {"key": "ch", "update": True, "set": [["", "Mon", 4]]}
        late = PageProbe(h, "page-2")
        late.send("ui-replay-state")
        [state] = [e for e in late.events("update-value") if e["id"] == "ch"]
        assert state["value"][0]["values"]["data"] == [[4, 5]]

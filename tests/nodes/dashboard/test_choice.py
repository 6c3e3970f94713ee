"""Dropdown, form, date picker and colour picker as Dashboard 1 runs them."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness

from .page_probe import PageProbe, dashboard_flow

OPTIONS = [{"label": "Auto", "value": "auto", "type": "str"}, {"label": "Level 1", "value": 1, "type": "num"},
           {"label": "On", "value": "true", "type": "bool"}]


def dropdown(**props: Any) -> list[dict[str, Any]]:
    node = {"id": "dd", "type": "ui_dropdown", "label": "Mode", "place": "Select", "passthru": True,
            "multiple": False, "options": OPTIONS, "payload": "", "topic": "mode", "topicType": "str",
            "wires": [["out"]], **props}
    return dashboard_flow(node, {"id": "out", "type": "test-sink"})


async def test_dropdown_sends_the_chosen_options_typed_value() -> None:
    async with FlowHarness(dropdown()) as h:
        page = PageProbe(h)
        page.operate("dd", "auto")
        page.operate("dd", 1)
        page.operate("dd", "true")
        msgs = await h.wait_for("out", 3)
        assert [(m["payload"], m["topic"]) for m in msgs] == [("auto", "mode"), (1, "mode"), (True, "mode")]
        assert [d for t, d in h.events if t == "status/dd"][-1] == {"shape": "dot", "fill": "grey", "text": "true"}


async def test_dropdown_input_selects_and_passes_on_and_msg_options_replace_the_list() -> None:
    async with FlowHarness(dropdown()) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("dd", {"payload": "auto"})
        [passed] = await h.wait_for("out")
        assert passed["payload"] == "auto"
        h.send_to("dd", {"options": ["red", {"Blue": "b"}, 7], "topic": "x"})  # no payload: nothing sent
        h.send_to("dd", {"payload": "nowhere"})  # not an option: nothing sent
        await h.drain()
        assert len(h.received("out")) == 1
        events = page.events("update-value")
        assert events[1]["newOptions"] == [{"label": "red", "value": "red", "type": "string"},
                                           {"label": "Blue", "value": "b", "type": "string"},
                                           {"label": "7", "value": "7", "type": "number"}]
        assert events[1]["isOptionsValid"] is True and events[1]["value"] is None
        page.operate("dd", "b")
        msgs = await h.wait_for("out", 2)
        assert msgs[1]["payload"] == "b"


async def test_dropdown_multiple() -> None:
    async with FlowHarness(dropdown(multiple=True)) as h:
        page = PageProbe(h)
        page.operate("dd", ["auto", 1])
        [msg] = await h.wait_for("out")
        assert msg["payload"] == ["auto", 1]
        h.send_to("dd", {"payload": "auto,true"})
        await h.drain()
        assert page.events("update-value")[-1]["value"] == ["auto", "true"]


async def test_form_sends_its_values_with_topic() -> None:
    node = {"id": "fm", "type": "ui_form", "label": "Login",
            "options": [{"label": "Name", "value": "name", "type": "text", "required": True}],
            "formValue": {"name": ""}, "payload": "", "submit": "submit", "cancel": "cancel", "topic": "login",
            "topicType": "str", "splitLayout": "", "wires": [["out"]]}
    async with FlowHarness(dashboard_flow(node, {"id": "out", "type": "test-sink"})) as h:
        page = PageProbe(h)
        page.operate("fm", {"name": "ada"})
        [msg] = await h.wait_for("out")
        assert (msg["payload"], msg["topic"]) == ({"name": "ada"}, "login")
        h.send_to("fm", {"payload": {"name": "bob"}})  # fills the form, not passed on
        await h.drain()
        assert page.events("update-value")[-1]["value"] == {"name": "bob"} and len(h.received("out")) == 1


async def test_date_picker_sends_milliseconds_and_shows_dates() -> None:
    node = {"id": "dp", "type": "ui_date_picker", "label": "date", "passthru": True, "topic": "d",
            "topicType": "str", "wires": [["out"]]}
    async with FlowHarness(dashboard_flow(node, {"id": "out", "type": "test-sink"})) as h:
        page = PageProbe(h)
        page.operate("dp", "2024-01-02T00:00:00.000Z")
        [msg] = await h.wait_for("out")
        assert (msg["payload"], msg["topic"]) == (1_704_153_600_000, "d")
        page.events()
        h.send_to("dp", {"payload": 0})
        msgs = await h.wait_for("out", 2)
        assert msgs[1]["payload"] == 0
        assert page.events("update-value")[0]["value"] == "1970-01-01T00:00:00.000Z"


async def test_colour_picker_formats() -> None:
    node = {"id": "cp", "type": "ui_colour_picker", "format": "rgb", "outformat": "object", "passthru": True,
            "topic": "", "topicType": "str", "wires": [["out"]]}
    async with FlowHarness(dashboard_flow(node, {"id": "out", "type": "test-sink"})) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("cp", {"payload": "#ff8000"})
        await h.drain()
        assert page.events("update-value")[0]["value"] == "rgb(255, 128, 0)"
        page.operate("cp", "rgb(0, 255, 0)")
        msgs = await h.wait_for("out", 2)
        assert msgs[0]["payload"] == {"r": 255, "g": 128, "b": 0, "a": 1}
        assert msgs[1]["payload"] == {"r": 0, "g": 255, "b": 0, "a": 1}


def test_colour_parsing_and_writing() -> None:
    from flowengine.nodes.dashboard.colour import Colour

    assert Colour.parse("red").to_string("hex") == "#ff0000"
    assert Colour.parse("#0f08").to_string("hex8") == "#00ff0088"
    assert Colour.parse("hsl(120, 100%, 50%)").to_string("rgb") == "rgb(0, 255, 0)"
    assert Colour.parse({"r": 0, "g": 0, "b": 255}).to_string("hsv") == "hsv(240, 100%, 100%)"
    assert Colour.parse("rgba(10, 20, 30, 0.5)").to_string("rgb") == "rgba(10, 20, 30, 0.5)"
    assert Colour.parse("nonsense").to_string("hex") == "#000000"

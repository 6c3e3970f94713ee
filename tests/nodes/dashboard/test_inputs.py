"""Input widgets as Dashboard 1 runs them: what a page operation sends into the flow, what input
messages show and pass on (button, switch, slider, numeric, text input)."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness

from .page_probe import PageProbe, dashboard_flow


def wired(node: dict[str, Any]) -> list[dict[str, Any]]:
    return dashboard_flow({**node, "wires": [["out"]]}, {"id": "out", "type": "test-sink"})


def button(**props: Any) -> dict[str, Any]:
    return {"id": "btn", "type": "ui_button", "label": "Go", "passthru": False, "payload": "pressed",
            "payloadType": "str", "topic": "button", "topicType": "str", **props}


async def test_button_press_sends_its_payload_topic_event_and_socketid() -> None:
    async with FlowHarness(wired(button())) as h:
        page = PageProbe(h)
        page.operate("btn", "pressed", event={"clientX": 10, "clientY": 20, "bbox": [1, 2, 3, 4]})
        [msg] = await h.wait_for("out")
        assert {k: msg[k] for k in ("payload", "topic", "event", "socketid")} == {
            "payload": "pressed", "topic": "button", "event": {"clientX": 10, "clientY": 20, "bbox": [1, 2, 3, 4]},
            "socketid": "page-1"}
        assert page.events("update-value") == []  # a press is not stored as the button's state


async def test_button_payload_types_and_default_payload() -> None:
    flows = dashboard_flow(
        {**button(id="b1", payload="5", payloadType="num"), "wires": [["out"]]},
        {**button(id="b2", payload='{"on":true}', payloadType="json"), "wires": [["out"]]},
        {**button(id="b3", payload="", topic=""), "wires": [["out"]]},
        {"id": "out", "type": "test-sink"})
    async with FlowHarness(flows) as h:
        page = PageProbe(h)
        for node_id in ("b1", "b2", "b3"):
            page.operate(node_id, None)
        msgs = await h.wait_for("out", 3)
        assert [m["payload"] for m in msgs] == [5, {"on": True}, "b3"]  # empty payload: the node id
        assert "topic" not in msgs[2]  # an empty string topic is left out


async def test_button_topic_from_msg_uses_the_last_input_topic() -> None:
    async with FlowHarness(wired(button(topic="topic", topicType="msg", passthru=True))) as h:
        page = PageProbe(h)
        h.send_to("btn", {"payload": "ignored", "topic": "from input"})  # passthru: presses the button
        [first] = await h.wait_for("out")
        assert (first["payload"], first["topic"]) == ("pressed", "from input")
        page.operate("btn", "pressed")
        msgs = await h.wait_for("out", 2)
        assert msgs[1]["topic"] == "from input"


async def test_button_without_passthru_only_updates_the_page() -> None:
    async with FlowHarness(wired(button())) as h:
        page = PageProbe(h)
        h.send_to("btn", {"payload": "x", "enabled": False})
        await h.drain()
        assert h.received("out") == []
        assert page.events("update-value")[-1]["disabled"] is True


def switch(**props: Any) -> dict[str, Any]:
    return {"id": "sw", "type": "ui_switch", "label": "Pump", "passthru": True, "decouple": "false",
            "topic": "pump", "topicType": "str", "style": "", "onvalue": "ON", "onvalueType": "str",
            "offvalue": "OFF", "offvalueType": "str", **props}


async def test_switch_sends_on_and_off_values_with_topic_and_status() -> None:
    async with FlowHarness(wired(switch())) as h:
        page, other = PageProbe(h), PageProbe(h, "page-2")
        other.events()
        page.operate("sw", True)
        page.operate("sw", False)
        msgs = await h.wait_for("out", 2)
        assert [(m["payload"], m["topic"]) for m in msgs] == [("ON", "pump"), ("OFF", "pump")]
        assert [e["value"] for e in other.events("update-value")] == [True, False]  # pages stay in sync
        assert h.node("sw").stats.errors == 0
        statuses = [d for t, d in h.events if t == "status/sw"]
        assert statuses[-1] == {"fill": "red", "shape": "ring", "text": "off"}


async def test_switch_input_sets_it_and_passes_the_message_on() -> None:
    async with FlowHarness(wired(switch())) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("sw", {"payload": "ON", "topic": "in"})
        h.send_to("sw", {"payload": "maybe"})  # neither value: the state stays
        h.send_to("sw", {"payload": "OFF"})
        msgs = await h.wait_for("out", 3)
        assert [(m["payload"], m.get("topic")) for m in msgs] == [("ON", "pump"), ("ON", "pump"), ("OFF", "pump")]
        assert [e["value"] for e in page.events("update-value")] == [True, True, False]


async def test_switch_without_passthru_shows_its_output_unless_decoupled() -> None:
    async with FlowHarness(wired(switch(passthru=False))) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("sw", {"payload": "ON"})  # the icon tracks the output: input ignored
        await h.drain()
        assert [e["value"] for e in page.events("update-value")] == [False] and h.received("out") == []
    async with FlowHarness(wired(switch(passthru=False, decouple="true"))) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("sw", {"payload": "ON"})  # the icon tracks the input
        await h.drain()
        assert [e["value"] for e in page.events("update-value")] == [True]
        page.operate("sw", False)
        [msg] = await h.wait_for("out")
        assert msg["payload"] == "OFF" and page.events("update-value") == []  # not stored, not echoed


def slider(**props: Any) -> dict[str, Any]:
    return {"id": "sl", "type": "ui_slider", "label": "Level", "passthru": True, "outs": "end", "topic": "topic",
            "topicType": "msg", "min": 0, "max": "10", "step": 1, **props}


async def test_slider_rounds_input_to_the_step_and_sends_only_new_values() -> None:
    async with FlowHarness(wired(slider())) as h:
        page = PageProbe(h)
        page.events()
        h.send_to("sl", {"payload": "7.3", "topic": "t"})
        h.send_to("sl", {"payload": 7})  # the same value: neither shown nor passed on again
        h.send_to("sl", {"payload": "junk", "topic": "t"})  # not a number: the node's min
        msgs = await h.wait_for("out", 2)
        assert [(m["payload"], m["topic"]) for m in msgs] == [(7, "t"), (0, "t")]
        assert [e["value"] for e in page.events("update-value")] == [7, 0]
        page.operate("sl", 4)
        msgs = await h.wait_for("out", 3)
        assert (msgs[2]["payload"], msgs[2]["topic"]) == (4, "t")  # topic: the last input's


async def test_numeric_sends_numbers() -> None:
    node = {"id": "num", "type": "ui_numeric", "label": "n", "passthru": True, "topic": "n", "topicType": "str",
            "format": "{{value}} kg", "min": 0, "max": 10, "step": 0.5, "wrap": False}
    async with FlowHarness(wired(node)) as h:
        page = PageProbe(h)
        page.operate("num", "2.5")
        [msg] = await h.wait_for("out")
        assert msg["payload"] == 2.5 and msg["topic"] == "n"
        control = page.hub.placements["num"].control
        assert (control["pre"], control["post"], control["ed"]) == ("", " kg", False)


async def test_text_input_sends_text_and_times_in_milliseconds() -> None:
    flows = dashboard_flow(
        {"id": "ti", "type": "ui_text_input", "mode": "text", "delay": 300, "passthru": True, "topic": "name",
         "topicType": "str", "wires": [["out"]]},
        {"id": "tm", "type": "ui_text_input", "mode": "time", "delay": 0, "passthru": True, "topic": "",
         "topicType": "str", "wires": [["out"]]},
        {"id": "out", "type": "test-sink"})
    async with FlowHarness(flows) as h:
        page = PageProbe(h)
        page.operate("ti", "hello")
        page.operate("tm", "1970-01-01T10:30:00.000Z")
        msgs = await h.wait_for("out", 2)
        assert (msgs[0]["payload"], msgs[0]["topic"]) == ("hello", "name")
        assert msgs[1]["payload"] == 37_800_000 and "topic" not in msgs[1]
        controls = page.hub.placements
        assert (controls["ti"].control["type"], controls["tm"].control["type"]) == ("text-input", "text-input-CR")

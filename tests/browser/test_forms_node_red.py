"""Form details that follow Node-RED's editor (issue 11): the delay node's choice for held-back
messages (queue, drop, or send on a 2nd output, which sets ``outputs`` and draws a second port),
the http request node's typed header rows, and the switch and change rules' per-operator type
lists. Each is driven with mouse and keyboard and checked in GET /flows after a deploy."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from .helpers import add_node, deploy


def _open(page: Any, node_id: str) -> Any:
    page.evaluate("(id) => window.__editor.app.openInspector(id)", node_id)
    dialog = page.locator("#inspector")
    expect(dialog).to_be_visible()
    return dialog


def _done(dialog: Any) -> None:
    dialog.locator('[data-action="inspector-done"]').click()
    expect(dialog).to_have_count(0)


def _stored(server: Any) -> dict[str, Any]:
    return {n["id"]: n for n in server.flows()["flows"]}


def _options(select: Any) -> list[str]:
    return list(select.evaluate("(s) => [...s.options].filter((o) => !o.disabled).map((o) => o.value)"))


def test_delay_rate_limit_sends_intermediate_messages_on_a_second_output(editor: Any, server: Any) -> None:
    page = editor
    node = add_node(page, "delay", 200, 150)
    dialog = _open(page, node)
    expect(dialog.locator("#delay-drop-select")).to_be_hidden()  # a delay action has no such choice
    dialog.locator('[name="pauseType"]').select_option("rate")
    drop = dialog.locator("#delay-drop-select")
    expect(drop).to_be_visible()
    assert _options(drop) == ["queue", "drop", "emit"]
    drop.select_option("emit")
    _done(dialog)
    port2 = page.locator(f'[data-node-id="{node}"] [data-port="out:1"]')
    expect(port2).to_have_count(1)
    deploy(page)
    n = _stored(server)[node]
    assert n["pauseType"] == "rate" and n["outputs"] == 2 and n["drop"] is True and n["wires"] == [[], []]

    # Per topic, extras are never queued: only drop or the second output are offered.
    dialog = _open(page, node)
    expect(dialog.locator("#delay-drop-select")).to_have_value("emit")
    dialog.locator('[name="pauseType"]').select_option("queue")
    assert _options(dialog.locator("#delay-drop-select")) == ["drop", "emit"]
    dialog.locator("#delay-drop-select").select_option("drop")
    _done(dialog)
    expect(port2).to_have_count(0)
    deploy(page)
    n = _stored(server)[node]
    assert n["pauseType"] == "queue" and n["outputs"] == 1 and n["drop"] is True and n["wires"] == [[]]

    # Back to a plain delay: one output, whatever was chosen before.
    dialog = _open(page, node)
    dialog.locator("#delay-drop-select").select_option("emit")
    dialog.locator('[name="pauseType"]').select_option("delay")
    _done(dialog)
    deploy(page)
    n = _stored(server)[node]
    assert n["pauseType"] == "delay" and n["outputs"] == 1


def test_http_request_typed_headers(editor: Any, server: Any) -> None:
    page = editor
    node = add_node(page, "http request", 200, 150)
    dialog = _open(page, node)
    add = dialog.locator('[data-action="add-item"][data-for="headers"]')
    add.click()
    name0 = dialog.locator('[name="headers.0.keyType"]')
    value0 = dialog.locator('[name="headers.0.valueType"]')
    name0.select_option("Content-Type")
    expect(dialog.locator('[name="headers.0.keyValue"]')).to_be_hidden()  # a preset name has no text
    assert "application/json" in _options(value0) and "gzip" not in _options(value0)
    value0.select_option("application/json")
    add.click()
    dialog.locator('[name="headers.1.keyType"]').select_option("other")
    dialog.locator('[name="headers.1.keyValue"]').fill("X-Trace")
    dialog.locator('[name="headers.1.valueType"]').select_option("msg")
    dialog.locator('[name="headers.1.valueValue"]').fill("trace.id")
    add.click()
    dialog.locator('[name="headers.2.keyType"]').select_option("Accept-Encoding")
    assert "gzip, deflate" in _options(dialog.locator('[name="headers.2.valueType"]'))
    dialog.locator('[name="headers.2.valueType"]').select_option("other")
    dialog.locator('[name="headers.2.valueValue"]').fill("identity")
    _done(dialog)
    deploy(page)
    assert _stored(server)[node]["headers"] == [
        {"keyType": "Content-Type", "keyValue": "", "valueType": "application/json", "valueValue": ""},
        {"keyType": "other", "keyValue": "X-Trace", "valueType": "msg", "valueValue": "trace.id"},
        {"keyType": "Accept-Encoding", "keyValue": "", "valueType": "other", "valueValue": "identity"},
    ]
    # Reopened, the rows show what was saved; removing one and moving another up is saved too.
    dialog = _open(page, node)
    expect(dialog.locator('[name="headers.1.keyValue"]')).to_have_value("X-Trace")
    expect(dialog.locator('[name="headers.0.valueType"]')).to_have_value("application/json")
    dialog.locator('[data-list="headers"] > li').nth(0).locator('[data-action="remove-item"]').click()
    dialog.locator('[data-list="headers"] > li').nth(1).locator('[data-action="move-up"]').click()
    _done(dialog)
    deploy(page)
    assert [h["keyType"] for h in _stored(server)[node]["headers"]] == ["Accept-Encoding", "other"]


def test_switch_and_change_rules_offer_node_reds_types(editor: Any, server: Any) -> None:
    page = editor
    switch = add_node(page, "switch", 200, 150)
    dialog = _open(page, switch)
    vt = dialog.locator('[name="rules.0.vt"]')
    assert _options(vt) == ["msg", "flow", "global", "str", "num", "jsonata", "env", "prev"]
    dialog.locator('[name="rules.0.t"]').select_option("head")
    assert _options(vt) == ["flow", "global", "num", "jsonata", "env"]
    expect(vt).to_have_value("num")
    dialog.locator('[name="rules.0.v"]').fill("3")
    dialog.locator('[data-action="add-item"][data-for="rules"]').click()
    dialog.locator('[name="rules.1.t"]').select_option("jsonata_exp")
    assert _options(dialog.locator('[name="rules.1.vt"]')) == ["jsonata"]
    dialog.locator('[name="rules.1.v"]').fill("payload > 2")
    dialog.locator('[data-action="add-item"][data-for="rules"]').click()
    dialog.locator('[name="rules.2.t"]').select_option("gt")
    dialog.locator('[name="rules.2.vt"]').select_option("prev")
    expect(dialog.locator('[name="rules.2.v"]')).to_be_hidden()  # the previous value needs no text
    _done(dialog)

    change = add_node(page, "change", 200, 300)
    dialog = _open(page, change)
    tot = dialog.locator('[name="rules.0.tot"]')
    assert _options(tot) == ["msg", "flow", "global", "str", "num", "bool", "json", "bin", "date", "jsonata", "env"]
    expect(dialog.locator('[data-field="rules.0.dc"]')).to_be_hidden()  # deep copy: only for copied values
    tot.select_option("flow")
    expect(dialog.locator('[data-field="rules.0.dc"]')).to_be_visible()
    dialog.locator('[name="rules.0.to"]').fill("saved")
    dialog.locator('[data-action="add-item"][data-for="rules"]').click()
    dialog.locator('[name="rules.1.t"]').select_option("change")
    from_types = ["msg", "flow", "global", "str", "re", "num", "bool", "env"]
    assert _options(dialog.locator('[name="rules.1.fromt"]')) == from_types
    to_types = ["msg", "flow", "global", "str", "num", "bool", "json", "bin", "env"]
    assert _options(dialog.locator('[name="rules.1.tot"]')) == to_types
    dialog.locator('[name="rules.1.p"]').fill("topic")
    dialog.locator('[name="rules.1.from"]').fill("a")
    dialog.locator('[name="rules.1.to"]').fill("b")
    dialog.locator('[data-action="add-item"][data-for="rules"]').click()
    dialog.locator('[name="rules.2.tot"]').select_option("date")
    dialog.locator('[name="rules.2.t"]').select_option("move")
    assert _options(dialog.locator('[name="rules.2.tot"]')) == ["msg", "flow", "global"]
    expect(dialog.locator('[name="rules.2.tot"]')).to_have_value("msg")  # date cannot be a move target
    dialog.locator('[name="rules.2.p"]').fill("payload")
    dialog.locator('[name="rules.2.to"]').fill("kept")
    _done(dialog)
    deploy(page)

    flows = _stored(server)
    rules = flows[switch]["rules"]
    assert rules[0] == {"t": "head", "v": "3", "vt": "num"}
    assert rules[1]["t"] == "jsonata_exp" and rules[1]["v"] == "payload > 2" and rules[1]["vt"] == "jsonata"
    assert rules[2]["t"] == "gt" and rules[2]["vt"] == "prev"
    assert flows[switch]["outputs"] == 3
    crules = flows[change]["rules"]
    assert crules[0]["t"] == "set" and crules[0]["to"] == "saved" and crules[0]["tot"] == "flow"
    assert crules[1]["t"] == "change" and (crules[1]["from"], crules[1]["to"]) == ("a", "b")
    assert crules[2]["t"] == "move" and crules[2]["p"] == "payload"
    assert (crules[2]["to"], crules[2]["tot"]) == ("kept", "msg")

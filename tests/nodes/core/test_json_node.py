"""json node: parse/stringify toggling, pretty, forced actions, schema validation (corpus json_node)."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness


def json_flow(**props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t", "env": []},
        {"id": "j", "type": "json", "z": "t", "property": "payload", "action": "", "pretty": False,
         "wires": [["out"]], **props},
        {"id": "out", "type": "test-sink", "z": "t"},
        {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
        {"id": "err", "type": "test-sink", "z": "t"},
    ]


async def run(msgs: list[dict[str, Any]], **props: Any) -> tuple[list[Any], list[Any]]:
    async with FlowHarness(json_flow(**props)) as h:
        for m in msgs:
            h.send_to("j", m)
        await h.drain()
        return h.received("out"), h.received("err")


async def test_toggle_direction_by_type() -> None:
    out, _ = await run([{"payload": '{"a":[1,2],"b":"x"}'}, {"payload": {"a": {"b": 1.0}, "u": "é"}}, {"payload": 3}])
    assert out[0]["payload"] == {"a": [1, 2], "b": "x"}
    assert out[1]["payload"] == '{"a":{"b":1},"u":"é"}'  # JS number formatting, no ASCII escaping
    assert out[2]["payload"] == "3"


async def test_pretty_and_forced_actions() -> None:
    out, _ = await run([{"payload": {"a": {"b": 1}}}, {"payload": '"already"'}], action="str", pretty=True)
    assert out[0]["payload"] == '{\n    "a": {\n        "b": 1\n    }\n}'
    assert out[1]["payload"] == '"already"'
    out, _ = await run([{"data": "[1,2]"}, {"data": {"k": True}}], action="obj", property="data")
    assert out[0]["data"] == [1, 2] and out[1]["data"] == {"k": True}


async def test_missing_property_passes_and_bad_json_is_an_error() -> None:
    out, err = await run([{"topic": "no payload"}, {"payload": "{nope"}])
    assert [m["topic"] for m in out] == ["no payload"]
    assert err[0]["error"]["source"]["id"] == "j"


async def test_schema_validation() -> None:
    schema = {"type": "object", "required": ["a"]}
    out, err = await run([{"payload": '{"a":1}', "schema": schema}, {"payload": '{"b":1}', "schema": schema}])
    assert out[0]["payload"] == {"a": 1} and "schema" not in out[0]
    assert err[0]["error"]["message"] == "JSON Schema error: data must have required property 'a'"
    assert err[0]["schemaError"] == [{"instancePath": "", "schemaPath": "#/required", "keyword": "required",
                                      "params": {"missingProperty": "a"},
                                      "message": "must have required property 'a'"}]


async def test_schema_error_text_is_node_reds() -> None:
    # Node-RED's example parser/json/03: "JSON Schema error: data/price must be number" (ajv.errorsText)
    schema = {"type": "object", "properties": {"price": {"type": "number"}, "kind": {"type": "string"}},
              "required": ["kind", "origin"]}
    _, err = await run([{"payload": '{"kind":"Apple","price":"100"}', "schema": schema}])
    assert err[0]["error"]["message"] == ("JSON Schema error: data must have required property 'origin', "
                                          "data/price must be number")  # ajv: required before properties
    assert err[0]["schemaError"][1] == {"instancePath": "/price", "schemaPath": "#/properties/price/type",
                                        "keyword": "type", "params": {"type": "number"},
                                        "message": "must be number"}

"""yaml node: YAML text <-> objects, js-yaml layout, non-convertible values."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness


async def run(msgs: list[dict[str, Any]], **props: Any) -> tuple[FlowHarness, list[dict[str, Any]]]:
    flows = [{"id": "y", "type": "yaml", "property": "payload", "wires": [["out"]], **props},
             {"id": "out", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        for m in msgs:
            h.send_to("y", m)
        await h.drain()
        return h, h.received("out")


async def test_parse_and_dump() -> None:
    _h, out = await run([{"payload": "a: 1\nb:\n  - x\n  - y\n"}, {"payload": {"a": 1, "b": ["x", "y"], "c": 1.0}}])
    assert out[0]["payload"] == {"a": 1, "b": ["x", "y"]}
    assert out[1]["payload"] == "a: 1\nb:\n  - x\n  - y\nc: 1\n"


async def test_property_out_and_unsupported_values() -> None:
    h, out = await run([{"payload": "k: v"}, {"payload": 5}, {"other": 1}], propertyOut="parsed")
    assert out[0]["parsed"] == {"k": "v"} and out[0]["payload"] == "k: v"
    assert [m.get("other") for m in out[1:]] == [1]  # the number is dropped with a warning
    assert (30, "y", "Ignored unsupported payload type") in h.logs

"""comment node: deploys, takes no input and sends nothing."""

from __future__ import annotations

from flowengine.testing import FlowHarness


async def test_comment_is_inert() -> None:
    flows = [{"id": "note", "type": "comment", "name": "read me", "info": "docs", "wires": []},
             {"id": "out", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        node = h.node("note")
        await h.drain()
    assert node.inputs == 0 and node.outputs == 0
    assert h.received("out") == [] and [log for log in h.logs if log[1] == "note"] == []

"""complete: fires when a scoped node calls done()."""

from __future__ import annotations

from flowengine.testing import FlowHarness


async def test_complete_node_gets_clone_with_source():
    flows = [{"id": "j", "type": "junction", "wires": [["s"]]},
             {"id": "cm", "type": "complete", "scope": ["j"], "wires": [["s2"]]},
             {"id": "s", "type": "test-sink"}, {"id": "s2", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        h.send_to("j", {"payload": "p"})
        [m] = await h.wait_for("s2")
        assert m["payload"] == "p" and m["complete"]["source"]["id"] == "j"
        assert m["complete"]["source"]["type"] == "junction"
        [orig] = await h.wait_for("s")
        assert "complete" not in orig


async def test_complete_not_fired_for_unscoped_nodes():
    flows = [{"id": "j", "type": "junction", "wires": [["s"]]},
             {"id": "cm", "type": "complete", "scope": ["other"], "wires": [["s2"]]},
             {"id": "s", "type": "test-sink"}, {"id": "s2", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        h.send_to("j", {"payload": "p"})
        await h.wait_for("s")
        await h.drain()
        assert h.received("s2") == []

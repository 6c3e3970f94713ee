"""status: receives status updates of nodes in scope as msg.status."""

from __future__ import annotations

from flowengine.testing import FlowHarness


async def test_status_node_reports_scoped_status():
    flows = [{"id": "j", "type": "junction", "wires": [[]]},
             {"id": "st", "type": "status", "scope": ["j"], "wires": [["s"]]},
             {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        h.node("j").status(fill="green", shape="dot", text=3)
        [m] = await h.wait_for("s")
        assert m["status"]["text"] == "3" and m["status"]["fill"] == "green"
        assert m["status"]["source"]["id"] == "j" and m["status"]["source"]["type"] == "junction"


async def test_status_node_scope_excludes_others():
    flows = [{"id": "j", "type": "junction", "wires": [[]]},
             {"id": "st", "type": "status", "scope": ["x"], "wires": [["s"]]},
             {"id": "s", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        h.node("j").status("hi")
        await h.drain()
        assert h.received("s") == []
        assert ("status/j", {"text": "hi"}) in h.events

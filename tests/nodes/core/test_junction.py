"""junction: pass-through, fan-out clones."""

from __future__ import annotations

from flowengine.testing import FlowHarness


async def test_junction_passes_messages_and_clones_on_fan_out():
    flows = [{"id": "j", "type": "junction", "wires": [["s1", "s2"]]},
             {"id": "s1", "type": "test-sink"}, {"id": "s2", "type": "test-sink"}]
    async with FlowHarness(flows) as h:
        msg = {"payload": "j"}
        h.send_to("j", msg)
        [a] = await h.wait_for("s1")
        [b] = await h.wait_for("s2")
        assert a is msg and b == msg and b is not msg

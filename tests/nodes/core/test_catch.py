"""catch: receives errors of nodes in scope with Node-RED's msg.error shape."""

from __future__ import annotations

from flowengine.nodes.core.catch import Catch

from flowengine.node import Node
from flowengine.testing import FlowHarness


class Boom(Node):
    type = "t-boom"

    def on_input(self, msg, send, done):
        done("boom: " + str(msg["payload"]))


def flows(scope, uncaught=False):
    return [{"id": "b", "type": "t-boom", "name": "B", "wires": [[]]},
            {"id": "c", "type": "catch", "scope": scope, "uncaught": uncaught, "wires": [["s"]]},
            {"id": "s", "type": "test-sink"}]


def harness(f):
    h = FlowHarness(f)
    if "t-boom" not in h.registry:
        h.registry.add(Boom)
    return h


async def test_catch_all_gets_error_shape():
    async with harness(flows(None)) as h:
        h.send_to("b", {"payload": "x", "topic": "t1"})
        [m] = await h.wait_for("s")
        assert m["payload"] == "x" and m["topic"] == "t1"
        assert m["error"] == {"message": "boom: x", "source": {"id": "b", "type": "t-boom", "name": "B", "count": 1}}


async def test_catch_scoped_to_other_node_ignores_it():
    async with harness(flows(["other"])) as h:
        h.send_to("b", {"payload": "x"})
        await h.drain()
        assert h.received("s") == [] and (20, "b", "boom: x") in h.logs


def test_catch_has_no_input_and_one_output():
    assert Catch.inputs == 0 and Catch.outputs == 1

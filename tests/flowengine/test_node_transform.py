"""``Node.transform``: a node type that only maps a message to the message it sends.

The dispatcher calls ``transform`` directly (no ``send``/``done`` callables per message); what a
flow sees must be what ``on_input`` gives: the result on the first output, ``complete`` nodes
fired, an exception as the node's catchable error, and a subclass that overrides ``on_input``
served by its ``on_input``.
"""

from __future__ import annotations

from typing import Any

from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.testing import FlowHarness
from flowengine.types import Done, Msg, Send


class Double(Node):
    type = "test-double"

    def transform(self, msg: Msg) -> Msg | None:
        if msg.get("payload") == "boom":
            raise ValueError("cannot double boom")
        if msg.get("payload") is None:
            return None
        msg["payload"] = msg["payload"] * 2
        return msg


class DoubleThenTag(Double):
    """Overrides on_input again and calls the base's: both must still run."""

    type = "test-double-tag"

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        msg["tagged"] = True
        super().on_input(msg, send, done)


def registry() -> Registry:
    reg = Registry.default()
    reg.add(Double)
    reg.add(DoubleThenTag)
    return reg


def flows(kind: str) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t"},
        {"id": "d", "type": kind, "z": "t", "wires": [["out", "out2"]]},
        {"id": "out", "type": "test-sink", "z": "t"},
        {"id": "out2", "type": "test-sink", "z": "t"},
        {"id": "cm", "type": "complete", "z": "t", "scope": ["d"], "wires": [["done"]]},
        {"id": "done", "type": "test-sink", "z": "t"},
        {"id": "ct", "type": "catch", "z": "t", "scope": ["d"], "uncaught": False, "wires": [["caught"]]},
        {"id": "caught", "type": "test-sink", "z": "t"},
    ]


def test_flags() -> None:
    assert Double._transform_input
    assert not DoubleThenTag._transform_input  # its own on_input serves it
    assert not Node._transform_input


async def test_result_goes_to_every_wire_of_output_one_and_complete_fires() -> None:
    async with FlowHarness(flows("test-double"), registry()) as h:
        h.send_to("d", {"payload": 21})
        [a] = await h.wait_for("out")
        [b] = await h.wait_for("out2")
        [c] = await h.wait_for("done")
    assert a["payload"] == 42 and b["payload"] == 42
    assert a is not b  # the second wire gets a clone, as for any send
    assert c["payload"] == 42


async def test_none_sends_nothing_but_completes() -> None:
    async with FlowHarness(flows("test-double"), registry()) as h:
        h.send_to("d", {"payload": None, "topic": "quiet"})
        [c] = await h.wait_for("done")
        h.send_to("d", {"payload": 1})
        [a] = await h.wait_for("out")
    assert c["topic"] == "quiet"
    assert a["payload"] == 2  # the first message sent nothing: this is the only one


async def test_an_exception_is_the_nodes_catchable_error() -> None:
    async with FlowHarness(flows("test-double"), registry()) as h:
        h.send_to("d", {"payload": "boom"})
        [err] = await h.wait_for("caught")
    assert "cannot double boom" in err["error"]["message"]
    assert err["error"]["source"]["id"] == "d"


async def test_a_subclass_with_its_own_on_input_keeps_both() -> None:
    async with FlowHarness(flows("test-double-tag"), registry()) as h:
        h.send_to("d", {"payload": 5})
        [a] = await h.wait_for("out")
        [c] = await h.wait_for("done")
    assert a["payload"] == 10 and a["tagged"] is True
    assert c["payload"] == 10


class Fresh(Node):
    """Returns a new dict without ``_msgid``, or a list (the per-output form)."""

    type = "test-fresh"

    def transform(self, msg: Msg) -> Any:
        if msg.get("payload") == "list":
            return [{"payload": "from list"}]
        return {"payload": msg.get("payload")}


def chain(kind: str) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t"},
        {"id": "a", "type": kind, "z": "t", "wires": [["b"]]},
        {"id": "b", "type": kind, "z": "t", "wires": [["out"]]},
        {"id": "out", "type": "test-sink", "z": "t"},
    ]


def fresh_registry() -> Registry:
    reg = registry()
    reg.add(Fresh)
    return reg


async def test_a_single_wire_result_is_queued_in_order_and_counted() -> None:
    async with FlowHarness(chain("test-double"), registry()) as h:
        for n in range(1, 6):
            h.send_to("a", {"payload": n})
        got = await h.wait_for("out", 5)
        route = h.runtime.routes["a"]
        assert route.direct is h.runtime.routes["b"]  # the dispatcher queues a's results itself
        assert h.node("a").stats.sent == 5 and h.node("b").stats.received == 5
    assert [m["payload"] for m in got] == [4, 8, 12, 16, 20]


async def test_a_fresh_result_gets_a_msgid_and_a_list_goes_by_outputs() -> None:
    async with FlowHarness(chain("test-fresh"), fresh_registry()) as h:
        h.send_to("a", {"payload": 7, "_msgid": "given"})
        h.send_to("a", {"payload": "list"})
        first, second = await h.wait_for("out", 2)
    assert first["payload"] == 7 and first["_msgid"] and first["_msgid"] != "given"
    assert second["payload"] == "from list" and second["_msgid"]


async def test_a_gated_route_sends_every_result_through_its_gate() -> None:
    async with FlowHarness(chain("test-double"), registry()) as h:
        route = h.runtime.routes["a"]
        seen: list[Any] = []

        def wrap(send: Any) -> Any:
            def gate(arg: Any) -> None:
                seen.append(arg["payload"])
                if arg["payload"] != 4:
                    send(arg)

            return gate

        route.gate(wrap)
        assert route.direct is None
        route.resolve(h.runtime.routes)  # a redeploy's re-resolve keeps the gate
        assert route.direct is None
        for n in (1, 2, 3):
            h.send_to("a", {"payload": n})
        got = await h.wait_for("out", 2)
    assert seen == [2, 4, 6]
    assert [m["payload"] for m in got] == [4, 12]

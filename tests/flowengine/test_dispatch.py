"""dispatch.py, driven directly: the delivery queues and loop with stub nodes wired by ``Route``.

Pins the contract in docs/INTERNALS.md ("Delivery"): breadth-first order, per-wire order, a yield
every ``BATCH`` deliveries, the urgent queue past ``BURST_AT``, and deferred fan-out clones past
``DEFER_CLONES_AT`` with their documented trade-off.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from flowengine.dispatch import BATCH, BURST_AT, DEFER_CLONES_AT, Dispatcher
from flowengine.graph import NodeSpec
from flowengine.node import NodeStats
from flowengine.route import Route

Log = list[tuple[str, Any]]


class Stub:
    """What the dispatcher and ``Route`` use of a node: stats, on_input, error."""

    _async_input = False
    _transform_input = False

    def __init__(self, name: str, log: Log, react: Callable[[Stub, dict[str, Any], Any], None] | None = None):
        self.name = name
        self.id = name
        self.log = log
        self.react = react
        self.stats = NodeStats()
        self.errors: list[Any] = []

    def on_input(self, msg: dict[str, Any], send: Any, done: Any) -> None:
        self.log.append((self.name, msg.get("v")))
        if self.react is not None:
            self.react(self, msg, send)

    def error(self, err: Any, msg: Any = None) -> None:
        self.errors.append(err)


class StubFlow:
    complete_map: dict[str, Any] = {}


def forward(node: Stub, msg: dict[str, Any], send: Any) -> None:
    send(msg)


def build(d: Dispatcher, nodes: dict[str, Stub], wires: dict[str, list[list[str]]]) -> dict[str, Route]:
    routes = {nid: Route(node, StubFlow(), NodeSpec(nid, "stub", {}, tuple(tuple(p) for p in wires.get(nid, [[]])),
                                                    nid, "t"), d)  # type: ignore[arg-type]
              for nid, node in nodes.items()}
    for r in routes.values():
        r.resolve(routes)
    return routes


@pytest.fixture
async def dispatcher():
    d = Dispatcher()
    yield d
    await d.close()


async def test_breadth_first_order_like_node_red(dispatcher: Dispatcher) -> None:
    # a -> [b, c], b -> d: Node-RED's setImmediate queue gives a, b, c, d (corpus delivery_order)
    log: Log = []
    nodes = {n: Stub(n, log, forward) for n in "abcd"}
    routes = build(dispatcher, nodes, {"a": [["b", "c"]], "b": [["d"]], "c": [[]], "d": [[]]})
    dispatcher.start()
    dispatcher.push(routes["a"], {"v": 1})
    await dispatcher.drained()
    assert [name for name, _ in log] == ["a", "b", "c", "d"]


async def test_per_wire_order_is_kept(dispatcher: Dispatcher) -> None:
    log: Log = []

    def burst(node: Stub, msg: dict[str, Any], send: Any) -> None:
        send([[{"v": f"{msg['v']}.{i}"} for i in range(3)]])  # several messages on one port, in order

    nodes = {"a": Stub("a", log, burst), "b": Stub("b", log)}
    routes = build(dispatcher, nodes, {"a": [["b"]]})
    dispatcher.start()
    for v in range(3):
        dispatcher.push(routes["a"], {"v": v})
    await dispatcher.drained()
    assert [v for name, v in log if name == "b"] == [f"{a}.{i}" for a in range(3) for i in range(3)]


async def test_the_loop_yields_to_the_event_loop_every_batch(dispatcher: Dispatcher) -> None:
    log: Log = []
    routes = build(dispatcher, {"a": Stub("a", log)}, {})
    dispatcher.start()
    for v in range(2 * BATCH + 1):
        dispatcher.push(routes["a"], {"v": v})
    seen: list[int] = []
    asyncio.get_running_loop().call_soon(lambda: seen.append(len(log)))
    await dispatcher.drained()
    assert seen == [BATCH]  # other callbacks (I/O, timers) run between batches
    assert dispatcher.delivered == 2 * BATCH + 1 and routes["a"].node.stats.received == 2 * BATCH + 1


async def test_past_burst_at_an_idle_target_is_served_first_through_the_urgent_queue(dispatcher: Dispatcher) -> None:
    log: Log = []
    nodes = {"src": Stub("src", log, forward), "dst": Stub("dst", log)}
    routes = build(dispatcher, nodes, {"src": [["dst"]]})
    n = BURST_AT + 3
    for v in range(n):
        dispatcher.push(routes["src"], {"v": v})
    assert len(dispatcher.queue) == n and not dispatcher.urgent
    dispatcher.start()
    await dispatcher.drained()
    # while more than BURST_AT deliveries wait, each part goes straight through the next hop; once
    # BURST_AT or fewer wait (after src 2 is taken), the send goes to the main queue again
    assert log[:4] == [("src", 0), ("dst", 0), ("src", 1), ("dst", 1)]
    assert log[4:6] == [("src", 2), ("src", 3)]
    # below it, Node-RED's breadth-first order again; the downstream node still sees every part in order
    assert [v for name, v in log if name == "dst"] == list(range(n))
    assert log[-2:] == [("dst", n - 2), ("dst", n - 1)]


async def test_a_target_with_deliveries_queued_keeps_the_main_queue(dispatcher: Dispatcher) -> None:
    log: Log = []
    routes = build(dispatcher, {"busy": Stub("busy", log), "idle": Stub("idle", log)}, {})
    for v in range(BURST_AT + 1):
        dispatcher.push(routes["busy"], {"v": v})
    dispatcher.push(routes["busy"], {"v": "late"})  # busy has queued deliveries: main queue, behind them
    dispatcher.push(routes["idle"], {"v": "urgent"})
    assert [r.node.name for r, _ in dispatcher.urgent] == ["idle"]
    dispatcher.start()
    await dispatcher.drained()
    assert log[0] == ("idle", "urgent") and log[-1] == ("busy", "late")


def fanout_flow(d: Dispatcher, log: Log) -> dict[str, Route]:
    """``a`` sends its input to ``b`` and ``c`` and then mutates it (a misbehaving sender)."""

    def send_then_mutate(node: Stub, msg: dict[str, Any], send: Any) -> None:
        out = {"v": "original", "nested": {"k": 1}}
        send(out)
        out["v"] = "mutated after send"
        out["nested"]["k"] = 2

    class Keep(Stub):
        def on_input(self, msg: dict[str, Any], send: Any, done: Any) -> None:
            self.log.append((self.name, msg))

    nodes = {"a": Stub("a", log, send_then_mutate), "b": Keep("b", log), "c": Keep("c", log),
             "filler": Stub("filler", [])}
    return build(d, nodes, {"a": [["b", "c"]]})


async def test_below_defer_clones_at_clones_are_taken_at_send_time(dispatcher: Dispatcher) -> None:
    log: Log = []
    routes = fanout_flow(dispatcher, log)
    dispatcher.start()
    dispatcher.push(routes["a"], {"v": 0})
    await dispatcher.drained()
    got = {name: msg for name, msg in log if name in "bc"}
    assert got["b"]["v"] == "mutated after send"  # the first target gets the sent object itself
    assert got["c"] == {"v": "original", "nested": {"k": 1}, "_msgid": got["b"]["_msgid"]}


async def test_past_defer_clones_at_clones_see_a_mutation_after_send(dispatcher: Dispatcher) -> None:
    # The documented trade-off (INTERNALS.md "Delivery"): past DEFER_CLONES_AT queued deliveries a
    # fan-out is one queue entry cloned when it reaches the head, so a sender that mutates a message
    # after sending it is seen by those clones. If this changes, update INTERNALS.md.
    log: Log = []
    routes = fanout_flow(dispatcher, log)
    dispatcher.push(routes["a"], {"v": 0})
    for v in range(DEFER_CLONES_AT + 10):
        dispatcher.push(routes["filler"], {"v": v})
    dispatcher.start()
    await dispatcher.drained()
    got = {name: msg for name, msg in log if name in "bc"}
    assert got["b"]["v"] == got["c"]["v"] == "mutated after send"
    assert got["c"]["nested"] == {"k": 2}
    assert got["b"] is not got["c"] and got["b"]["nested"] is not got["c"]["nested"]  # still clones
    assert routes["a"].node.stats.sent == 2


async def test_deferred_fan_out_keeps_breadth_first_and_per_wire_order(dispatcher: Dispatcher) -> None:
    log: Log = []
    nodes = {"a": Stub("a", log, forward), "b": Stub("b", log), "c": Stub("c", log), "filler": Stub("f", [])}
    routes = build(dispatcher, nodes, {"a": [["b", "c"]]})
    for v in range(3):
        dispatcher.push(routes["a"], {"v": v})
    for v in range(DEFER_CLONES_AT + 10):
        dispatcher.push(routes["filler"], {"v": v})
    dispatcher.start()
    await dispatcher.drained()
    assert [x for x in log if x[0] != "a"] == [("b", 0), ("c", 0), ("b", 1), ("c", 1), ("b", 2), ("c", 2)]


async def test_closed_routes_drop_their_deliveries_and_late_sends(dispatcher: Dispatcher) -> None:
    log: Log = []
    routes = build(dispatcher, {"a": Stub("a", log, forward), "b": Stub("b", log)}, {"a": [["b"]]})
    dispatcher.push(routes["b"], {"v": "queued before close"})
    routes["b"].closed = True
    dispatcher.start()
    dispatcher.push(routes["a"], {"v": 1})
    await dispatcher.drained()
    assert log == [("a", 1)]
    routes["a"].closed = True
    routes["a"].send({"v": "late"})
    assert dispatcher.backlog() == 0


async def test_a_handler_exception_is_the_nodes_error_and_the_loop_goes_on(dispatcher: Dispatcher) -> None:
    log: Log = []

    def boom(node: Stub, msg: dict[str, Any], send: Any) -> None:
        if msg["v"] == 1:
            raise ValueError("bad input")

    routes = build(dispatcher, {"a": Stub("a", log, boom)}, {})
    dispatcher.start()
    for v in range(3):
        dispatcher.push(routes["a"], {"v": v})
    await dispatcher.drained()
    assert [v for _, v in log] == [0, 1, 2]
    [err] = routes["a"].node.errors
    assert isinstance(err, ValueError)


async def test_room_waits_for_the_backlog_to_shrink(dispatcher: Dispatcher) -> None:
    routes = build(dispatcher, {"a": Stub("a", [])}, {})
    for v in range(3 * BATCH):
        dispatcher.push(routes["a"], {"v": v})
    dispatcher.start()
    await dispatcher.room(limit=BATCH)
    assert dispatcher.backlog() <= BATCH
    await dispatcher.drained()


async def test_drained_times_out_when_nothing_drains() -> None:
    d = Dispatcher()
    routes = build(d, {"a": Stub("a", [])}, {})
    d.push(routes["a"], {"v": 1})  # never started
    with pytest.raises(TimeoutError, match="1 deliveries still queued"):
        await d.drained(timeout=0.01)
    await d.close()
    assert d.backlog() == 0


class Hop(Stub):
    """A transform node: logs the message and returns it (the dispatcher queues the result)."""

    _transform_input = True

    def transform(self, msg: dict[str, Any]) -> dict[str, Any]:
        self.log.append((self.name, msg.get("v")))
        return msg


async def test_a_transform_result_past_burst_at_goes_through_the_urgent_queue(dispatcher: Dispatcher) -> None:
    log: Log = []
    routes = build(dispatcher, {"src": Hop("src", log), "dst": Stub("dst", log)}, {"src": [["dst"]]})
    assert routes["src"].direct is routes["dst"]
    n = BURST_AT + 3
    for v in range(n):
        dispatcher.push(routes["src"], {"v": v, "_msgid": "m"})
    dispatcher.start()
    await dispatcher.drained()
    # the same order as a send through Route.send (test_past_burst_at_an_idle_target_...)
    assert log[:6] == [("src", 0), ("dst", 0), ("src", 1), ("dst", 1), ("src", 2), ("src", 3)]
    assert [v for name, v in log if name == "dst"] == list(range(n))
    assert routes["src"].node.stats.sent == n and routes["dst"].pending == 0


class CatchingFlow(StubFlow):
    """Catches every error (a catch node): ``Route.refuse`` reports through ``handle_error``."""

    def __init__(self) -> None:
        self.caught: list[tuple[Any, Any]] = []

    def handle_error(self, node: Any, err: Any, msg: Any, source: Any) -> bool:
        self.caught.append((str(err), msg["v"]))
        return True


@pytest.mark.parametrize("kind", [Hop, lambda name, log: Stub(name, log, forward)], ids=["transform", "send"])
async def test_a_single_send_beyond_the_in_flight_limit_is_refused_as_the_nodes_error(kind: Any) -> None:
    d = Dispatcher(limit=4)  # below BURST_AT: refused all the same
    log: Log = []
    routes = build(d, {"src": kind("src", log), "dst": Stub("dst", log)}, {"src": [["dst"]]})
    flow = CatchingFlow()
    routes["src"].flow = flow  # type: ignore[assignment]
    for v in range(10):
        d.push(routes["src"], {"v": v, "_msgid": "m"})
    d.start()
    await d.drained()
    await d.close()
    # src v's result would be queued with 9 - v others waiting: refused while that reaches the limit
    assert [v for _, v in flow.caught] == [0, 1, 2, 3, 4, 5] and "maxMessagesInFlight" in flow.caught[0][0]
    assert [v for name, v in log if name == "dst"] == [6, 7, 8, 9]
    assert routes["src"].node.stats.sent == 4 and d.refused == 6


async def test_a_transform_result_at_the_limit_past_burst_at_is_refused() -> None:
    d = Dispatcher(limit=BURST_AT + 1)
    log: Log = []
    routes = build(d, {"src": Hop("src", log), "dst": Stub("dst", log)}, {"src": [["dst"]]})
    flow = CatchingFlow()
    routes["src"].flow = flow  # type: ignore[assignment]
    for v in range(BURST_AT + 2):
        d.push(routes["src"], {"v": v, "_msgid": "m"})
    d.start()
    await d.drained()
    await d.close()
    assert [v for _, v in flow.caught] == [0]
    assert [v for name, v in log if name == "dst"] == list(range(1, BURST_AT + 2))


class Uncloneable:
    def __deepcopy__(self, memo: Any) -> Any:
        raise TypeError("cannot be copied")


async def test_a_deferred_fan_out_that_cannot_be_cloned_reaches_its_first_target_only(dispatcher: Dispatcher) -> None:
    log: Log = []
    nodes = {"a": Stub("a", log, forward), "b": Stub("b", log), "c": Stub("c", log), "d": Stub("d", log),
             "filler": Stub("f", [])}
    routes = build(dispatcher, nodes, {"a": [["b", "c", "d"]]})
    dispatcher.push(routes["a"], {"v": "odd", "thing": Uncloneable()})
    dispatcher.push(routes["a"], {"v": "fine"})
    for v in range(DEFER_CLONES_AT + 10):
        dispatcher.push(routes["filler"], {"v": v})
    dispatcher.start()
    await dispatcher.drained()
    assert [x for x in log if x[0] != "a"] == [("b", "odd"), ("b", "fine"), ("c", "fine"), ("d", "fine")]
    assert all(r.pending == 0 for r in routes.values())  # the lost deliveries are not counted as waiting


async def test_a_deferred_send_of_several_messages_keeps_their_order(dispatcher: Dispatcher) -> None:
    log: Log = []

    def two_out(node: Stub, msg: dict[str, Any], send: Any) -> None:
        send([[{"v": f"{msg['v']}-1"}, {"v": f"{msg['v']}-2"}], {"v": f"{msg['v']}-x"}])

    nodes = {"a": Stub("a", log, two_out), "b": Stub("b", log), "x": Stub("x", log), "filler": Stub("f", [])}
    routes = build(dispatcher, nodes, {"a": [["b"], ["x"]]})
    dispatcher.push(routes["a"], {"v": 0})
    for v in range(DEFER_CLONES_AT + 10):
        dispatcher.push(routes["filler"], {"v": v})
    counts = dispatcher.queued_by_node()
    assert counts["a"] == 1 and counts["f"] == DEFER_CLONES_AT + 10
    dispatcher.start()
    await dispatcher.drained()
    assert [x for x in log if x[0] != "a"] == [("b", "0-1"), ("b", "0-2"), ("x", "0-x")]
    assert all(r.pending == 0 for r in routes.values())


async def test_queued_fan_outs_are_counted_by_target(dispatcher: Dispatcher) -> None:
    nodes = {"a": Stub("a", []), "b": Stub("b", []), "c": Stub("c", []), "filler": Stub("f", [])}
    routes = build(dispatcher, nodes, {"a": [["b", "c"]]})
    for v in range(DEFER_CLONES_AT + 10):
        dispatcher.push(routes["filler"], {"v": v})
    routes["a"].send({"v": "fan"})  # past DEFER_CLONES_AT: one (msg, targets) entry
    routes["a"].send([[{"v": 1}, {"v": 2}]])  # two messages on one port: one list-of-events entry
    counts = dispatcher.queued_by_node()
    assert counts["b"] == counts["c"] == 3


async def test_deliver_now_on_an_idle_dispatcher_delivers_in_the_caller_s_turn(dispatcher: Dispatcher) -> None:
    log: Log = []
    nodes = {n: Stub(n, log, forward) for n in "abcd"}
    routes = build(dispatcher, nodes, {"a": [["b", "c"]], "b": [["d"]], "c": [[]], "d": [[]]})
    dispatcher.start()
    await dispatcher.drained()
    dispatcher.deliver_now(routes["a"].send, {"v": 1})
    assert [name for name, _ in log] == ["b", "c", "d"]  # a's send, delivered breadth-first at once
    assert dispatcher.idle and not dispatcher.queue and dispatcher.delivered == 3
    turns: list[int] = []
    asyncio.get_running_loop().call_soon(turns.append, 1)
    await asyncio.sleep(0)
    assert turns == [1] and dispatcher.delivered == 3  # the task was not woken for nothing


async def test_deliver_now_behind_queued_deliveries_only_queues(dispatcher: Dispatcher) -> None:
    log: Log = []
    nodes = {"a": Stub("a", log), "b": Stub("b", log), "src": Stub("src", log)}
    routes = build(dispatcher, nodes, {"src": [["b"]]})
    dispatcher.start()
    await dispatcher.drained()
    dispatcher.push(routes["a"], {"v": "first"})
    dispatcher.deliver_now(routes["src"].send, {"v": "second"})
    assert log == []  # the task was already woken: the order is the queue's
    await dispatcher.drained()
    assert log == [("a", "first"), ("b", "second")]


async def test_deliver_now_delivers_one_batch_and_leaves_the_rest_to_the_task(dispatcher: Dispatcher) -> None:
    log: Log = []

    def many(node: Stub, msg: dict[str, Any], send: Any) -> None:
        send([[{"v": i} for i in range(2 * BATCH)]])

    nodes = {"a": Stub("a", log, many), "b": Stub("b", log), "src": Stub("src", log)}
    routes = build(dispatcher, nodes, {"a": [["b"]], "src": [["a"]]})
    dispatcher.start()
    await dispatcher.drained()
    dispatcher.deliver_now(routes["src"].send, {"v": "go"})
    assert len(log) == BATCH  # a, then BATCH - 1 of b's: the loop's turn is bounded as the task's is
    assert not dispatcher.idle  # the task was woken for the rest
    await dispatcher.drained()
    assert [v for name, v in log if name == "b"] == list(range(2 * BATCH))


async def test_deliver_now_inside_a_delivery_only_queues(dispatcher: Dispatcher) -> None:
    log: Log = []
    routes: dict[str, Route] = {}

    def reenter(node: Stub, msg: dict[str, Any], send: Any) -> None:
        dispatcher.deliver_now(routes["c"].send, {"v": "nested"})  # no delivery nested in this one
        log.append(("after", len(log)))
        send(msg)

    nodes = {"a": Stub("a", log, reenter), "b": Stub("b", log), "c": Stub("c", log), "src": Stub("src", log)}
    routes.update(build(dispatcher, nodes, {"src": [["a"]], "a": [["b"]], "c": [["b"]]}))
    dispatcher.start()
    await dispatcher.drained()
    dispatcher.deliver_now(routes["src"].send, {"v": 1})
    assert log == [("a", 1), ("after", 1), ("b", "nested"), ("b", 1)]
    assert dispatcher.idle


async def test_deliver_now_reports_a_handler_s_error_as_the_node_s(dispatcher: Dispatcher) -> None:
    log: Log = []

    def boom(node: Stub, msg: dict[str, Any], send: Any) -> None:
        raise ValueError("bad input")

    nodes = {"a": Stub("a", log, boom), "src": Stub("src", log)}
    routes = build(dispatcher, nodes, {"src": [["a"]]})
    dispatcher.start()
    await dispatcher.drained()
    dispatcher.deliver_now(routes["src"].send, {"v": 1})
    assert log == [("a", 1)] and [str(e) for e in nodes["a"].errors] == ["bad input"]
    assert dispatcher.idle


async def test_deliver_now_before_the_task_starts_only_queues(dispatcher: Dispatcher) -> None:
    log: Log = []
    nodes = {"b": Stub("b", log), "src": Stub("src", log)}
    routes = build(dispatcher, nodes, {"src": [["b"]]})
    dispatcher.deliver_now(routes["src"].send, {"v": 1})
    assert log == [] and len(dispatcher.queue) == 1
    dispatcher.start()
    await dispatcher.drained()
    assert log == [("b", 1)]

"""``GET /metrics``: the runtime in Prometheus' text format (prometheus-client, one registry per app,
built by the app's first scrape: ``observability.Observability``).

Everything is read when the endpoint is scraped; nothing is added to the message path. Messages
received, sent and errors come from the counters every node keeps anyway (``NodeStats``), summed by
node type and flow, plus the totals of nodes a deploy stopped (``Runtime.stats``), so they never go
back. Node types add their own figures through ``Node.metrics()`` (the OpenAI config nodes:
requests, retries, 429s, tokens, queue). The event loop's lag is sampled by a task every
``LAG_INTERVAL_S`` from the app's start (``observability.LoopLag``).

Families: ``flowengine_messages_received_total``, ``flowengine_messages_sent_total``,
``flowengine_node_errors_total`` (labels ``type``, ``flow``); ``flowengine_nodes`` (running nodes);
``flowengine_queue_depth`` (deliveries waiting, all flows) and ``flowengine_flow_queue_depth{flow}``;
``flowengine_messages_delivered_total``; ``flowengine_deploys_total{type,result}``;
``flowengine_flows_state{state}``; ``flowengine_comms_clients``; ``flowengine_event_loop_lag_seconds``
(histogram) and ``flowengine_event_loop_lag_last_seconds``; ``flowengine_<name>{node,type,name}`` from
``Node.metrics()``; and the ``process_*`` figures of prometheus-client's process collector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client import metrics as prometheus_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from ..runtime import Runtime
from ..runtime_stats import flow_label
from .observability import LagHistogram, LoopLag

__all__ = ["RuntimeCollector", "build_registry", "exposition", "lag_family"]

FLOW_STATES = ("start", "stop", "safe")


class RuntimeCollector(Collector):
    """Reads the runtime (and the comms hub's client count) at each scrape."""

    def __init__(self, runtime: Runtime, comms_clients: Callable[[], int] | None, lag: LoopLag) -> None:
        self.runtime = runtime
        self.comms_clients = comms_clients
        self.lag = lag

    def collect(self) -> Iterator[Metric]:
        yield lag_family(self.lag.histogram)  # first, as when it was a registered Histogram
        runtime = self.runtime
        routes = list(runtime.routes.values())
        yield from self._messages(routes)
        dispatcher = runtime.dispatcher
        yield GaugeMetricFamily("flowengine_queue_depth", "Message deliveries waiting in the runtime's queue",
                                value=dispatcher.backlog())
        by_flow = GaugeMetricFamily("flowengine_flow_queue_depth", "Deliveries waiting for the nodes of a flow",
                                    labels=["flow"])
        pending: dict[str, int] = {}
        for r in routes:
            pending[flow_label(r)] = pending.get(flow_label(r), 0) + r.pending
        for flow, n in sorted(pending.items()):
            by_flow.add_metric([flow], n)
        yield by_flow
        yield CounterMetricFamily("flowengine_messages_delivered", "Deliveries the runtime made to node inputs",
                                  value=dispatcher.delivered)
        deploys = CounterMetricFamily("flowengine_deploys", "Deploys by deployment type and result",
                                      labels=["type", "result"])
        for (kind, result), n in sorted(runtime.stats.deploys.items()):
            deploys.add_metric([kind, result], n)
        yield deploys
        state = GaugeMetricFamily("flowengine_flows_state", "1 for the state the flows are in", labels=["state"])
        for s in FLOW_STATES:
            state.add_metric([s], 1 if runtime.state == s else 0)
        yield state
        if self.comms_clients is not None:
            yield GaugeMetricFamily("flowengine_comms_clients", "Editor websocket (comms) connections open",
                                    value=self.comms_clients())
        yield GaugeMetricFamily("flowengine_event_loop_lag_last_seconds",
                                "How late the event loop last woke a timer", value=self.lag.last)
        yield from self._node_metrics(routes)

    def _messages(self, routes: list[Any]) -> Iterator[Metric]:
        labels = ["type", "flow"]
        received = CounterMetricFamily("flowengine_messages_received", "Messages delivered to nodes, by node type "
                                       "and flow", labels=labels)
        sent = CounterMetricFamily("flowengine_messages_sent", "Messages nodes sent, by node type and flow",
                                   labels=labels)
        errors = CounterMetricFamily("flowengine_node_errors", "Errors nodes reported, by node type and flow",
                                     labels=labels)
        running = GaugeMetricFamily("flowengine_nodes", "Running nodes by type and flow", labels=labels)
        counts: dict[tuple[str, str], int] = {}
        for r in routes:
            key = (r.node.type, flow_label(r))
            counts[key] = counts.get(key, 0) + 1
        for key, (rec, snt, err) in sorted(self.runtime.stats.node_totals(routes).items()):
            received.add_metric(list(key), rec)
            sent.add_metric(list(key), snt)
            errors.add_metric(list(key), err)
        for key, n in sorted(counts.items()):
            running.add_metric(list(key), n)
        yield from (received, sent, errors, running)

    @staticmethod
    def _node_metrics(routes: list[Any]) -> Iterator[Metric]:
        families: dict[str, CounterMetricFamily | GaugeMetricFamily] = {}
        for r in routes:
            node = r.node
            for name, value in node.metrics().items():
                family = families.get(name)
                if family is None:
                    labels = ["node", "type", "name"]
                    text = f"{name.replace('_', ' ')} (reported by the node)"
                    kind = CounterMetricFamily if name.endswith("_total") else GaugeMetricFamily
                    family = kind(f"flowengine_{name}", text, labels=labels)
                    families[name] = family
                family.add_metric([node.id, node.type, str(node.name or "")], value)
        yield from families.values()


def build_registry(runtime: Runtime, comms_clients: Callable[[], int] | None, lag: LoopLag) -> CollectorRegistry:
    """An app's registry: the loop-lag histogram, the runtime's figures, the process collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RuntimeCollector(runtime, comms_clients, lag))
    ProcessCollector(registry=registry)
    return registry


def exposition(registry: CollectorRegistry) -> tuple[bytes, str]:
    """``registry`` in Prometheus' text format, and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST


def lag_family(histogram: LagHistogram) -> Metric:
    """``flowengine_event_loop_lag_seconds`` with the samples prometheus-client's ``Histogram``
    gives: cumulative buckets, count, sum, and ``_created`` unless created series are disabled."""
    name = "flowengine_event_loop_lag_seconds"
    family = Metric(name, "How late the event loop wakes a timer", "histogram")
    total = 0.0
    for bound, count in zip(histogram.bounds, histogram.counts, strict=True):
        total += count
        family.add_sample(f"{name}_bucket", {"le": floatToGoString(bound)}, total)  # type: ignore[no-untyped-call]
    family.add_sample(f"{name}_count", {}, total)
    family.add_sample(f"{name}_sum", {}, histogram.sum)
    if getattr(prometheus_metrics, "_use_created", True):  # prometheus_client.disable_created_metrics()
        family.add_sample(f"{name}_created", {}, histogram.created)
    return family

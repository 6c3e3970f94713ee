"""``GET /metrics`` (parsed with prometheus-client's own parser), ``/healthz`` and ``/readyz``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from flowengine.server import hash_password

from .conftest import AppFactory
from .helpers import V2, TestClient, inject_debug, tab


def samples(client: TestClient, headers: dict[str, str] | None = None) -> dict[tuple[str, tuple[Any, ...]], float]:
    r = client.get("/metrics", headers=headers or {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def value(found: dict[tuple[str, tuple[Any, ...]], float], metric: str, /, **labels: str) -> float | None:
    return found.get((metric, tuple(sorted(labels.items()))))


def wait_for(client: TestClient, ready: Callable[[dict[tuple[str, tuple[Any, ...]], float]], bool],
             timeout: float = 3.0) -> dict[tuple[str, tuple[Any, ...]], float]:
    """Scrape until ``ready`` says yes (messages run on the server's loop); the last scrape."""
    deadline = time.monotonic() + timeout
    while True:
        found = samples(client)
        if ready(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def chain(tab_id: str = "t1") -> list[dict[str, Any]]:
    flows = inject_debug(tab_id)
    flows[1]["wires"] = [["chg"]]
    flows.append({"id": "chg", "type": "change", "z": tab_id, "rules": [
        {"t": "set", "p": "topic", "pt": "msg", "to": "x", "tot": "str"}], "wires": [["dbg1"]]})
    return flows


def test_counters_move_as_a_flow_runs_and_survive_a_redeploy(app_factory: AppFactory):
    client, _, _ = app_factory(editor=False)
    assert client.post("/flows", json={"flows": chain()}, headers=V2).status_code == 200
    for _ in range(3):
        assert client.post("/inject/inj1").status_code == 200
    found = wait_for(client, lambda f: value(f, "flowengine_messages_received_total", type="debug", flow="t1") == 3)
    assert value(found, "flowengine_messages_received_total", type="change", flow="t1") == 3
    assert value(found, "flowengine_messages_sent_total", type="inject", flow="t1") == 3
    assert value(found, "flowengine_messages_sent_total", type="change", flow="t1") == 3
    assert value(found, "flowengine_node_errors_total", type="change", flow="t1") == 0
    assert value(found, "flowengine_nodes", type="change", flow="t1") == 1
    assert value(found, "flowengine_messages_delivered_total") == 6
    assert value(found, "flowengine_queue_depth") == 0
    assert value(found, "flowengine_flow_queue_depth", flow="t1") == 0
    assert value(found, "flowengine_deploys_total", type="full", result="ok") == 1
    assert value(found, "flowengine_flows_state", state="start") == 1
    assert value(found, "flowengine_flows_state", state="stop") == 0
    assert value(found, "process_resident_memory_bytes") > 0
    assert ("flowengine_event_loop_lag_seconds_count", ()) in found
    # the nodes are replaced: their counts stay in the totals; a refused deploy is counted too
    flows = chain()
    flows[2]["name"] = "renamed"
    assert client.post("/flows", json={"flows": flows}, headers=V2).status_code == 200
    bad = client.post("/flows", json={"flows": [*chain(), {"id": "chg", "type": "change", "z": "t1"}]}, headers=V2)
    assert bad.status_code == 400
    client.post("/inject/inj1")
    found = wait_for(client, lambda f: value(f, "flowengine_messages_received_total", type="debug", flow="t1") == 4)
    assert value(found, "flowengine_messages_received_total", type="debug", flow="t1") == 4
    assert value(found, "flowengine_nodes", type="debug", flow="t1") == 1
    assert value(found, "flowengine_deploys_total", type="full", result="ok") == 2
    assert value(found, "flowengine_deploys_total", type="full", result="refused") == 1


def test_errors_are_counted_by_type(app_factory: AppFactory):
    client, _, _ = app_factory(editor=False)
    flows = inject_debug()
    flows[1]["wires"] = [["fn"]]
    flows.append({"id": "fn", "type": "function", "z": "t1", "language": "python", "outputs": 1,
                  "func": "raise ValueError('no')", "wires": [[]]})
    assert client.post("/flows", json={"flows": flows}, headers=V2).status_code == 200
    client.post("/inject/inj1")
    found = wait_for(client, lambda f: value(f, "flowengine_node_errors_total", type="function", flow="t1") == 1)
    assert value(found, "flowengine_node_errors_total", type="function", flow="t1") == 1


def test_openai_requests_retries_429s_and_tokens_by_config_node(app_factory: AppFactory):
    answers = iter([httpx.Response(429, headers={"retry-after": "0"}, json={"error": {"message": "slow down"}}),
                    httpx.Response(200, json={"object": "list", "data": [], "usage": {"total_tokens": 7}})])

    async def no_sleep(seconds: float) -> None:
        return None

    transport = httpx.MockTransport(lambda request: next(answers))
    client, _, _ = app_factory(editor=False, extra={"openai_transport": transport, "openai_sleep": no_sleep})
    flows = [tab(), {"id": "cfg", "type": "openai-config", "name": "main"},
             {"id": "inj1", "type": "inject", "z": "t1", "props": [{"p": "payload"}], "payload": "hi",
              "payloadType": "str", "repeat": "", "once": False, "wires": [["emb"]]},
             {"id": "emb", "type": "openai-create-embedding", "z": "t1", "config": "cfg",
              "model": "text-embedding-3-small", "wires": [[]]}]
    assert client.post("/flows", json={"flows": flows}, headers=V2).status_code == 200
    client.post("/inject/inj1")
    labels = {"node": "cfg", "type": "openai-config", "name": "main"}
    found = wait_for(client, lambda f: value(f, "flowengine_openai_tokens_total", **labels) == 7)
    assert value(found, "flowengine_openai_requests_total", **labels) == 2
    assert value(found, "flowengine_openai_retries_total", **labels) == 1
    assert value(found, "flowengine_openai_rate_limited_total", **labels) == 1
    assert value(found, "flowengine_openai_tokens_total", **labels) == 7
    assert value(found, "flowengine_openai_queued", **labels) == 0
    assert value(found, "flowengine_openai_in_flight", **labels) == 0


def test_comms_clients_are_counted(app_factory: AppFactory):
    client, _, _ = app_factory()
    assert value(samples(client), "flowengine_comms_clients") == 0
    with client.websocket_connect("/comms"):
        assert value(wait_for(client, lambda f: value(f, "flowengine_comms_clients") == 1),
                     "flowengine_comms_clients") == 1
    assert value(wait_for(client, lambda f: value(f, "flowengine_comms_clients") == 0),
                 "flowengine_comms_clients") == 0


def _auth() -> dict[str, Any]:
    return {"type": "credentials", "users": [
        {"username": "viewer", "password": hash_password("look", rounds=4), "permissions": "read"}]}


def test_metrics_need_a_read_permission_when_admin_auth_is_on(app_factory: AppFactory):
    client, _, _ = app_factory(editor=False, adminAuth=_auth())
    assert client.get("/metrics").status_code == 401
    r = client.post("/auth/token", data={"client_id": "node-red-editor", "grant_type": "password", "scope": "*",
                                         "username": "viewer", "password": "look"})
    token = r.json()["access_token"]
    assert value(samples(client, {"Authorization": f"Bearer {token}"}), "flowengine_flows_state", state="start") == 1
    health = client.get("/healthz")  # a load balancer has no token
    assert health.status_code == 200 and health.json()["flows"] == "started"


def test_health_in_each_state(app_factory: AppFactory):
    client, _, _ = app_factory(editor=False)
    empty = client.get("/healthz").json()
    assert empty["status"] == "ok" and empty["flows"] == "started" and empty["reason"] is None
    assert client.post("/flows", json={"flows": inject_debug()}, headers=V2).status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["flows"] == "started"
    assert ready.json()["revision"] == client.get("/flows", headers=V2).json()["rev"]
    assert ready.headers["cache-control"] == "no-store"

    assert client.post("/flows/state", json={"state": "stop"}).status_code == 200
    stopped = client.get("/readyz")
    assert stopped.status_code == 503
    assert stopped.json()["flows"] == "stopped" and "runtimeFlowState" in stopped.json()["reason"]
    assert client.get("/healthz").status_code == 200
    assert client.post("/flows/state", json={"state": "start"}).status_code == 200

    missing = [*inject_debug(), {"id": "x", "type": "no-such-node", "z": "t1", "wires": []}]
    assert client.post("/flows", json={"flows": missing}, headers=V2).status_code == 200
    body = client.get("/readyz")
    assert body.status_code == 503
    assert body.json()["flows"] == "stopped" and body.json()["reason"] == "missing node types: no-such-node"


def test_health_in_safe_mode_and_without_the_admin_api(app_factory: AppFactory):
    client, _, _ = app_factory(editor=False, safeMode=True)
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["flows"] == "safe" and r.json()["reason"].startswith("safe mode")
    headless, _, _ = app_factory(admin=False)
    assert headless.get("/healthz").json()["flows"] == "started"
    assert headless.get("/metrics").status_code == 404  # without the admin API: metricsPort serves them


async def test_health_names_invalid_flows(tmp_path):
    from flowengine.registry import Registry
    from flowengine.runtime import Runtime
    from flowengine.server.health import health
    from flowengine.settings import Settings

    runtime = Runtime(Registry.default(), Settings(user_dir=tmp_path), persist=False)
    await runtime.start([tab(), {"id": "c", "type": "change", "z": "t1", "rules": "nope", "wires": [[]]}])
    try:
        ready, body = health(runtime, time.monotonic())
    finally:
        await runtime.close()
    assert not ready and body["flows"] == "stopped"
    assert body["reason"] == "invalid flows (1 errors): node c (change) property 'rules': 'nope' is not of type 'array'"


def test_the_loop_lag_histogram_scrapes_as_a_prometheus_histogram_observed_the_same_way():
    from prometheus_client import CollectorRegistry, Histogram, generate_latest
    from prometheus_client.registry import Collector

    from flowengine.server.metrics import lag_family
    from flowengine.server.observability import LAG_BUCKETS, LagHistogram

    reference = CollectorRegistry(auto_describe=False)
    expected = Histogram("flowengine_event_loop_lag_seconds", "How late the event loop wakes a timer",
                         buckets=LAG_BUCKETS, registry=reference)
    ours = LagHistogram()

    class Lag(Collector):
        def collect(self):
            yield lag_family(ours)

    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(Lag())
    for amount in (0.0, 0.0004, 0.001, 0.003, 0.2, 0.2, 7.5, 10.0, 42.0):
        expected.observe(amount)
        ours.observe(amount)

    def text(registry: CollectorRegistry) -> list[str]:  # the creation times differ by construction
        return [line.rsplit(" ", 1)[0] if "_created " in line else line
                for line in generate_latest(registry).decode().splitlines()]

    assert text(scraped) == text(reference)
    assert "flowengine_event_loop_lag_seconds_bucket{le=\"+Inf\"} 9.0" in text(scraped)

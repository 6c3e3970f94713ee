"""/flows, /flows/state and /flow/:id through a real Runtime."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .conftest import AppFactory
from .helpers import V2, TestClient, inject_debug, tab


def _rev(flows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(flows, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def test_get_flows_v1_and_v2(client: TestClient) -> None:
    assert client.get("/flows").json() == []
    flows = inject_debug()
    assert client.post("/flows", json=flows).status_code == 204
    assert client.get("/flows").json() == flows
    body = client.get("/flows", headers=V2).json()
    assert body["flows"] == flows
    assert body["rev"] == _rev(flows)


def test_api_version_v3_is_refused(client: TestClient) -> None:
    for method in ("GET", "POST"):
        r = client.request(method, "/flows", headers={"Node-RED-API-Version": "v3"}, json=[])
        assert r.status_code == 400
        assert r.json() == {"code": "invalid_api_version", "message": "Invalid API Version requested"}


def test_post_v2_returns_rev_and_stale_rev_conflicts(client: TestClient) -> None:
    flows = inject_debug()
    r = client.post("/flows", json={"flows": flows}, headers=V2)
    assert r.status_code == 200
    rev = r.json()["rev"]
    assert rev == _rev(flows)
    changed = inject_debug(dbg="dbg2")
    r = client.post("/flows", json={"flows": changed, "rev": rev}, headers=V2)
    assert r.status_code == 200
    r = client.post("/flows", json={"flows": flows, "rev": rev}, headers=V2)
    assert r.status_code == 409
    assert r.json() == {"code": "version_mismatch", "message": "Error"}
    assert client.get("/flows").json() == changed


def test_deployment_types_and_reload(client: TestClient) -> None:
    flows = inject_debug()
    for kind in ("full", "nodes", "flows"):
        r = client.post("/flows", json={"flows": flows}, headers={**V2, "Node-RED-Deployment-Type": kind})
        assert r.status_code == 200, r.text
    r = client.post("/flows", json={}, headers={**V2, "Node-RED-Deployment-Type": "reload"})
    assert r.status_code == 200
    assert r.json()["rev"] == _rev(flows)
    r = client.post("/flows", json={"flows": flows}, headers={**V2, "Node-RED-Deployment-Type": "bogus"})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_deployment_type"


def test_invalid_flow_is_refused_and_running_flows_kept(client: TestClient) -> None:
    good = inject_debug()
    client.post("/flows", json=good)
    bad = [tab(), {"id": "x1", "type": "no-such-type-at-all", "z": "t1", "x": 1, "y": 1, "wires": "oops"}]
    r = client.post("/flows", json={"flows": bad}, headers=V2)
    assert r.status_code == 400
    body = r.json()
    assert set(body) >= {"code", "message"}
    assert "x1" in body["message"]
    assert client.get("/flows").json() == good
    assert client.post("/inject/inj1").status_code == 200


def test_bad_bodies(client: TestClient) -> None:
    r = client.post("/flows", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_request"
    r = client.post("/flows", json={"flows": "nope"}, headers=V2)
    assert r.status_code == 400 and set(r.json()) >= {"code", "message"}
    r = client.post("/flows", json={"not": "a list"})
    assert r.status_code == 400


def test_credentials_are_stripped(client: TestClient) -> None:
    flows = inject_debug()
    flows[1] = {**flows[1], "credentials": {"secret": "s3cret-value"}}
    r = client.post("/flows", json={"flows": flows}, headers=V2)
    assert r.status_code == 200
    assert "s3cret-value" not in client.get("/flows").text
    assert "s3cret-value" not in client.get("/flows", headers=V2).text
    assert "s3cret-value" not in client.get("/flow/t1").text


def test_flows_state(app_factory: AppFactory) -> None:
    client, _, _ = app_factory()
    client.post("/flows", json=inject_debug())
    assert client.get("/flows/state").json() == {"state": "start"}
    assert client.post("/flows/state", json={"state": "stop"}).json() == {"state": "stop"}
    assert client.get("/flows/state").json() == {"state": "stop"}
    assert client.post("/inject/inj1").status_code == 404
    assert client.post("/flows/state", json={"state": "start"}).json() == {"state": "start"}
    assert client.post("/inject/inj1").status_code == 200
    r = client.post("/flows/state", json={"state": "foo"})
    assert r.status_code == 400
    assert r.json() == {"code": "invalid_run_state", "message": "Cannot change flows runtime state to 'foo'}"}


def test_flows_state_disabled(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(runtimeState={"enabled": False})
    r = client.post("/flows/state", json={"state": "stop"})
    assert r.status_code == 405
    assert r.json()["code"] == "not_allowed"


def test_get_flow(client: TestClient) -> None:
    flows = [*inject_debug(),
             {"id": "lo", "type": "link out", "z": "t1", "mode": "link", "links": [], "x": 1, "y": 1, "wires": []},
             {"id": "lo2", "type": "link out", "z": "t1", "mode": "link", "links": [], "x": 1, "y": 1, "wires": []}]
    client.post("/flows", json=flows)
    body = client.get("/flow/t1").json()
    assert body["id"] == "t1" and body["label"] == "Flow 1"
    assert {"disabled", "info", "env"} <= set(body)
    assert [n["id"] for n in body["nodes"]] == ["inj1", "dbg1", "lo", "lo2"]
    assert "wires" not in body["nodes"][2]
    r = client.get("/flow/nope")
    assert r.status_code == 404
    assert r.json() == {"code": "not_found", "message": "Error"}
    glob = client.get("/flow/global").json()
    assert glob["id"] == "global" and glob["configs"] == []


def test_add_update_delete_flow(client: TestClient) -> None:
    client.post("/flows", json=inject_debug())
    body = {"label": "Added", "nodes": [{"id": "c1", "type": "comment", "name": "hi", "x": 1, "y": 1, "wires": []}]}
    r = client.post("/flow", json=body)
    assert r.status_code == 200
    new_id = r.json()["id"]
    assert len(new_id) == 16
    got = client.get(f"/flow/{new_id}").json()
    assert got["label"] == "Added"
    assert got["nodes"][0]["z"] == new_id
    r = client.post("/flow", json={"label": "Dup", "nodes": [{"id": "c1", "type": "comment", "x": 1, "y": 1}]})
    assert r.status_code == 400
    assert r.json() == {"code": "unexpected_error", "message": "duplicate id"}
    r = client.post("/flow", json={"label": "No nodes"})
    assert r.status_code == 400 and r.json()["message"] == "missing nodes property"

    r = client.put(f"/flow/{new_id}", json={"label": "Renamed", "nodes": []})
    assert r.status_code == 200 and r.json() == {"id": new_id}
    got = client.get(f"/flow/{new_id}").json()
    assert got["label"] == "Renamed" and got["nodes"] == []
    assert client.put("/flow/nope", json={"label": "x", "nodes": []}).status_code == 404

    assert client.delete(f"/flow/{new_id}").status_code == 204
    assert client.get(f"/flow/{new_id}").status_code == 404
    assert client.delete(f"/flow/{new_id}").status_code == 404
    r = client.delete("/flow/global")
    assert r.status_code == 400
    assert r.json() == {"code": "unexpected_error", "message": "not allowed to remove global"}
    assert [n["id"] for n in client.get("/flows").json()] == ["t1", "inj1", "dbg1"]


def test_global_flow_configs_have_users(client: TestClient) -> None:
    flows = [*inject_debug(), {"id": "cfg1", "type": "websocket-listener", "path": "/ws/a", "wholemsg": "false"},
             {"id": "win", "type": "websocket in", "z": "t1", "name": "", "server": "cfg1", "client": "",
              "x": 1, "y": 1, "wires": [[]]}]
    assert client.post("/flows", json=flows).status_code == 204
    glob = client.get("/flow/global").json()
    assert [c["id"] for c in glob["configs"]] == ["cfg1"]
    assert glob["configs"][0]["_users"] == ["win"]
    r = client.put("/flow/global", json={"configs": [{"id": "cfg1", "type": "websocket-listener",
                                                      "path": "/ws/b", "wholemsg": "false", "_users": []}]})
    assert r.status_code == 200
    cfg = next(n for n in client.get("/flows").json() if n["id"] == "cfg1")
    assert cfg["path"] == "/ws/b" and "_users" not in cfg


def test_hostile_bodies_are_refused_cleanly(client: TestClient) -> None:
    deep = b"[" * 100000 + b"]" * 100000
    r = client.post("/flows", content=deep, headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_request"
    r = client.post("/flows", json=[tab(), {"id": "__proto__", "type": "constructor", "z": "t1", "wires": []}])
    assert r.status_code in (204, 400)
    assert client.get("/flows/state").status_code == 200


def test_flows_without_a_tab_deploy_and_their_added_tab_is_a_flow(client: TestClient) -> None:
    # Node-RED's example flows and flows copied from the web hold no tab: its runtime adds one
    flows = inject_debug()[1:]
    flows[1] = {**flows[1], "wires": [], "z": "t1"}
    flows[0] = {**flows[0], "wires": [["dbg1", "not-in-the-file"]]}
    r = client.post("/flows", json={"flows": flows}, headers=V2)
    assert r.status_code == 200, r.text
    assert client.get("/flows").json() == flows  # kept as given, no tab written
    assert client.post("/inject/inj1").status_code == 200
    assert client.get("/flow/t1").json() == {"id": "t1", "nodes": flows}  # no label, as Node-RED
    r = client.put("/flow/t1", json={"label": "Named now", "nodes": flows})
    assert r.status_code == 200
    saved = client.get("/flows").json()
    assert [n["id"] for n in saved] == ["t1", "inj1", "dbg1"] and saved[0]["label"] == "Named now"
    client.post("/flows", json=flows)
    assert client.delete("/flow/t1").status_code == 204
    assert client.get("/flows").json() == []
    assert client.get("/flow/inj1").status_code == 404

"""Bad inputs and faults through the admin API: refused clearly, nothing running or saved lost.

Cases from the reliability catalogue: malformed deploys, unknown types, secrets never leaving the
encrypted file, wiring loops that keep the API responsive, node exceptions, oversized bodies.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app
from flowengine.settings import Settings

from .helpers import V2, TestClient, inject_debug, tab

SECRET_KEY = "sk-test-very-secret-0123456789"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, Runtime, Path]]:
    """A persisting runtime (flows.json, flows_cred.json on disk) behind the app."""
    settings = Settings(user_dir=tmp_path, credentialSecret="reliability-secret")
    runtime = Runtime(Registry.default(), settings)
    with TestClient(create_app(runtime, settings, editor=False)) as client:
        yield client, runtime, tmp_path


def _debug_events(runtime: Runtime) -> list[Any]:
    got: list[Any] = []
    runtime.events.listen(lambda t, d: got.append(d) if t == "debug" else None)
    return got


def _wait(pred: Any, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.02)


def _deploy(client: TestClient, flows: Any) -> Any:
    return client.post("/flows", json={"flows": flows}, headers={**V2, "Node-RED-Deployment-Type": "full"})


BAD_FLOWS: dict[str, tuple[Any, str]] = {
    "not a list": ({"id": "x"}, ""),
    "duplicate ids": ([tab(), {"id": "a", "type": "comment", "z": "t1"}, {"id": "a", "type": "comment", "z": "t1"}],
                      "a"),
    # (a wire to a missing node and a node on a tab the file lacks load, as in Node-RED: see below)
    "wire target not an id": ([tab(), {"id": "c1", "type": "change", "z": "t1", "rules": [],
                                       "wires": [[5]]}], "c1"),
    "node whose z names a node": ([tab(), {"id": "c2", "type": "comment", "z": "inj"},
                                   {"id": "inj", "type": "comment", "z": "t1"}], "c2"),
    "wires not a list of lists": ([tab(), {"id": "c3", "type": "change", "z": "t1", "rules": [],
                                           "wires": ["x"]}], "c3"),
    "object without id": ([tab(), {"type": "comment", "z": "t1"}], ""),
    "bad property value": ([tab(), {"id": "d1", "type": "delay", "z": "t1", "pauseType": "delay",
                                    "timeout": {"not": "a number"}, "wires": [[]]}], "d1"),
}


@pytest.mark.parametrize("case", sorted(BAD_FLOWS))
def test_malformed_deploy_is_refused_and_running_flows_untouched(served, case):
    client, runtime, user_dir = served
    good = inject_debug()
    assert _deploy(client, good).status_code == 200
    saved = (user_dir / "flows.json").read_text()
    events = _debug_events(runtime)

    bad, node_id = BAD_FLOWS[case]
    r = _deploy(client, bad)
    assert r.status_code == 400, r.text
    body = r.json()
    assert set(body) >= {"code", "message"}
    assert node_id in body["message"]
    # nothing saved, nothing stopped: the old flow still answers an inject
    assert (user_dir / "flows.json").read_text() == saved
    assert client.get("/flows").json() == good
    assert client.post("/inject/inj1").status_code == 200
    _wait(lambda: any(e.get("msg") == "hello" for e in events))


def test_what_node_red_loads_is_deployed(served):
    # a wire to a node not in the file is dropped (warning); nodes on a tab the file lacks get one
    client, _, _ = served
    flows = [{**n, "z": "elsewhere"} if n.get("z") else n for n in inject_debug()[1:]]
    flows[0] = {**flows[0], "wires": [["ghost", "dbg1"]]}
    assert _deploy(client, flows).status_code == 200
    assert client.get("/flows").json() == flows
    assert client.post("/inject/inj1").status_code == 200


def test_body_that_is_not_json_is_a_400(served):
    client, _, _ = served
    r = client.post("/flows", content=b"{not json", headers={**V2, "Content-Type": "application/json"})
    assert r.status_code == 400
    assert "code" in r.json()


def test_unknown_types_stop_cleanly_and_are_kept_verbatim(served):
    client, runtime, _ = served
    flows = [*inject_debug(), {"id": "u1", "type": "some-contrib-node", "z": "t1", "custom": {"deep": [1, 2]},
                               "x": 1, "y": 2, "wires": [[]]}]
    assert _deploy(client, flows).status_code == 200
    _wait(lambda: client.get("/flows/state").json()["state"] == "stop")
    assert client.post("/inject/inj1").status_code == 404  # nothing half-started
    assert client.get("/flows").json() == flows
    assert runtime.state == "stop"


def test_secrets_never_leave_the_encrypted_file(served):
    client, _, user_dir = served
    flows = [tab(), {"id": "cfg", "type": "openai-config", "name": "main", "base_url": "http://127.0.0.1:9/v1",
                     "credentials": {"api_key": SECRET_KEY}}]
    assert _deploy(client, flows).status_code == 200
    assert SECRET_KEY not in (user_dir / "flows.json").read_text()
    assert SECRET_KEY not in (user_dir / "flows_cred.json").read_text()
    assert SECRET_KEY not in client.get("/flows", headers=V2).text
    assert SECRET_KEY not in client.get("/flow/global").text
    creds = client.get("/credentials/openai-config/cfg").json()
    assert creds.get("has_api_key") is True and SECRET_KEY not in json.dumps(creds)
    # an editor re-deploy sends the placeholder, which keeps the stored key
    flows[1]["credentials"] = {"api_key": "__PWRD__"}
    assert _deploy(client, flows).status_code == 200
    assert client.get("/credentials/openai-config/cfg").json().get("has_api_key") is True


def test_wiring_loop_keeps_the_admin_api_responsive(served):
    client, runtime, _ = served
    flows = [tab(),
             {"id": "inj", "type": "inject", "z": "t1", "props": [{"p": "payload", "v": "0", "vt": "num"}],
              "repeat": "", "once": False, "wires": [["a"]]},
             {"id": "a", "type": "change", "z": "t1", "rules": [
                 {"t": "set", "p": "payload", "pt": "msg", "to": "payload + 1", "tot": "jsonata"}],
              "wires": [["b"]]},
             {"id": "b", "type": "change", "z": "t1", "rules": [], "wires": [["a"]]}]
    assert _deploy(client, flows).status_code == 200
    assert client.post("/inject/inj").status_code == 200
    for _ in range(5):  # the loop runs forever, yet every admin request is answered
        assert client.get("/flows/state").json()["state"] == "start"
        assert client.get("/flows").status_code == 200
    assert runtime.node("a").stats.received > 10
    # stopping the flows ends the loop
    assert client.post("/flows/state", json={"state": "stop"}).json() == {"state": "stop"}


def test_node_exceptions_become_catchable_errors_and_the_runtime_keeps_going(served):
    client, runtime, _ = served
    flows = [tab(),
             {"id": "inj", "type": "inject", "z": "t1", "props": [{"p": "payload", "v": "1", "vt": "num"}],
              "repeat": "", "once": False, "wires": [["fn"]]},
             {"id": "fn", "type": "function", "language": "python", "z": "t1", "name": "boom", "outputs": 1,
              "func": "async def later():\n    raise ValueError('late')\nawait later()\nreturn msg\n",
              "wires": [[]]},
             {"id": "c", "type": "catch", "z": "t1", "scope": None, "uncaught": False, "wires": [["dbg"]]},
             {"id": "dbg", "type": "debug", "z": "t1", "name": "err", "active": True, "tosidebar": True,
              "complete": "error.message", "targetType": "msg", "wires": []}]
    events = _debug_events(runtime)
    assert _deploy(client, flows).status_code == 200
    for _ in range(3):
        assert client.post("/inject/inj").status_code == 200
    _wait(lambda: len([e for e in events if e.get("name") == "err"]) == 3)
    assert all("late" in e["msg"] for e in events if e.get("name") == "err")
    assert client.get("/flows/state").json()["state"] == "start"


def test_oversized_admin_body_is_a_413(served):
    client, _, user_dir = served
    assert _deploy(client, inject_debug()).status_code == 200
    huge = [tab(), {"id": "big", "type": "comment", "z": "t1", "name": "x" * (6 * 1024 * 1024)}]
    r = _deploy(client, huge)
    assert r.status_code == 413
    assert "big" not in (user_dir / "flows.json").read_text()

"""FlowsBodyReader: every body reads as json.loads reads it (value, types, errors), and the nodes
a body shares with the previous one are the previous body's values, not read again."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest

from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server.app import create_app
from flowengine.server.flows_body import FlowsBodyReader, refuse_constant

from .helpers import V2, TestClient, make_settings


def _loads(raw: bytes) -> Any:
    return json.loads(raw, parse_constant=refuse_constant)


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same types in the same key order (``==`` takes 1 for 1.0 and True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return b != b
    return bool(a == b)


def _flow(rng: random.Random, size: int) -> list[Any]:
    flows: list[Any] = [{"id": "t1", "type": "tab", "label": "Flow 1"}]
    for k in range(size):
        flows.append({"id": f"n{k}", "type": rng.choice(["change", "debug", "inject"]), "z": "t1",
                      "name": rng.choice(["", "a", "é\u2028", "\\\"q\""]),
                      "x": rng.randint(0, 900), "y": rng.random() * 500, "on": rng.choice([True, False, None]),
                      "rules": [{"t": "set", "p": "payload", "to": rng.choice([1, 1.0, "1", [1], {"a": 1}])}],
                      "wires": [[f"n{k + 1}"]] if k + 1 < size else [[]]})
    return flows


_STYLES: list[dict[str, Any]] = [{}, {"separators": (",", ":")}, {"indent": 2}, {"ensure_ascii": False}]


def _encode(body: Any, v2: bool, rev_first: bool, style: dict[str, Any]) -> bytes:
    if v2:
        shape = {"rev": "abc", "flows": body} if rev_first else {"flows": body, "rev": "abc"}
    else:
        shape = body
    return json.dumps(shape, **style).encode("utf-8")


def _edit(rng: random.Random, flows: list[Any]) -> list[Any]:
    """One of the changes an editor makes between two deploys."""
    flows = json.loads(json.dumps(flows))
    kind = rng.choice(["change", "insert", "delete", "move", "same", "number", "many"])
    k = rng.randrange(len(flows))
    if kind == "change":
        flows[k]["name"] = f"changed {rng.random()}"
    elif kind == "insert":
        flows.insert(k, {"id": f"new{rng.random()}", "type": "debug", "z": "t1", "wires": []})
    elif kind == "delete" and len(flows) > 2:
        del flows[k]
    elif kind == "move":
        flows.insert(rng.randrange(len(flows)), flows.pop(k))
    elif kind == "number":
        flows[k]["x"] = flows[k].get("x", 0) * 10 + 1  # a longer number at the same place
    elif kind == "many":
        for j in rng.sample(range(len(flows)), min(5, len(flows))):
            flows[j]["y"] = rng.random()
    return flows


@pytest.mark.parametrize("seed", range(40))
def test_a_run_of_deploys_reads_as_json_loads(seed: int) -> None:
    rng = random.Random(seed)
    reader = FlowsBodyReader()
    flows = _flow(rng, rng.randint(0, 30))
    v2, rev_first, style = rng.random() < 0.5, rng.random() < 0.5, rng.choice(_STYLES)
    for _ in range(12):
        raw = _encode(flows, v2, rev_first, style)
        body = reader.read(raw)
        assert _same(body.value, _loads(raw))
        array = body.value["flows"] if v2 else body.value
        assert body.sources is not None and len(body.sources) == len(array)
        for item, source in zip(array, body.sources, strict=True):
            assert source is not None and _same(json.loads(source), item)
        flows = _edit(rng, flows)
        if rng.random() < 0.15:  # another client, or the same body shaped otherwise
            v2, rev_first, style = rng.random() < 0.5, rng.random() < 0.5, rng.choice(_STYLES)


def test_unchanged_nodes_are_the_previous_bodys_values_and_a_changed_one_is_read() -> None:
    reader = FlowsBodyReader()
    flows = _flow(random.Random(1), 50)
    first = reader.read(json.dumps({"flows": flows}).encode()).value["flows"]
    flows[20]["name"] = "renamed"
    second = reader.read(json.dumps({"flows": flows}).encode()).value["flows"]
    assert [a is b for a, b in zip(first, second, strict=True)] == [k != 20 for k in range(51)]
    assert second[20]["name"] == "renamed"
    flows.insert(10, {"id": "inserted", "type": "debug", "z": "t1"})
    third = reader.read(json.dumps({"flows": flows}).encode()).value["flows"]
    assert [third[k] is second[k] for k in range(10)] == [True] * 10
    assert third[10] == {"id": "inserted", "type": "debug", "z": "t1"}
    assert all(third[k + 1] is second[k] for k in range(10, 51))


@pytest.mark.parametrize("before, after", [
    (b"[12, {\"id\": \"a\"}]", b"[123, {\"id\": \"a\"}]"),
    (b"[1, 5]", b"[1, 6]"),
    (b"[{\"id\": \"a\"}, 5, {\"id\": \"b\"}]", b"[{\"id\": \"a\"}, 6, {\"id\": \"b\"}]"),
    (b"[{\"id\": \"a\"}, [1], {\"id\": \"b\"}]", b"[{\"id\": \"a\"}, {\"1\": {\"id\": \"b\"}}]"),
    (b"[{\"id\": \"a\"}, 12]", b"[{\"id\": \"a\"}, 123]"),
    (b"[{\"id\": \"a\"}, 1]", b"[{\"id\": \"a\"}, 1.5]"),
    (b"[{\"id\": \"a\"}, true]", b"[{\"id\": \"a\"}, [true]]"),
    (b"[{\"id\": \"a\"}]", b"[{\"id\": \"a\"} ]"),
    (b"[{\"id\": \"a\"}]", b"[{\"id\": \"a\"},{\"id\": \"a\"}]"),
    (b"[{\"id\": \"a\"},{\"id\": \"b\"}]", b"[{\"id\": \"b\"}]"),
    (b"{\"flows\": [{\"id\": \"a\"}]}", b"{\"flows\": [{\"id\": \"a\"}], \"flows\": [{\"id\": \"b\"}]}"),
    (b"{\"flows\": [{\"id\": \"a\"}]}", b"{\"flows\": [{\"id\": \"a\"}], \"flows\": 1}"),
    (b"{\"flows\": [{\"id\": \"a\"}]}", b"{\"fl\\u006fws\": [{\"id\": \"a\"}]}"),
    (b"[{\"id\": \"a\"}]", b"\xef\xbb\xbf[{\"id\": \"a\"}]"),
    (b"[{\"id\": \"a\"}]", "[{\"id\": \"\u00e9\"}]".encode("utf-16")),
    (b"[{\"id\": \"a\"}]", b"[{\"id\": \"a\", \"v\": 1e400}]"),
    (b"[{\"id\": \"a\"}]", b"[{\"id\": \"\\ud800\"}]"),
    (b"[{\"id\": \"a\"}]", b"[[[[[[[[[[{\"id\": \"a\"}]]]]]]]]]]"),
    (b"[{\"id\": \"a\"}]", b"{}"),
    (b"[{\"id\": \"a\"}]", b"\"text\""),
])
def test_bodies_next_to_each_other_read_as_json_loads(before: bytes, after: bytes) -> None:
    reader = FlowsBodyReader()
    assert _same(reader.read(before).value, _loads(before))
    assert _same(reader.read(after).value, _loads(after))
    assert _same(reader.read(before).value, _loads(before))


@pytest.mark.parametrize("raw", [
    b"[{\"id\": \"a\"},]", b"[{\"id\": \"a\"}", b"[{\"id\": \"a\"}] x", b"[{\"id\": \"a\"} {\"id\": \"b\"}]",
    b"[{\"id\": NaN}]", b"{\"flows\": [Infinity]}", b"{\"flows\": [], }", b"{flows: []}", b"[\"a\x01\"]",
    b"[{\"id\": \"a\"}, -]", b"\xff[]", b"[" * 100_000 + b"]" * 100_000,
])
def test_a_body_that_is_not_json_raises_what_json_loads_raises(raw: bytes) -> None:
    reader = FlowsBodyReader()
    reader.read(b"[{\"id\": \"a\"}, {\"id\": \"b\"}]")
    with pytest.raises((ValueError, RecursionError)) as expected:
        _loads(raw)
    with pytest.raises(expected.type) as got:
        reader.read(raw)
    assert str(got.value) == str(expected.value)


def test_a_body_after_a_refused_one_still_reads_right() -> None:
    reader = FlowsBodyReader()
    good = b"[{\"id\": \"a\"}, {\"id\": \"b\"}]"
    reader.read(good)
    with pytest.raises(ValueError):
        reader.read(b"[{\"id\": \"a\"}, {\"id\": \"b\"},]")
    assert reader.read(good).value == [{"id": "a"}, {"id": "b"}]
    assert reader.read(b"[{\"id\": \"a\"}, {\"id\": \"c\"}]").value == [{"id": "a"}, {"id": "c"}]


def test_deploys_through_the_api_run_save_and_answer_each_body(tmp_path: Path) -> None:
    """POST /flows, a few changes at a time, v1 and v2: the running specs, GET /flows, the revision
    and the flows file are each body's (credentials stripped), as a fresh server's would be."""
    settings = make_settings(tmp_path)
    runtime = Runtime(Registry.default(), settings, persist=True)
    rng = random.Random(7)
    flows = _flow(rng, 40)
    for item in flows[1:]:
        item["rules"][0]["to"] = json.dumps(item["rules"][0]["to"])  # a change node's "to" is a scalar
    with TestClient(create_app(runtime, settings)) as client:
        for step in range(10):
            v2 = step % 3 != 2
            sent = json.loads(json.dumps(flows))
            if step == 4:
                sent[3]["credentials"] = {"password": "s3cret"}
            body = {"flows": sent} if v2 else sent
            headers = {"Node-RED-API-Version": "v2" if v2 else "v1", "Node-RED-Deployment-Type": "nodes",
                       "Content-Type": "application/json"}
            r = client.post("/flows", content=json.dumps(body, indent=step % 2 or None), headers=headers)
            assert r.status_code == (200 if v2 else 204), r.text
            assert client.get("/flows").json() == flows
            compact = json.dumps(flows, separators=(",", ":"), ensure_ascii=False)
            assert client.get("/flows", headers=V2).json()["rev"] == hashlib.sha256(compact.encode()).hexdigest()
            assert json.loads(settings.flows_path.read_text()) == flows
            for item in flows[1:]:
                assert runtime.routes[item["id"]].spec.config.get("name") == item.get("name")
            if step == 4:
                assert runtime.credentials.get(sent[3]["id"]) == {"password": "s3cret"}
            flows = _edit(random.Random(step), flows) if step % 4 else flows
            flows[1 + step]["name"] = f"step {step}"

"""The example flows ``flows/openai-*.json`` load, validate and run against the steady mock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai_mock import SPEC_CURRENT, SteadyMock, unavailable_reason

from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.testing import FlowHarness

FLOWS = sorted((Path(__file__).parents[3] / "flows").glob("openai-*.json"))


def test_six_example_flows_exist_and_validate() -> None:
    assert len(FLOWS) >= 6
    registry = Registry.default()
    for path in FLOWS:
        flows = json.loads(path.read_text())
        types = {n["type"] for n in flows}
        assert {"inject", "debug", "openai-config"} <= types, path.name
        for node in flows:
            assert node["type"] in registry or node["type"] == "tab", (path.name, node["type"])
            assert registry.validate(node) == [], (path.name, node["id"])


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SteadyMock]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    mock = SteadyMock(SPEC_CURRENT, tmp_path_factory.mktemp("steady-flows"))
    mock.start()
    yield mock
    mock.stop()


@pytest.mark.integration
@pytest.mark.parametrize("path", FLOWS, ids=[p.stem for p in FLOWS])
async def test_example_flow_runs_against_the_mock(path: Path, steady: SteadyMock, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", steady.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-example-flow")
    flows: list[dict[str, Any]] = json.loads(path.read_text())
    injects = [n["id"] for n in flows if n["type"] == "inject"]
    error_debugs = {n["id"] for n in flows if n["type"] == "debug" and n.get("complete") == "error"}
    result_debugs = {n["id"] for n in flows if n["type"] == "debug"} - error_debugs
    async with FlowHarness(flows, settings=Settings(user_dir=tmp_path)) as h:
        for node_id in injects:
            assert h.inject(node_id)
        seen: set[str] = set()
        for _ in range(100):
            seen = {d.get("id") for t, d in h.events if t == "debug" and isinstance(d, dict)}
            if result_debugs <= seen or seen & error_debugs:
                break
            await h.wait_event("debug", timeout=5)
        errors = [d for t, d in h.events if t == "debug" and isinstance(d, dict) and d.get("id") in error_debugs]
        assert not errors, [e.get("msg") for e in errors[:2]]
        assert result_debugs <= seen, (result_debugs - seen, h.logs[-5:])
        assert not [entry for entry in h.logs if entry[0] >= 40], h.logs


async def test_tool_loop_flow_runs_the_tool_and_calls_the_model_again(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    monkeypatch.setenv("OPENAI_API_KEY", "sk-unit")
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        if len(bodies) == 1:
            return httpx.Response(200, json={"id": "r1", "output": [
                {"type": "function_call", "call_id": "c1", "name": "get_weather",
                 "arguments": "{\"city\":\"Paris\"}"}]})
        return httpx.Response(200, json={"id": "r2", "output_text": "Sunny, 21 C in Paris.", "output": [
            {"type": "message", "content": [{"type": "output_text", "text": "Sunny, 21 C in Paris."}]}]})

    path = next(p for p in FLOWS if p.stem == "openai-responses-tools")
    flows = json.loads(path.read_text())
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(handler)})
    async with FlowHarness(flows, settings=settings) as h:
        assert h.inject("oa-tools-ask")
        for _ in range(50):
            if any(t == "debug" and d.get("id") == "oa-tools-dbg" for t, d in h.events):
                break
            await h.wait_event("debug", timeout=5)
        answer = next(d for t, d in h.events if t == "debug" and d.get("id") == "oa-tools-dbg")
    assert "Sunny" in answer["msg"]
    assert len(bodies) == 2
    outputs = [i for i in bodies[1]["input"] if i.get("type") == "function_call_output"]
    assert outputs and json.loads(outputs[0]["output"])["city"] == "Paris" and outputs[0]["call_id"] == "c1"


async def test_stream_parts_reassemble_in_a_join_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    monkeypatch.setenv("OPENAI_API_KEY", "sk-unit")
    events = "".join("data: " + json.dumps({"id": "c", "choices": [{"index": 0, "delta": {"content": w}}]}) + "\n\n"
                     for w in ("a", "b", "c")) + "data: [DONE]\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=events.encode())

    flows = [
        {"id": "cfg", "type": "openai-config"},
        {"id": "chat", "type": "openai-create-chat-completion", "config": "cfg", "model": "m", "stream": True,
         "wires": [["route"]]},
        {"id": "route", "type": "switch", "property": "parts", "propertyType": "msg",
         "rules": [{"t": "nnull"}, {"t": "null"}], "checkall": "false", "outputs": 2, "wires": [["join"], ["final"]]},
        {"id": "join", "type": "join", "mode": "auto", "build": "array", "wires": [["joined"]]},
        {"id": "joined", "type": "test-sink"},
        {"id": "final", "type": "test-sink"},
    ]
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(handler)})
    async with FlowHarness(flows, settings=settings) as h:
        h.send_to("chat", {"payload": "hi"})
        [joined] = await h.wait_for("joined", 1, timeout=5)
        [final] = await h.wait_for("final", 1, timeout=5)
    assert [c["choices"][0]["delta"]["content"] for c in joined["payload"]] == ["a", "b", "c"]
    assert final["payload"]["choices"][0]["message"]["content"] == "abc"


async def test_catch_node_gets_status_type_param_and_body(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    monkeypatch.setenv("OPENAI_API_KEY", "sk-unit")
    body = {"error": {"message": "bad", "type": "invalid_request_error", "param": "input", "code": "c1"}}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json=body, headers={"x-request-id": "req_7"})

    flows = [
        {"id": "cfg", "type": "openai-config"},
        {"id": "emb", "type": "openai-create-embedding", "config": "cfg", "model": "m", "wires": [["out"]]},
        {"id": "catch", "type": "catch", "scope": None, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(handler)})
    async with FlowHarness(flows, settings=settings) as h:
        h.send_to("emb", {"payload": "hi", "keep": 1})
        [err] = await h.wait_for("errors", 1, timeout=5)
    e = err["error"]
    assert e["message"] == "openai-create-embedding: Error code: 400 - bad"
    assert (e["status"], e["type"], e["param"], e["code"], e["request_id"]) == (
        400, "invalid_request_error", "input", "c1", "req_7")
    assert e["body"] == body and e["source"]["id"] == "emb" and err["keep"] == 1

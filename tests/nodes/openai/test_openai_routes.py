"""``GET /openai/models?config=<id>``: the model picker's admin route."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from openai_fakes import make
from starlette.requests import Request

from flowengine.registry import Registry
from nodes.openai import register
from nodes.openai.routes import list_models


class FakeRuntime:
    def __init__(self, nodes: dict[str, Any]) -> None:
        self.nodes = nodes

    def node(self, node_id: str) -> Any:
        return self.nodes.get(node_id)


def _request(query: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/openai/models", "query_string": query.encode(),
                    "headers": []})


async def test_model_list_route(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"object": "list", "data": [{"id": "gpt-b"}, {"id": "gpt-a"}]})

    _, host = make("openai-list-models", handler, tmp_path)
    runtime = FakeRuntime(host.nodes)
    response = await list_models(_request("config=cfg"), runtime)
    assert response.status_code == 200
    assert json.loads(response.body) == {"object": "list", "data": [{"id": "gpt-a"}, {"id": "gpt-b"}],
                                         "models": ["gpt-a", "gpt-b"]}
    assert seen[0].url.path == "/v1/models" and seen[0].headers["authorization"] == "Bearer sk-secret-key"
    missing = await list_models(_request("config=nope"), runtime)
    assert missing.status_code == 404 and json.loads(missing.body)["code"] == "not_found"
    await host.nodes["cfg"].on_close(False)


async def test_model_list_route_reports_upstream_errors_without_the_key(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": "Incorrect API key provided", "type": "auth"}})

    _, host = make("openai-list-models", handler, tmp_path)
    response = await list_models(_request("config=cfg"), FakeRuntime(host.nodes))
    assert response.status_code == 502
    body = json.loads(response.body)
    assert body["status"] == 401 and "Incorrect API key" in body["message"]
    assert b"sk-secret-key" not in response.body


def test_register_adds_the_route() -> None:
    reg = Registry()
    register(reg)
    assert [(r.path, r.methods) for r in reg.routes] == [("/openai/models", ("GET",))]
    assert "openai-config" in reg and reg.get("openai-config").credentials_schema == {
        "api_key": "password", "admin_key": "password"}

"""``GET /openai/models?config=<id>`` and ``POST /openai/models``: the model picker's admin routes."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowengine.nodes.openai import register
from flowengine.nodes.openai.routes import list_models, list_models_for_draft
from openai_fakes import make
from starlette.requests import Request

from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.testing import FlowHarness


class FakeRuntime:
    def __init__(self, nodes: dict[str, Any], settings: Settings | None = None) -> None:
        self.nodes = nodes
        self.settings = settings

    def node(self, node_id: str) -> Any:
        return self.nodes.get(node_id)

    async def settled(self) -> None:
        """No deploys here."""


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


def _post(body: Any) -> Request:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    return Request({"type": "http", "method": "POST", "path": "/openai/models", "query_string": b"",
                    "headers": [(b"content-type", b"application/json")]}, receive)


class Upstream:
    """A MockTransport answering GET /models, recording (url, authorization) per request."""

    def __init__(self, status: int = 200) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.status = status
        self.transport = httpx.MockTransport(self.handler)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((str(request.url), request.headers.get("authorization")))
        if self.status != 200:
            return httpx.Response(self.status, json={"error": {"message": "Incorrect API key provided: "
                                                               + str(request.headers.get("authorization"))}})
        return httpx.Response(200, json={"data": [{"id": f"m-{len(self.seen)}"}]})


async def test_model_list_is_cached_per_config_node_and_dropped_on_redeploy(tmp_path: Path) -> None:
    upstream = Upstream()
    now = [1000.0]
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": upstream.transport,
                                                  "openai_clock": lambda: now[0]})

    def flows(key: str, base: str) -> list[dict[str, Any]]:
        return [{"id": "cfg", "type": "openai-config", "base_url": base, "credentials": {"api_key": key}}]

    async with FlowHarness(flows("sk-one-1234", "http://up.test/v1"), settings=settings) as h:
        async def ids() -> list[str]:
            response = await list_models(_request("config=cfg"), h.runtime)
            assert response.status_code == 200
            return list(json.loads(response.body)["models"])

        assert await ids() == ["m-1"]
        now[0] += 59.0
        assert await ids() == ["m-1"] and len(upstream.seen) == 1  # within 60 s: no upstream call
        now[0] += 2.0
        assert await ids() == ["m-2"] and len(upstream.seen) == 2  # expired
        await h.deploy(flows("sk-two-5678", "http://up.test/v2"), "nodes")  # changed: a new, empty cache
        assert await ids() == ["m-3"]
        assert upstream.seen[-1] == ("http://up.test/v2/models", "Bearer sk-two-5678")
        assert await ids() == ["m-3"] and len(upstream.seen) == 3


async def test_undeployed_config_lists_models_from_the_posted_key(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    upstream = Upstream()
    runtime = FakeRuntime({}, Settings(user_dir=tmp_path, extra={"openai_transport": upstream.transport}))
    caplog.set_level(logging.DEBUG)
    response = await list_models_for_draft(_post({"base_url": "http://draft.test/v2", "api_key": "sk-draft-99",
                                                  "organization": "org-1"}), runtime)
    assert response.status_code == 200 and json.loads(response.body)["models"] == ["m-1"]
    assert upstream.seen == [("http://draft.test/v2/models", "Bearer sk-draft-99")]
    assert "sk-draft-99" not in caplog.text
    # not cached: a second lookup asks again (the key is kept for one request only)
    await list_models_for_draft(_post({"base_url": "http://draft.test/v2", "api_key": "sk-draft-99"}), runtime)
    assert len(upstream.seen) == 2
    # a GET for the same undeployed node is still a 404 that points to the POST form
    missing = await list_models(_request("config=draft"), runtime)
    assert missing.status_code == 404 and "POST" in json.loads(missing.body)["message"]


async def test_draft_of_a_deployed_config_keeps_its_stored_key(tmp_path: Path) -> None:
    upstream = Upstream()
    _, host = make("openai-list-models", upstream.handler, tmp_path)
    host.settings.extra["openai_transport"] = upstream.transport
    runtime = FakeRuntime(host.nodes, host.settings)
    changed = await list_models_for_draft(_post({"config": "cfg", "base_url": "http://other.test/v1",
                                                 "api_key": "__PWRD__"}), runtime)
    assert changed.status_code == 200
    assert upstream.seen[-1] == ("http://other.test/v1/models", "Bearer sk-secret-key")
    # unchanged draft: the deployed node's cached list
    for _ in range(2):
        same = await list_models_for_draft(_post({"config": "cfg", "api_key": "__PWRD__"}), runtime)
        assert json.loads(same.body)["models"] == ["m-2"]
    assert len(upstream.seen) == 2
    await host.nodes["cfg"].on_close(False)


@pytest.mark.parametrize("body", [b"not json", b"[1]", {"api_key": 5}, {"headers": {"X": 1}}])
async def test_draft_body_is_checked(body: Any, tmp_path: Path) -> None:
    upstream = Upstream()
    runtime = FakeRuntime({}, Settings(user_dir=tmp_path, extra={"openai_transport": upstream.transport}))
    response = await list_models_for_draft(_post(body), runtime)
    assert response.status_code == 400 and json.loads(response.body)["code"] == "invalid_request"
    assert upstream.seen == []


async def test_draft_upstream_error_is_redacted(tmp_path: Path) -> None:
    upstream = Upstream(status=401)
    runtime = FakeRuntime({}, Settings(user_dir=tmp_path, extra={"openai_transport": upstream.transport}))
    response = await list_models_for_draft(_post({"base_url": "http://x.test/v1", "api_key": "sk-leaky-key"}),
                                           runtime)
    assert response.status_code == 502 and json.loads(response.body)["status"] == 401
    assert b"sk-leaky-key" not in response.body and b"Incorrect API key" in response.body
    assert len(upstream.seen) == 1  # an editor lookup is not retried


def test_register_adds_the_routes() -> None:
    reg = Registry()
    register(reg)
    assert [(r.path, r.methods) for r in reg.routes] == [
        ("/openai/models", ("GET",)), ("/openai/models", ("POST",)), ("/openai/convert", ("POST",))]
    assert "openai-config" in reg and reg.get("openai-config").credentials_schema == {
        "api_key": "password", "admin_key": "password"}


async def test_a_listing_waiting_while_its_config_is_redeployed_asks_the_new_node(tmp_path: Path) -> None:
    """Issue 11: a model list asked for while the config node's base URL change was being deployed
    answered 500 "client has been closed" once: the request waiting behind another one used the old
    node's client, closed by the deploy meanwhile. It now asks the node running after the deploy."""
    release = asyncio.Event()
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if len(seen) == 1:
            await release.wait()  # the first listing is in flight while the deploy happens, and fails
            return httpx.Response(500, json={"error": {"message": "busy"}})
        return httpx.Response(200, json={"data": [{"id": f"m-{request.url.host}"}]})

    settings = Settings(user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(handler)})

    def flows(base: str) -> list[dict[str, Any]]:
        return [{"id": "cfg", "type": "openai-config", "base_url": base, "max_retries": 0,
                 "credentials": {"api_key": "sk-1"}}]

    async with FlowHarness(flows("http://old.test/v1"), settings=settings) as h:
        first = asyncio.create_task(list_models(_request("config=cfg"), h.runtime))
        while not seen:
            await asyncio.sleep(0)
        second = asyncio.create_task(list_models(_request("config=cfg"), h.runtime))  # waits behind the first
        await asyncio.sleep(0)
        await h.deploy(flows("http://new.test/v1"), "nodes")
        release.set()
        answers = [await first, await second]
        assert [r.status_code for r in answers] == [502, 200], [r.body for r in answers]
        assert json.loads(answers[1].body)["models"] == ["m-new.test"]
        assert seen[-1] == "http://new.test/v1/models"

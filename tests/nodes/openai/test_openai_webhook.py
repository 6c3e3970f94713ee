"""``openai-webhook``: deliveries signed in the test with a known secret, through the server's
HttpNodeRouter (an ASGI app) and httpx; tampered, stale, unsigned and replayed ones; following an
``http in`` node."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowengine.nodes.openai.webhook import ReplayGuard

from flowengine.http_routes import HTTP_ROUTES_KEY
from flowengine.server.http_nodes_router import HttpNodeRouter
from flowengine.settings import Settings
from flowengine.testing import FlowHarness
from flowengine.webhook_signature import WebhookVerificationError, sign, verify

SECRET = "whsec_" + base64.b64encode(b"a known test secret, 32 bytes...").decode()
EVENT = {"id": "evt_1", "object": "event", "type": "response.completed", "created_at": 1760000000,
         "data": {"id": "resp_1"}}
BODY = json.dumps(EVENT)


def _flow(**props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "hook", "type": "openai-webhook", "url": "/hooks/openai", "credentials": {"secret": SECRET},
         "wires": [["out"]], **props},
        {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]


class Served:
    def __init__(self, h: FlowHarness, client: httpx.AsyncClient) -> None:
        self.h = h
        self.client = client

    async def post(self, body: str | bytes, headers: dict[str, str], path: str = "/hooks/openai") -> httpx.Response:
        return await self.client.post(path, content=body, headers={"content-type": "application/json", **headers})


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Any]:
    harnesses: list[tuple[FlowHarness, httpx.AsyncClient]] = []

    async def start(flows: list[dict[str, Any]]) -> Served:
        router = HttpNodeRouter("/")
        settings = Settings.load(user_dir=tmp_path)
        settings.extra[HTTP_ROUTES_KEY] = router
        h = FlowHarness(flows, settings=settings)
        await h.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=router), base_url="http://test")
        harnesses.append((h, client))
        return Served(h, client)

    yield start
    for h, client in harnesses:
        await client.aclose()
        await h.__aexit__(None, None, None)


async def test_a_signed_delivery_is_answered_200_and_emitted(served: Any) -> None:
    s = await served(_flow())
    r = await s.post(BODY, sign(BODY, SECRET, "wh_1"))
    assert r.status_code == 200
    [msg] = await s.h.wait_for("out")
    assert msg["payload"] == EVENT and msg["topic"] == "response.completed"
    assert msg["webhook"]["id"] == "wh_1" and abs(msg["webhook"]["timestamp"] - time.time()) < 60


async def test_tampered_stale_future_and_unsigned_deliveries_get_400_and_nothing_is_emitted(served: Any) -> None:
    s = await served(_flow())
    good = sign(BODY, SECRET, "wh_2")
    cases = {
        "tampered body": (BODY.replace("resp_1", "resp_2"), good),
        "other secret": (BODY, sign(BODY, "whsec_" + base64.b64encode(b"another secret").decode(), "wh_2")),
        "stale": (BODY, sign(BODY, SECRET, "wh_3", int(time.time()) - 301)),
        "future": (BODY, sign(BODY, SECRET, "wh_4", int(time.time()) + 301)),
        "id changed": (BODY, {**good, "webhook-id": "wh_other"}),
        "unsigned": (BODY, {k: v for k, v in good.items() if k != "webhook-signature"}),
        "bad timestamp": (BODY, {**good, "webhook-timestamp": "soon"}),
    }
    texts = {}
    for name, (body, headers) in cases.items():
        r = await s.post(body, headers)
        assert r.status_code == 400, name
        texts[name] = r.text
    assert texts["tampered body"] == (
        "invalid webhook: The given webhook signature does not match the expected signature")
    assert texts["stale"].endswith("Webhook timestamp is too old")
    assert texts["future"].endswith("Webhook timestamp is too new")
    assert texts["unsigned"].endswith("Missing required header: webhook-signature")
    await s.h.drain()
    assert s.h.received("out") == [] and s.h.received("errors") == []
    assert not any(SECRET in text or SECRET[6:] in text for _, _, text in s.h.logs)
    r = await s.post(BODY, good)  # the untampered delivery still passes after all that
    assert r.status_code == 200 and len(await s.h.wait_for("out")) == 1


async def test_a_replayed_delivery_is_answered_but_emitted_once(served: Any) -> None:
    s = await served(_flow())
    headers = sign(BODY, SECRET, "wh_5")
    assert (await s.post(BODY, headers)).status_code == 200
    assert (await s.post(BODY, headers)).status_code == 200
    await s.h.wait_for("out")
    await s.h.drain()
    assert len(s.h.received("out")) == 1
    assert any("wh_5 was already received" in text for _, _, text in s.h.logs)


async def test_rotated_secrets_and_the_environment_fallback(served: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", SECRET)
    flows = _flow()
    del flows[0]["credentials"]
    s = await served(flows)
    old = sign(BODY, "whsec_" + base64.b64encode(b"the old one").decode(), "wh_6")["webhook-signature"]
    headers = sign(BODY, SECRET, "wh_6")
    headers["webhook-signature"] = f"{old} v1,!!notbase64 {headers['webhook-signature']}"
    assert (await s.post(BODY, headers)).status_code == 200
    await s.h.wait_for("out")


async def test_following_an_http_in_node(served: Any) -> None:
    flows = [
        {"id": "in", "type": "http in", "url": "/via", "method": "post", "skipBodyParsing": True, "wires": [["hook"]]},
        {"id": "parsed", "type": "http in", "url": "/parsed", "method": "post", "wires": [["hook"]]},
        *_flow(url=""),
    ]
    s = await served(flows)
    r = await s.post(BODY, sign(BODY, SECRET, "wh_7"), path="/via")
    assert r.status_code == 200
    [msg] = await s.h.wait_for("out")
    assert msg["payload"] == EVENT and msg["req"]["path"] == "/via"
    r = await s.post(BODY, {**sign(BODY, SECRET, "wh_8"), "webhook-signature": "v1,AAAA"}, path="/via")
    assert r.status_code == 400
    r = await s.post(BODY, sign(BODY, SECRET, "wh_9"), path="/parsed")
    assert r.status_code == 400
    errors = await s.h.wait_for("errors", 2)
    assert "does not match" in errors[0]["error"]["message"]
    assert "skip body parsing" in errors[1]["error"]["message"]
    assert len(s.h.received("out")) == 1


def test_verify_and_the_replay_guard_without_a_server() -> None:
    headers = sign(b"{}", SECRET, "id", 1000)
    assert verify(b"{}", headers, SECRET, now=1299) == "id"
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(b"{}", headers, SECRET, now=1301)
    with pytest.raises(WebhookVerificationError, match="not set"):
        verify(b"{}", headers, "")
    plain = sign("{}", "not-prefixed", "id", 1000)  # a secret without whsec_ is its UTF-8 bytes
    assert verify("{}", {k.upper(): v for k, v in plain.items()}, "not-prefixed", now=1000) == "id"
    guard = ReplayGuard(window=10, limit=2)
    assert guard.first("a", 0) and not guard.first("a", 5) and guard.first("a", 11)
    assert guard.first("b", 12) and guard.first("c", 12) and guard.first("a", 12)  # the limit forgets the oldest


async def test_the_example_flow(served: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", SECRET)
    flows = json.loads((Path(__file__).parents[3] / "flows/webhook-openai.json").read_text())
    s = await served(flows)
    assert (await s.post(BODY, sign(BODY, SECRET, "wh_ex"))).status_code == 200
    data = await s.h.wait_event("debug", timeout=5)
    assert data["id"] == "wh-response" and data["msg"] == "resp_1"
    assert (await s.post(BODY, sign(BODY, "whsec_" + base64.b64encode(b"wrong").decode(), "wh_ex2"))).status_code == 400


async def test_without_a_secret_it_warns_and_refuses_everything(served: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_WEBHOOK_SECRET", raising=False)
    flows = _flow()
    del flows[0]["credentials"]
    s = await served(flows)
    assert any("no signing secret" in text for _, _, text in s.h.logs)
    r = await s.post(BODY, sign(BODY, SECRET, "wh_10"))
    assert r.status_code == 400 and "secret is not set" in r.text

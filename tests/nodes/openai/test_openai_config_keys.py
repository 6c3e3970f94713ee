"""Per-message keys: ``openai-config`` reading its API key and base URL from env/flow/global for
each message (one config, several tenants), the key never in the message, errors or logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_openai_compat_seed import Recorder

from flowengine.settings import Settings
from flowengine.testing import FlowHarness


def _flow(**cfg: Any) -> list[dict[str, Any]]:
    return [
        {"id": "cfg", "type": "openai-config", **cfg},
        {"id": "n", "type": "openai-list-models", "config": "cfg", "wires": [["out"]]},
        {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]


def _settings(tmp_path: Path, rec: Recorder) -> Settings:
    return Settings(user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(rec)})


async def test_the_key_and_base_url_come_from_context_for_each_message(tmp_path: Path) -> None:
    rec = Recorder()
    flows = _flow(api_key_type="flow", api_key_ref="tenant_key", base_url="tenant_base", base_url_type="global")
    async with FlowHarness(flows, settings=_settings(tmp_path, rec)) as h:
        node = h.node("n")
        node.global_context().set("tenant_base", "https://tenant.test/v9")
        for key in ("sk-tenant-a", "sk-tenant-b", "sk-tenant-a"):
            node.flow_context().set("tenant_key", key)
            h.send_to("n", {"payload": {}})
            await h.wait_for("out", len(h.received("out")) + 1, timeout=5)
        seen = [(str(r.url), r.headers["authorization"]) for r in rec.requests]
        assert seen == [("https://tenant.test/v9/models", f"Bearer sk-tenant-{t}") for t in "aba"]
        cfg: Any = h.node("cfg")
        assert len(cfg._clients) == 2  # one client per connection, shared by its messages
        outputs = json.dumps(h.received("out"), default=str)
        assert "sk-tenant" not in outputs


async def test_the_key_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANT_KEY", "sk-from-env")
    rec = Recorder()
    async with FlowHarness(_flow(api_key_type="env", api_key_ref="TENANT_KEY", base_url="https://api.test/v1"),
                           settings=_settings(tmp_path, rec)) as h:
        h.send_to("n", {"payload": {}})
        await h.wait_for("out", timeout=5)
    assert rec.requests[0].headers["authorization"] == "Bearer sk-from-env"


async def test_an_empty_key_is_a_catchable_error_and_a_key_never_leaks(tmp_path: Path) -> None:
    def reject(request: httpx.Request) -> httpx.Response:
        key = request.headers["authorization"].split()[1]
        return httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {key}"}})

    rec = Recorder(reject)
    async with FlowHarness(_flow(api_key_type="global", api_key_ref="k", base_url="https://api.test/v1"),
                           settings=_settings(tmp_path, rec)) as h:
        h.send_to("n", {"payload": {}})
        [err] = await h.wait_for("errors", timeout=5)
        assert "openai-config cfg: the API key from global 'k' is empty (for node n)" in err["error"]["message"]
        assert rec.requests == []
        h.node("n").global_context().set("k", "sk-secret-tenant")
        h.send_to("n", {"payload": {}})
        errors = await h.wait_for("errors", 2, timeout=5)
        text = json.dumps(errors[1], default=str) + json.dumps(h.logs) + json.dumps(h.events, default=str)
        assert "Incorrect API key provided: ***" in errors[1]["error"]["message"]
        assert "sk-secret-tenant" not in text

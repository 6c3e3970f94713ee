"""The spec's own curl request examples, sent through their nodes, are accepted by the steady mock.

Some of the spec's examples cannot be accepted as written. Each is named below with why, so an
example that starts or stops failing fails this test instead of passing silently:

* ``UNPARSEABLE``: the curl text itself is broken (a JSON body missing a comma, a URL that says
  ``files_batches`` for ``file_batches``, an unclosed quote);
* ``OMITS_REQUIRED``: the example leaves out a property its own schema requires; the node refuses
  it naming that property, and nothing is sent;
* ``STEADY_DISCRIMINATOR``: the node sends the example, and steady refuses it (its discriminator
  check knows no values for variants whose ``type`` is a one-value ``enum``), code E3011;
* ``STEADY_SPEC_LETTER``: the node sends the example as the API takes it, and steady refuses it by
  the letter of the spec: the realtime session request reuses the session object, which requires
  ``client_secret``, the key only the answer carries (the node no longer requires it), code E3007.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from flowengine.nodes.openai.catalog import load_catalog
from openai_examples import Example, spec_examples
from openai_mock import SPEC_2023, SPEC_CURRENT, SteadyMock, unavailable_reason
from test_openai_mock import steady_2023, steady_current  # noqa: F401  (module fixtures)

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))]

UNPARSEABLE = {
    ("createEvalRun", ""), ("createFineTuningJob", "W&B Integration"), ("accept-realtime-call", ""),
    ("searchVectorStore", ""), ("createVectorStoreFileBatch", ""), ("cancelEvalRun", ""),
    ("cancelVectorStoreFileBatch", ""), ("listFilesInVectorStoreBatch", ""),
}
OMITS_REQUIRED = {("CreateChatSessionMethod", ""): "user"}
STEADY_DISCRIMINATOR = {
    ("createConversationItems", ""): ("/conversations/conv_123/items", "body.items.0.type"),
    ("createResponse", "Functions"): ("/responses", "body.tools.0.type"),
    ("beta_createResponse", "Functions"): ("/responses", "body.tools.0.type"),
}
STEADY_SPEC_LETTER = {("create-realtime-session", ""): ("/realtime/sessions", "E3007", "body")}


class VerdictTransport(httpx.AsyncBaseTransport):
    """The real HTTP transport, remembering steady's verdict and first error per request."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.verdicts: list[tuple[str, int, str | None, str | None, str | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        h = response.headers
        self.verdicts.append((request.url.path, response.status_code, h.get("x-steady-request-valid"),
                              h.get("x-steady-error-1-code"), h.get("x-steady-error-1-path")))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def _key(ex: Example) -> tuple[str, str]:
    return ex.operation_id, ex.title


def _label(ex: Example) -> str:
    return f"{ex.operation_id} / {ex.title}"


def test_unparseable_examples_are_exactly_the_known_ones() -> None:
    examples = spec_examples(SPEC_CURRENT)
    assert len(examples) >= 300
    broken = {_key(e): e.problem for e in examples if e.problem}
    assert set(broken) == UNPARSEABLE, broken


async def _send(examples: list[Example], catalog: dict[str, Any], mock: SteadyMock,
                tmp_path: Path) -> tuple[set[str], dict[str, str], VerdictTransport]:
    """Each example as the input of its own node: (labels that gave output, label -> error, verdicts)."""
    for ex in examples:  # a curl text field sent where the operation takes a file: its bytes, as a Buffer
        payload = ex.msg.get("payload")
        for name in (catalog[ex.operation_id].get("body") or {}).get("file_fields") or []:
            if isinstance(payload, dict) and isinstance(payload.get(name), str):
                payload[name] = payload[name].encode()
    flows: list[dict[str, Any]] = [
        {"id": "cfg", "type": "openai-config", "base_url": mock.base_url, "max_retries": 0,
         "max_concurrency": 8, "credentials": {"api_key": "sk-test-key", "admin_key": "sk-admin-key"}},
        {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]
    flows += [{"id": f"ex{i}", "type": catalog[ex.operation_id]["type"], "config": "cfg", "wires": [["out"]]}
              for i, ex in enumerate(examples)]
    transport = VerdictTransport()
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": transport})
    async with FlowHarness(flows, settings=settings) as h:
        for i, ex in enumerate(examples):
            h.send_to(f"ex{i}", {**ex.msg, "_example": _label(ex)})
        finals: list[dict[str, Any]] = []
        for _ in range(600):
            finals = [m for m in h.received("out") if "parts" not in m]
            if len(finals) + len(h.received("errors")) >= len(examples):
                break
            try:
                await h.wait_for("out", count=len(h.received("out")) + 1, timeout=0.5)
            except TimeoutError:
                continue
        errors = {m["_example"]: m["error"]["message"] for m in h.received("errors")}
        await transport.aclose()
    return {m["_example"] for m in finals}, errors, transport


def _rejected(transport: VerdictTransport) -> list[tuple[str, str | None, str | None]]:
    return sorted((path, code, where) for path, status, valid, code, where in transport.verdicts
                  if not (200 <= status < 300 and valid == "true"))


async def test_every_spec_example_is_accepted(steady_current: SteadyMock, tmp_path: Path) -> None:  # noqa: F811
    catalog = {e["operationId"]: e for e in load_catalog()["operations"] if not e["removed_upstream"]}
    examples = [e for e in spec_examples(SPEC_CURRENT) if not e.problem and e.operation_id in catalog]
    assert len(examples) >= 290
    done, errors, transport = await _send(examples, catalog, steady_current, tmp_path)
    steady_refuses = {**{k: (path, "E3011", where) for k, (path, where) in STEADY_DISCRIMINATOR.items()},
                      **STEADY_SPEC_LETTER}
    refused = {_label(e) for e in examples if _key(e) in OMITS_REQUIRED or _key(e) in steady_refuses}
    assert done == {_label(e) for e in examples} - refused
    assert set(errors) == refused, "\n".join(f"{k}: {v}" for k, v in errors.items() if k not in refused)
    for (op, title), field in OMITS_REQUIRED.items():
        assert f"field '{field}': '{field}' is a required property" in errors[f"{op} / {title}"]
    for op, title in steady_refuses:
        assert "400" in errors[f"{op} / {title}"]
    assert _rejected(transport) == sorted(steady_refuses.values())
    assert len(transport.verdicts) == len(examples) - len(OMITS_REQUIRED)


async def test_seed_era_examples_are_accepted(steady_2023: SteadyMock, tmp_path: Path) -> None:  # noqa: F811
    catalog = {e["operationId"]: e for e in load_catalog()["operations"] if e["removed_upstream"]}
    examples = [e for e in spec_examples(SPEC_2023) if e.operation_id in catalog]
    assert {e.operation_id for e in examples} == set(catalog)
    assert not [e.problem for e in examples if e.problem]
    done, errors, transport = await _send(examples, catalog, steady_2023, tmp_path)
    assert not errors, errors
    assert done == {_label(e) for e in examples}
    assert not _rejected(transport)

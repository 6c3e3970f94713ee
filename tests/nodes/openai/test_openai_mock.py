"""Every catalog operation, as a node in a running flow, against the steady OpenAPI mock.

Current operations run against the current spec; the twelve removed-upstream operations against the
2023-11-08 spec (``STEADY_PATCH=1``). A transport wrapper asks steady to answer even a request it
finds invalid (``X-Steady-Reject-On-Error: false``) and records its verdict
(``X-Steady-Request-Valid``, first error code and path), so "2xx and valid" is what is asserted,
except for ``SPEC_REFUSALS``: requests the real API takes that the letter of the spec refuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowengine.nodes.openai.catalog import load_catalog
from openai_minimal import minimal_request
from openai_mock import SPEC_2023, SPEC_CURRENT, SteadyMock, unavailable_reason

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))]

CATALOG = load_catalog()


# The realtime session request body is the spec's session *object*, which requires ``client_secret``:
# the key the API returns. The node leaves it out (as the SDK does); steady checks the spec's letter.
SPEC_REFUSALS = {("POST", "/realtime/sessions"): ("E3007", "body", "client_secret")}


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real HTTP transport, remembering steady's verdict per request: (method, path, status, valid,
    first error code, its path, its message)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.verdicts: list[tuple[str, str, int, str | None, str | None, str | None, str | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["X-Steady-Reject-On-Error"] = "false"
        response = await self.inner.handle_async_request(request)
        h = response.headers
        self.verdicts.append((request.method, request.url.path, response.status_code,
                              h.get("x-steady-request-valid"), h.get("x-steady-error-1-code"),
                              h.get("x-steady-error-1-path"), h.get("x-steady-error-1-message")))
        return response

    def unexpected(self) -> list[tuple[str, str, int, str | None, str | None, str | None, str | None]]:
        """Verdicts that are not "2xx and valid", nor exactly the refusal ``SPEC_REFUSALS`` names."""
        out = []
        for v in self.verdicts:
            method, path, status, valid, code, where, message = v
            known = SPEC_REFUSALS.get((method, path))
            if known is None:
                ok = 200 <= status < 300 and valid == "true"
            else:
                ok = (200 <= status < 300 and valid == "false" and (code, where) == known[:2]
                      and known[2] in (message or ""))
            if not ok:
                out.append(v)
        return out

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture(scope="module")
def steady_current(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SteadyMock]:
    mock = SteadyMock(SPEC_CURRENT, tmp_path_factory.mktemp("steady-current"))
    mock.start()
    yield mock
    mock.stop()


@pytest.fixture(scope="module")
def steady_2023(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SteadyMock]:
    mock = SteadyMock(SPEC_2023, tmp_path_factory.mktemp("steady-seed"), patch=True)
    mock.start()
    yield mock
    mock.stop()


def _flow(entries: list[dict[str, Any]], base_url: str, stream: bool = False) -> tuple[list[dict[str, Any]], dict]:
    flows: list[dict[str, Any]] = [
        {"id": "cfg", "type": "openai-config", "base_url": base_url, "max_retries": 0, "max_concurrency": 8,
         "credentials": {"api_key": "sk-test-key", "admin_key": "sk-admin-key"}},
        {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]
    msgs = {}
    for i, entry in enumerate(entries):
        node_id = f"op{i}"
        flows.append({"id": node_id, "type": entry["type"], "config": "cfg", "wires": [["out"]]})
        msg, _ = minimal_request(entry, CATALOG["$defs"])
        if stream:
            if entry["response"]["stream"] == "query":
                msg["stream"] = True
            elif entry["response"]["stream"] == "format":
                msg["payload"]["stream_format"] = "sse"
            else:
                msg["payload"]["stream"] = True
        msg["_op"] = entry["operationId"]
        msgs[node_id] = msg
    return flows, msgs


async def _run_all(entries: list[dict[str, Any]], mock: SteadyMock, tmp_path: Path,
                   stream: bool = False) -> tuple[list[dict[str, Any]], RecordingTransport]:
    transport = RecordingTransport()
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": transport})
    flows, msgs = _flow(entries, mock.base_url, stream)
    async with FlowHarness(flows, settings=settings) as h:
        for node_id, msg in msgs.items():
            h.send_to(node_id, msg)
        finals: list[dict[str, Any]] = []

        def finished() -> int:
            finals[:] = [m for m in h.received("out") if "parts" not in m]
            return len(finals) + len(h.received("errors"))

        for _ in range(600):
            if finished() >= len(entries):
                break
            try:
                await h.wait_for("out", count=len(h.received("out")) + 1, timeout=0.5)
            except TimeoutError:
                continue
        errors = h.received("errors")
        assert not errors, [(m.get("_op"), m["error"]["message"], m.get("openai", {}).get("error")) for m in errors][:5]
        await transport.aclose()
        return finals, transport


async def test_every_current_operation_against_steady(steady_current: SteadyMock, tmp_path: Path) -> None:
    entries = [e for e in CATALOG["operations"] if not e["removed_upstream"]]
    assert len(entries) == 288
    finals, transport = await _run_all(entries, steady_current, tmp_path)
    by_op = {m["_op"]: m for m in finals}
    assert set(by_op) == {e["operationId"] for e in entries}
    for entry in entries:
        out = by_op[entry["operationId"]]
        assert 200 <= out["openai"]["status"] < 300, entry["operationId"]
        assert out["openai"]["operation"] == entry["operationId"]
        kind = entry["response"]["kind"]
        if kind == "binary":
            assert isinstance(out["payload"], bytes), entry["operationId"]
        elif kind == "json":
            assert isinstance(out["payload"], (dict, list)), entry["operationId"]
    # declared JSON (a list of parsed content parts), not a raw file: the payload is the decoded object
    assert isinstance(by_op["retrieveVectorStoreFileContent"]["payload"], dict)
    assert {by_op[op]["payload"].__class__ for op in ("downloadFile", "RetrieveContainerFileContent")} == {bytes}
    assert len(transport.verdicts) == 288
    assert transport.unexpected() == []


async def test_every_streaming_operation_streams(steady_current: SteadyMock, tmp_path: Path) -> None:
    entries = [e for e in CATALOG["operations"] if e["response"]["stream"] and not e["removed_upstream"]]
    assert len(entries) >= 12
    finals, transport = await _run_all(entries, steady_current, tmp_path, stream=True)
    assert {m["_op"] for m in finals} == {e["operationId"] for e in entries}
    declared = {e["operationId"] for e in entries if "text/event-stream" in e["response"]["media"]}
    assert len(declared) >= 6
    for out in finals:
        if out["_op"] in declared:  # the others may answer with plain JSON (the mock does)
            assert out["openai"].get("events", 0) >= 1, out["_op"]
            assert "parts" not in out
    assert transport.unexpected() == []


async def test_removed_upstream_operations_against_the_2023_spec(steady_2023: SteadyMock, tmp_path: Path) -> None:
    entries = [e for e in CATALOG["operations"] if e["removed_upstream"]]
    assert len(entries) == 12
    finals, transport = await _run_all(entries, steady_2023, tmp_path)
    assert {m["_op"] for m in finals} == {e["operationId"] for e in entries}
    assert all(isinstance(m["payload"], dict) for m in finals)
    assert transport.unexpected() == []


async def test_http_error_reaches_a_catch_node_with_details(steady_current: SteadyMock, tmp_path: Path) -> None:
    transport = RecordingTransport()
    flows = [
        {"id": "cfg", "type": "openai-config", "base_url": steady_current.base_url, "max_retries": 0,
         "credentials": {"api_key": "sk-test-key"}},
        {"id": "emb", "type": "openai-create-embedding", "config": "cfg", "wires": [["out"]]},
        {"id": "catch", "type": "catch", "scope": None, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": transport})
    async with FlowHarness(flows, settings=settings) as h:
        # "model" is missing: the node refuses before sending
        h.send_to("emb", {"payload": "hi", "keep": 1})
        [err] = await h.wait_for("errors", 1, timeout=5)
        assert err["keep"] == 1 and "model" in err["error"]["message"]
        assert err["error"]["source"]["id"] == "emb"
        assert transport.verdicts == []
        # accepted by our schema, refused by the mock: a 400 with the body kept
        h.send_to("emb", {"payload": {"model": "m", "input": 5.5}})
        msgs = await h.wait_for("errors", 2, timeout=5)
        err = msgs[1]
        assert err["openai"]["error"]["status"] == 400 or "input" in err["error"]["message"]
        assert not h.received("out")
    await transport.aclose()

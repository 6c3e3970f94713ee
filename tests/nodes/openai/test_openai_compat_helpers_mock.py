"""@inductiv's SDK helpers against the steady OpenAPI mock: every request they send is one steady
finds valid (parse, stream, vector-store upload and poll), and the webhook helpers send none."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai_mock import SPEC_CURRENT, SteadyMock, unavailable_reason
from test_openai_compat_mock import TapTransport

from flowengine.settings import Settings
from flowengine.testing import FlowHarness
from flowengine.webhook_signature import sign

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))]


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SteadyMock]:
    mock = SteadyMock(SPEC_CURRENT, tmp_path_factory.mktemp("steady-helpers"))
    mock.start()
    yield mock
    mock.stop()


async def _run(steady: SteadyMock, method: str, params: dict[str, Any], tmp_path: Path,
               count: int = 1) -> tuple[list[dict[str, Any]], TapTransport]:
    (tmp_path / "files").mkdir(exist_ok=True)
    (tmp_path / "files" / "notes.txt").write_text("some notes")

    async def no_sleep(delay: float) -> None:
        return None

    tap = TapTransport()
    flows = [
        {"id": "svc", "type": "Service Host", "apiBase": steady.base_url, "apiBaseType": "str",
         "secureApiKeyValueType": "cred", "max_retries": 0, "credentials": {"secureApiKeyValue": "sk-helpers"}},
        {"id": "n", "type": "OpenAI API", "service": "svc", "method": method, "property": "payload",
         "propertyType": "msg", "wires": [["out"]]},
        {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": tap, "openai_sleep": no_sleep})
    async with FlowHarness(flows, settings=settings) as h:
        h.send_to("n", {"payload": params})
        got = await h.wait_for("out", count, timeout=20)
        await h.drain()
        assert not h.received("errors"), h.received("errors")
    await tap.aclose()
    return got, tap


async def test_vector_store_helpers_send_valid_requests(steady: SteadyMock, tmp_path: Path) -> None:
    for method, params, first in [
        ("uploadVectorStoreFile", {"vector_store_id": "vs_1", "file": "notes.txt"}, "/files"),
        ("uploadAndPollVectorStoreFile", {"vector_store_id": "vs_1", "file": "notes.txt"}, "/files"),
        ("createAndPollVectorStoreFile", {"vector_store_id": "vs_1", "file_id": "file-1"}, "/vector_stores/vs_1/files"),
        ("createAndPollVectorStoreFileBatch", {"vector_store_id": "vs_1", "file_ids": ["file-1"]},
         "/vector_stores/vs_1/file_batches"),
        ("uploadAndPollVectorStoreFileBatch", {"vector_store_id": "vs_1", "files": ["notes.txt"]}, "/files"),
        ("pollVectorStoreFile", {"vector_store_id": "vs_1", "file_id": "file-1"}, "/vector_stores/vs_1/files/file-1"),
    ]:
        [out], tap = await _run(steady, method, params, tmp_path)
        assert isinstance(out["payload"], dict), method
        assert tap.requests[0].url.path == "/" + first.lstrip("/"), method
        assert tap.unexpected() == [], (method, tap.unexpected())


async def test_parse_and_stream_send_valid_requests(steady: SteadyMock, tmp_path: Path) -> None:
    [out], tap = await _run(steady, "parseModelResponse", {"model": "gpt-5", "input": "hi"}, tmp_path)
    assert out["payload"]["output_parsed"] is None and tap.unexpected() == []
    got, tap = await _run(steady, "streamModelResponse", {"model": "gpt-5", "input": "hi"}, tmp_path, count=2)
    assert tap.unexpected() == [] and json.loads(tap.requests[0].content)["stream"] is True
    assert all(isinstance(m["payload"], dict) for m in got)


async def test_webhook_helpers_send_no_request(steady: SteadyMock, tmp_path: Path) -> None:
    secret = "whsec_" + base64.b64encode(b"steady helpers").decode()
    body = json.dumps({"id": "evt_1", "type": "response.completed", "data": {"id": "resp_1"}})
    params = {"payload": body, "headers": sign(body, secret, "wh_1"), "secret": secret}
    [out], tap = await _run(steady, "unwrapWebhookEvent", params, tmp_path)
    assert out["payload"]["data"] == {"id": "resp_1"} and tap.requests == []

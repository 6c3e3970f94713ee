"""Auth and error mapping against Prism (FACTS §3.4 tier B): 401 without a key, forced 429 + Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai_mock import PRISM, PrismMock, unavailable_reason

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(unavailable_reason() is not None or not PRISM.exists(),
                                 reason=str(unavailable_reason() or "needs the shared prism.sh"))]


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrismMock]:
    mock = PrismMock(tmp_path_factory.mktemp("prism"))
    mock.start()
    yield mock
    mock.stop()


def _flows(base_url: str, credentials: dict[str, str], headers: dict[str, str] | None = None) -> list[dict]:
    return [
        {"id": "cfg", "type": "openai-config", "base_url": base_url, "max_retries": 2, "headers": headers or {},
         "credentials": credentials},
        {"id": "emb", "type": "openai-create-embedding", "config": "cfg", "model": "text-embedding-3-small",
         "wires": [["out"]]},
        {"id": "catch", "type": "catch", "scope": None, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]


class Counting(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.statuses.append(response.status_code)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_missing_key_is_a_401_not_retried(prism: PrismMock, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    transport = Counting()
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": transport})
    async with FlowHarness(_flows(prism.base_url, {}), settings=settings) as h:
        h.send_to("emb", {"payload": "hi"})
        [err] = await h.wait_for("errors", 1, timeout=10)
    assert transport.statuses == [401]
    details = err["openai"]["error"]
    assert details["status"] == 401 and details["message"].startswith("Error code: 401 - ")
    await transport.aclose()


async def test_forced_429_honours_retry_after(prism: PrismMock, tmp_path: Path) -> None:
    transport = Counting()
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    settings = Settings(user_dir=tmp_path, extra={"openai_transport": transport, "openai_sleep": record})
    flows = _flows(prism.base_url, {"api_key": "sk-prism"}, {"Prefer": "code=429"})
    async with FlowHarness(flows, settings=settings) as h:
        h.send_to("emb", {"payload": "hi", "keep": True})
        [err] = await h.wait_for("errors", 1, timeout=10)
    assert transport.statuses == [429, 429, 429]
    assert waits == [1.0, 1.0]  # Prism's Retry-After: 1
    assert err["keep"] is True and err["openai"]["error"]["status"] == 429
    assert "sk-prism" not in str(err)
    await transport.aclose()


async def test_valid_request_passes_prism_validation(prism: PrismMock, tmp_path: Path) -> None:
    settings = Settings(user_dir=tmp_path)
    async with FlowHarness(_flows(prism.base_url, {"api_key": "sk-prism"}), settings=settings) as h:
        h.send_to("emb", {"payload": ["a", "b"]})
        [out] = await h.wait_for("out", 1, timeout=10)
    assert out["openai"]["status"] == 200 and isinstance(out["payload"], dict)

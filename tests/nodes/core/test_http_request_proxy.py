"""http request connections on real local sockets: proxy / noproxy, and persist (keep-alive)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from flowengine.nodes.core._tls_proxy import proxy_for_url, should_proxy

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

from ._local_http import Answer, LocalHttp, Seen

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "npm_config_proxy", "npm_config_http_proxy",
                 "npm_config_no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def echo_target(seen: Seen) -> Answer:
    return Answer(200, seen.target.encode())


def settings() -> Settings:
    return Settings.load(user_dir=Path(tempfile.mkdtemp(prefix="fe-hproxy-")))


def request_flow(proxy: dict[str, Any] | None = None, **props: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = [
        {"id": "req", "type": "http request", "method": "GET", "url": "", "proxy": "px" if proxy else "",
         **props, "wires": [["out"]]},
        {"id": "out", "type": "test-sink"}]
    if proxy is not None:
        nodes.append({"id": "px", "type": "http proxy", **proxy})
    return nodes


async def test_proxy_node_and_its_noproxy_list() -> None:
    async with LocalHttp(echo_target) as srv:
        proxy = {"url": srv.url, "noproxy": ["localhost"],
                 "credentials": {"username": "bob", "password": "s3cret"}}
        async with FlowHarness(request_flow(proxy), settings=settings()) as h:
            h.send_to("req", {"url": f"http://localhost:{srv.port}/direct"})
            h.send_to("req", {"url": f"http://127.0.0.1:{srv.port}/proxied"})
            direct, proxied = sorted(await h.wait_for("out", 2), key=lambda m: len(m["payload"]))
    assert direct["payload"] == "/direct"  # localhost is in noproxy: no proxy
    assert proxied["payload"] == f"http://127.0.0.1:{srv.port}/proxied"  # absolute form: through the proxy
    via_proxy = next(s for s in srv.seen if s.target.startswith("http://"))
    assert via_proxy.headers["proxy-authorization"] == "Basic Ym9iOnMzY3JldA=="
    assert "proxy-authorization" not in next(s for s in srv.seen if s.target == "/direct").headers


def test_proxy_rules_follow_node_red() -> None:
    assert not should_proxy("api.example.com", 443, ".example.com")
    assert not should_proxy("api.example.com", 443, "*.example.com")
    assert should_proxy("example.com", 443, ".example.com")
    assert not should_proxy("example.com", 443, "example.com")
    assert should_proxy("example.com", 443, "example.com:8443")
    assert not should_proxy("example.com", 8443, "other, example.com:8443")
    assert not should_proxy("anything", 80, "*")
    env = {"HTTP_PROXY": "proxy.lan:3128", "https_proxy": "http://secure.lan:3129", "NO_PROXY": "intra.lan"}
    assert proxy_for_url("http://example.com/x", None, env) == "http://proxy.lan:3128"
    assert proxy_for_url("https://example.com/x", None, env) == "http://secure.lan:3129"
    assert proxy_for_url("http://intra.lan/x", None, env) is None
    assert proxy_for_url("http://example.com/x", None, {}) is None


async def test_persist_reuses_one_connection_else_connection_close() -> None:
    async with LocalHttp(echo_target) as srv:
        for persist in (True, False):
            async with FlowHarness(request_flow(persist=persist, url=srv.url + f"/{persist}"),
                                   settings=settings()) as h:
                for n in range(3):
                    h.send_to("req", {})
                    await h.wait_for("out", n + 1)
    kept = [s for s in srv.seen if s.target == "/True"]
    closed = [s for s in srv.seen if s.target == "/False"]
    assert len({s.connection for s in kept}) == 1
    assert all(s.headers.get("connection") != "close" for s in kept)
    assert len({s.connection for s in closed}) == 3
    assert all(s.headers["connection"] == "close" for s in closed)

"""http request node against an httpx.MockTransport, and against real local servers (127.0.0.1)."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

from ._local_http import Answer, LocalHttp

Handler = Callable[[httpx.Request], httpx.Response]


def harness(handler: Handler | httpx.AsyncBaseTransport | None, credentials: dict[str, Any] | None = None,
            settings_extra: dict[str, Any] | None = None, **props: Any) -> FlowHarness:
    """One http request node wired to sink "out"; ``handler`` None = real network (local servers)."""
    settings = Settings.load(user_dir=Path(tempfile.mkdtemp(prefix="fe-hreq-")))
    if handler is not None:
        transport = handler if isinstance(handler, httpx.AsyncBaseTransport) else httpx.MockTransport(handler)
        settings.extra["http_request_transport"] = transport
    settings.extra.update(settings_extra or {})
    node: dict[str, Any] = {"id": "req", "type": "http request", "method": "GET", "ret": "txt", "url": "",
                            **props, "wires": [["out"]]}
    if credentials:
        node["credentials"] = credentials
    flows = [node, {"id": "out", "type": "test-sink"}]
    return FlowHarness(flows, settings=settings)


async def test_get_text_with_status_headers_and_url() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="hi there", headers={"X-Reply": "yes"})

    async with harness(handler, url="http://example.test/a/{{{payload}}}") as h:
        h.send_to("req", {"payload": "b c"})
        msg = (await h.wait_for("out"))[0]
    assert str(seen[0].url) == "http://example.test/a/b%20c"
    assert msg["payload"] == "hi there" and msg["statusCode"] == 200
    assert msg["headers"]["x-reply"] == "yes"
    assert msg["responseUrl"] == "http://example.test/a/b%20c"


async def test_methods_bodies_and_msg_overrides() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"ok": True, "method": request.method})

    async with harness(handler, method="use", ret="obj") as h:
        h.send_to("req", {"url": "http://x.test/j", "method": "post", "payload": {"a": 1}})
        h.send_to("req", {"url": "http://x.test/f", "method": "PUT", "payload": {"a": "1 2"},
                          "headers": {"Content-Type": "application/x-www-form-urlencoded", "X-Id": 7}})
        h.send_to("req", {"url": "http://x.test/t", "method": "PATCH", "payload": "plain"})
        h.send_to("req", {"url": "http://x.test/b", "method": "DELETE", "payload": b"\x01\x02"})
        msgs = await h.wait_for("out", 4)
    assert [m["payload"] for m in msgs] == [{"ok": True, "method": m} for m in ("POST", "PUT", "PATCH", "DELETE")]
    assert all(m["statusCode"] == 201 for m in msgs)
    by_path = {r.url.path: r for r in seen}
    assert json.loads(by_path["/j"].content) == {"a": 1}
    assert by_path["/j"].headers["content-type"] == "application/json"
    assert by_path["/f"].content == b"a=1+2" and by_path["/f"].headers["x-id"] == "7"
    assert by_path["/t"].content == b"plain"
    assert by_path["/b"].content == b"\x01\x02"


async def test_paytoqs_and_binary_return() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"\x00\xff")

    async with harness(handler, url="http://x.test/q", paytoqs="query", ret="bin") as h:
        h.send_to("req", {"payload": {"a": 1, "b": "two"}})
        msg = (await h.wait_for("out"))[0]
    assert seen[0].url.params == httpx.QueryParams({"a": "1", "b": "two"})
    assert seen[0].content == b""
    assert msg["payload"] == b"\x00\xff"


async def test_obj_parse_error_warns_and_keeps_text() -> None:
    async with harness(lambda r: httpx.Response(200, text="not json"), url="http://x.test/", ret="obj") as h:
        h.send_to("req", {"payload": ""})
        msg = (await h.wait_for("out"))[0]
    assert msg["payload"] == "not json"
    assert any("JSON parse error" in text for _, _, text in h.logs)


async def test_auth_types() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    async with harness(handler, url="http://x.test/", authType="basic",
                       credentials={"user": "bob", "password": "pw"}) as h:
        h.send_to("req", {})
        await h.wait_for("out")
    async with harness(handler, url="http://x.test/", authType="bearer", credentials={"password": "tok"}) as h:
        h.send_to("req", {})
        await h.wait_for("out")
    assert seen[0].headers["authorization"] == "Basic Ym9iOnB3"
    assert seen[1].headers["authorization"] == "Bearer tok"


async def test_connection_error_is_catchable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    flows_catch = {"id": "c", "type": "catch", "scope": None, "uncaught": False, "wires": [["caught"]]}
    settings = Settings.load(user_dir=Path(tempfile.mkdtemp(prefix="fe-hreq-")))
    settings.extra["http_request_transport"] = httpx.MockTransport(handler)
    flows = [{"id": "req", "type": "http request", "method": "GET", "url": "http://x.test/", "wires": [["out"]]},
             {"id": "out", "type": "test-sink"}, flows_catch, {"id": "caught", "type": "test-sink"}]
    async with FlowHarness(flows, settings=settings) as h:
        h.send_to("req", {"payload": 1})
        caught = (await h.wait_for("caught"))[0]
        sent = (await h.wait_for("out"))[0]
    # Node-RED: the error is reported with the msg as it came in, then the msg goes on as well
    assert caught["payload"] == 1 and "statusCode" not in caught
    assert "refused" in caught["error"]["message"]
    assert sent["statusCode"] == "ECONNREFUSED"
    assert sent["payload"].startswith("RequestError: ") and sent["payload"].endswith(" : http://x.test/")
    flows[0]["senderr"] = True  # errors only to catch nodes
    async with FlowHarness(flows, settings=settings) as h:
        h.send_to("req", {"payload": 2})
        assert (await h.wait_for("caught"))[0]["payload"] == 2
        await h.drain()
        assert h.received("out") == []


async def test_timeout_from_msg() -> None:
    class Hang(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

    async with harness(Hang(), url="http://x.test/slow") as h:
        h.send_to("req", {"requestTimeout": 50})
        for _ in range(200):
            if h.logs:
                break
            await asyncio.sleep(0.01)
    assert any("50 ms" in text for _, _, text in h.logs)


async def test_configured_timeout_is_the_one_httpx_applies() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    def seconds(request: httpx.Request) -> set[float]:
        return set(request.extensions["timeout"].values())

    async with harness(handler, url="http://x.test/", reqTimeout="1500") as h:
        h.send_to("req", {})
        h.send_to("req", {"requestTimeout": 700})
        h.send_to("req", {"requestTimeout": "soon"})
        h.send_to("req", {"requestTimeout": -5})
        await h.wait_for("out", 4)
    assert [seconds(r) for r in seen] == [{1.5}, {0.7}, {1.5}, {1.5}]
    warnings = [text for _, _, text in h.logs]
    assert any("requestTimeout" in t and "not a valid number" in t for t in warnings)
    assert any("requestTimeout" in t and "less than 1" in t for t in warnings)
    seen.clear()
    async with harness(handler, url="http://x.test/", settings_extra={"httpRequestTimeout": 2500}) as h:
        h.send_to("req", {})
        await h.wait_for("out")
    async with harness(handler, url="http://x.test/") as h:
        h.send_to("req", {})
        await h.wait_for("out")
    assert [seconds(r) for r in seen] == [{2.5}, {120.0}]


async def test_slow_local_server_is_cut_only_at_the_configured_timeout() -> None:
    async with LocalHttp(lambda seen: Answer(body=b"late", delay=0.6)) as srv:
        flows: list[dict[str, Any]] = [
                 {"id": "req", "type": "http request", "method": "GET", "url": srv.url + "/slow", "reqTimeout": 300,
                  "wires": [["out"]]},
                 {"id": "out", "type": "test-sink"},
                 {"id": "c", "type": "catch", "scope": None, "uncaught": False, "wires": [["caught"]]},
                 {"id": "caught", "type": "test-sink"}]
        async with FlowHarness(flows, settings=Settings.load(user_dir=Path(tempfile.mkdtemp()))) as h:
            h.send_to("req", {})
            failed = (await h.wait_for("caught", timeout=5))[0]
            h.send_to("req", {"requestTimeout": 1000})
            timed_out, ok = await h.wait_for("out", count=2, timeout=5)
    assert "300 ms" in failed["error"]["message"] and timed_out["statusCode"] == "ETIMEDOUT"
    assert ok["payload"] == "late" and ok["statusCode"] == 200


async def test_senderr_and_response_headers_not_resent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200 if request.url.path == "/1" else 500, headers={"x-upstream": "1"})

    settings = Settings.load(user_dir=Path(tempfile.mkdtemp(prefix="fe-hreq-")))
    settings.extra["http_request_transport"] = httpx.MockTransport(handler)
    flows = [{"id": "r1", "type": "http request", "method": "GET", "url": "http://x.test/1", "wires": [["r2"]]},
             {"id": "r2", "type": "http request", "method": "GET", "url": "http://x.test/2", "senderr": True,
              "wires": [["out"]]},
             {"id": "out", "type": "test-sink"},
             {"id": "c", "type": "catch", "scope": None, "uncaught": False, "wires": [["caught"]]},
             {"id": "caught", "type": "test-sink"}]
    async with FlowHarness(flows, settings=settings) as h:
        h.send_to("r1", {})
        msg = (await h.wait_for("caught"))[0]
    assert "x-upstream" not in seen[1].headers
    assert msg["statusCode"] == 500 and "500" in msg["error"]["message"]


async def test_missing_url_is_an_error() -> None:
    async with harness(lambda r: httpx.Response(200)) as h:
        h.send_to("req", {"payload": 1})
        for _ in range(100):
            if h.logs:
                break
            await asyncio.sleep(0.01)
    assert any("url" in text for _, _, text in h.logs)


def test_tls_config_and_proxy_nodes() -> None:
    import ssl
    from types import SimpleNamespace

    from flowengine.nodes.core.http_request import HttpProxy, TlsConfig

    host = SimpleNamespace(settings=SimpleNamespace(extra={}))
    tls = TlsConfig(host, {"id": "tls1", "type": "tls-config", "verifyservercert": False})  # type: ignore[arg-type]
    ctx = tls.ssl_context()
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname
    strict = TlsConfig(host, {"id": "tls2", "type": "tls-config", "verifyservercert": True})  # type: ignore[arg-type]
    assert strict.ssl_context().verify_mode == ssl.CERT_REQUIRED
    proxy = HttpProxy(host, {"id": "p", "type": "http proxy", "url": "http://proxy.test:3128"},  # type: ignore[arg-type]
                      {"username": "u@x", "password": "p:w"})
    assert proxy.proxy_url() == "http://u%40x:p%3Aw@proxy.test:3128"


def local_flows(url: str, **props: Any) -> list[dict[str, Any]]:
    return [{"id": "req", "type": "http request", "method": "GET", "url": url, **props, "wires": [["out"]]},
            {"id": "out", "type": "test-sink"}]


def local_settings() -> Settings:
    return Settings.load(user_dir=Path(tempfile.mkdtemp(prefix="fe-hreq-")))


async def test_cookies_redirects_and_response_cookies_on_a_real_server() -> None:
    def handler(seen: Any) -> Answer:
        if seen.target == "/start":
            return Answer(302, headers=[("location", "/next"), ("set-cookie", "step=one; Path=/; HttpOnly")])
        return Answer(200, seen.headers.get("cookie", "").encode(),
                      headers=[("set-cookie", "final=a%20b; Path=/; Max-Age=60"), ("set-cookie", "n=2")])

    async with LocalHttp(handler) as srv:
        async with FlowHarness(local_flows(srv.url + "/start"), settings=local_settings()) as h:
            h.send_to("req", {"headers": {"cookie": "hdr=1"},
                              "cookies": {"plain": "x y", "raw": {"value": "a%20b", "encode": False},
                                          "obj": {"value": 5}, "gone": None, "nulled": {"value": None}}})
            first = (await h.wait_for("out"))[0]
            h.send_to("req", {"followRedirects": False})
            second = (await h.wait_for("out", 2))[1]
    sent = {s.target: s.headers.get("cookie", "") for s in srv.seen[:2]}
    assert sorted(sent["/start"].split("; ")) == ["hdr=1", "obj=5", "plain=x%20y", "raw=a%20b"]
    assert sorted(sent["/next"].split("; ")) == ["hdr=1", "obj=5", "plain=x%20y", "raw=a%20b", "step=one"]
    assert first["statusCode"] == 200 and first["responseUrl"] == srv.url + "/next"
    assert first["redirectList"] == [{"location": "/next", "cookies": {"step": {"Path": "/", "value": "one"}}}]
    assert first["responseCookies"] == {"final": {"Path": "/", "Max-Age": "60", "value": "a b"},
                                        "n": {"value": "2"}}
    assert first["headers"]["set-cookie"] == ["final=a%20b; Path=/; Max-Age=60", "n=2"]
    # msg.followRedirects false: the 302 itself; and a new request starts with an empty cookie jar
    assert second["statusCode"] == 302 and second["redirectList"] == []
    assert second["responseCookies"] == {"step": {"Path": "/", "value": "one"}}
    assert "cookie" not in srv.seen[2].headers


async def test_head_options_and_get_body_on_a_real_server() -> None:
    async with LocalHttp(lambda seen: Answer(200, b"body!", headers=[("allow", "GET, HEAD, OPTIONS")])) as srv:
        flows: list[dict[str, Any]] = [
                 {"id": "head", "type": "http request", "method": "HEAD", "url": srv.url + "/h", "wires": [["out"]]},
                 {"id": "opts", "type": "http request", "method": "OPTIONS", "url": srv.url + "/o",
                  "wires": [["out"]]},
                 {"id": "getb", "type": "http request", "method": "GET", "url": srv.url + "/g", "paytoqs": "body",
                  "wires": [["out"]]},
                 {"id": "out", "type": "test-sink"}]
        async with FlowHarness(flows, settings=local_settings()) as h:
            h.send_to("head", {"payload": "ignored"})
            head = (await h.wait_for("out"))[0]
            h.send_to("opts", {"payload": {"q": 1}})
            opts = (await h.wait_for("out", 2))[1]
            h.send_to("getb", {"payload": {"g": 2}})
            await h.wait_for("out", 3)
    by_target = {s.target: s for s in srv.seen}
    assert by_target["/h"].method == "HEAD" and by_target["/h"].body == b""
    assert head["payload"] == "" and head["statusCode"] == 200 and head["headers"]["content-length"] == "5"
    assert by_target["/o"].method == "OPTIONS" and json.loads(by_target["/o"].body) == {"q": 1}
    assert opts["headers"]["allow"] == "GET, HEAD, OPTIONS" and opts["payload"] == "body!"
    assert json.loads(by_target["/g"].body) == {"g": 2}


async def test_headers_that_are_not_a_list_are_skipped_as_node_red_does() -> None:
    # a real flow holds headers as a JSON string: Node-RED deploys it and sends no header from it
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="ok")

    for odd in ('[{"keyType":"other","keyValue":"X-A","valueType":"other","valueValue":"1"}]', {"X-A": "1"}, 5):
        async with harness(handler, url="http://x.test/", headers=odd) as h:
            assert [p for p in h.runtime.problems if p.level == "error"] == []
            h.send_to("req", {"payload": None, "headers": {"x-b": "2"}})
            await h.wait_for("out")
        assert "x-a" not in seen[-1].headers and seen[-1].headers["x-b"] == "2"


async def test_header_rows_read_the_message_and_an_empty_value_removes_a_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="ok")

    rows = [{"keyType": "msg", "keyValue": "hname", "valueType": "msg", "valueValue": "hvalue"},
            {"keyType": "other", "keyValue": "X-Drop", "valueType": "other", "valueValue": ""},
            {"keyType": "Content-Type", "keyValue": "", "valueType": "application/json", "valueValue": ""},
            {"keyType": "msg", "keyValue": "missing.deep", "valueType": "other", "valueValue": "never"}]
    async with harness(handler, url="http://x.test/", headers=rows) as h:
        h.send_to("req", {"hname": "X-Who", "hvalue": "me", "headers": {"X-Drop": "gone", "X-Keep": "kept"}})
        await h.wait_for("out")
    sent = seen[0].headers
    assert sent["x-who"] == "me" and sent["content-type"] == "application/json" and sent["x-keep"] == "kept"
    assert "x-drop" not in sent and "never" not in sent.values()

"""http in / http response through the server's HttpNodeRouter (an ASGI app) and httpx."""

from __future__ import annotations

import asyncio
import datetime
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowengine.http_routes import HTTP_ROUTES_KEY, compile_path
from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.server.http_nodes_router import HttpNodeRouter
from flowengine.settings import Settings
from flowengine.testing import FlowHarness
from flowengine.types import Done, Msg, Send


class Setter(Node):
    """Test helper: merges its ``set`` property (and the Python values of PYTHON_SET) into the message."""

    type = "test-setter"

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        msg.update(self.config.get("set", {}))
        msg.update(self.host.settings.extra.get("python_set", {}))
        send(msg)
        done()


def registry() -> Registry:
    reg = Registry.default()
    reg.add(Setter)
    return reg


def http_flow(
    url: str = "/t/:id",
    method: str = "get",
    resp: dict[str, Any] | None = None,
    setter: dict[str, Any] | None = None,
    **props: Any,
) -> list[dict[str, Any]]:
    target = "set" if setter is not None else "resp"
    flows = [
        {"id": "hin", "type": "http in", "url": url, "method": method, **props, "wires": [["sink", target]]},
        {"id": "sink", "type": "test-sink"},
        {"id": "resp", "type": "http response", "statusCode": "", "headers": {}, **(resp or {}), "wires": []},
    ]
    if setter is not None:
        flows.append({"id": "set", "type": "test-setter", "set": setter, "wires": [["resp"]]})
    return flows


class Served:
    def __init__(self, harness: FlowHarness, client: httpx.AsyncClient, router: HttpNodeRouter) -> None:
        self.h = harness
        self.client = client
        self.router = router


@pytest.fixture
async def served(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    holder: list[Any] = []

    async def start(flows: list[dict[str, Any]], root: str = "/", python_set: dict[str, Any] | None = None) -> Served:
        tmp = tempfile.mkdtemp(prefix="fe-http-")
        router = HttpNodeRouter(root)
        settings = Settings.load(user_dir=Path(tmp), httpNodeRoot=root)
        settings.extra[HTTP_ROUTES_KEY] = router
        settings.extra["python_set"] = python_set or {}
        harness = FlowHarness(flows, registry=registry(), settings=settings)
        await harness.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=router), base_url="http://test")
        holder.append((harness, client))
        return Served(harness, client, router)

    yield start
    for harness, client in holder:
        await client.aclose()
        await harness.__aexit__(None, None, None)


async def test_get_query_and_params(served: Any) -> None:
    s = await served(http_flow())
    r = await s.client.get("/t/42?x=1&y=two&y=3&a[b]=c")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"x": "1", "y": ["two", "3"], "a": {"b": "c"}}
    msg = (await s.h.wait_for("sink"))[0]
    assert msg["req"]["params"] == {"id": "42"}
    assert msg["req"]["method"] == "GET" and msg["req"]["path"] == "/t/42"
    assert msg["req"]["headers"]["host"] == "test"
    assert msg["payload"] is msg["req"]["query"]


async def test_post_bodies(served: Any) -> None:
    s = await served(http_flow("/p", "post"))
    r = await s.client.post("/p", json={"a": [1, 2]})
    assert r.json() == {"a": [1, 2]}
    r = await s.client.post("/p", data={"f": "1", "g": "x y"})
    assert r.json() == {"f": "1", "g": "x y"}
    r = await s.client.post("/p", content=b"hello", headers={"content-type": "text/plain"})
    assert r.text == "hello" and r.headers["content-type"].startswith("text/html")
    r = await s.client.post("/p", content=b"\x00\xff", headers={"content-type": "application/octet-stream"})
    assert r.content == b"\x00\xff" and r.headers["content-type"] == "application/octet-stream"
    payloads = [m["payload"] for m in await s.h.wait_for("sink", 4)]
    assert payloads == [{"a": [1, 2]}, {"f": "1", "g": "x y"}, "hello", b"\x00\xff"]
    r = await s.client.post("/p", content=b"{bad", headers={"content-type": "application/json"})
    assert r.status_code == 400
    r = await s.client.get("/p")
    assert r.status_code == 404 and "Cannot GET /p" in r.text and r.headers["content-type"].startswith("text/html")


async def test_get_and_delete_bodies_read_or_not(served: Any) -> None:
    s = await served([*http_flow("/g"), {"id": "del", "type": "http in", "url": "/d", "method": "delete",
                                         "skipBodyParsing": True, "wires": [["sink", "resp"]]}])
    await s.client.get("/g")  # no Content-Length, no Transfer-Encoding: no body to read
    await s.client.request("GET", "/g", content=b'{"a": 1}', headers={"content-type": "application/json"})
    await s.client.request("GET", "/g", content=b"", headers={"content-length": "0", "content-type": "text/plain"})
    await s.client.request("GET", "/g", content=b"raw text", headers={"content-type": "text/plain"})
    first, json_body, empty, text = await s.h.wait_for("sink", 4)
    assert first["req"]["body"] == {} and first["req"]["cookies"] == {}
    assert json_body["req"]["body"] == {"a": 1} and empty["req"]["body"] == {} and text["req"]["body"] == "raw text"
    await s.client.delete("/d", headers={"cookie": "k=v"})
    [*_, skipped] = await s.h.wait_for("sink", 5)
    assert skipped["req"]["body"] == b"" and skipped["req"]["cookies"] == {"k": "v"}  # skipBodyParsing: the raw body


async def test_upload_files(served: Any) -> None:
    s = await served(http_flow("/up", "post", upload=True, resp={"statusCode": "204"}))
    r = await s.client.post("/up", data={"name": "n"}, files={"doc": ("a.txt", b"abc", "text/plain")})
    assert r.status_code == 204
    msg = (await s.h.wait_for("sink"))[0]
    assert msg["payload"] == {"name": "n"}
    assert msg["req"]["files"] == [
        {
            "fieldname": "doc",
            "originalname": "a.txt",
            "encoding": "7bit",
            "mimetype": "text/plain",
            "buffer": b"abc",
            "size": 3,
        }
    ]


async def test_msg_status_headers_cookies(served: Any) -> None:
    s = await served(
        http_flow(
            "/c",
            setter={
                "payload": "ok",
                "statusCode": 201,
                "headers": {"X-Test": "1", "content-type": "text/plain"},
                "cookies": {"a": "1", "b": {"value": "2", "maxAge": 60000, "httpOnly": True}, "gone": None},
            },
        )
    )
    r = await s.client.get("/c")
    assert r.status_code == 201
    assert r.headers["x-test"] == "1" and r.headers["content-type"] == "text/plain"
    cookies = r.headers.get_list("set-cookie")
    assert cookies[0] == "a=1; Path=/"
    assert re.fullmatch(r"b=2; Max-Age=60; Path=/; Expires=\w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT; HttpOnly", cookies[1])
    assert cookies[2] == "gone=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"


async def test_cookie_options_are_express_options(served: Any) -> None:
    cookies = {
        "strict": {"value": "s", "sameSite": True},
        "nosame": {"value": "n", "sameSite": False, "secure": False, "httpOnly": 0},
        "lax": {"value": "l", "sameSite": "Lax", "secure": True},
        "none": {"value": "x", "sameSite": "none", "secure": 1, "partitioned": True},
        "scoped": {"value": "a b;c", "path": "/app", "domain": ".example.com", "priority": "high"},
        "nopath": {"value": "p", "path": ""},
        "obj": {"value": {"k": [1]}},
        "num": 42,
        "ms": {"value": "m", "maxAge": 1500},
        "clear": {"value": None, "path": "/app"},
    }
    s = await served(http_flow("/opts", setter={"payload": "ok", "cookies": cookies}))
    r = await asyncio.wait_for(s.client.get("/opts"), 5)
    assert r.status_code == 200
    got = dict(c.split("=", 1) for c in r.headers.get_list("set-cookie"))
    assert got["strict"] == "s; Path=/; SameSite=Strict"
    assert got["nosame"] == "n; Path=/"
    assert got["lax"] == "l; Path=/; Secure; SameSite=Lax"
    assert got["none"] == "x; Path=/; Secure; Partitioned; SameSite=None"
    assert got["scoped"] == "a%20b%3Bc; Domain=.example.com; Path=/app; Priority=High"
    assert got["nopath"] == "p"
    assert got["obj"] == "j%3A%7B%22k%22%3A%5B1%5D%7D; Path=/"
    assert got["num"] == "42; Path=/"
    assert re.fullmatch(r"m; Max-Age=1; Path=/; Expires=.+ GMT", got["ms"])
    assert got["clear"] == "; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT"


async def test_cookie_expires_and_encode_from_python_values(served: Any) -> None:
    when = datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    cookies = {"dated": {"value": "d", "expires": when}, "plain": {"value": "a b", "encode": str.upper}}
    s = await served(http_flow("/py", setter={"payload": "ok"}), python_set={"cookies": cookies})
    r = await asyncio.wait_for(s.client.get("/py"), 5)
    assert r.headers.get_list("set-cookie") == ["dated=d; Path=/; Expires=Tue, 06 May 2031 07:08:09 GMT",
                                                "plain=A B; Path=/"]


@pytest.mark.parametrize(("cookie", "needle"), [
    ({"value": "v", "sameSite": "sometimes"}, "option sameSite is invalid"),
    ({"value": "v", "expires": "tomorrow"}, "option expires is invalid"),
    ({"value": "v", "maxAge": "soon"}, "option maxAge is invalid"),
    ({"value": "v", "domain": "bad domain"}, "option domain is invalid"),
    ({"value": "v", "path": "/a;b"}, "option path is invalid"),
    ({"value": "v", "priority": "urgent"}, "option priority is invalid"),
    ({"value": "v", "encode": True}, "option encode is invalid"),
    ({"value": "v", "signed": True}, "signed cookies"),
])
async def test_bad_cookie_is_a_catchable_error_and_a_500(served: Any, cookie: dict[str, Any], needle: str) -> None:
    flows = http_flow("/bad", setter={"payload": "ok", "cookies": {"c": cookie}})
    flows += [{"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["caught"]]},
              {"id": "caught", "type": "test-sink"}]
    s = await served(flows)
    r = await asyncio.wait_for(s.client.get("/bad"), 5)
    assert r.status_code == 500 and r.text == "Internal Server Error"
    err = (await s.h.wait_for("caught"))[0]["error"]
    assert needle in err["message"] and "'c'" in err["message"]
    assert err["source"]["id"] == "resp"


async def test_invalid_status_code_is_an_error_and_a_500(served: Any) -> None:
    flows = http_flow("/st", setter={"payload": "ok", "statusCode": 42})
    flows += [{"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["caught"]]},
              {"id": "caught", "type": "test-sink"}]
    s = await served(flows)
    r = await asyncio.wait_for(s.client.get("/st"), 5)
    assert r.status_code == 500
    assert "invalid status code 42" in (await s.h.wait_for("caught"))[0]["error"]["message"]


async def test_node_settings_win_over_msg(served: Any) -> None:
    s = await served(
        http_flow(
            "/w",
            resp={"statusCode": "202", "headers": {"x-a": "node"}},
            setter={"payload": {"v": 1}, "statusCode": 500, "headers": {"x-a": "msg", "x-b": "b"}},
        )
    )
    r = await s.client.get("/w")
    assert r.status_code == 202
    assert r.headers["x-a"] == "node" and r.headers["x-b"] == "b"
    assert r.json() == {"v": 1}


async def test_request_node_headers_not_echoed(served: Any) -> None:
    from flowengine.nodes.core.http_in import REQUEST_NODE_HEADER, headers_hash

    upstream = {"server": "elsewhere", "x-up": "1"}
    s = await served(
        http_flow("/e", setter={"payload": "x", "headers": {**upstream, REQUEST_NODE_HEADER: headers_hash(upstream)}})
    )
    r = await s.client.get("/e")
    assert "x-up" not in r.headers


async def test_routes_follow_deploys(served: Any) -> None:
    s = await served(http_flow("/old"))
    assert (await s.client.get("/old")).status_code == 200
    await s.h.deploy(s.h.normalise(http_flow("/new")), "full")
    assert (await s.client.get("/old")).status_code == 404
    assert (await s.client.get("/new")).status_code == 200
    assert [r.path for r in s.router.routes()] == ["/new"]


async def test_node_root_prefix(served: Any) -> None:
    s = await served(http_flow("/x"), root="/api/")
    assert (await s.client.get("/api/x")).status_code == 200
    assert (await s.client.get("/x")).status_code == 404


async def test_response_without_res_warns(served: Any) -> None:
    s = await served(http_flow("/z"))
    s.h.send_to("resp", {"payload": 1})
    for _ in range(50):
        if s.h.logs:
            break
        import asyncio

        await asyncio.sleep(0.01)
    assert any("No response object" in text for _, _, text in s.h.logs)


async def test_shutdown_answers_pending_requests(served: Any) -> None:
    import asyncio

    s = await served(
        [
            {"id": "hin", "type": "http in", "url": "/hang", "method": "get", "wires": [["sink"]]},
            {"id": "sink", "type": "test-sink"},
        ]
    )
    pending = asyncio.ensure_future(s.client.get("/hang"))
    await s.h.wait_for("sink")
    assert s.router.pending == 1
    s.router.shutdown()
    r = await asyncio.wait_for(pending, 5)
    assert r.status_code == 503


def test_compile_path() -> None:
    p = compile_path("/users/:id")
    assert p.match("/users/7").groupdict() == {"id": "7"}  # type: ignore[union-attr]
    assert p.match("/USERS/7/")
    assert not p.match("/users/7/x") and not p.match("/users/")
    opt = compile_path("/a/:b?")
    assert opt.match("/a") and opt.match("/a/1").group("b") == "1"  # type: ignore[union-attr]
    star = compile_path("/files/*")
    assert star.match("/files/x/y.txt")
    assert compile_path("/").match("/")
    assert compile_path("/a.b").match("/a.b") and not compile_path("/a.b").match("/aXb")

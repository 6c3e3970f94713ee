"""http in / http response through the server's HttpNodeRouter (an ASGI app) and httpx."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.server.http_nodes_router import HTTP_ROUTER_KEY, HttpNodeRouter, compile_path
from flowengine.settings import Settings
from flowengine.testing import FlowHarness
from flowengine.types import Done, Msg, Send


class Setter(Node):
    """Test helper: merges its ``set`` property into the message."""

    type = "test-setter"

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        msg.update(self.config.get("set", {}))
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

    async def start(flows: list[dict[str, Any]], root: str = "/") -> Served:
        tmp = tempfile.mkdtemp(prefix="fe-http-")
        router = HttpNodeRouter(root)
        settings = Settings.load(user_dir=Path(tmp), httpNodeRoot=root)
        settings.extra[HTTP_ROUTER_KEY] = router
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
    assert any(c.startswith("a=1") for c in cookies)
    assert any(c.startswith("b=2") and "Max-Age=60" in c and "HttpOnly" in c for c in cookies)
    assert any(c.startswith("gone=") and "Max-Age=0" in c for c in cookies)


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
    from nodes.core.http_in import REQUEST_NODE_HEADER, headers_hash

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

"""http_routes.py: the runtime-level HTTP route API nodes use (RED.httpNode's role), pure route table."""

from __future__ import annotations

from typing import Any

from flowengine.http_routes import HTTP_ROUTES_KEY, HttpRoutes, RouteTable, http_routes
from flowengine.server.http_nodes_router import HttpNodeRouter
from flowengine.settings import Settings


async def handler(request: Any, params: dict[str, str]) -> Any:
    return None


async def ws_handler(websocket: Any) -> None:
    return None


def test_routes_match_under_the_node_root_first_registered_wins() -> None:
    table = RouteTable("/api/")
    remove_a = table.add_route("get", "users/:id", handler, owner="a")
    table.add_route("GET", "/users/:name", handler, owner="b")
    table.add_route("post", "/users", handler, owner="c")
    found = table.match("GET", "/api/users/7")
    assert found is not None and found[0].owner == "a" and found[1] == {"id": "7"}
    assert table.match("HEAD", "/api/Users/7/")[0].owner == "a"  # type: ignore[index]
    assert table.match("GET", "/users/7") is None  # outside the root
    assert table.match("DELETE", "/api/users") is None
    remove_a()
    assert table.match("GET", "/api/users/7")[0].owner == "b"  # type: ignore[index]
    remove_a()  # removing twice is harmless
    assert [r.owner for r in table.routes()] == ["b", "c"]


def test_websocket_routes_and_relative_paths() -> None:
    table = RouteTable("/")
    remove = table.add_websocket("/ws/:room", ws_handler, owner="w")
    assert table.match_websocket("/ws/chat").owner == "w"  # type: ignore[union-attr]
    assert table.match("GET", "/ws/chat") is None  # websockets are not HTTP routes
    remove()
    assert table.match_websocket("/ws/chat") is None
    assert RouteTable("/red").relative("/red") == "/" and RouteTable("/red").relative("/redder") is None


async def test_pending_responses_are_tracked_until_answered() -> None:
    table = RouteTable()
    fut = table.expect_response()
    assert table.pending == 1 and table.pending_responses() == [fut]
    fut.set_result("done")
    assert table.pending == 0 and table.pending_responses() == []


async def test_answered_futures_are_let_go_as_requests_come() -> None:
    table = RouteTable()
    live = []
    for i in range(1000):
        fut = table.expect_response()
        if i % 10:
            fut.set_result(i)  # answered: nothing keeps it past the next prune
        else:
            live.append(fut)
    assert table.pending == 100 and set(table.pending_responses()) == set(live)
    assert len(table._pending) < 300  # pruned as it grew: the 900 answered ones are not all kept


def test_nodes_find_the_servers_routes_through_settings() -> None:
    settings = Settings()
    assert http_routes(settings) is None  # no server: nodes that serve HTTP stay idle
    settings.extra[HTTP_ROUTES_KEY] = object()
    assert http_routes(settings) is None
    router = HttpNodeRouter("/")
    settings.extra[HTTP_ROUTES_KEY] = router
    assert http_routes(settings) is router and isinstance(router, HttpRoutes)

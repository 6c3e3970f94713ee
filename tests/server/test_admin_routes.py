"""/nodes, /node-types, /settings, /diagnostics, /inject, /debug, /context, /credentials,
contributed routes, docs, body limit."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from flowengine.node import Node
from flowengine.registry import Registry
from flowengine.runtime import Runtime

from .conftest import AppFactory
from .helpers import V2, TestClient, inject_debug, tab


def test_nodes_json_and_html(client: TestClient) -> None:
    sets = client.get("/nodes", headers={"Accept": "application/json"}).json()
    assert sets and all({"id", "name", "types", "enabled", "module", "version"} <= set(s) for s in sets)
    types = {t for s in sets for t in s["types"]}
    assert {"inject", "debug", "http in", "http response"} <= types
    r = client.get("/nodes", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'data-help-name="inject"' in r.text


def test_node_types(client: TestClient) -> None:
    described = client.get("/node-types").json()
    by_type = {d["type"]: d for d in described}
    assert by_type["http in"]["inputs"] == 0
    assert {"category", "label", "color", "icon", "inputs", "outputs", "schema", "credentials", "help"} <= set(
        by_type["inject"])


def test_settings_and_diagnostics(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(contextStorage={"default": {"module": "memory"}, "file": {"module": "memory"}})
    s = client.get("/settings").json()
    assert s["httpNodeRoot"] == "/"
    assert s["context"] == {"default": "default", "stores": ["default", "file"]}
    assert "user" not in s
    for key in ("version", "flowEncryptionType", "runtimeState", "diagnostics", "editorTheme"):
        assert key in s
    d = client.get("/diagnostics").json()
    assert d["report"] == "diagnostics"
    assert d["runtime"]["flows"]["state"] == "start"
    assert d["runtime"]["settings"]["adminAuth"] == "UNSET"


def test_diagnostics_disabled(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(diagnostics={"enabled": False})
    assert client.get("/diagnostics").status_code == 403


def test_inject_route(client: TestClient) -> None:
    client.post("/flows", json=inject_debug())
    r = client.post("/inject/inj1")
    assert r.status_code == 200 and r.text == "OK" and r.headers["content-type"].startswith("text/plain")
    r = client.post("/inject/inj1", json={"__user_inject_props__": [{"p": "payload", "v": "7", "vt": "num"}]})
    assert r.status_code == 200
    assert client.post("/inject/unknown").status_code == 404
    assert client.post("/inject/dbg1").status_code == 404  # a debug node cannot be injected
    assert client.post("/inject/inj1", json=[1, 2]).status_code == 400


def test_debug_enable_disable(client: TestClient) -> None:
    client.post("/flows", json=inject_debug())
    assert client.post("/debug/dbg1/enable").status_code == 200
    assert client.post("/debug/dbg1/disable").status_code == 201
    assert client.post("/debug/nope/enable").status_code == 404
    assert client.post("/debug/enable", json={"nodes": ["dbg1"]}).status_code == 200
    assert client.post("/debug/disable", json={"nodes": ["dbg1"]}).status_code == 201
    assert client.post("/debug/disable", json={"nodes": "dbg1"}).status_code == 400


def test_context_routes(app_factory: AppFactory) -> None:
    client, runtime, _ = app_factory(contextStorage={"default": {"module": "memory"}, "file": {"module": "memory"}})
    client.post("/flows", json=inject_debug())
    ctx = runtime.context
    ctx.global_scope().set("k", {"deep": ["hello"]})
    ctx.global_scope().set("buf", b"\x01\x02\x03")
    ctx.global_scope().set("other", 5, "file")
    ctx.flow_scope("t1").set("count", 5)
    ctx.node_scope("inj1", "t1").set("n", "abc")
    assert client.get("/context/global").json() == {
        "default": {"k": {"msg": '{"deep":["hello"]}', "format": "Object"},
                    "buf": {"msg": "010203", "format": "buffer[3]"}},
        "file": {"other": {"msg": "5", "format": "number"}},
    }
    assert client.get("/context/global?store=file").json() == {"file": {"other": {"msg": "5", "format": "number"}}}
    assert client.get("/context/global/k").json() == {"msg": '{"deep":["hello"]}', "format": "Object"}
    assert client.get("/context/global/missing").json() == {"msg": "(undefined)", "format": "undefined"}
    assert client.get("/context/flow/t1").json() == {"default": {"count": {"msg": "5", "format": "number"}},
                                                     "file": {}}
    assert client.get("/context/flow/t1/count").json() == {"msg": "5", "format": "number"}
    assert client.get("/context/node/inj1/n").json() == {"msg": "abc", "format": "string[3]"}
    assert client.get("/context/global?store=nope").status_code == 400
    assert client.get("/context/elsewhere/x").status_code == 404
    assert client.delete("/context/global/k?store=default").status_code == 204
    assert client.delete("/context/flow/t1/count").status_code == 204
    assert client.delete("/context/node/inj1/n").status_code == 204
    assert "k" not in client.get("/context/global").json()["default"]
    assert client.get("/context/flow/t1").json()["default"] == {}
    assert client.get("/context/node/inj1").json()["default"] == {}


def test_function_global_context_keys_hidden(app_factory: AppFactory) -> None:
    client, runtime, _ = app_factory(functionGlobalContext={"secretLib": 1})
    runtime.context.global_scope().set("secretLib", 1)
    runtime.context.global_scope().set("shown", 2)
    body = client.get("/context/global").json()
    assert "secretLib" not in body["default"] and "shown" in body["default"]
    assert client.get("/context/global/secretLib").json()["format"] == "undefined"


class _CredNode(Node):
    type = "cred-test"
    credentials_schema = {"user": "text", "password": "password"}


def _registry_with_route() -> Registry:
    reg = Registry.default()
    reg.add(_CredNode)

    async def models(request: Request, runtime: Runtime) -> JSONResponse:
        return JSONResponse({"config": request.query_params.get("config"), "state": runtime.state})

    def plain(request: Request, runtime: Runtime) -> dict[str, Any]:
        return {"ok": True}

    reg.add_route("/test-pkg/models", models)
    reg.add_route("test-pkg/write", plain, methods=("POST",))
    return reg


def test_credentials_route_and_contributed_routes(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(registry=_registry_with_route())
    flows = [tab(), {"id": "c1", "type": "cred-test", "z": "t1", "x": 1, "y": 1, "wires": [],
                     "credentials": {"user": "bob", "password": "pw"}}]
    assert client.post("/flows", json={"flows": flows}, headers=V2).status_code == 200
    assert client.get("/credentials/cred-test/c1").json() == {"user": "bob", "has_password": True}
    assert client.get("/credentials/no-such-type/c1").status_code == 404
    assert client.get("/test-pkg/models?config=abc").json() == {"config": "abc", "state": "start"}
    assert client.post("/test-pkg/write").json() == {"ok": True}


def test_openapi_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/flows" in spec["paths"] and "/node-types" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_body_limit(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(apiMaxLength="1kb")
    big = [tab(label="x" * 2000)]
    r = client.post("/flows", json=big)
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"

    def chunks() -> Any:
        yield b"["
        yield b" " * 4000
        yield b"]"

    assert client.post("/flows", content=chunks(), headers={"content-type": "application/json"}).status_code == 413


def test_admin_root_prefix(app_factory: AppFactory) -> None:
    client, _, _ = app_factory(httpAdminRoot="/admin", httpNodeRoot="/api")
    assert client.get("/admin/flows").json() == []
    assert client.get("/admin/openapi.json").status_code == 200
    assert client.get("/flows").status_code == 404


def test_openapi_documents_bodies_and_headers(client: TestClient) -> None:
    post = client.get("/openapi.json").json()["paths"]["/flows"]["post"]
    assert "requestBody" in post
    assert {p["name"] for p in post["parameters"]} == {"Node-RED-API-Version", "Node-RED-Deployment-Type"}


def test_public_api_is_pinned() -> None:
    import flowengine.server as server

    assert sorted(server.__all__) == ["HTTP_ROUTER_KEY", "HttpNodeRouter", "create_app", "hash_password", "serve"]

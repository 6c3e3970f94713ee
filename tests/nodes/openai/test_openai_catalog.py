"""The catalog: naming rule, coverage, structure only, and regeneration from a newer spec."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from flowengine.nodes.openai import OpenAIConfig, node_classes, register
from flowengine.nodes.openai.aliases import load_seen
from flowengine.nodes.openai.catalog import build_catalog, kebab, load_catalog, main, node_type
from flowengine.nodes.openai.reference import REFERENCE_ROOT, ReferenceLinks, slug
from openai_fakes import FakeHost, run
from openai_mock import SHARED

from flowengine.registry import Registry
from flowengine.settings import Settings

SPEC_DIR = SHARED / "openai/spec"
REMOVED = {
    "createEdit", "listFineTunes", "createFineTune", "retrieveFineTune", "cancelFineTune", "listFineTuneEvents",
    "listAssistantFiles", "createAssistantFile", "getAssistantFile", "deleteAssistantFile", "listMessageFiles",
    "getMessageFile",
}


@pytest.mark.parametrize(
    ("op_id", "expected"),
    [
        ("createChatCompletion", "create-chat-completion"),
        ("beta_createResponse", "beta-create-response"),
        ("CreateVideoCharacter", "create-video-character"),
        ("admin-api-keys-list", "admin-api-keys-list"),
        ("usage-audio-speeches", "usage-audio-speeches"),
        ("beta_Compactconversation", "beta-compactconversation"),
        ("submitToolOuputsToRun", "submit-tool-ouputs-to-run"),
        ("listV2Items", "list-v2-items"),
    ],
)
def test_kebab_rule(op_id: str, expected: str) -> None:
    assert kebab(op_id) == expected
    assert node_type(op_id) == "openai-" + expected


def test_committed_catalog_covers_300_operations() -> None:
    catalog = load_catalog()
    ops = catalog["operations"]
    assert len(ops) == 300
    assert len({o["type"] for o in ops}) == 300
    assert {o["operationId"] for o in ops if o["removed_upstream"]} == REMOVED
    assert sum(o["auth"] == "admin" for o in ops) == 119
    by_id = {o["operationId"]: o for o in ops}
    for name in ("createChatCompletion", "createEmbedding", "listFiles", "beta_createResponse"):
        assert by_id[name]["type"] == node_type(name)
    assert by_id["createAssistant"]["deprecated"] and by_id["createAssistant"]["beta_header"] == "assistants=v2"
    assert by_id["createVectorStore"]["beta_header"] == "assistants=v2"
    # realtime=v1 is what the SDK sends on the Realtime WebSocket, not on these REST operations
    assert {o["beta_header"] for o in ops if o["group"].startswith("realtime")} == {None}
    assert len([o for o in ops if o["group"].startswith("realtime")]) == 9
    assert by_id["createCompletion"]["legacy"]
    assert by_id["beta_createResponse"]["path"] == "/responses"
    assert by_id["beta_createResponse"]["fixed_query"] == {"beta": "true"}
    assert by_id["createSpeech"]["response"]["kind"] == "binary"
    assert by_id["downloadFile"]["response"]["kind"] == "binary"
    assert by_id["createChatCompletion"]["response"]["stream"] == "body"
    assert by_id["createFile"]["body"]["file_fields"] == ["file"]
    assert by_id["createFile"]["body"]["encoding"] == "multipart"
    assert by_id["listFiles"]["response"]["pagination"] == {"kind": "cursor", "param": "after", "cursor": "last_id"}
    paged = {o["operationId"] for o in ops if (o["response"].get("pagination") or {}).get("kind") == "page"}
    assert paged == {o["operationId"] for o in ops if o["group"].startswith("usage-")} and len(paged) == 11
    assert "pagination" not in by_id["retrieveVectorStoreFileContent"]["response"]  # has_more, but no page param
    assert by_id["createChatCompletion"]["reference"].startswith("https://platform.openai.com/docs/api-reference/")


def test_response_kind_follows_declared_media_types_with_the_known_overrides(tmp_path: Path) -> None:
    by_id = {o["operationId"]: o for o in load_catalog()["operations"]}
    content_gets = {o["operationId"]: o["response"]["kind"] for o in by_id.values()
                    if o["method"] == "GET" and o["path"].endswith("/content")}
    assert content_gets == {
        "downloadFile": "binary",  # declared as a JSON string (FACTS §1.5.2 override)
        "RetrieveContainerFileContent": "binary",  # declared with no content (override)
        "RetrieveVideoContent": "binary", "GetSkillContent": "binary", "GetSkillVersionContent": "binary",
        "retrieveVectorStoreFileContent": "json",  # declared JSON, and JSON it is
    }
    spec = _synthetic_spec(False)
    spec["paths"]["/things/{id}/content"] = {"get": {
        "operationId": "getThingContent",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}}}}
    spec["paths"]["/things/{id}/raw"] = {"get": {
        "operationId": "getThingRaw",
        "responses": {"200": {"content": {"application/octet-stream": {"schema": {"type": "string"}}}}}}}
    kinds = {o["operationId"]: o["response"]["kind"] for o in _built(spec, tmp_path)["operations"]}
    assert kinds["getThingContent"] == "json" and kinds["getThingRaw"] == "binary"


def _built(spec: dict, tmp_path: Path) -> dict:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return build_catalog(path)


def test_every_operation_links_to_its_own_reference_page() -> None:
    ops = load_catalog()["operations"]
    by_id = {o["operationId"]: o["reference"].removeprefix(REFERENCE_ROOT + "/") for o in ops}
    assert all(re.fullmatch(r"[a-z0-9-]+/[A-Za-z0-9-]+(/[a-z0-9-]+)?", ref) for ref in by_id.values()), by_id
    # one page per documented operation: only an operation and its ?beta=true twin (same name) share one
    pages: dict[str, set[tuple[str, str]]] = {}
    for o in ops:
        pages.setdefault(o["reference"], set()).add((o["group"], o["summary"]))
    assert all(len(names) == 1 for names in pages.values())
    assert len(pages) == 300 - 7
    assert by_id["createChatCompletion"] == "chat/create"  # the spec's own slug (x-oaiMeta.path)
    assert by_id["getConversationItem"] == "conversations/get-item"
    assert by_id["ListVideos"] == "videos/list"  # "list for the organization.": its first word
    assert by_id["DeleteThreadMethod"] == "chatkit/threads/delete"
    # x-oaiMeta.path "get" / "post" / a slug two operations claim: the name decides
    assert by_id["ListContainers"] == "containers/list-containers"
    assert by_id["DeleteContainer"] == "containers/delete-container"
    assert by_id["DeleteContainerFile"] == "containers/delete-container-file"
    assert by_id["createEmbedding"] == "embeddings/create-embeddings"
    assert by_id["CreateSkill"] == "skills/create-skill"  # no x-oaiMeta: the operationId, group from the path
    assert by_id["createEdit"] == "edits/create"  # the 2023 spec's navigation
    assert by_id["deleteAssistantFile"] == "assistants/deleteAssistantFile"


def test_reference_rule_on_a_small_spec() -> None:
    def op(op_id: str, **meta: str) -> dict:
        return {"operationId": op_id, "x-oaiMeta": meta} if meta else {"operationId": op_id}

    doc = {
        "paths": {
            "/a": {"get": op("listA", group="a_b", name="List the As", path="list"),
                   "post": op("createA", group="a_b", name="Create an item", path="post")},
            "/a/{id}": {"get": op("getA", group="a_b", name="Fetch one", path="get-one"),
                        "delete": op("deleteA", group="a_b", name="Remove one", path="get-one")},
            "/z/{id}": {"get": op("fetchZ")},
        },
        "x-oaiMeta": {"groups": [{"id": "old", "sections": [{"type": "endpoint", "key": "fetchZ", "path": "fetch"},
                                                           {"type": "object", "key": "Z", "path": "object"}]}]},
    }
    links = ReferenceLinks(doc)

    def url(path: str, method: str) -> str:
        entry = doc["paths"][path][method]
        return links.url(entry["operationId"], path, entry.get("x-oaiMeta") or {}).removeprefix(REFERENCE_ROOT)

    assert url("/a", "get") == "/a-b/list"
    assert url("/a", "post") == "/a-b/create-item"  # an HTTP method name is no slug
    assert url("/a/{id}", "get") == "/a-b/fetch-one" and url("/a/{id}", "delete") == "/a-b/remove-one"  # clash
    assert url("/z/{id}", "get") == "/old/fetch"
    assert slug("Retrieve the file's content") == "retrieve-file-s-content"
    assert slug("listFineTuningEvents") == "list-fine-tuning-events"


def test_catalog_holds_structure_not_prose() -> None:
    catalog = load_catalog()
    stack: list = [catalog]
    prose_keys = {"description", "example", "examples", "title", "x-oaiMeta"}
    for _ in range(10_000_000):
        if not stack:
            break
        cur = stack.pop()
        if isinstance(cur, dict):
            for k, v in cur.items():
                assert not (k in prose_keys and not isinstance(v, dict)), f"prose key {k!r} in the catalog"
                stack.append(v)
        elif isinstance(cur, list):
            stack.extend(cur)
    assert all(len(o["summary"]) <= 100 for o in catalog["operations"])


def test_every_node_schema_validates_a_bare_node() -> None:
    reg = Registry()
    register(reg)
    # + one alias (a renamed operation's old name), the compat types (openai, openai-api, OpenAI API and
    # their configs), openai-realtime, openai-webhook
    assert len(reg.types()) == 301 + 1 + 6 + 2
    for t in reg.types():
        seed = {"method": "listModels"} if t in ("openai", "openai-api", "OpenAI API") else {}  # compat: a method
        assert reg.validate({"id": "a", "type": t, "config": "c", "name": "n", "z": "t", "wires": [[]], **seed}) == []
    problems = reg.validate({"id": "e", "type": "openai-create-embedding", "dimensions": "many"})
    assert problems and problems[0].property == "dimensions"


def _synthetic_spec(extra_op: bool) -> dict:
    spec: dict = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "9.9.9"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "createThing",
                    "summary": "Create thing",
                    "x-oaiMeta": {"group": "things", "path": "create", "name": "Create thing"},
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Thing"}}}},
                    "responses": {"200": {"content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Thing"}}}}},
                },
            },
        },
        "components": {"schemas": {"Thing": {
            "type": "object",
            "description": "prose that must not be copied",
            "required": ["label", "ghost"],
            "properties": {
                "label": {"type": "string", "description": "more prose"},
                "size": {"type": "integer", "nullable": True},
                "child": {"$ref": "#/components/schemas/Thing"},
                "kind": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            },
        }}},
    }
    if extra_op:
        spec["paths"]["/things/{thing_id}/polish"] = {"post": {
            "operationId": "polishThing",
            "summary": "Polish a thing.",
            "parameters": [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}},
                           {"name": "include", "in": "query",
                            "schema": {"type": "array", "items": {"type": "string"}}}],
            "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}},
        }}
    return spec


def test_generator_on_a_newer_spec_adds_the_node_without_code_change(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(_synthetic_spec(False)))
    new.write_text(json.dumps(_synthetic_spec(True)))
    out = tmp_path / "catalog.json"
    assert main(["build", "--spec", str(new), "-o", str(out)]) == 0
    catalog = load_catalog(out)
    assert [o["type"] for o in catalog["operations"]] == ["openai-create-thing", "openai-polish-thing"]
    thing = catalog["$defs"]["Thing"]
    assert thing["required"] == ["label"]  # undefined required names are dropped
    assert thing["properties"]["child"] == {"$ref": "#/$defs/Thing"}  # recursion stays a reference
    assert thing["properties"]["size"]["type"] == ["integer", "null"]
    assert "anyOf" in thing["properties"]["kind"]
    assert "prose" not in out.read_text()
    assert len(build_catalog(old)["operations"]) == 1
    classes = {c.type: c for c in node_classes(catalog)}
    assert set(classes) == {"openai-create-thing", "openai-polish-thing"}


async def test_the_added_operation_runs(tmp_path: Path) -> None:
    spec = tmp_path / "new.json"
    spec.write_text(json.dumps(_synthetic_spec(True)))
    classes = {c.type: c for c in node_classes(build_catalog(spec))}
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    host = FakeHost(Settings(user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(handler)}))
    host.nodes["cfg"] = OpenAIConfig(host, {"id": "cfg", "type": "openai-config", "base_url": "http://x/v1"},
                                     {"api_key": "k"})
    node = classes["openai-polish-thing"](host, {"id": "n", "type": "openai-polish-thing", "config": "cfg"})
    await run(node, {"payload": {}, "thing_id": "t 1", "include": ["a", "b"]})
    assert host.sent[0]["payload"] == {"ok": True}
    assert seen[0].url.raw_path == b"/v1/things/t%201/polish?include%5B%5D=a&include%5B%5D=b"
    await host.nodes["cfg"].on_close(False)


@pytest.mark.skipif(not SPEC_DIR.exists(), reason="needs the OpenAPI spec snapshots in $FLOWENGINE_SHARED/openai/spec")
def test_committed_catalog_matches_the_generator(tmp_path: Path) -> None:
    fresh = build_catalog(SPEC_DIR / "openapi-current.json", SPEC_DIR / "openapi-2023-11-08.yaml", load_seen())
    committed = load_catalog()
    assert fresh["operations"] == committed["operations"]
    assert fresh["aliases"] == committed["aliases"]
    assert fresh["$defs"] == committed["$defs"]


@pytest.mark.skipif(not SPEC_DIR.exists(), reason="needs the OpenAPI spec snapshots in $FLOWENGINE_SHARED/openai/spec")
def test_trimmed_real_spec_with_an_added_operation(tmp_path: Path) -> None:
    doc = json.loads((SPEC_DIR / "openapi-current.json").read_text())
    keep = {"/embeddings", "/files"}
    doc["paths"] = {p: v for p, v in doc["paths"].items() if p in keep}
    doc["paths"]["/embeddings/batch"] = {"post": {**doc["paths"]["/embeddings"]["post"],
                                                  "operationId": "createEmbeddingBatch"}}
    spec = tmp_path / "trimmed.json"
    spec.write_text(json.dumps(doc))
    catalog = build_catalog(spec)
    types = sorted(o["type"] for o in catalog["operations"])
    assert types == ["openai-create-embedding", "openai-create-embedding-batch", "openai-create-file",
                     "openai-list-files"]
    batch = next(o for o in catalog["operations"] if o["operationId"] == "createEmbeddingBatch")
    assert {"input", "model"} <= set(batch["body"]["schema"]["properties"])  # the root is resolved
    assert batch["body"]["required_fields"] == ["input", "model"]


def test_node_schema_shapes() -> None:
    reg = Registry()
    register(reg)
    chat = reg.describe("openai-create-chat-completion")
    props = chat["schema"]["properties"]
    assert chat["category"] == "openai chat" and chat["inputs"] == 1 and chat["outputs"] == 1
    assert {"config", "model", "messages", "stream", "temperature"} <= set(props)
    assert "default" not in props["temperature"] and "x-default" in props["temperature"]
    assert props["messages"]["x-in"] == "body" and chat["schema"]["required"] == ["config"]
    assert chat["schema"]["x-required"] == ["messages", "model"] and chat["schema"]["x-primary"] == "messages"
    files = reg.describe("openai-list-files")["schema"]["properties"]
    assert files["limit"]["x-in"] == "query" and files["fetch_all"]["type"] == "boolean"
    assert reg.describe("openai-create-file")["schema"]["properties"]["file"]["x-in"] == "file"
    assert "body_name" in reg.describe("openai-create-vector-store")["schema"]["properties"]
    assert reg.describe("openai-usage-costs")["category"] == "openai usage"
    assert "removed_upstream" in reg.describe("openai-create-edit")["help"]

"""Converting compat nodes and old type names to the equivalent ``openai-*`` node (the editor's
offer, ``POST /openai/convert``)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from flowengine.nodes.openai.convert import ConversionError, convert_node

from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app
from flowengine.settings import Settings

REGISTRY = Registry.default()
PLACE = {"id": "n1", "z": "t1", "x": 100, "y": 40, "wires": [["d1"]], "name": "ask"}


def test_a_seed_node_becomes_its_catalog_node() -> None:
    seed = {**PLACE, "type": "openai", "service": "svc", "method": "retrieveFile", "retrieveFile_fileId": "file-1",
            "retrieveFile_fileIdType": "str", "createFile_purpose": "", "createFile_purposeType": "str"}
    out = convert_node(seed, REGISTRY, "cfg")
    assert out["node"] == {**PLACE, "type": "openai-retrieve-file", "config": "cfg", "file_id": "file-1"}
    assert REGISTRY.validate(out["node"]) == []
    assert any("statusCode" in n for n in out["notes"])
    listed = convert_node({**PLACE, "type": "openai-api", "method": "listFiles", "listFiles_purpose": "job.purpose",
                           "listFiles_purposeType": "msg"}, REGISTRY)
    assert listed["node"]["type"] == "openai-list-files" and "purpose" not in listed["node"]
    assert any("msg.job.purpose" in n for n in listed["notes"]) and any("openai-config" in n for n in listed["notes"])


def test_an_inductiv_node_becomes_its_operation_node() -> None:
    node = {**PLACE, "type": "OpenAI API", "service": "svc", "method": "listVectorStoreFiles",
            "property": "payload", "propertyType": "msg"}
    out = convert_node(node, REGISTRY, "cfg")
    assert out["node"] == {**PLACE, "type": "openai-list-vector-store-files", "config": "cfg"}
    assert any("msg.payload.data" in n for n in out["notes"])
    streamed = convert_node({**node, "method": "streamModelResponse", "property": "p", "propertyType": "flow"},
                            REGISTRY, "cfg")
    assert streamed["node"]["type"] == "openai-create-response" and streamed["node"]["stream"] is True
    assert any("flow.p" in n for n in streamed["notes"])
    for method in ("pollVectorStoreFile", "unwrapWebhookEvent", "connectResponsesWebSocket"):
        with pytest.raises(ConversionError, match="no single openai"):
            convert_node({**node, "method": method}, REGISTRY)


def test_an_old_type_name_becomes_the_new_one() -> None:
    old = {**PLACE, "type": "openai-create-project-service-account-api-key", "config": "cfg", "project_id": "p"}
    out = convert_node(old, REGISTRY)
    assert out["node"] == {**old, "type": REGISTRY.describe(old["type"])["schema"]["x-alias-of"]}
    with pytest.raises(ConversionError, match="not a compat node"):
        convert_node({**PLACE, "type": "openai-list-files"}, REGISTRY)


async def test_the_admin_route(tmp_path: Path) -> None:
    settings = Settings.load(user_dir=tmp_path)
    runtime = Runtime(Registry.default(), settings, persist=False)
    app = create_app(runtime, settings, editor=False, start_runtime=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        good = await client.post("/openai/convert", json={"node": {**PLACE, "type": "openai", "method": "listModels"},
                                                          "config": "cfg"})
        bad = await client.post("/openai/convert", json={"node": {**PLACE, "type": "inject"}})
        empty = await client.post("/openai/convert", content=b"nope", headers={"content-type": "application/json"})
    assert good.status_code == 200 and good.json()["node"]["type"] == "openai-list-models"
    assert bad.status_code == 400 and bad.json()["code"] == "not_convertible"
    assert empty.status_code == 400 and json.loads(empty.text)["code"] == "invalid_request"

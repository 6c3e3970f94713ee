"""Type names survive spec changes: a regenerated catalog that renames an operation keeps the old
type as an alias that loads and runs; the spec reader keeps YAML numbers as numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from flowengine.nodes.openai import OpenAIConfig, node_classes
from flowengine.nodes.openai.aliases import ALIAS_CATEGORY, load_seen
from flowengine.nodes.openai.catalog import load_catalog, main
from flowengine.nodes.openai.spec import load_spec
from test_openai_catalog import _synthetic_spec
from test_openai_compat_seed import Recorder

from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.testing import FlowHarness

OLD_SERVICE_KEY_TYPE = "openai-create-project-service-account-api-key"


def _renamed(spec: dict[str, Any]) -> dict[str, Any]:
    spec["paths"]["/things"]["post"]["operationId"] = "makeThing"
    return spec


async def _run_one(registry: Registry, node: dict[str, Any], tmp_path: Path, rec: Recorder) -> dict[str, Any]:
    flows = [{"id": "cfg", "type": "openai-config", "base_url": "https://api.test/v1",
              "credentials": {"api_key": "sk-a", "admin_key": "sk-admin"}},
             {"id": "n", "config": "cfg", "wires": [["out"]], **node}, {"id": "out", "type": "test-sink"}]
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(rec)})
    async with FlowHarness(flows, registry=registry, settings=settings) as h:
        h.send_to("n", {"payload": {"label": "x"}})
        [out] = await h.wait_for("out", timeout=5)
        return out


async def test_a_regenerated_catalog_keeps_the_old_name_of_a_renamed_operation(tmp_path: Path) -> None:
    spec, out = tmp_path / "spec.json", tmp_path / "catalog.json"
    spec.write_text(json.dumps(_synthetic_spec(False)))
    assert main(["build", "--spec", str(spec), "-o", str(out)]) == 0
    assert load_catalog(out)["aliases"] == {}
    assert load_seen(tmp_path / "operations_seen.json") == {"POST /things": ["createThing"]}
    spec.write_text(json.dumps(_renamed(_synthetic_spec(False))))  # the spec renames the operation
    assert main(["build", "--spec", str(spec), "-o", str(out)]) == 0
    catalog = load_catalog(out)
    assert [o["type"] for o in catalog["operations"]] == ["openai-make-thing"]
    assert catalog["aliases"] == {"openai-create-thing": "makeThing"}
    assert load_seen(tmp_path / "operations_seen.json") == {"POST /things": ["createThing", "makeThing"]}
    registry = Registry()
    registry.add(OpenAIConfig)
    for cls in node_classes(catalog):
        registry.add(cls)
    described = registry.describe("openai-create-thing")
    assert described["schema"]["x-alias-of"] == "openai-make-thing" and described["category"] == ALIAS_CATEGORY
    assert registry.validate({"id": "n", "type": "openai-create-thing", "label": 3})  # validated as the new one
    rec = Recorder()
    out_msg = await _run_one(registry, {"type": "openai-create-thing"}, tmp_path, rec)
    assert out_msg["openai"]["operation"] == "makeThing"
    assert rec.requests[0].url.path == "/v1/things" and json.loads(rec.requests[0].content) == {"label": "x"}


async def test_the_committed_catalog_keeps_the_service_account_key_operation_under_its_old_name(
        tmp_path: Path) -> None:
    registry = Registry.default()
    cls: Any = registry.get(OLD_SERVICE_KEY_TYPE)
    assert cls is not None and cls.operation.operation_id == "CreateanAPIkeyforaserviceaccount"
    assert registry.describe(OLD_SERVICE_KEY_TYPE)["schema"]["x-alias-of"] == cls.alias_of
    rec = Recorder()
    await _run_one(registry, {"type": OLD_SERVICE_KEY_TYPE, "project_id": "p1", "service_account_id": "s1"},
                   tmp_path, rec)
    [req] = rec.requests
    assert req.url.path == "/v1/organization/projects/p1/service_accounts/s1/api_keys"
    assert req.headers["authorization"] == "Bearer sk-admin"


def test_yaml_numbers_are_read_as_yaml_1_2_reads_them(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1', x-date: 2026-08-21}\npaths: {}\n"
                    "components:\n  schemas:\n    Seed:\n      type: integer\n"
                    "      minimum: -9.223372036854776e18\n      maximum: 9.223372036854776e18\n"
                    "      multipleOf: 1e0\n      x-text: '1e3'\n")
    doc = load_spec(spec)
    seed = doc["components"]["schemas"]["Seed"]
    assert seed["maximum"] == 9.223372036854776e18 and seed["minimum"] == -9.223372036854776e18
    assert seed["multipleOf"] == 1.0 and seed["x-text"] == "1e3"
    assert doc["info"]["x-date"] == "2026-08-21"  # no timestamps in YAML 1.2: the JSON spec's string

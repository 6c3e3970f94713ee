import json
import sys

import pytest

from flowengine.node import Node
from flowengine.registry import Registry


class Upper(Node):
    type = "upper"
    category = "function"
    schema = {
        "type": "object",
        "properties": {"count": {"type": "integer", "minimum": 0}, "mode": {"enum": ["a", "b"]}},
        "required": ["mode"],
    }
    credentials_schema = {"token": "password"}


def test_add_describe_and_sets():
    reg = Registry()
    reg.add(Upper)
    assert "upper" in reg and reg.get("upper") is Upper
    d = reg.describe("upper")
    assert d["category"] == "function" and d["credentials"] == {"token": "password"}
    assert d["inputs"] == 1 and d["outputs"] == 1 and d["label"] == "upper"
    assert [s.types for s in reg.node_sets()] == [("upper",)]


def test_types_json_is_encoded_once_and_follows_added_types():
    reg = Registry()
    reg.add(Upper)
    first = reg.types_json()
    assert json.loads(first) == [reg.describe("upper")]
    assert reg.types_json() is first  # kept: the editor's every load reads it

    class Lower(Node):
        type = "lower"

    reg.add(Lower)
    assert {d["type"] for d in json.loads(reg.types_json())} == {"lower", "upper"}


def test_duplicate_type_refused():
    reg = Registry()
    reg.add(Upper)
    reg.add(Upper)  # same class again is harmless

    class Other(Node):
        type = "upper"

    with pytest.raises(ValueError, match="registered twice"):
        reg.add(Other)


def test_validate_names_node_and_property():
    reg = Registry()
    reg.add(Upper)
    problems = reg.validate({"id": "n1", "type": "upper", "count": -1, "mode": "a", "x": 1, "wires": []})
    assert len(problems) == 1
    p = problems[0]
    assert (p.node_id, p.node_type, p.property) == ("n1", "upper", "count")
    assert "n1" in str(p) and "count" in str(p)
    missing = reg.validate({"id": "n2", "type": "upper"})
    assert [m.property for m in missing] == ["mode"]
    assert reg.validate({"id": "n3", "type": "unknown-type"}) == []


def test_default_registry_loads_installed_packages():
    reg = Registry.default()
    assert {s.module for s in reg.node_sets()} == {"core", "openai", "dashboard"}
    assert "ui_gauge" in reg and "inject" in reg


def test_validation_verdicts_are_cached_per_configuration_not_per_node():
    reg = Registry()
    reg.add(Upper)
    a = reg.validate({"id": "a", "type": "upper", "count": -1, "mode": "a"})
    b = reg.validate({"id": "b", "type": "upper", "count": -1, "mode": "a", "x": 5})
    assert [(p.node_id, p.property) for p in a] == [("a", "count")]
    assert [(p.node_id, p.property) for p in b] == [("b", "count")]
    assert reg.validate({"id": "c", "type": "upper", "count": 1, "mode": "a"}) == []


def test_a_package_that_fails_to_load_is_recorded_and_contributes_nothing(monkeypatch, caplog):
    import types

    half = types.ModuleType("half_nodes")

    def register(registry: Registry) -> None:
        registry.add(Upper)
        registry.add_route("/half", lambda request, runtime: {})
        assert b'"upper"' in registry.types_json()  # read while half loaded
        raise ValueError("bad schema in the second type")

    half.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "half_nodes", half)
    reg = Registry()
    assert reg.load_package("half_nodes", "half") is False
    assert reg.load_package("no_such_node_package", "ghost") is False
    assert "upper" not in reg and reg.routes == [] and reg.node_sets() == []  # taken back
    assert reg.types_json() == b"[]"
    assert reg.failed == {"half": "ValueError: bad schema in the second type",
                          "ghost": "ModuleNotFoundError: No module named 'no_such_node_package'"}
    assert "[half] node package failed to load (module half_nodes): ValueError: bad schema" in caplog.text
    reg.add(Upper)  # the registry is still usable
    assert "upper" in reg


class BadSchema(Node):
    type = "bad-schema"
    schema = {"type": "object", "properties": {"count": {"type": "integr"}}}


def test_a_third_party_schema_is_checked_on_first_use_and_bundled_ones_are_not(monkeypatch):
    import jsonschema

    reg = Registry()
    reg.add(BadSchema)  # as an installed package adds it
    with pytest.raises(jsonschema.SchemaError, match="integr"):
        reg.validate({"id": "n1", "type": "bad-schema", "count": 1})
    checked: list[object] = []
    real = jsonschema.validators.Draft202012Validator.check_schema
    monkeypatch.setattr(jsonschema.validators.Draft202012Validator, "check_schema",
                        classmethod(lambda cls, schema: checked.append(schema) or real(schema)))
    bundled = Registry.default()
    assert bundled.validate({"id": "c1", "type": "change", "rules": 5})  # still validated
    assert checked == []  # tests/flowengine/test_bundled_schemas.py checks them all


def test_prepare_validation_builds_the_core_validators_once():
    reg = Registry.default()
    reg.prepare_validation()
    core = {t for t in reg.types() if reg.module_of(t) == "core"}
    assert core and core <= set(reg._validators)
    assert not any(reg.module_of(t) == "openai" for t in reg._validators)
    before = dict(reg._validators)
    assert reg.validate({"id": "c1", "type": "change", "rules": []}) is not None
    assert reg._validators["change"] is before["change"]

"""_ajv_errors (pure): jsonschema's errors worded and shaped as ajv 8's, as the json node reports them."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from flowengine.nodes.core._ajv_errors import ajv_errors, errors_text


def text(schema: dict[str, Any], value: Any) -> str:
    return errors_text(ajv_errors(jsonschema.Draft7Validator(schema).iter_errors(value)))


@pytest.mark.parametrize(("schema", "value", "expected"), [
    ({"type": "number"}, "1", "data must be number"),
    ({"type": ["string", "null"]}, 1, "data must be string,null"),
    ({"minimum": 2}, 1, "data must be >= 2"),
    ({"exclusiveMaximum": 2.0}, 3, "data must be < 2"),
    ({"maxLength": 2}, "abc", "data must NOT have more than 2 characters"),
    ({"minItems": 1}, [], "data must NOT have fewer than 1 items"),
    ({"maxProperties": 0}, {"a": 1}, "data must NOT have more than 0 properties"),
    ({"pattern": "^a"}, "b", 'data must match pattern "^a"'),
    ({"enum": [1, 2]}, 3, "data must be equal to one of the allowed values"),
    ({"const": 1}, 3, "data must be equal to constant"),
    ({"multipleOf": 2}, 3, "data must be multiple of 2"),
    ({"uniqueItems": True}, [1, 2, 1], "data must NOT have duplicate items (items ## 0 and 2 are identical)"),
    ({"anyOf": [{"type": "string"}, {"type": "null"}]}, 1, "data must match a schema in anyOf"),
    ({"not": {"type": "number"}}, 1, "data must NOT be valid"),
    ({"properties": {"a": {"items": {"type": "string"}}}}, {"a": ["x", 2]}, "data/a/1 must be string"),
    ({"properties": {"a/b": {"type": "string"}}}, {"a/b": 1}, "data/a~1b must be string"),
    ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1, "b": 2, "c": 3},
     "data must NOT have additional properties, data must NOT have additional properties"),
    ({"required": ["a", "b"]}, {"b": 1}, "data must have required property 'a'"),
    ({"dependencies": {"a": ["b", "c"]}}, {"a": 1, "c": 1},
     "data must have properties b, c when property a is present"),
])
def test_messages_are_ajvs(schema: dict[str, Any], value: Any, expected: str) -> None:
    assert text(schema, value) == expected


def test_error_objects_carry_ajvs_params_and_paths() -> None:
    schema = {"properties": {"n": {"minimum": 5}}, "additionalProperties": False}
    errors = ajv_errors(jsonschema.Draft7Validator(schema).iter_errors({"n": 1, "x": 0}))
    assert errors == [
        {"instancePath": "", "schemaPath": "#/additionalProperties", "keyword": "additionalProperties",
         "params": {"additionalProperty": "x"}, "message": "must NOT have additional properties"},
        {"instancePath": "/n", "schemaPath": "#/properties/n/minimum", "keyword": "minimum",
         "params": {"comparison": ">=", "limit": 5}, "message": "must be >= 5"},
    ]

"""Request checking as loose as the API: nullable or defaulted required fields, form fields as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from flowengine.nodes.openai.errors import RequestInvalidError
from flowengine.nodes.openai.leniency import coerce_form_strings, lenient_schema
from flowengine.nodes.openai.spec import SchemaNormalizer
from openai_fakes import make, run
from openai_minimal import minimal_request
from test_openai_request import Recorder, _multipart

WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


async def test_function_tool_without_strict_is_sent(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-create-response", rec, tmp_path, props={"model": "gpt-4o"})
    tool = {"type": "function", "name": "weather", "parameters": WEATHER}  # spec: strict required, nullable
    await run(node, {"payload": {"input": "hi", "tools": [tool]}})
    assert not host.errors, host.errors
    assert rec.json()["tools"] == [tool]


async def test_function_tool_without_name_is_refused_naming_it(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-create-response", rec, tmp_path, props={"model": "gpt-4o"})
    await run(node, {"payload": {"input": "hi", "tools": [{"type": "function", "parameters": WEATHER}]}})
    assert rec.requests == []
    err = host.errors[0][0]
    assert isinstance(err, RequestInvalidError) and err.param == "tools.0.name", str(err)


async def test_image_input_without_detail_is_sent_and_a_bad_detail_is_named(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-create-response", rec, tmp_path, props={"model": "gpt-4o"})
    content = [{"type": "input_text", "text": "what is this?"},
               {"type": "input_image", "image_url": "https://example.com/a.png"}]
    await run(node, {"payload": {"input": [{"role": "user", "content": content}]}})
    assert not host.errors, host.errors
    assert rec.json()["input"][0]["content"] == content  # the default is the API's to fill, not sent
    content[1]["detail"] = "huge"
    await run(node, {"payload": {"input": [{"role": "user", "content": content}]}})
    err = host.errors[0][0]
    assert isinstance(err, RequestInvalidError)
    assert err.param == "input.0.content.1.detail" and "'huge' is not one of" in str(err), str(err)
    assert len(rec.requests) == 1


async def test_form_text_becomes_the_type_its_field_asks_for(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-create-image-variation", rec, tmp_path)
    await run(node, {"payload": {"image": b"\x89PNG0000", "n": "2", "size": "256x256"}, "filename": "a.png"})
    assert not host.errors, host.errors
    fields, files = _multipart(rec.requests[0])
    assert fields["n"] == ["2"] and files["image"][2] == b"\x89PNG0000"
    await run(node, {"payload": {"image": b"\x89PNG0000", "n": "two"}, "filename": "a.png"})
    err = host.errors[0][0]
    assert isinstance(err, RequestInvalidError) and err.param == "n" and len(rec.requests) == 1


async def test_nested_form_fields_and_json_text_objects(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-create-file", rec, tmp_path)
    await run(node, {"payload": {"file": b"{}\n", "purpose": "batch",
                                 "expires_after": {"anchor": "created_at", "seconds": "2592000"}},
                     "filename": "in.jsonl"})
    assert not host.errors, host.errors
    fields, _ = _multipart(rec.requests[0])
    assert fields["expires_after[seconds]"] == ["2592000"] and fields["expires_after[anchor]"] == ["created_at"]


async def test_json_bodies_keep_their_types(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-create-image", rec, tmp_path)
    await run(node, {"payload": {"prompt": "a cat", "n": "2"}})
    err = host.errors[0][0]
    assert isinstance(err, RequestInvalidError) and err.param == "n" and rec.requests == []


def test_lenient_schema_keeps_discriminators_and_plain_required_fields() -> None:
    defs = {"Mode": {"type": ["string", "null"]}}
    schema = {"type": "object", "required": ["kind", "name", "mode", "level", "strict"], "properties": {
        "kind": {"type": "string", "enum": ["tool"], "default": "tool"},
        "name": {"type": "string"},
        "mode": {"$ref": "#/$defs/Mode"},
        "level": {"type": "string", "enum": ["low", "auto"], "default": "auto"},
        "strict": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
    }}
    assert lenient_schema(schema, defs)["required"] == ["kind", "name"]
    assert schema["required"] == ["kind", "name", "mode", "level", "strict"]  # the input is not changed


@pytest.mark.parametrize(("schema", "text", "expected"), [
    ({"type": "boolean"}, "true", True),
    ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, "3", 3),
    ({"type": "number"}, "0.5", 0.5),
    ({"type": "object"}, '{"type": "realtime"}', {"type": "realtime"}),
    ({"type": "array"}, '["a"]', ["a"]),
    ({"type": "integer"}, "many", "many"),  # left as it is: validation names the field
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, "3", "3"),  # a string is allowed: kept
])
def test_coerce_form_strings(schema: dict, text: str, expected: object) -> None:
    body = coerce_form_strings({"f": text, "other": "x"}, {"properties": {"f": schema}}, {})
    assert body == {"f": expected, "other": "x"}


def test_normalizer_keeps_a_default_the_schema_states_for_a_required_enum() -> None:
    doc = {"paths": {}, "components": {"schemas": {
        "Detail": {"type": "string", "enum": ["low", "high", "auto"]},
        "Image": {"type": "object", "required": ["detail", "size"], "properties": {
            "detail": {"$ref": "#/components/schemas/Detail", "description": "Defaults to `auto`."},
            "size": {"type": "string", "enum": ["s", "m"], "description": "Defaults to `xl`."},
        }},
    }}}
    norm = SchemaNormalizer(doc)
    assert norm.normalize({"$ref": "#/components/schemas/Image"}) == {"$ref": "#/$defs/Image"}
    props = norm.defs["Image"]["properties"]
    assert props["detail"]["default"] == "auto"
    assert "default" not in props["size"]  # not a value of its enum: not a fact of the schema


def test_response_only_properties_are_not_required_in_requests() -> None:
    doc = {"components": {"schemas": {"Key": {"type": "object", "properties": {"value": {"type": "string"}}}}}}
    norm = SchemaNormalizer(doc)
    schema = norm.normalize({
        "type": "object",
        "required": ["model", "id", "secret", "token"],
        "properties": {
            "model": {"type": "string"},
            "id": {"type": "string", "readOnly": True},  # OpenAPI: required applies to responses only
            "secret": {"$ref": "#/components/schemas/Key", "description": "Ephemeral key returned by the API."},
            "token": {"type": "string", "description": "The token returned by the shell process."},
        },
    })
    assert schema["required"] == ["model", "token"]
    assert set(schema["properties"]) == {"model", "id", "secret", "token"}  # still accepted when sent


async def test_realtime_session_minimal_request_is_sent_without_the_returned_client_secret(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-create-realtime-session", rec, tmp_path)
    entry = node.operation.entry
    assert entry["body"]["required_fields"] == []  # the spec's shared session object requires client_secret
    msg, _ = minimal_request(entry, node.operation.defs)
    assert msg["payload"] == {}
    await run(node, msg)
    await run(node, {"payload": {"model": "gpt-realtime", "modalities": ["audio", "text"]}})
    assert not host.errors, host.errors
    assert [r.url.path for r in rec.requests] == ["/v1/realtime/sessions"] * 2
    assert rec.json(0) == {} and rec.json(1) == {"model": "gpt-realtime", "modalities": ["audio", "text"]}

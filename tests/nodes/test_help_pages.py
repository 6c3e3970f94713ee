"""Help for every node type in Node-RED's shape (issue 11): core, OpenAI and dashboard types all
have a one-line summary and Inputs/Outputs sections; the OpenAI operation nodes' pages are
generated from the catalog (the operation, its inputs with required ones marked, its outputs, a
link to the reference); the written pages of the OpenAI and dashboard packages have no file left
over."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flowengine.nodes.dashboard import help_pages as dashboard_help
from flowengine.nodes.openai import help_pages as openai_help
from flowengine.nodes.openai.catalog import load_catalog
from flowengine.nodes.openai.operation_help import operation_help, type_text

from flowengine.help_pages import help_path
from flowengine.registry import Registry

REGISTRY = Registry.default()
BUNDLED = [t for t in REGISTRY.types() if REGISTRY.module_of(t) in ("core", "openai", "dashboard")]
HEADING = re.compile(r"^### (.+)$", re.M)
SECTIONS = ("Inputs", "Outputs", "Details", "References")
CATALOG = load_catalog()


def test_every_bundled_package_is_covered() -> None:
    modules = {REGISTRY.module_of(t) for t in BUNDLED}
    assert modules == {"core", "openai", "dashboard"}
    assert len(BUNDLED) > 400


@pytest.mark.parametrize("type_name", BUNDLED)
def test_every_node_type_has_help_in_node_reds_shape(type_name: str) -> None:
    cls = REGISTRY.get(type_name)
    assert cls is not None
    text = REGISTRY.describe(type_name)["help"]
    assert isinstance(text, str) and text == text.strip()
    summary = text.split("\n", 1)[0]
    assert summary and not summary.startswith(("#", "-")) and len(summary) <= 160, f"{type_name}: {summary!r}"
    sections = HEADING.findall(text)
    assert set(sections) <= set(SECTIONS), f"{type_name}: {sections}"
    assert sections == [s for s in SECTIONS if s in sections], f"{type_name}: out of order: {sections}"
    assert "Details" in sections, f"{type_name}: no Details"
    if not cls.is_config and type_name != "comment":
        if cls.inputs:
            assert "Inputs" in sections, f"{type_name} takes messages but its help has no Inputs"
        if cls.outputs:
            assert "Outputs" in sections, f"{type_name} sends messages but its help has no Outputs"
    if cls.inputs == 0 and "inputs" not in cls.schema.get("properties", {}):
        assert "Inputs" not in sections, f"{type_name} has no input but its help lists Inputs"
    for section in ("Inputs", "Outputs"):
        if section in sections:
            body = text.split(f"### {section}\n", 1)[1].split("\n### ", 1)[0]
            assert re.search(r"^(- |\d+\. )", body, re.M), f"{type_name}: {section} lists nothing"


@pytest.mark.parametrize(
    ("package", "directory"), [("openai", openai_help.HELP_DIR), ("dashboard", dashboard_help.HELP_DIR)]
)
def test_written_pages_match_the_types(package: str, directory: Path) -> None:
    """Every type of the package that is not a catalog operation (or an old name of one) has a
    written page, and every page a type."""
    generated = {e["type"] for e in CATALOG["operations"]} | set(CATALOG["aliases"])
    written = {t for t in REGISTRY.types() if REGISTRY.module_of(t) == package and t not in generated}
    files = {p.name for p in directory.glob("*.md")}
    assert files == {help_path(directory, t).name for t in written}
    for t in written:
        cls = REGISTRY.get(t)
        assert cls is not None and cls.help == help_path(directory, t).read_text(encoding="utf-8").strip()


def _section(text: str, name: str) -> str:
    return text.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]


def test_an_operations_help_names_it_its_inputs_outputs_and_reference() -> None:
    text = REGISTRY.describe("openai-create-chat-completion")["help"]
    assert text.startswith("Create chat completion: `POST /chat/completions`")
    inputs = _section(text, "Inputs")
    lines = [line for line in inputs.splitlines() if line.startswith("- `")]
    # The API's required fields come first and are marked; the others follow, with types and bounds.
    assert lines[1].startswith("- `messages` *array of object*, **required**")
    assert lines[2].startswith("- `model` *string or one of ") and "**required**" in lines[2]
    assert sum("**required**" in line for line in lines) == 2
    assert "- `temperature` *number*, 0 … 2, default `1`" in inputs
    assert '- `service_tier` *"auto", "default", "flex"' in inputs
    assert "a string becomes `messages` with one user message" in inputs
    outputs = _section(text, "Outputs")
    assert "`msg.payload` *object*" in outputs and "streaming, with `stream: true`" in outputs
    assert "`msg.openai`" in outputs
    details = _section(text, "Details")
    assert "`openai-config`" in details and "retried" in details and "catch nodes" in details
    assert _section(text, "References").strip() == (
        "- [Create chat completion](https://platform.openai.com/docs/api-reference/chat/create) in the API reference"
    )


def test_parameters_binary_output_admin_key_and_lists() -> None:
    files = REGISTRY.describe("openai-list-files")["help"]
    assert '- `msg.order` *"asc" or "desc"*, default `"desc"`: query parameter' in files
    assert "with `fetch_all`" in _section(files, "Outputs")
    speech = REGISTRY.describe("openai-create-speech")["help"]
    assert "- `msg.payload` *bytes*" in _section(speech, "Outputs")
    assert 'streaming, with `stream_format: "sse"`' in speech
    admin = next(e for e in CATALOG["operations"] if e["auth"] == "admin")
    assert "**admin key**" in REGISTRY.describe(admin["type"])["help"]
    upload = REGISTRY.describe("openai-create-file")["help"]
    assert "`msg.filename`" in upload and "- `file` *file*, **required**" in upload


def test_a_renamed_operation_says_what_it_is_now() -> None:
    old, new_id = next(iter(CATALOG["aliases"].items()))
    new_type = next(e["type"] for e in CATALOG["operations"] if e["operationId"] == new_id)
    text = REGISTRY.describe(old)["help"]
    assert f"it now is `{new_type}`" in _section(text, "Details")
    assert f"it now is `{new_type}`" not in REGISTRY.describe(new_type)["help"]


def test_help_is_built_from_structure_only() -> None:
    """The page is made of the catalog's structure: a catalog entry stripped down to a method, a path
    and one enum field gives exactly those facts, nothing else from anywhere."""
    entry = {
        "operationId": "x",
        "method": "POST",
        "path": "/things",
        "summary": "Make a thing",
        "reference": "https://example.invalid/ref",
        "auth": "key",
        "parameters": [],
        "body": {
            "encoding": "json",
            "fields": ["size"],
            "required_fields": ["size"],
            "file_fields": [],
            "schema": {"type": "object", "properties": {"size": {"$ref": "#/$defs/Size"}}},
        },
        "response": {"kind": "json", "sse": False, "stream": None},
    }
    text = operation_help(entry, {"Size": {"type": "string", "enum": ["s", "m"], "default": "m"}})
    assert '- `size` *"s" or "m"*, **required**, default `"m"`' in text
    assert "[Make a thing](https://example.invalid/ref)" in text
    assert json.dumps(entry["body"]["schema"]) not in text


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": ["integer", "null"]}, "integer"),
        ({"anyOf": [{"type": "number"}, {"type": "null"}]}, "number"),
        ({"type": "array", "items": {"type": "string"}}, "array of string"),
        ({"enum": list(range(20))}, "one of 20 values"),
        ({"const": "auto"}, '"auto"'),
        ({}, "any"),
    ],
)
def test_type_text(schema: dict, expected: str) -> None:
    assert type_text(schema, {}) == expected

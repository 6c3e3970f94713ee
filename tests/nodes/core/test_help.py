"""Core node help (issue 11): every core type has a help page in Node-RED's shape (a one-line
summary, Inputs and/or Outputs, Details), one Markdown file a type, and no file is left over."""

from __future__ import annotations

import re

import pytest
from flowengine.nodes.core._help import HELP_DIR, help_path, node_help

from flowengine.registry import Registry


def _core() -> Registry:
    registry = Registry()
    registry.load_module("flowengine.nodes.core", "core")
    return registry


CORE = _core()
HEADING = re.compile(r"^### (.+)$", re.M)


@pytest.mark.parametrize("type_name", CORE.types())
def test_every_core_type_has_help_in_node_reds_shape(type_name: str) -> None:
    cls = CORE.get(type_name)
    assert cls is not None
    text = cls.help
    assert text == node_help(type_name)
    summary = text.split("\n", 1)[0]
    assert summary and not summary.startswith("#") and len(summary) <= 160, f"{type_name}: summary {summary!r}"
    sections = HEADING.findall(text)
    assert "Details" in sections, f"{type_name}: no Details section ({sections})"
    if not cls.is_config and type_name != "comment":
        assert {"Inputs", "Outputs"} & set(sections), f"{type_name}: neither Inputs nor Outputs ({sections})"
    if cls.inputs == 0 and not cls.is_config and "inputs" not in cls.schema.get("properties", {}):
        assert "Inputs" not in sections, f"{type_name} has no input but its help lists Inputs"
    assert set(sections) <= {"Inputs", "Outputs", "Details", "References"}, f"{type_name}: {sections}"
    order = [s for s in ("Inputs", "Outputs", "Details", "References") if s in sections]
    assert sections == order, f"{type_name}: sections out of order: {sections}"
    body = text.split("### Details", 1)[1]
    assert len(body.split()) >= 20, f"{type_name}: Details too short"


def test_no_help_file_without_its_type() -> None:
    files = {p.name for p in HELP_DIR.glob("*.md")}
    assert files == {help_path(t).name for t in CORE.types()}


def test_a_missing_help_file_raises() -> None:
    with pytest.raises(FileNotFoundError):
        node_help("no such type")

"""json_indent.indented: the text of json.dumps(indent=4, ensure_ascii=False, allow_nan=False), one level deeper."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest

from flowengine.json_indent import indented


class Level(enum.IntEnum):
    HIGH = 2


def stdlib(value: Any) -> str:
    return json.dumps(value, indent=4, ensure_ascii=False, allow_nan=False).replace("\n", "\n    ")


@pytest.mark.parametrize("value", [
    {"id": "n1", "type": "change", "z": "t1", "rules": [{"t": "set", "p": "payload", "to": "v", "tot": "str"}],
     "x": 10, "y": 20.5, "wires": [["n2", "n3"], []]},
    {"empty": {}, "none": [], "nested": [[[]], [{}], {"a": {"b": [None, True, False]}}]},
    {"text": "é ü \u2028 \" \\ \n\t\x00 \U0001f600", "big": 10 ** 30, "small": -1e-300, "zero": -0.0, "f": 1e16},
    [], {}, "just a string", 5, None,
    {"tuple": (1, 2)},  # not a JSON type: the standard encoder's text
    {1: "int key", None: "none key"},
    {"enum": Level.HIGH, "bool_key": {True: 1}},
])
def test_indented_is_the_standard_library_text(value):
    assert indented(value) == stdlib(value)


@pytest.mark.parametrize("value", [{"nan": float("nan")}, [float("inf")], {"set": {1}}])
def test_what_json_refuses_is_refused_with_the_standard_error(value):
    with pytest.raises((ValueError, TypeError)) as ours:
        indented(value)
    with pytest.raises((ValueError, TypeError)) as theirs:
        stdlib(value)
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)


def test_a_circular_value_is_refused_as_the_standard_library_refuses_it():
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference detected"):
        indented(loop)

"""env.py: typed env values and the whole-string ${VAR} rule."""

from __future__ import annotations

import math

from flowengine.env import convert_env_value, substitute_env, whole_env_ref
from flowengine.model import EnvEntry
from flowengine.types import UNDEFINED


def conv(value, vtype, **kw):
    return convert_env_value(EnvEntry("X", value, vtype), lambda n: f"other:{n}", **kw)


def test_typed_values():
    assert conv("2", "num") == 2 and conv("2.5", "num") == 2.5 and conv("", "num") == 0
    assert math.isnan(conv("abc", "num"))
    assert conv("true", "bool") is True and conv("no", "bool") is False
    assert conv('{"a":1}', "json") == {"a": 1} and conv("[1,2]", "bin") == b"\x01\x02"
    assert conv("Y", "env") == "other:Y"
    assert conv("x", "str") == "x" and conv(None, "str") == ""
    assert conv("1+1", "jsonata", jsonata=lambda e: 2) == 2
    assert conv("", "cred", credentials={"X": "secret"}) == "secret"
    assert conv("", "cred") is UNDEFINED


def test_whole_string_rule():
    assert whole_env_ref("${A}") == "A" and whole_env_ref("${ A }") == "A"
    assert whole_env_ref("L=${A}") is None and whole_env_ref("${A}x") is None and whole_env_ref(3) is None


def test_substitute_only_whole_strings_and_undefined_is_empty():
    env = {"A": "alpha", "N": 5}
    cfg = {"id": "${A}", "type": "t", "p": "${A}", "q": "x${A}", "r": "${NOPE}", "n": "${N}",
           "nested": {"list": ["${A}", "k"]}, "wires": [["${A}"]]}
    out = substitute_env(cfg, lambda n: env.get(n, UNDEFINED))
    assert out["p"] == "alpha" and out["q"] == "x${A}" and out["r"] == "" and out["n"] == 5
    assert out["nested"] == {"list": ["alpha", "k"]}
    assert out["id"] == "${A}" and out["wires"] == [["${A}"]]  # structural keys untouched
    assert cfg["p"] == "${A}"  # the original is not modified


def test_substitute_returns_same_object_when_nothing_to_do():
    cfg = {"id": "a", "p": "plain"}
    assert substitute_env(cfg, lambda n: "x") is cfg

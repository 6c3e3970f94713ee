import json
import re

import pytest
from shared_dir import shared_dir

from flowengine.encoding import debug_format, encode_object, to_json_text
from flowengine.types import UNDEFINED

CORPUS = shared_dir() / "nodered" / "corpus"


@pytest.mark.parametrize(
    ("value", "msg", "fmt"),
    [
        ({"a": 1}, '{"a":1}', "Object"),
        ([1, 2, 3], "[1,2,3]", "array[3]"),
        ("hello", "hello", "string[5]"),
        (42, "42", "number"),
        (2.0, "2", "number"),
        (float("nan"), "NaN", "number"),
        (True, "true", "boolean"),
        (None, "(undefined)", "null"),
        (UNDEFINED, "(undefined)", "undefined"),
        (b"\x01\x02\x03", "010203", "buffer[3]"),
        ("\U0001f600", "\U0001f600", "string[2]"),
    ],
)
def test_top_level_formats(value, msg, fmt):
    assert encode_object(value) == {"msg": msg, "format": fmt}
    assert debug_format(value) == fmt


def test_markers_inside_objects():
    value = {
        "u": UNDEFINED,
        "b": b"hi",
        "n": float("nan"),
        "i": float("-inf"),
        "f": 1.0,
        "s": {1, 2},
        "r": re.compile("a+b", re.I),
        "fn": len,
        "nul": None,
        "nested": [UNDEFINED, {"x": "é"}],
    }
    out = json.loads(encode_object(value)["msg"])
    assert out["u"] == {"__enc__": True, "type": "undefined"}
    assert out["b"] == {"type": "Buffer", "data": [104, 105], "__enc__": True, "length": 2}
    assert out["n"] == {"__enc__": True, "type": "number", "data": "NaN"}
    assert out["i"] == {"__enc__": True, "type": "number", "data": "-Infinity"}
    assert out["f"] == 1
    assert out["s"]["type"] == "set" and sorted(out["s"]["data"]) == [1, 2] and out["s"]["length"] == 2
    assert out["r"] == {"__enc__": True, "type": "regexp", "data": "/a+b/i"}
    assert out["fn"] == {"__enc__": True, "type": "function"}
    assert out["nul"] is None
    assert out["nested"] == [{"__enc__": True, "type": "undefined"}, {"x": "é"}]


def test_buffer_key_order_matches_node_red():
    text = encode_object({"b": b"\x00"})["msg"]
    assert text == '{"b":{"type":"Buffer","data":[0],"__enc__":true,"length":1}}'


def test_error_inside_object_and_top_level():
    try:
        raise ValueError("fn failed")
    except ValueError as exc:
        err = exc
    out = json.loads(encode_object({"_error": err})["msg"])["_error"]
    assert out["__enc__"] is True and out["type"] == "error"
    assert out["data"]["name"] == "Error" and out["data"]["message"] == "fn failed"
    assert "fn failed" in out["data"]["stack"]
    top = encode_object(TypeError("nope"))
    assert top["format"] == "error"
    assert json.loads(top["msg"]) == {"name": "TypeError", "message": "nope"}


def test_truncation():
    assert encode_object("x" * 12, max_length=10) == {"msg": "x" * 10 + "...", "format": "string[12]"}
    out = json.loads(encode_object({"s": "y" * 12}, max_length=10)["msg"])
    assert out["s"] == "y" * 10 + "..."
    arr = json.loads(encode_object({"a": list(range(15))}, max_length=10)["msg"])["a"]
    assert arr == {"__enc__": True, "type": "array", "data": list(range(10)), "length": 15}
    top = encode_object(list(range(15)), max_length=10)
    assert top["format"] == "array[15]"
    assert json.loads(top["msg"])["length"] == 15
    buf = encode_object(b"\xff" * 8, max_length=6)
    assert buf == {"msg": "ffffff", "format": "buffer[8]"}
    inner = json.loads(encode_object({"b": bytes(range(12))}, max_length=10)["msg"])["b"]
    assert inner["data"] == list(range(10)) and inner["length"] == 12


def test_circular_reference_does_not_recurse_forever():
    d: dict = {"a": 1}
    d["self"] = d
    assert json.loads(encode_object(d)["msg"]) == {"a": 1, "self": "[Circular ~]"}


def test_internal_request_objects_hidden():
    out = json.loads(encode_object({"_req": object(), "req": object()})["msg"])
    assert out == {"_req": {"__enc__": True, "type": "internal"}, "req": "[internal]"}


def test_json_text_matches_json_stringify():
    value = {"a": [1, 2.5, None, True], "é": "ü\n\"\\\x01", "f": 1e21, "small": 1e-7}
    assert to_json_text(value) == '{"a":[1,2.5,null,true],"é":"ü\\n\\"\\\\\\u0001","f":1e+21,"small":1e-7}'
    # plain JSON.stringify drops undefined in objects, nulls it in arrays; NaN -> null; bytes as Node's Buffer
    assert to_json_text({"u": UNDEFINED, "l": [UNDEFINED], "n": float("nan"), "b": b"a"}) == (
        '{"l":[null],"n":null,"b":{"type":"Buffer","data":[97]}}'
    )


def _corpus_debug_msgs():
    for path in sorted(CORPUS.glob("*.expected.json")):
        for out in json.loads(path.read_text())["outputs"]:
            if "debug" in out:
                yield path.name, out["msg"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="Node-RED corpus not found: set FLOWENGINE_SHARED to the shared folder")
def test_corpus_debug_messages_round_trip():
    # Every expected debug msg is the JSON-parse of Node-RED's encoding; decoding the markers back to
    # Python values and encoding again must give the same JSON.
    count = 0
    for name, msg in _corpus_debug_msgs():
        value = _decode(msg)
        assert json.loads(encode_object(value)["msg"]) == msg, name
        count += 1
    assert count > 30


def _decode(v):
    if isinstance(v, dict):
        if v.get("__enc__") is True:
            kind = v.get("type")
            if kind == "undefined":
                return UNDEFINED
            if kind == "number":
                return float(v["data"])
            if v.get("type") == "Buffer":
                return bytes(v["data"])
            if kind == "error":
                return _Err(v["data"])
        return {k: _decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_decode(x) for x in v]
    return v


class _Err(Exception):
    """An error carrying Node-RED's name/message/stack, for the round trip."""

    def __init__(self, data):
        super().__init__(data["message"])
        self.js_name = data["name"]
        self.stack = data["stack"]


def test_error_code_is_shown_like_node_red():
    err = _Err({"name": "Error", "message": "ENOENT: no such file or directory", "stack": "s"})
    err.code = "ENOENT"
    data = json.loads(encode_object({"error": err})["msg"])["error"]["data"]
    assert data == {"name": "Error", "message": "ENOENT: no such file or directory", "code": "ENOENT", "stack": "s"}


def test_corpus_error_marker_shape():
    err = _Err({"name": "Error", "message": "fn failed", "stack": "<stack>"})
    out = json.loads(encode_object({"_error": err})["msg"])["_error"]
    assert out["data"]["name"] == "Error"

from typing import Any

import pytest

from flowengine.message import (
    PropertyPathError,
    clone_msg,
    deep_clone,
    delete_property,
    get_property,
    new_msgid,
    parse_path,
    set_property,
)
from flowengine.types import UNDEFINED


def test_msgid_is_16_hex_and_unique():
    ids = {new_msgid() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)


@pytest.mark.parametrize(
    ("expr", "keys"),
    [
        ("payload", ("payload",)),
        ("a.b.c", ("a", "b", "c")),
        ("a.b[1].c", ("a", "b", 1, "c")),
        ('a["b.c"]', ("a", "b.c")),
        ("a['x y'][0]", ("a", "x y", 0)),
        ("a[0][1]", ("a", 0, 1)),
    ],
)
def test_parse_path(expr, keys):
    assert parse_path(expr) == keys


@pytest.mark.parametrize("bad", ["", "a..b", "a.", "[0]", "a[", 'a["x]', "a[0]b"])
def test_parse_path_rejects_bad_expressions(bad):
    with pytest.raises(PropertyPathError):
        parse_path(bad)


def test_nested_reference_resolved_by_callback():
    msg = {"topic": "k", "a": {"k": 5}}
    assert get_property(msg, "a[msg.topic]", resolve=lambda e: get_property(msg, e[4:])) == 5
    with pytest.raises(PropertyPathError):
        parse_path("a[msg.topic]")


def test_get_missing_is_undefined():
    msg = {"a": {"b": [1, 2]}}
    assert get_property(msg, "a.b[1]") == 2
    assert get_property(msg, "a.b[5]") is UNDEFINED
    assert get_property(msg, "a.x.y") is UNDEFINED
    assert get_property(msg, "a.b.length") == 2


def test_set_creates_objects_and_arrays():
    msg: dict = {}
    set_property(msg, "a.b[1].c", 3)
    assert msg == {"a": {"b": [None, {"c": 3}]}}


def test_set_through_non_object_fails():
    msg = {"a": 5}
    with pytest.raises(PropertyPathError, match="non-object"):
        set_property(msg, "a.b", 1)


def test_set_undefined_deletes_and_delete_is_tolerant():
    msg = {"a": {"b": 1, "c": 2}}
    set_property(msg, "a.b", UNDEFINED)
    delete_property(msg, "a.zz.q")
    delete_property(msg, "a.c")
    assert msg == {"a": {}}


def test_clone_is_deep_but_shares_req_res():
    req = object()
    msg = {"payload": {"x": [1, {"y": 2}]}, "req": req, "buf": bytearray(b"ab")}
    c = clone_msg(msg)
    c["payload"]["x"][1]["y"] = 9
    c["buf"][0] = 0
    assert msg["payload"]["x"][1]["y"] == 2
    assert msg["buf"] == bytearray(b"ab")
    assert c["req"] is req


def test_deep_clone_other_objects():
    class Thing:
        def __init__(self):
            self.v = [1]

    t = Thing()
    c = deep_clone({"t": t, "tup": (1, [2])})
    assert c["t"] is not t and c["t"].v == [1]
    assert c["tup"] == (1, [2]) and c["tup"][1] is not None


def test_clone_of_data_nested_deeper_than_the_stack() -> None:
    """JavaScript clones a 5,000-level structure without complaint; so must we (no RecursionError)."""
    deep: Any = {"leaf": [1, "two", None]}
    for i in range(5000):
        deep = [deep, i] if i % 2 else {"k": deep, "n": i}
    msg = {"payload": deep, "topic": "t"}
    copy_ = clone_msg(msg)
    a, b = copy_["payload"], msg["payload"]
    for _ in range(5000):  # same shape and values all the way down, no object shared
        assert a is not b and a.__class__ is b.__class__
        if isinstance(a, dict):
            assert list(a) == list(b) and a["n"] == b["n"]
            a, b = a["k"], b["k"]
        else:
            assert a[1] == b[1]
            a, b = a[0], b[0]
    assert a == b == {"leaf": [1, "two", None]} and a is not b and a["leaf"] is not b["leaf"]

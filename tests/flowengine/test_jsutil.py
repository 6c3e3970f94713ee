import math

import pytest

from flowengine.jsutil import (
    js_compare,
    js_equal,
    js_number_repr,
    js_string,
    js_truthy,
    js_typeof,
    to_number,
    utf16_len,
)
from flowengine.types import UNDEFINED


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", 0),
        ("   ", 0),
        (" 12 ", 12),
        ("\n7\t", 7),
        ("1e3", 1000),
        ("-1.5", -1.5),
        (".5", 0.5),
        ("5.", 5),
        ("+3", 3),
        ("0x1A", 26),
        ("0b101", 5),
        ("0o17", 15),
        ("Infinity", math.inf),
        ("-Infinity", -math.inf),
        (True, 1),
        (False, 0),
        (None, 0),
        ([], 0),
        ([7], 7),
        (["8"], 8),
        ([None], 0),
        (b"12", 12),
        (42, 42),
        (2.0, 2),
    ],
)
def test_to_number(value, expected):
    result = to_number(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "value", ["abc", "1,5", "12px", "0x", "-0x1A", "1_000", "infinity", UNDEFINED, {}, [1, 2], b"x"]
)
def test_to_number_nan(value):
    assert math.isnan(to_number(value))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (3, "3"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (0.00001, "0.00001"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (123456789.125, "123456789.125"),
        (-2.5, "-2.5"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
        (True, "true"),
    ],
)
def test_js_number_repr(value, text):
    assert js_number_repr(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.0, "3"),
        (None, "null"),
        (UNDEFINED, "undefined"),
        (True, "true"),
        ({"a": 1}, "[object Object]"),
        ([1, [2, 3], None, "x"], "1,2,3,,x"),
        ([], ""),
        (b"hi", "hi"),
        (float("nan"), "NaN"),
        (ValueError("bad"), "Error: bad"),
        (TypeError("t"), "TypeError: t"),
        ("s", "s"),
    ],
)
def test_js_string(value, text):
    assert js_string(value) == text


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("5", 5, True),
        (5, "5.0", True),
        (None, UNDEFINED, True),
        (None, 0, False),
        (UNDEFINED, False, False),
        ("", 0, True),
        ("1", True, True),
        ("true", True, False),
        (0, False, True),
        ([1], 1, True),
        ([1, 2], "1,2", True),
        ({"a": 1}, "[object Object]", True),
        (float("nan"), float("nan"), False),
        ("a", "a", True),
        ("a", "b", False),
    ],
)
def test_js_equal(a, b, equal):
    assert js_equal(a, b) is equal
    assert js_equal(b, a) is equal


def test_js_equal_objects_by_identity():
    d = {"a": 1}
    assert js_equal(d, d)
    assert not js_equal(d, {"a": 1})


@pytest.mark.parametrize(
    ("a", "op", "b", "result"),
    [
        (None, "<=", 2, True),
        (None, ">=", 0, True),
        (None, "<", 0, False),
        (UNDEFINED, "<=", 2, False),
        (UNDEFINED, ">", 2, False),
        ("10", ">", 9, True),
        ("10", ">", "9", False),  # string comparison
        ("abc", "<", "abd", True),
        ("abc", "<", 5, False),  # NaN
        ("abc", ">=", 5, False),
        (True, ">", 0, True),
        ([5], "gte", 5, True),
        (3, "lt", 4, True),
        (4, "lte", 4, True),
        (4, "gt", 4, False),
    ],
)
def test_js_compare(a, op, b, result):
    assert js_compare(a, op, b) is result


def test_js_compare_utf16_order():
    # U+FF5E sorts after U+1F600's high surrogate (0xD83D) in JS, unlike Python's code points.
    assert js_compare("\U0001f600", "<", "\uff5e") is True


def test_js_compare_unknown_operator():
    with pytest.raises(ValueError, match="unknown comparison operator"):
        js_compare(1, "==", 1)


@pytest.mark.parametrize(
    ("value", "truthy"),
    [([], True), ({}, True), (0, False), (0.0, False), (float("nan"), False), ("", False), ("0", True),
     (None, False), (UNDEFINED, False), (b"", True), (-1, True)],
)
def test_js_truthy(value, truthy):
    assert js_truthy(value) is truthy


def test_typeof_and_utf16_len():
    assert js_typeof(None) == "object"
    assert js_typeof(UNDEFINED) == "undefined"
    assert js_typeof(True) == "boolean"
    assert js_typeof(1.5) == "number"
    assert js_typeof(len) == "function"
    assert utf16_len("a\U0001f600") == 3
    assert utf16_len("abc") == 3

"""TextMemo gives node_texts' answer, encoding only the items whose value is new."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import flowengine.text_memo as text_memo
from flowengine.model import node_texts
from flowengine.text_memo import TextMemo


def _flows() -> list[Any]:
    return [
        {"id": "t1", "type": "tab", "label": "Flow 1", "disabled": False, "env": []},
        {"id": "n1", "type": "inject", "z": "t1", "once": False, "x": 1, "y": 2.5, "wires": [["n2"]]},
        {"id": "n2", "type": "change", "z": "t1", "rules": [{"t": "set", "p": "a", "to": 1, "tot": "num"}],
         "x": 1, "y": 2, "wires": [[]]},
        {"id": "n3", "type": "debug", "z": "t1", "name": "é ${X}", "active": True, "wires": []},
    ]


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    """The items TextMemo had to encode, call by call."""
    calls: list[list[Any]] = []

    def recording(items: list[Any]) -> list[str]:
        calls.append(items)
        return node_texts(items)

    monkeypatch.setattr(text_memo, "node_texts", recording)
    return calls


# values equal in Python (True == 1 == 1.0, same keys in another order, a tuple for a list) are
# other JSON texts, or the same text from another type: each must get its own encoding's text
CHANGES = [
    lambda f: f[1].update(once=0),
    lambda f: f[1].update(once=0.0),
    lambda f: f[1].update(y=2),
    lambda f: f[2]["rules"][0].update(to=True),
    lambda f: f[2]["rules"][0].update(to=1.0),
    lambda f: f.__setitem__(3, dict(reversed(list(f[3].items())))),
    lambda f: f[1].update(wires=[("n2",)]),
    lambda f: f[3].update(name="é ${Y}"),
    lambda f: f.__setitem__(0, "a string item"),
]


@pytest.mark.parametrize("change", CHANGES)
def test_texts_are_node_texts_after_any_change(change: Any, encoded: list[list[Any]]) -> None:
    memo = TextMemo()
    first = _flows()
    assert memo.texts(first) == node_texts(first)
    second = copy.deepcopy(first)
    change(second)
    assert memo.texts(second) == node_texts(second)
    assert len(encoded) == 2 and len(encoded[1]) == 1  # the changed item alone


def test_unchanged_items_are_not_encoded_again(encoded: list[list[Any]]) -> None:
    memo = TextMemo()
    memo.texts(_flows())
    assert memo.texts(_flows()) == node_texts(_flows())  # equal values, other objects (a new request)
    assert len(encoded) == 1


class Tagged(str):
    pass


def test_values_marshal_does_not_take_are_encoded(encoded: list[list[Any]]) -> None:
    memo = TextMemo()
    flows = _flows()
    flows[3]["name"] = Tagged("tagged")
    assert memo.texts(flows) == node_texts(flows)
    assert memo.texts(flows) == node_texts(flows)
    assert [len(items) for items in encoded] == [4, 1]  # the subclass's node each time


def test_an_item_that_is_not_json_raises_as_node_texts_does_and_keeps_the_memo(encoded: list[list[Any]]) -> None:
    memo = TextMemo()
    memo.texts(_flows())
    bad = _flows()
    bad[2]["rules"] = {1, 2}  # a set: marshal takes it, JSON does not
    with pytest.raises(TypeError):
        node_texts(bad)
    with pytest.raises(TypeError):
        memo.texts(bad)
    calls = len(encoded)
    assert memo.texts(_flows()) == node_texts(_flows())
    assert len(encoded) == calls  # the first texts are still known: nothing encoded


def _sources(flows: list[Any]) -> list[str | None]:
    """Each item's text as a client would send it (not the compact text node_texts makes)."""
    import json

    return [json.dumps(item, indent=1) if isinstance(item, dict) else None for item in flows]


@pytest.mark.parametrize("change", CHANGES)
def test_items_known_by_their_source_text_get_node_texts(change: Any, encoded: list[list[Any]]) -> None:
    memo = TextMemo()
    first = _flows()
    assert memo.texts(first, _sources(first)) == node_texts(first)
    second = copy.deepcopy(first)
    change(second)
    assert memo.texts(second, _sources(second)) == node_texts(second)
    changed = sum(a != b for a, b in zip(_sources(first), _sources(second), strict=True))
    assert changed <= 1 and sum(len(items) for items in encoded[1:]) == changed  # a tuple's text is a list's


def test_an_item_with_the_same_source_text_is_not_looked_at_again(encoded: list[list[Any]]) -> None:
    memo = TextMemo()
    memo.texts(_flows(), _sources(_flows()))
    again = _flows()
    again[3]["name"] = Tagged("not marshalled")  # were it keyed by its value, it would be encoded
    assert memo.texts(again, _sources(_flows())) == node_texts(_flows())
    assert len(encoded) == 1


def test_source_texts_and_values_key_apart(encoded: list[list[Any]]) -> None:
    """The memo keeps the last call's keys: a caller that switches between sources and values gets
    items encoded again, never another item's text."""
    memo = TextMemo()
    assert memo.texts(_flows(), _sources(_flows())) == node_texts(_flows())
    assert memo.texts(_flows()) == node_texts(_flows())
    mixed = _sources(_flows())
    mixed[1] = None
    assert memo.texts(_flows(), mixed) == node_texts(_flows())
    assert [len(items) for items in encoded] == [4, 4, 3]  # item 1 by its value, as last time

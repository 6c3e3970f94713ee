"""Checking observed messages against a test's expectations; failures are sentences for the report."""

from __future__ import annotations

import json
from typing import Any

from ..jsonata_ext import JsonataError, compile_jsonata
from ..jsutil import js_truthy
from ..message import PropertyPathError, get_property
from ..types import UNDEFINED, Msg
from .spec import MISSING, ExpectSpec, MessageMatch

__all__ = ["count_problem", "mismatch", "outcome", "show"]

SHOW_LIMIT = 300


def show(value: Any) -> str:
    """A short JSON-ish rendering of ``value`` for the report."""
    try:
        text = json.dumps(value, default=repr, ensure_ascii=False, sort_keys=False)
    except (TypeError, ValueError):  # a circular value
        text = repr(value)
    return text if len(text) <= SHOW_LIMIT else text[: SHOW_LIMIT - 3] + "..."


def _equal(a: Any, b: Any) -> bool:
    """JSON equality (1 == 1.0, but True != 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def mismatch(match: MessageMatch, msg: Msg) -> str | None:
    """Why ``msg`` does not match (``None`` when it does)."""
    if match.payload is not MISSING:
        got = msg.get("payload", UNDEFINED)
        if got is UNDEFINED or not _equal(got, match.payload):
            return f"payload {show(got) if got is not UNDEFINED else '(missing)'} is not {show(match.payload)}"
    for path, want in match.msg:
        try:
            got = get_property(msg, path)
        except PropertyPathError as exc:
            return f"msg.{path}: {exc}"
        if got is UNDEFINED or not _equal(got, want):
            return f"msg.{path} {show(got) if got is not UNDEFINED else '(missing)'} is not {show(want)}"
    if match.jsonata is not None:
        try:
            value = compile_jsonata(match.jsonata).evaluate(None, msg)
        except JsonataError as exc:
            return f"jsonata {match.jsonata!r} failed: {exc}"
        if value is UNDEFINED or not js_truthy(value):
            return f"jsonata {match.jsonata!r} gave {show(value) if value is not UNDEFINED else '(nothing)'}"
    return None


def outcome(spec: ExpectSpec, seen: list[Msg]) -> tuple[bool, str | None]:
    """``(settled, failure)``: settled once waiting longer cannot change the verdict on ``seen``
    (apart from a count being exceeded, checked at the end by ``count_problem``)."""
    if spec.messages is not None:
        for i, (want, got) in enumerate(zip(spec.messages, seen, strict=False)):
            why = mismatch(want, got)
            if why is not None:
                return True, f"message {i + 1}: {why}\n  got: {show(got)}"
        wanted = max(len(spec.messages), spec.count or 0)
        if len(seen) < wanted:
            return False, f"expected {wanted} messages, got {len(seen)}"
        return True, None
    if spec.count is not None:
        for i, got in enumerate(seen[: spec.count]):
            why = None if spec.match.empty else mismatch(spec.match, got)
            if why is not None:
                return True, f"message {i + 1}: {why}\n  got: {show(got)}"
        if len(seen) < spec.count:
            return False, f"expected {spec.count} messages, got {len(seen)}"
        return True, None
    if spec.match.empty:
        return (True, None) if seen else (False, "expected a message, got none")
    if any(mismatch(spec.match, m) is None for m in seen):
        return True, None
    if not seen:
        return False, "expected a matching message, got none"
    return False, (f"no message matched among {len(seen)}; the last: {mismatch(spec.match, seen[-1])}"
                   f"\n  got: {show(seen[-1])}")


def count_problem(spec: ExpectSpec, seen: list[Msg]) -> str | None:
    """An exact ``count`` exceeded once the case has settled."""
    want = spec.count
    if want is not None and len(seen) > want:
        return f"expected {want} messages, got {len(seen)}; message {want + 1}: {show(seen[want])}"
    return None

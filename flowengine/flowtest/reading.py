"""Reading a test file's data: the file itself (JSON or YAML) and the checks every part of the format
uses, each failure a ``FlowTestError`` naming the file and the place (``cases[0].http[1].path``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ..errors import FlowEngineError

__all__ = ["MISSING", "FlowTestError", "Reader", "read_data"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""A check that was not given (``payload: null`` is a check for ``None``)."""


class FlowTestError(FlowEngineError):
    """A test file that cannot be read or does not follow the format; the text names file and place."""


def read_data(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FlowTestError(f"{path}: cannot read: {exc}") from exc
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise FlowTestError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from exc


class Reader:
    """Reads one file's data, raising ``FlowTestError`` that names the file and the place: the checks
    every part of the format uses."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, text: str) -> FlowTestError:
        return FlowTestError(f"{self.path}: {where}: {text}")

    def obj(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, got {type(value).__name__}")
        unknown = sorted(str(k) for k in set(value) - allowed)
        if unknown:
            hint = "; YAML reads a bare on, off, yes or no as a boolean: quote it" if any(
                isinstance(k, bool) for k in value) else ""
            raise self.fail(where, f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(allowed))}){hint}")
        return value

    def listed(self, value: Any) -> list[Any]:
        return [] if value is None else (value if isinstance(value, list) else [value])

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.fail(where, f"expected a number of seconds >= 0, got {value!r}")
        return float(value)

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(where, f"expected a non-empty string, got {value!r}")
        return value

    def pairs(self, value: Any, where: str) -> tuple[tuple[str, Any], ...]:
        if value is None:
            return ()
        return tuple(self.obj(value, where, set(value) if isinstance(value, dict) else set()).items())

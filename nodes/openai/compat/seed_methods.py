"""The 57 operations of the seed package node-red-openai and where each lands in the catalog.

``seed_mapping.json`` is a copy of ``../shared/openai/compat/seed-mapping.json`` (facts read from
the seed's generated source and the 2023-11-08 spec): for each seed ``method`` (its operationId)
the catalog node type that performs it, and every node property the seed read, written
``<method>_<camelCaseParam>-><api name>[<kind>]`` with kind ``param`` (path or query parameter),
``body`` (a multipart form field) or ``file`` (a multipart file part), or
``<method>_body->(msg.payload)``: the JSON body is the whole ``msg.payload``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MAPPING_FILE", "SeedMethod", "SeedParam", "load_seed_methods"]

MAPPING_FILE = Path(__file__).with_name("seed_mapping.json")
_PROP = re.compile(r"(?P<prop>\w+)->(?:\(msg\.payload\)|(?P<name>\w+)\[(?P<kind>param|body|file)\])")


@dataclass(frozen=True)
class SeedParam:
    """One parameter a seed node read: node property ``prop`` (with ``prop + "Type"``) -> ``name``."""

    prop: str
    name: str
    kind: str  # "param" (path/query), "body" (multipart field) or "file" (multipart file)


@dataclass(frozen=True)
class SeedMethod:
    """One seed operation: its name, the catalog node type that performs it, what it reads."""

    name: str
    node_type: str
    http: str
    params: tuple[SeedParam, ...]
    json_body: bool
    """True when the seed sent ``msg.payload`` as the JSON body."""
    removed_upstream: bool

    @property
    def multipart(self) -> bool:
        return any(p.kind in ("body", "file") for p in self.params)


def _method(entry: dict[str, Any]) -> SeedMethod:
    params: list[SeedParam] = []
    json_body = False
    for text in entry["props"]:
        found = _PROP.fullmatch(text)
        if found is None:
            raise ValueError(f"seed mapping of {entry['seed_method']}: cannot read {text!r}")
        if found["name"] is None:
            json_body = True
        else:
            params.append(SeedParam(found["prop"], found["name"], found["kind"]))
    return SeedMethod(
        name=str(entry["seed_method"]),
        node_type=str(entry["flowengine_type"]),
        http=str(entry["http"]),
        params=tuple(params),
        json_body=json_body,
        removed_upstream=bool(entry.get("removed_upstream")),
    )


def load_seed_methods(path: Path | None = None) -> dict[str, SeedMethod]:
    """The seed methods by name, in the seed's order."""
    entries = json.loads((path or MAPPING_FILE).read_text(encoding="utf-8"))
    return {m.name: m for m in map(_method, entries)}

"""Links to the API reference page of each operation: ``<REFERENCE_ROOT>/<group>/<slug>``.

The official reference is organised by group (``x-oaiMeta.group``, ``_`` written ``-``; without
one, the first path segment) and, inside a group, one page per operation. The operation's slug is
taken from the spec's own data, first that applies:

1. the spec's navigation (top-level ``x-oaiMeta.groups[].sections[]``, ``type: endpoint``,
   ``key`` = operationId) gives ``<section group>/<section path>`` (the 2023 spec has it; the
   current one lists only objects there);
2. the operation's ``x-oaiMeta.path`` when it is a clean slug (its first word; lowercase letters,
   digits, ``-`` and at most one ``/``), not an HTTP method name (the spec writes ``get`` / ``post``
   there for some groups) and used by no other operation of the group with a different name;
3. the operation's ``x-oaiMeta.name`` in kebab case, articles left out ("Delete a container" ->
   ``delete-container``);
4. the operationId in kebab case.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

__all__ = ["REFERENCE_ROOT", "ReferenceLinks", "group_of", "slug"]

JSON = dict[str, Any]
REFERENCE_ROOT = "https://platform.openai.com/docs/api-reference"
_METHODS = ("get", "post", "put", "patch", "delete")
_HTTP_WORDS = frozenset({"get", "post", "put", "patch", "head", "options"})
_CLEAN = re.compile(r"^[a-z][a-z0-9-]*(/[a-z][a-z0-9-]*)?$")
_ARTICLES = frozenset({"a", "an", "the"})


def slug(text: str) -> str:
    """``"Delete a container file"`` -> ``"delete-container-file"``; ``"listFiles"`` -> ``"list-files"``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    words = [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w and w not in _ARTICLES]
    return "-".join(words)


def group_of(path: str, meta: JSON) -> str:
    """The operation's group: ``x-oaiMeta.group``, else the first path segment."""
    group = meta.get("group")
    return group if isinstance(group, str) and group else path.strip("/").split("/")[0].split("?")[0]


def _path_slug(meta: JSON) -> str | None:
    raw = meta.get("path")
    if not isinstance(raw, str) or not raw.strip():
        return None
    first = raw.split()[0]
    return first if _CLEAN.match(first) and first not in _HTTP_WORDS else None


class ReferenceLinks:
    """Reference URLs of one spec's operations (the spec is read once, for navigation and clashes)."""

    def __init__(self, doc: JSON) -> None:
        self._navigation: dict[str, str] = {}
        for group in (doc.get("x-oaiMeta") or {}).get("groups") or []:
            if not isinstance(group, dict) or not isinstance(group.get("id"), str):
                continue
            for section in group.get("sections") or []:
                if (isinstance(section, dict) and section.get("type") == "endpoint"
                        and isinstance(section.get("key"), str) and isinstance(section.get("path"), str)):
                    self._navigation[section["key"]] = f"{group['id']}/{section['path']}"
        names: dict[tuple[str, str], set[str]] = defaultdict(set)
        for path, item in (doc.get("paths") or {}).items():
            for method in _METHODS:
                op = item.get(method) if isinstance(item, dict) else None
                meta = (op.get("x-oaiMeta") or {}) if isinstance(op, dict) else {}
                found = _path_slug(meta)
                if found is not None:
                    names[(group_of(path, meta), found)].add(str(meta.get("name")))
        self._ambiguous = {key for key, seen in names.items() if len(seen) > 1}

    def url(self, operation_id: str, path: str, meta: JSON) -> str:
        """The reference page of one operation."""
        if operation_id in self._navigation:
            return f"{REFERENCE_ROOT}/{self._navigation[operation_id]}"
        group = group_of(path, meta)
        found = _path_slug(meta)
        if found is None or (group, found) in self._ambiguous:
            name = meta.get("name")
            found = slug(name) if isinstance(name, str) and slug(name) else slug(operation_id)
        return f"{REFERENCE_ROOT}/{group.replace('_', '-')}/{found}"

"""Type names that survive spec changes: the record of operations seen, and the aliases it gives.

The generator keeps ``operations_seen.json``: for each operation, keyed by method and path (path
parameters blanked: ``POST /organization/projects/{}/service_accounts/{}/api_keys``), every
operationId a spec has given it, oldest first. When a regenerated catalog gives an operation a new
id, the old ids on its key become **aliases**: ``catalog["aliases"]`` maps each old node type
(``openai-create-project-service-account-api-key``) to the current operationId, and the registry
adds a node type of that name that runs the current operation (``alias_class``), so flows saved
with the old type keep loading and running; its schema says ``x-alias-of`` so the editor can offer
the new name. An old type that a current operation uses again is no alias.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .operation_help import HelpOnFirstRead
from .schema import SchemaOnFirstRead

__all__ = ["ALIAS_CATEGORY", "SEEN_PATH", "alias_class", "aliases_of", "load_seen", "operation_key", "record_seen",
           "save_seen"]

JSON = dict[str, Any]
SEEN_PATH = Path(__file__).with_name("operations_seen.json")


def operation_key(op: JSON) -> str:
    """``"METHOD /path/{}"`` (plus ``?beta=true`` for the spec's pseudo-paths): what stays when only
    the operationId changes."""
    query = "&".join(f"{k}={v}" for k, v in sorted((op.get("fixed_query") or {}).items()))
    return f"{op['method']} {re.sub(r'{[^}]+}', '{}', str(op['path']))}" + (f"?{query}" if query else "")


def load_seen(path: Path | None = None) -> dict[str, list[str]]:
    """The record (empty when the file does not exist)."""
    p = path or SEEN_PATH
    if not p.exists():
        return {}
    data = json.loads(p.read_text(encoding="utf-8"))
    return {str(k): [str(i) for i in v] for k, v in data.items()}


def save_seen(seen: dict[str, list[str]], path: Path | None = None) -> None:
    text = json.dumps(dict(sorted(seen.items())), indent=1, ensure_ascii=False)
    (path or SEEN_PATH).write_text(text + "\n", encoding="utf-8")


def record_seen(seen: dict[str, list[str]], operations: list[JSON]) -> dict[str, list[str]]:
    """``seen`` with every operation's id added to its key (a new dict; order kept, no repeats)."""
    out = {k: list(v) for k, v in seen.items()}
    for op in operations:
        ids = out.setdefault(operation_key(op), [])
        if op["operationId"] not in ids:
            ids.append(str(op["operationId"]))
    return out


def aliases_of(seen: dict[str, list[str]], operations: list[JSON], node_type: Any) -> dict[str, str]:
    """Old node type -> current operationId, for every id ``seen`` holds that ``operations`` renamed."""
    current = {op["type"] for op in operations}
    aliases: dict[str, str] = {}
    for op in operations:
        for old_id in seen.get(operation_key(op), []):
            old_type = node_type(old_id)
            if old_id != op["operationId"] and old_type not in current:
                aliases[old_type] = str(op["operationId"])
    return dict(sorted(aliases.items()))


ALIAS_CATEGORY = "OpenAI (renamed)"


def alias_class(old_type: str, base: type[Any]) -> type[Any]:
    """A node type named ``old_type`` that runs ``base``'s operation (a renamed operation's old name)."""
    return type("Alias_" + re.sub(r"\W", "_", old_type), (base,), {
        "type": old_type,
        "category": ALIAS_CATEGORY,
        "label": f"{base.label} (old name)",
        "alias_of": base.type,
        "schema": SchemaOnFirstRead(lambda cls: {**base.schema, "x-alias-of": base.type}),
        "help": HelpOnFirstRead(),
        "__doc__": f"Alias of {base.type} (the operation was renamed).",
    })

"""The core node types' help pages: one Markdown file a type in ``help/`` (``http in`` ->
``help/http-in.md``), in the shape of Node-RED's help sidebar: a one-line summary, then
``### Inputs``, ``### Outputs``, ``### Details`` and, where useful, ``### References``.

Kept out of the node modules so the modules stay about behaviour (and under the size cap); the
editor formats the Markdown (editor/js/help-format.js)."""

from __future__ import annotations

from pathlib import Path

HELP_DIR = Path(__file__).resolve().parent / "help"


def help_path(type_name: str) -> Path:
    """The help file of a node type: its name with spaces as dashes."""
    return HELP_DIR / f"{type_name.replace(' ', '-')}.md"


def node_help(type_name: str) -> str:
    """The help page of a core node type (a missing file is a packaging fault, so it raises)."""
    return help_path(type_name).read_text(encoding="utf-8").strip()

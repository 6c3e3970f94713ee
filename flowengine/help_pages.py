"""Node types' help pages kept as Markdown files, one a type (``http in`` -> ``http-in.md``), in the
shape of Node-RED's help sidebar: a one-line summary, then ``### Inputs``, ``### Outputs``,
``### Details`` and, where useful, ``### References``. The editor formats the Markdown
(editor/js/help-format.js); a node package keeps its pages in its own ``help/`` folder."""

from __future__ import annotations

from pathlib import Path

__all__ = ["help_path", "read_help"]


def help_path(directory: Path, type_name: str) -> Path:
    """The help file of a node type in ``directory``: its name with spaces as dashes."""
    return directory / f"{type_name.replace(' ', '-')}.md"


def read_help(directory: Path, type_name: str) -> str:
    """The help page of a node type (a missing file is a packaging fault, so it raises)."""
    return help_path(directory, type_name).read_text(encoding="utf-8").strip()

"""The core node types' help pages: one Markdown file a type in ``help/`` (``http in`` ->
``help/http-in.md``), in the shape of Node-RED's help sidebar (see ``flowengine.help_pages``).

Kept out of the node modules so the modules stay about behaviour (and under the size cap)."""

from __future__ import annotations

from pathlib import Path

from flowengine import help_pages

HELP_DIR = Path(__file__).resolve().parent / "help"


def help_path(type_name: str) -> Path:
    """The help file of a core node type."""
    return help_pages.help_path(HELP_DIR, type_name)


def node_help(type_name: str) -> str:
    """The help page of a core node type (a missing file is a packaging fault, so it raises)."""
    return help_pages.read_help(HELP_DIR, type_name)

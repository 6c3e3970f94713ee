"""The dashboard node types' help pages: ``help/<type>.md`` for every Dashboard 1 (``ui_*``) and
Dashboard 2 (``ui-*``) type, in the shape of the core nodes' help (``flowengine.help_pages``)."""

from __future__ import annotations

from pathlib import Path

from flowengine.help_pages import read_help

HELP_DIR = Path(__file__).resolve().parent / "help"


def node_help(type_name: str) -> str:
    """The help page of a dashboard node type."""
    return read_help(HELP_DIR, type_name)

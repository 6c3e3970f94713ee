"""The written help pages of the OpenAI node types that are not catalog operations (config nodes,
the compat nodes, realtime, webhook): ``help/<type>.md``, in the shape of the core nodes' help. The
operation nodes' pages are generated from the catalog (``operation_help``)."""

from __future__ import annotations

from pathlib import Path

from flowengine.help_pages import read_help

HELP_DIR = Path(__file__).resolve().parent / "help"


def node_help(type_name: str) -> str:
    """The written help page of a non-operation OpenAI node type."""
    return read_help(HELP_DIR, type_name)

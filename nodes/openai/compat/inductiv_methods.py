"""The 158 methods of @inductiv/node-red-openai-api 6.34 and the catalog operation each REST wrapper performs.

``inductiv_methods.json`` holds facts read from that package's source (``src/<family>/methods.js``
at allanbunch/node-red-openai-api 14eb5c2, listed in ``../shared/openai/compat/inductiv-methods.tsv``):
``method``, ``family``, ``sdk_call`` (the openai Node SDK call it wraps), ``operation`` (the catalog
operationId that call sends; null for the 15 SDK helpers, which are no single REST call),
``output`` (``data``: the method returned the response's ``data`` array, as its list methods and
embeddings/images did; ``result``: the response itself), ``stream`` (the method sent one message
per streamed chunk) and ``file`` (file fields are filesystem paths).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HELPER_ALTERNATIVES", "METHODS_FILE", "InductivMethod", "load_inductiv_methods"]

METHODS_FILE = Path(__file__).with_name("inductiv_methods.json")

# What to use instead of each SDK helper still refused at deploy: none since all 15 run
# (``inductiv_helpers``, ``inductiv_sockets``); kept for a later version's helpers.
HELPER_ALTERNATIVES: dict[str, str] = {}


@dataclass(frozen=True)
class InductivMethod:
    """One method of the ``OpenAI API`` node."""

    name: str
    family: str
    sdk_call: str
    operation: str | None
    """The catalog operationId; None for an SDK helper."""
    output_data: bool
    """True when the method output the response's ``data`` array (the first page of a list)."""
    streams: bool
    files: bool


def load_inductiv_methods(path: Path | None = None) -> dict[str, InductivMethod]:
    """The methods by name, in the package's order."""
    entries = json.loads((path or METHODS_FILE).read_text(encoding="utf-8"))
    return {e["method"]: InductivMethod(name=e["method"], family=e["family"], sdk_call=e["sdk_call"],
                                        operation=e["operation"], output_data=e["output"] == "data",
                                        streams=bool(e["stream"]), files=bool(e["file"]))
            for e in entries}

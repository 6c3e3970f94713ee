"""Where the shared reference folder is (Node-RED corpus, OpenAI specs and mock scripts).

``$FLOWENGINE_SHARED`` when set, else ``../shared`` next to the repository, else ``/work/shared``.
Tests that need it skip with a reason naming the variable when none of these exists.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    env = os.environ.get("FLOWENGINE_SHARED")
    if env:
        return Path(env)
    for candidate in (REPO.parent / "shared", Path("/work/shared")):
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared"


SHARED = shared_dir()

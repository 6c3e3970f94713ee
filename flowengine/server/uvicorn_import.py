"""uvicorn's ``Config`` and ``Server`` without the rest of the package's ``__init__``.

The server needs ``uvicorn.config.Config`` and ``uvicorn.server.Server``; but importing any uvicorn
module first runs the package's ``__init__``, which imports ``uvicorn.main``: the command line
(click), the reload and multi-process supervisors (watchfiles, multiprocessing), ~20 ms of every
start (2026-12-07) for code ``serve`` never runs. ``import_uvicorn`` registers the package without
running its ``__init__``, imports the two modules, and gives the package their ``Config`` and
``Server`` (uvicorn's lifespan modules read ``uvicorn.Config``). The first read of any other name
(``uvicorn.run``, ``uvicorn.main``, ``__version__``...) runs the package's own ``__init__`` once, so
everything else finds the package as uvicorn makes it.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

__all__ = ["import_uvicorn"]


def import_uvicorn() -> None:
    """Import uvicorn's config and server modules (once per process; a no-op when uvicorn is
    already imported)."""
    if "uvicorn" in sys.modules:
        return
    spec = importlib.util.find_spec("uvicorn")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        import uvicorn  # noqa: F401  # not the package layout this expects: import it whole

        return
    package = importlib.util.module_from_spec(spec)
    sys.modules["uvicorn"] = package
    try:
        from uvicorn.config import Config
        from uvicorn.server import Server
    except BaseException:
        del sys.modules["uvicorn"]
        raise
    loader = spec.loader

    def complete(name: str) -> Any:
        # module __getattr__: only names the package does not have yet come here
        vars(package).pop("__getattr__", None)
        loader.exec_module(package)
        return getattr(package, name)

    vars(package).update(Config=Config, Server=Server, __getattr__=complete)

"""flowengine: a Node-RED-style flow runtime in Python.

The bundled node packages and the editor are installed inside this package (``flowengine.nodes``,
``flowengine.editor``: pyproject maps the repository's top-level ``nodes/`` and ``editor/`` folders
there). In a source checkout those folders sit beside this package instead, so the checkout's root
is added to this package's search path: ``flowengine.nodes`` then resolves there too.
"""

from pathlib import Path as _Path

__version__ = "0.1.0"


def _checkout_root() -> str | None:
    here = _Path(__file__).resolve().parent
    root = here.parent
    if (here / "nodes").is_dir() or not (root / "nodes" / "__init__.py").is_file():
        return None  # an installed wheel (nodes/ inside), or no checkout around
    return str(root)


if (_root := _checkout_root()) is not None and _root not in __path__:
    __path__.append(_root)

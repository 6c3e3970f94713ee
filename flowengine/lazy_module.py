"""``lazy_module(name)``: a module that runs when one of its attributes is first read.

For libraries only some flows use (httpx, aiomqtt, selectolax...), which node modules would
otherwise import at every start, whether or not a node of theirs is ever deployed: the registry
imports every node module to register its types. The module is found at once (a missing library
is still an ``ImportError`` where it is named) and placed in ``sys.modules``, so every later
``import`` of it, ours or a library's, gets the same object; its code runs on the first attribute
read (``httpx.AsyncClient``), once per process, and from then on it is a plain module. Code that
needs the module's names for static typing imports it under ``TYPE_CHECKING``::

    if TYPE_CHECKING:
        import httpx
    else:
        httpx = lazy_module("httpx")

A class that subclasses one of the module's classes at module level would load it at import: such
classes are made on first use instead.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

__all__ = ["lazy_module"]


def lazy_module(name: str) -> ModuleType:
    """``name`` (absolute), loaded on its first attribute read; the module itself when already imported.
    ``ModuleNotFoundError`` when it is not installed."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # as an import does: ``paho.mqtt.client`` is an attribute of ``paho.mqtt``
        setattr(sys.modules[parent], child, module)
    return module

"""FastAPI imported with the pydantic models it defines left unbuilt until their first use.

``import fastapi`` defines the ~40 pydantic models of an OpenAPI document (``fastapi.openapi.models``:
``OpenAPI``, ``PathItem``, ``Operation``, ``Schema``...), and pydantic builds each one's validator
and serializer when the class is created: ~60 ms of a ~850 ms start (CPU, `-X importtime` and
cProfile, 2026-12-07), for models that serve only ``GET <admin root>/openapi.json``. Built with
pydantic's ``defer_build`` instead, each is completed the first time it validates or serializes,
once per process, with the same result (``/openapi.json`` is identical).

pydantic has no global setting for it: a model's config is copied from its bases when the class is
created, so ``BaseModel``'s config says ``defer_build`` while FastAPI's modules run, and is put back
as it was right after. Models defined later (ours, the nodes') are built as before.

Each field FastAPI creates for a route (its parameters, its response model) is first checked for a
pydantic v1 model, which FastAPI refuses, and the check imports ``pydantic.v1`` to have its
``BaseModel`` (~20 ms at the first route, 2026-12-07). No class can derive from that ``BaseModel``
before ``pydantic.v1`` is imported, so the check answers no without importing it until then (and
asks FastAPI's own check once it is imported).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["import_fastapi"]


def import_fastapi() -> None:
    """Import ``fastapi`` (once per process) with its models' build deferred and its pydantic v1
    check lazy; a no-op when it is already imported."""
    if "fastapi" in sys.modules:
        return
    from pydantic import BaseModel

    config = BaseModel.model_config
    had, before = "defer_build" in config, config.get("defer_build", False)
    config["defer_build"] = True
    try:
        import fastapi.utils
    finally:
        if had:
            config["defer_build"] = before
        else:
            del config["defer_build"]
    check = getattr(fastapi.utils, "annotation_is_pydantic_v1", None)
    if check is not None:  # what create_model_field calls for each field (FastAPI 0.1xx)

        def annotation_is_pydantic_v1(annotation: Any) -> bool:
            return "pydantic.v1" in sys.modules and bool(check(annotation))

        fastapi.utils.annotation_is_pydantic_v1 = annotation_is_pydantic_v1  # type: ignore[attr-defined]

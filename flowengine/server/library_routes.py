"""The examples library: ``GET /library/_examples_/flows`` lists the example flows and
``GET /library/_examples_/flows/<source>/<path>`` serves one (Node-RED's paths and listing shape).

Examples come from the ``flows/`` folder beside the ``flowengine`` package (a source checkout's
examples, listed as ``flowengine``) and from an ``examples`` folder inside each loaded node
package (listed under the package's name), as Node-RED lists its node modules' examples. Only
``.json`` files inside those folders are served.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute

from .errors import ApiError, needs
from .state import ServerState, server_state

__all__ = ["build_library_router", "example_sources"]

CHECKOUT_FLOWS = Path(__file__).resolve().parents[2] / "flows"


def example_sources(state: ServerState) -> dict[str, Path]:
    """Source name -> folder of example flows, for the folders that exist."""
    sources: dict[str, Path] = {}
    if CHECKOUT_FLOWS.is_dir():
        sources["flowengine"] = CHECKOUT_FLOWS
    registry = state.runtime.registry
    for name, module_name in sorted(registry.packages.items()):
        module = importlib.import_module(module_name)  # already imported by the registry
        origin = getattr(module, "__file__", None)
        folder = Path(origin).resolve().parent / "examples" if origin else None
        if folder is not None and folder.is_dir():
            sources[name] = folder
    return sources


def _listing(folder: Path) -> dict[str, Any]:
    """Node-RED's library listing of a folder: ``{"d": {sub: listing}, "f": [names without .json]}``."""
    dirs = {p.name: _listing(p) for p in sorted(folder.iterdir()) if p.is_dir() and not p.name.startswith(".")}
    files = [p.stem for p in sorted(folder.iterdir()) if p.is_file() and p.suffix == ".json"]
    out: dict[str, Any] = {}
    if dirs:
        out["d"] = {k: v for k, v in dirs.items() if v}
    if files:
        out["f"] = files
    return out


def build_library_router(route_class: type[APIRoute] = APIRoute) -> APIRouter:
    router = APIRouter(tags=["library"], route_class=route_class)

    @router.get("/library/_examples_/flows", summary="The example flows of flowengine and the node packages")
    @needs("library.read")
    async def list_examples(request: Request) -> dict[str, Any]:
        sources = example_sources(server_state(request))
        return {"d": {name: listing for name, folder in sources.items() if (listing := _listing(folder))}}

    @router.get("/library/_examples_/flows/{source}/{path:path}", summary="One example flow")
    @needs("library.read")
    async def get_example(request: Request, source: str, path: str) -> Any:
        folder = example_sources(server_state(request)).get(source)
        if folder is None:
            raise ApiError(404, "not_found", f"no examples named {source!r}")
        target = (folder / (path if path.endswith(".json") else f"{path}.json")).resolve()
        if not target.is_relative_to(folder.resolve()) or not target.is_file():
            raise ApiError(404, "not_found", f"no example {path!r} in {source}")
        try:
            return json.loads(target.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ApiError(500, "invalid_example", f"example {source}/{path} is not valid JSON: {exc}") from exc

    return router

"""The examples library (issue 11): ``GET /library/_examples_/flows`` lists the checkout's ``flows/``
and the ``examples`` folder each node package ships; one example is served by its path."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowengine.registry import Registry
from flowengine.testing import FlowHarness

from .conftest import AppFactory

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_registry(tmp_path: Path) -> Iterator[Registry]:
    """The default registry plus a real package ``demo_examples`` with ``examples/`` (one nested)."""
    root = tmp_path / "pkgs"
    pkg = root / "demo_examples"
    (pkg / "examples" / "basics").mkdir(parents=True)
    (pkg / "__init__.py").write_text("def register(registry):\n    pass\n")
    (pkg / "examples" / "hello demo.json").write_text(json.dumps([{"id": "t", "type": "tab", "label": "demo"}]))
    (pkg / "examples" / "basics" / "second.json").write_text("[]")
    (pkg / "examples" / "notes.txt").write_text("not an example")
    sys.path.insert(0, str(root))
    try:
        registry = Registry.default()
        assert registry.load_package("demo_examples", "demo")
        yield registry
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("demo_examples", None)


def test_lists_checkout_flows_and_package_examples(app_factory: AppFactory, demo_registry: Registry) -> None:
    client, _, _ = app_factory(registry=demo_registry)
    listing = client.get("/library/_examples_/flows").json()["d"]
    assert listing["demo"] == {"d": {"basics": {"f": ["second"]}}, "f": ["hello demo"]}
    assert listing["core"]["f"] == ["inject-and-debug", "subflow-with-a-property", "switch-and-change"]
    shipped = sorted(p.stem for p in (REPO / "flows").glob("*.json"))
    assert listing["flowengine"]["f"] == shipped and "hello" in shipped
    assert client.get("/library/_examples_/flows/demo/hello demo").json() == [
        {"id": "t", "type": "tab", "label": "demo"}]
    assert client.get("/library/_examples_/flows/demo/basics/second").json() == []
    hello = json.loads((REPO / "flows" / "hello.json").read_text())
    assert client.get("/library/_examples_/flows/flowengine/hello").json() == hello


def test_refuses_paths_outside_the_examples(app_factory: AppFactory, demo_registry: Registry) -> None:
    client, _, _ = app_factory(registry=demo_registry)
    for path in ("demo/..%2F__init__.py", "demo/notes.txt", "demo/missing", "nobody/hello", "demo/../../x"):
        r = client.get(f"/library/_examples_/flows/{path}")
        assert r.status_code == 404, (path, r.status_code, r.text)


CORE_EXAMPLES = sorted((REPO / "nodes" / "core" / "examples").glob("*.json"))
DEBUG_PAYLOADS = {  # what the debug sidebar shows once every inject was pressed
    "inject-and-debug.json": [None, "hello"],
    "switch-and-change.json": ["small", "big"],
    "subflow-with-a-property.json": ["42", "210"],
}


@pytest.mark.parametrize("path", CORE_EXAMPLES, ids=lambda p: p.name)
async def test_the_core_packages_examples_run(path: Path) -> None:
    """The examples flowengine.nodes.core ships (listed under "core") run: each inject is pressed, the debug
    node shows the messages, and nothing is logged as an error."""
    flows = json.loads(path.read_text())
    async with FlowHarness(flows) as h:
        for node in flows:
            if node["type"] == "inject":
                assert h.inject(node["id"])
        await h.drain()
        shown = [str(d.get("msg")) for t, d in h.events if t == "debug"]
        assert not [entry for entry in h.logs if entry[0] >= logging.ERROR], h.logs
    expected = DEBUG_PAYLOADS[path.name]
    assert len(shown) == len(expected), shown
    for text in filter(None, expected):
        assert any(text in s for s in shown), (text, shown)

"""DESIGN §1 layering: node packages stand on flowengine's public API, never on the server above it.

Walks the AST of every module under nodes/ (imports inside functions and ``TYPE_CHECKING`` blocks
included) so a node that reaches into ``flowengine.server`` fails here, not in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

NODES = Path(__file__).resolve().parents[2] / "nodes"
FORBIDDEN = ("flowengine.server", "flowengine.cli")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file; ``from x import y`` also yields ``x.y``."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return out


def test_no_node_module_imports_the_server() -> None:
    files = sorted(NODES.rglob("*.py"))
    assert len(files) > 40  # the walk really sees the node packages
    offenders = [f"{path.relative_to(NODES.parent)}:{line}: {module}"
                 for path in files for line, module in imported_modules(path)
                 if any(module == f or module.startswith(f + ".") for f in FORBIDDEN)]
    assert offenders == [], "nodes must use flowengine's runtime API (e.g. flowengine.http_routes):\n" + \
        "\n".join(offenders)


def test_the_walk_catches_every_import_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import flowengine.server.app\nfrom flowengine import server\n"
                      "def f():\n    from flowengine.server.http_nodes_router import x\n")
    assert [m for _, m in imported_modules(sample)] == [
        "flowengine.server.app", "flowengine", "flowengine.server", "flowengine.server.http_nodes_router",
        "flowengine.server.http_nodes_router.x"]

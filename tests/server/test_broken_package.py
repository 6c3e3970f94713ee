"""A node package whose import raises (issue 18, fault 6): ``flowengine serve`` still starts, logs the
package's name and error, lists it in ``GET /nodes`` with ``err``, and flows using its types wait
in the ``missing-types`` state; ``flowengine nodes`` names it and exits 1.

The package is real: a module and a ``.dist-info`` with a ``flowengine.nodes`` entry point in a
folder put on the server's ``PYTHONPATH``, found by ``importlib.metadata`` like any installed one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from .helpers import tab
from .served import function_node, served

pytestmark = pytest.mark.integration

ERROR = "RuntimeError: this node package is broken on purpose"


def _broken_package(root: Path) -> dict[str, str]:
    """Install the broken package into ``root``; the environment that makes it visible."""
    root.mkdir()
    (root / "broken_nodes.py").write_text('raise RuntimeError("this node package is broken on purpose")\n')
    info = root / "broken_nodes-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-nodes\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[flowengine.nodes]\nbroken = broken_nodes\n")
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def test_the_server_starts_and_reports_the_package_and_its_missing_types(tmp_path: Path) -> None:
    env = _broken_package(tmp_path / "plugins")
    flows = [tab(), function_node("f"), {"id": "b", "type": "broken-node", "z": "t1", "x": 1, "y": 1, "wires": []}]
    (tmp_path / "user").mkdir()
    with served(tmp_path / "user", flows, env=env, state="stop") as server:
        out = server.output()
        assert f"[broken] node package failed to load (module broken_nodes): {ERROR}" in out, out
        assert "flows not started, missing node types: broken-node" in out
        assert "Traceback" not in out
        sets = httpx.get(f"{server.base}/nodes", headers={"Accept": "application/json"}).json()
        [failed] = [s for s in sets if s["name"] == "broken"]
        assert failed["loaded"] is False and failed["types"] == [] and failed["err"] == ERROR
        assert any(s["name"] == "core" and "inject" in s["types"] for s in sets)  # the others loaded
        with connect(f"ws://127.0.0.1:{server.port}/comms") as comms:
            comms.send('{"subscribe": "notification/runtime-state"}')
            frame = comms.recv(timeout=5)
        assert '"error": "missing-types"' in frame.replace('":"', '": "') and "broken-node" in frame
        code, _ = server.stop()
        assert code == 0, server.output()


def test_flowengine_nodes_names_the_package_and_exits_1(tmp_path: Path) -> None:
    env = _broken_package(tmp_path / "plugins")
    done = subprocess.run([sys.executable, "-m", "flowengine", "nodes"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1, done.stderr
    assert f"node package broken failed to load: {ERROR}" in done.stderr
    assert "inject" in done.stdout and "Traceback" not in done.stderr

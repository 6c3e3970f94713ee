"""``flowengine --version`` and ``python -m flowengine`` (the console script's twin)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import flowengine
from flowengine.cli import main


def test_version_flag_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"flowengine {flowengine.__version__}"


def test_python_dash_m_flowengine_is_the_command(tmp_path):
    version = subprocess.run([sys.executable, "-m", "flowengine", "--version"],
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.strip() == f"flowengine {flowengine.__version__}"
    flows = tmp_path / "f.json"
    flows.write_text('[{"id": "t", "type": "tab"}, {"id": "n", "type": "no-such-type", "z": "t", "wires": []}]')
    bad = subprocess.run([sys.executable, "-m", "flowengine", "validate", str(flows)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "no-such-type" in bad.stdout
    usage = subprocess.run([sys.executable, "-m", "flowengine"], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and usage.stderr.startswith("usage: flowengine ")

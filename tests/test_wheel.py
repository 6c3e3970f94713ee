"""The wheel builds (``python -m build``), installs into a clean venv with nothing but itself and its
dependencies, and works from there: ``flowengine validate``, a short ``flowengine run``, ``nodes``,
``test``, the editor's files, the pytest plugin's entry point, and no top-level ``nodes`` or
``editor`` package next to it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE_IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", "node_modules",
                                       ".mypy_cache", ".ruff_cache", ".pytest_cache", "tests", "bench")
OFFLINE = ("No matching distribution", "Could not find a version", "NewConnectionError", "Temporary failure in name")


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """(the venv's bin folder, a clean environment, a work folder outside the checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=SOURCE_IGNORE)  # the build writes egg-info into its source tree
    env = {"PATH": f"{work / 'venv' / 'bin'}{os.pathsep}/usr/bin:/bin", "HOME": str(work),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE", "XDG_CACHE_HOME"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.setdefault("XDG_CACHE_HOME", str(Path.home() / ".cache"))  # pip's wheel cache
    built = _run([sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(source)], work,
                 {**env, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}, timeout=300)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [wheel] = sorted((work / "dist").glob("flowengine-*.whl"))
    venv.create(work / "venv", with_pip=True, clear=True)  # no system site-packages: a clean venv
    bin_dir = work / "venv" / "bin"
    pip = _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)], work, env, timeout=600)
    if pip.returncode != 0 and any(s in pip.stderr for s in OFFLINE) and os.environ.get("FLOWENGINE_NO_SKIP") != "1":
        pytest.skip("installing the wheel's dependencies needs a package index (PyPI or PIP_INDEX_URL): "
                    + pip.stderr.strip().splitlines()[-1])
    assert pip.returncode == 0, pip.stderr[-3000:]
    run_dir = work / "elsewhere"
    run_dir.mkdir()
    for name in ("hello.json", "hello.test.yaml"):
        shutil.copy(ROOT / "flows" / name, run_dir / name)
    return bin_dir, env, run_dir


@pytest.mark.integration
def test_the_installed_wheel_validates_runs_and_tests_flows(installed):
    bin_dir, env, cwd = installed
    version = _run([str(bin_dir / "flowengine"), "--version"], cwd, env)
    assert version.returncode == 0 and version.stdout.startswith("flowengine "), version.stderr
    valid = _run([str(bin_dir / "flowengine"), "validate", "hello.json"], cwd, env)
    assert valid.returncode == 0 and "0 errors" in valid.stdout, valid.stdout + valid.stderr
    nodes = _run([str(bin_dir / "flowengine"), "nodes"], cwd, env)
    assert nodes.returncode == 0, nodes.stderr  # every bundled package loaded (package data included)
    assert {"inject", "function", "openai-create-chat-completion", "ui_button"} <= {
        line.split()[0] for line in nodes.stdout.splitlines() if line.strip()}
    tested = _run([str(bin_dir / "flowengine"), "test", "hello.test.yaml"], cwd, env)
    assert tested.returncode == 0 and "1 passed" in tested.stdout, tested.stdout + tested.stderr

    log = cwd / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(bin_dir / "flowengine"), "run", "hello.json", "--user-dir", str(cwd / "user")],
                                cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "hello world #1" not in log.read_text() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "hello world #1" in log.read_text(), log.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0, log.read_text()


@pytest.mark.integration
def test_the_installed_packages(installed):
    bin_dir, env, cwd = installed
    probe = ("import importlib.util, importlib.metadata as md, flowengine\n"
             "from flowengine.server.app import editor_directory\n"
             "print(editor_directory() is not None)\n"
             "print(sorted(e.value for e in md.entry_points(group='pytest11') if e.name == 'flowengine'))\n"
             "print(sorted(e.value for e in md.entry_points(group='flowengine.nodes')))\n"
             "print(importlib.util.find_spec('nodes') is None, importlib.util.find_spec('editor') is None)\n")
    out = _run([str(bin_dir / "python"), "-c", probe], cwd, env)
    assert out.returncode == 0, out.stderr
    editor, plugin, node_packages, no_top_level = out.stdout.splitlines()
    assert editor == "True"
    assert plugin == "['flowengine.pytest_plugin']"
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"].get("packages", {})
    if "nodes*" not in find.get("find", {}).get("include", []):  # nodes/ and editor/ go inside flowengine
        assert node_packages == str(sorted(f"flowengine.nodes.{n}" for n in ("core", "dashboard", "openai")))
        assert no_top_level == "True True"

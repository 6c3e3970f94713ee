"""Folders for the OpenAI mocks (steady, prism): one per test run, sharing one npm install.

The shared scripts (``openai/mock/steady.sh``, ``prism.sh``) keep their PID file, log and patched
spec in ``MOCK_DIR`` and begin every ``start`` by stopping whatever that folder's PID file names. Two
test runs on one machine that used the same folder therefore killed each other's mock mid-test
("stream broken before its end: RemoteProtocolError", "All connection attempts failed"). So every
run starts its mock in a folder of its own (under pytest's per-run ``tmp_path_factory``), and only
the npm packages are shared: installed once per machine into ``$TMPDIR/openai-mock/<tool>`` under
a file lock, then linked into each run's folder, where the script finds them and installs nothing.
"""

from __future__ import annotations

import fcntl
import subprocess
import tempfile
from pathlib import Path

# tool -> (npm package, version, the executable the shared script checks, relative to node_modules)
PACKAGES = {
    "steady": ("@stdy/cli", "0.22.2", "@stdy/cli-linux-x64/bin/steady"),
    "prism": ("@stoplight/prism-cli", "5.16.0", ".bin/prism"),
}


def install_root() -> Path:
    """Where the npm packages of the mocks are installed, once per machine (``.ci/run`` uses it too)."""
    return Path(tempfile.gettempdir()) / "openai-mock"


def _installed(node_modules: Path, tool: str) -> bool:
    _, version, exe = PACKAGES[tool]
    binary = node_modules / exe
    if not binary.exists():
        return False
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60, check=False)
    return version in done.stdout


def shared_node_modules(tool: str) -> Path:
    """The shared ``node_modules`` holding ``tool``, installed under a lock when missing or stale."""
    package, version, _ = PACKAGES[tool]
    cache = install_root() / tool
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time; the others wait, then find it
        if not _installed(cache / "node_modules", tool):
            if not (cache / "package.json").exists():
                (cache / "package.json").write_text('{"private":true}\n')
            done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--engine-strict=false",
                                   "--loglevel=error", f"{package}@{version}"],
                                  cwd=cache, capture_output=True, text=True, timeout=300, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"npm install {package}@{version} failed: {done.stderr.strip()[-500:]}")
    return cache / "node_modules"


def run_mock_dir(tool: str, run_dir: Path) -> Path:
    """``run_dir`` (created, owned by this run alone) with the shared install of ``tool`` linked in."""
    run_dir.mkdir(parents=True, exist_ok=True)
    link = run_dir / "node_modules"
    if not link.exists():
        link.symlink_to(shared_node_modules(tool), target_is_directory=True)
    return run_dir

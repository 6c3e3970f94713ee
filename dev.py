#!/usr/bin/env python3
"""Set up the project's virtual environment and run it: ``python3 dev.py run`` or ``python3 dev.py test``.

Needs only Python 3.11+. Creates ``.venv`` on first use and reinstalls when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".installed"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"flowengine needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    if not PY.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != digest:
        print("installing flowengine and its test tools into .venv ...", flush=True)
        subprocess.run([PY, "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([PY, "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"], check=True)
        STAMP.write_text(digest)


def run(args: list[str]) -> int:
    if args[:1] == ["--"]:  # `dev.py run -- --port 1990`: the separator is ours, not serve's
        args = args[1:]
    server = subprocess.Popen([BIN / "flowengine", "serve", *args], cwd=ROOT)
    # Ctrl-C in a terminal reaches the server too (the same process group) and it stops on its own:
    # wait for it (subprocess.run killed it 0.25 s after a KeyboardInterrupt, in the middle of its
    # shutdown). A SIGTERM sent to this process alone is passed on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda sig, frame: server.send_signal(signal.SIGTERM))
    return server.wait()


def test(args: list[str]) -> int:
    steps = [
        [PY, "-m", "ruff", "check", "flowengine", "nodes", "tests", "bench"],
        [PY, "-m", "mypy", "flowengine"],
        [PY, "-m", "pytest", *args],
    ]
    for step in steps:
        print("+", " ".join(str(s) for s in step[1:]), flush=True)
        code = subprocess.run(step, cwd=ROOT).returncode
        if code:
            return code
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test", "setup"):
        print(__doc__)
        return 2
    ensure_venv()
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "run":
        return run(rest)
    if cmd == "test":
        return test(rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start and stop the steady OpenAPI mock (``/work/shared/openai/mock/steady.sh``) for tests and benchmarks.

``mock_dir`` must belong to one test run (a ``tmp_path_factory`` folder): the script stops whatever
process the folder's PID file names before it starts, so a folder shared by two runs lets one run
kill the other's mock (see ``tests/mock_dirs.py``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mock_dirs import PACKAGES, run_mock_dir
from shared_dir import shared_dir

SHARED = shared_dir()
STEADY = SHARED / "openai/mock/steady.sh"
SPEC_CURRENT = SHARED / "openai/spec/openapi-current.json"
SPEC_2023 = SHARED / "openai/spec/openapi-2023-11-08.yaml"
# the query/form encodings the official SDK uses (openai-python runs steady with the same flags)
STEADY_ARGS = ("--validator-query-array-format=brackets --validator-form-array-format=brackets "
               "--validator-query-object-format=brackets --validator-form-object-format=brackets")


def unavailable_reason() -> str | None:
    """Why the mock cannot run here, or None."""
    if not STEADY.exists() or not SPEC_CURRENT.exists():
        return f"needs the shared mock and spec under {SHARED}/openai (set FLOWENGINE_SHARED)"
    if shutil.which("npm") is None or shutil.which("curl") is None:
        return "needs npm and curl to install and probe the steady mock (@stdy/cli)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SteadyMock:
    """One steady process serving ``spec`` on 127.0.0.1 (its PID file lives in ``mock_dir``)."""

    spec: Path
    mock_dir: Path
    patch: bool = False
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ, MOCK_DIR=str(self.mock_dir), STEADY_ARGS=STEADY_ARGS, READY_TIMEOUT="60",
                   STEADY_VERSION=PACKAGES["steady"][1])
        if self.patch:
            env["STEADY_PATCH"] = "1"
        return env

    def start(self) -> None:
        run_mock_dir("steady", self.mock_dir)
        self.port = free_port()
        done = subprocess.run(["bash", str(STEADY), "start", str(self.spec), str(self.port)], env=self._env(),
                              capture_output=True, text=True, timeout=180, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"steady did not start: {done.stderr.strip()[-500:]}")

    def stop(self) -> None:
        subprocess.run(["bash", str(STEADY), "stop"], env=self._env(), capture_output=True, timeout=30, check=False)


PRISM = SHARED / "openai/mock/prism.sh"


@dataclass
class PrismMock:
    """Prism (patched current spec) on 127.0.0.1: checks bearer auth, forces statuses with ``Prefer``."""

    mock_dir: Path
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        return dict(os.environ, MOCK_DIR=str(self.mock_dir), READY_TIMEOUT="120", PRISM_VERSION=PACKAGES["prism"][1])

    def start(self) -> None:
        run_mock_dir("prism", self.mock_dir)
        self.port = free_port()
        done = subprocess.run(["bash", str(PRISM), "start", str(SPEC_CURRENT), str(self.port)], env=self._env(),
                              capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"prism did not start: {done.stderr.strip()[-500:]}")

    def stop(self) -> None:
        subprocess.run(["bash", str(PRISM), "stop"], env=self._env(), capture_output=True, timeout=30, check=False)

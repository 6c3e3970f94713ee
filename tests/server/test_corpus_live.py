"""Node-RED's own differential harness against ``flowengine serve``: every case of both corpus folders.

LIVE END-TO-END CHECK, JavaScript function cases included. It drives the public surfaces exactly as
Node-RED's tooling does (POST /flows v2, /comms, POST /inject, http-in endpoints, /context) with
``capture.py --check`` of ``nodered/corpus`` and of ``nodered/corpus-next`` (which starts a private
mosquitto for the cases that declare it). Needs the shared reference folder (env FLOWENGINE_SHARED,
or ../shared next to the repository) and mosquitto; takes a few minutes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from serve_process import free_port, wait_ready
from shared_dir import shared_dir

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SETTINGS = """
[contextStorage.default]
module = "memory"

[contextStorage.file]
module = "localfilesystem"
"""


@pytest.mark.parametrize("folder", ["corpus", "corpus-next"])
def test_corpus_against_live_server(tmp_path: Path, folder: str) -> None:
    shared = shared_dir()
    if not (shared / "nodered" / folder / "capture.py").exists():
        pytest.skip(f"Node-RED corpus not found under {shared}: set FLOWENGINE_SHARED to the shared folder")
    (tmp_path / "settings.toml").write_text(SETTINGS)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "flowengine.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--user-dir", str(tmp_path)]
    log = tmp_path / "server.log"

    def server_log() -> str:
        return f"--- flowengine serve output ({log}) ---\n{log.read_text(errors='replace')}"

    with log.open("wb") as out:
        server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        try:
            wait_ready(base, server)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{server_log()}") from None
        check = subprocess.run(
            [sys.executable, str(shared / "nodered" / folder / "capture.py"), "--base", base, "--check"],
            capture_output=True, text=True, timeout=900)
    finally:
        server.terminate()
        try:
            code = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise AssertionError(f"flowengine serve did not stop on SIGTERM\n{server_log()}") from None
    report = f"{check.stdout}{check.stderr}\n{server_log()}"
    if check.returncode == 3:  # capture.py: nothing failed, a case was skipped for a missing service
        pytest.skip(f"a {folder} case needs mosquitto (apt-get install mosquitto)\n{check.stdout[-2000:]}")
    assert "passed" in check.stdout + check.stderr, report
    assert check.returncode == 0, report
    assert code == 0, f"flowengine serve exited {code} after SIGTERM\n{server_log()}"

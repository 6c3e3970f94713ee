"""``serve()`` in a subprocess: listens on 127.0.0.1, serves the API, and on SIGTERM closes the
nodes, flushes file context and exits 0."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from serve_process import free_port, wait_ready

pytestmark = pytest.mark.integration

SCRIPT = """
import logging, sys
from flowengine.server import serve
from flowengine.settings import Settings
logging.basicConfig(level=logging.INFO, stream=sys.stdout)
settings = Settings.load(user_dir=sys.argv[1], uiPort=int(sys.argv[2]),
                         contextStorage={"default": {"module": "localfilesystem"}})
sys.exit(serve(settings, sys.argv[3] if len(sys.argv) > 3 else None))
"""


def test_serve_sigterm_flushes_context_and_exits_zero(tmp_path: Path) -> None:
    flows = [
        {"id": "t1", "type": "tab", "label": "t", "disabled": False, "info": "", "env": []},
        {"id": "inj", "type": "inject", "z": "t1", "props": [{"p": "payload"}], "payload": "kept",
         "payloadType": "str", "repeat": "", "crontab": "", "once": False, "x": 1, "y": 1, "wires": [["ch"]]},
        {"id": "ch", "type": "change", "z": "t1", "rules": [{"t": "set", "p": "k", "pt": "global",
                                                              "to": "payload", "tot": "msg"}],
         "x": 1, "y": 1, "wires": [[]]},
    ]
    flows_file = tmp_path / "my-flows.json"
    flows_file.write_text(json.dumps(flows))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path), str(port), str(flows_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ})
    try:
        wait_ready(base, proc)
        assert httpx.get(f"{base}/flows").json() == flows
        assert httpx.post(f"{base}/inject/inj").status_code == 200
        deadline = time.monotonic() + 5
        while httpx.get(f"{base}/context/global/k").json()["msg"] != "kept":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        out = proc.stdout.read().decode() if proc.stdout else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 0, out
    assert "adminAuth is not set" in out
    stored = json.loads((tmp_path / "context" / "global" / "global.json").read_text())
    assert stored["k"] == "kept"


def test_serve_port_in_use_returns_1(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), str(port)], capture_output=True,
                              timeout=60)
    assert proc.returncode == 1
    assert b"cannot listen" in proc.stdout + proc.stderr


def test_serve_refuses_bad_admin_auth(tmp_path: Path) -> None:
    from flowengine.server import serve
    from flowengine.settings import Settings

    settings = Settings(user_dir=tmp_path, uiPort=free_port(), adminAuth={"type": "strategy", "strategy": {}})
    assert serve(settings, None) == 1


def test_serve_refuses_wrong_credential_secret(tmp_path: Path) -> None:
    import asyncio

    from flowengine.registry import Registry
    from flowengine.runtime import Runtime
    from flowengine.server import serve
    from flowengine.settings import Settings

    flows = [{"id": "t1", "type": "tab", "label": "t"},
             {"id": "r", "type": "http request", "z": "t1", "method": "GET", "url": "http://x.test/", "x": 1,
              "y": 1, "wires": [[]], "credentials": {"user": "bob", "password": "pw"}}]

    async def write_creds() -> None:
        runtime = Runtime(Registry.default(), Settings(user_dir=tmp_path, credentialSecret="right"))
        await runtime.start([])
        await runtime.deploy(flows)
        await runtime.close()

    asyncio.run(write_creds())
    cred_file = tmp_path / "flows_cred.json"
    before = cred_file.read_bytes()
    settings = Settings(user_dir=tmp_path, uiPort=free_port(), credentialSecret="wrong")
    assert serve(settings, None) == 1
    assert cred_file.read_bytes() == before


def test_serve_on_loopback_refuses_rebound_hosts_and_cross_site_deploys(tmp_path: Path) -> None:
    """serve() bound to 127.0.0.1 turns on the Host check (DNS rebinding); the browser checks apply."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path), str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ})
    try:
        wait_ready(base, proc)
        rebound = httpx.get(f"{base}/flows", headers={"host": f"evil.example:{port}"})
        assert rebound.status_code == 403 and rebound.json()["code"] == "forbidden_host"
        assert httpx.get(f"http://localhost:{port}/flows").status_code == 200
        deploy = json.dumps([{"id": "t1", "type": "tab", "label": "t"}])
        plain = httpx.post(f"{base}/flows", content=deploy, headers={"content-type": "text/plain"})
        assert plain.status_code == 415
        cross = httpx.post(f"{base}/flows", content=deploy, headers={"content-type": "application/json",
                                                                     "origin": "https://evil.example"})
        assert cross.status_code == 403 and cross.json()["code"] == "forbidden_origin"
        assert httpx.get(f"{base}/flows").json() == []
        same = httpx.post(f"{base}/flows", content=deploy, headers={"content-type": "application/json",
                                                                    "origin": base})
        assert same.status_code == 204 and httpx.get(f"{base}/flows").json()[0]["id"] == "t1"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


PREPARED = """
import socket, sys
from flowengine.registry import Registry
real = Registry.prepare_validation

def prepare(self, package="core"):
    with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=5):
        pass  # the server listens already
    real(self, package)
    print("prepared", package, len(self._validators), "jsonschema" in sys.modules, flush=True)

Registry.prepare_validation = prepare
"""


def test_serve_builds_the_core_validators_once_it_listens(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-c", PREPARED + SCRIPT, str(tmp_path), str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ})
    try:
        wait_ready(base, proc)
        assert proc.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        stdout = proc.stdout
        threading.Thread(target=lambda: [lines.put(line.decode()) for line in stdout], daemon=True).start()
        seen: list[str] = []
        deadline = time.monotonic() + 60
        while not seen or not seen[-1].startswith(("prepared", "Traceback")):
            seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    words = seen[-1].split()
    assert words[:2] == ["prepared", "core"] and int(words[2]) > 40 and words[3] == "True", seen
    assert code == 0

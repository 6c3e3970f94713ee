"""``flowengine serve`` as a real subprocess: a SIGTERM shutdown is bounded by nodeCloseTimeout plus
``SHUTDOWN_MARGIN_S`` whatever is in flight (a hanging close, an http-in request, a comms client),
refuses new connections once it started, and a wrong credentialSecret refuses to start, saying so."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from serve_process import free_port, wait_ready
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from flowengine.server.serve import SHUTDOWN_MARGIN_S, WATCHDOG_GRACE_S

from .helpers import tab

pytestmark = pytest.mark.integration

CLOSE_TIMEOUT_S = 1.5
EXIT_SLACK_S = 1.5
"""Interpreter teardown and a loaded CI machine, on top of the documented bound."""
BOUND_S = CLOSE_TIMEOUT_S + SHUTDOWN_MARGIN_S + EXIT_SLACK_S
SETTINGS = f"""
nodeCloseTimeout = {int(CLOSE_TIMEOUT_S * 1000)}

[contextStorage.default]
module = "localfilesystem"
"""


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    base: str
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        """Send ``sig``; the exit code and the seconds the process took to exit."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=BOUND_S + 10)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"no exit after {BOUND_S + 10}s:\n{self.output()}") from None
        return code, time.monotonic() - started


def _write(tmp_path: Path, flows: list[dict[str, Any]], settings: str) -> tuple[Path, Path]:
    flows_file = tmp_path / "flows.json"
    flows_file.write_text(json.dumps(flows))
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text(settings)
    return flows_file, settings_file


def _command(tmp_path: Path, port: int, settings_file: Path) -> list[str]:
    return [sys.executable, "-m", "flowengine.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--user-dir", str(tmp_path), "--settings", str(settings_file)]


@contextmanager
def served(tmp_path: Path, flows: list[dict[str, Any]], settings: str = SETTINGS) -> Iterator[Served]:
    _, settings_file = _write(tmp_path, flows, settings)
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(_command(tmp_path, port, settings_file), stdout=out, stderr=subprocess.STDOUT)
    running = Served(proc, f"http://127.0.0.1:{port}", port, log)
    try:
        try:
            wait_ready(running.base, proc)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{running.output()}") from None
        yield running
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _function(node_id: str, func: str = "return msg", finalize: str = "", wires: Any = None) -> dict[str, Any]:
    return {"id": node_id, "type": "function", "language": "python",
            "z": "t1", "name": node_id, "func": func, "outputs": 1,
            "initialize": "", "finalize": finalize, "libs": [], "x": 1, "y": 1, "wires": wires or [[]]}


def _refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def test_sigterm_with_a_hanging_close_exits_0_within_the_bound(tmp_path: Path) -> None:
    hang = "import asyncio\nawait asyncio.sleep(60)"
    with served(tmp_path, [tab(), _function("fn", finalize=hang)]) as server:
        code, took = server.stop()
        out = server.output()
    assert code == 0, out
    assert CLOSE_TIMEOUT_S - 0.2 <= took <= BOUND_S, (took, out)  # waited for the close, not longer
    assert "Close timed out" in out


def test_new_connections_are_refused_once_shutdown_started(tmp_path: Path) -> None:
    hang = "import asyncio\nawait asyncio.sleep(60)"
    with served(tmp_path, [tab(), _function("fn", finalize=hang)]) as server:
        assert not _refused(server.port)
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)  # the node's close hangs for CLOSE_TIMEOUT_S: the shutdown is under way
        refused = _refused(server.port)
        still_running = server.proc.poll() is None
        code = server.proc.wait(timeout=BOUND_S + 10)
        out = server.output()
    assert still_running, out
    assert refused, "a new connection was accepted after SIGTERM"
    assert code == 0, out


def test_sigterm_with_an_http_request_in_flight_and_a_comms_client(tmp_path: Path) -> None:
    flows = [tab(), {"id": "in1", "type": "http in", "z": "t1", "name": "", "url": "/slow", "method": "post",
                     "upload": False, "swaggerDoc": "", "x": 1, "y": 1, "wires": [[]]}]  # never answered
    answer: list[httpx.Response | BaseException] = []

    def request(base: str) -> None:
        try:
            answer.append(httpx.post(f"{base}/slow", json={"a": 1}, timeout=BOUND_S + 10))
        except httpx.HTTPError as exc:
            answer.append(exc)

    with served(tmp_path, flows) as server, connect(f"ws://127.0.0.1:{server.port}/comms") as comms:
        comms.send(json.dumps({"subscribe": "notification/#"}))
        assert any(e["topic"] == "notification/runtime-deploy" for e in json.loads(comms.recv(timeout=5)))
        caller = threading.Thread(target=request, args=(server.base,))
        caller.start()
        time.sleep(0.5)  # the request reached the http in node and waits for a response node
        assert not answer
        code, took = server.stop()
        caller.join(timeout=10)
        with pytest.raises(ConnectionClosed):
            while True:
                comms.recv(timeout=BOUND_S)
        out = server.output()
    assert code == 0, out
    assert took <= BOUND_S, (took, out)
    assert len(answer) == 1 and isinstance(answer[0], httpx.Response), answer
    assert answer[0].status_code == 503 and answer[0].text == "Service shutting down"


def test_close_that_ignores_cancellation_is_cut_at_the_bound_with_context_flushed(tmp_path: Path) -> None:
    stubborn = ("import asyncio\ntry:\n    await asyncio.sleep(60)\nexcept asyncio.CancelledError:\n"
                "    await asyncio.sleep(60)\n")
    keep = "global_.set('k', msg['payload'])\nreturn msg"
    flows = [tab(), _function("fn", finalize=stubborn),
             _function("keep", func=keep),
             {"id": "inj", "type": "inject", "z": "t1", "props": [{"p": "payload"}], "payload": "kept",
              "payloadType": "str", "repeat": "", "crontab": "", "once": False, "topic": "", "x": 1, "y": 1,
              "wires": [["keep"]]}]
    with served(tmp_path, flows) as server:
        assert httpx.post(f"{server.base}/inject/inj").status_code == 200
        deadline = time.monotonic() + 5
        while httpx.get(f"{server.base}/context/global/k").json()["msg"] != "kept":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        code, took = server.stop()
        out = server.output()
    assert code == 1, out  # not a clean shutdown, and says so
    assert took <= BOUND_S, (took, out)
    assert "shutdown exceeded nodeCloseTimeout" in out and "function:fn" in out
    assert json.loads((tmp_path / "context" / "global" / "global.json").read_text())["k"] == "kept"


def test_close_that_blocks_the_event_loop_is_ended_by_the_watchdog(tmp_path: Path) -> None:
    with served(tmp_path, [tab(), _function("fn", finalize="import time\ntime.sleep(60)")]) as server:
        code, took = server.stop()
        out = server.output()
    assert code == 1, out
    assert took <= BOUND_S + WATCHDOG_GRACE_S, (took, out)
    assert "blocking the event loop" in out


def test_wrong_credential_secret_refuses_to_start_and_says_why(tmp_path: Path) -> None:
    from flowengine.registry import Registry
    from flowengine.runtime import Runtime
    from flowengine.settings import Settings

    flows = [tab(), {"id": "r", "type": "http request", "z": "t1", "method": "GET", "url": "http://x.test/",
                     "x": 1, "y": 1, "wires": [[]], "credentials": {"user": "bob", "password": "pw"}}]

    async def write_with_right_secret() -> None:
        runtime = Runtime(Registry.default(), Settings(user_dir=tmp_path, credentialSecret="right"))
        await runtime.start([])
        await runtime.deploy(flows)
        await runtime.close()

    asyncio.run(write_with_right_secret())
    cred_file = tmp_path / "flows_cred.json"
    before = cred_file.read_bytes(), (tmp_path / "flows.json").read_bytes()
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text('credentialSecret = "wrong"\n')
    proc = subprocess.run(_command(tmp_path, free_port(), settings_file), capture_output=True, text=True,
                          timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "cannot start: credentials file" in out
    assert "cannot be decrypted with the configured credentialSecret (wrong secret?)" in out
    assert "The file is left untouched; set the secret that was used to write it." in out
    assert (cred_file.read_bytes(), (tmp_path / "flows.json").read_bytes()) == before

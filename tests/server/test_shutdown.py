"""``flowengine serve`` as a real subprocess: a SIGTERM shutdown is bounded by nodeCloseTimeout plus
``SHUTDOWN_MARGIN_S`` whatever is in flight (a hanging close, an http-in request, a comms client),
refuses new connections once it started, and a wrong credentialSecret refuses to start, saying so."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from serve_process import free_port
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from flowengine.server.serve import WATCHDOG_GRACE_S

from .helpers import tab
from .served import BOUND_S, CLOSE_TIMEOUT_S, function_node, serve_command, served

pytestmark = pytest.mark.integration


def _refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def test_sigterm_with_a_hanging_close_exits_0_within_the_bound(tmp_path: Path) -> None:
    hang = "import asyncio\nawait asyncio.sleep(60)"
    with served(tmp_path, [tab(), function_node("fn", finalize=hang)]) as server:
        code, took = server.stop()
        out = server.output()
    assert code == 0, out
    assert CLOSE_TIMEOUT_S - 0.2 <= took <= BOUND_S, (took, out)  # waited for the close, not longer
    assert "Close timed out" in out


def test_new_connections_are_refused_once_shutdown_started(tmp_path: Path) -> None:
    hang = "import asyncio\nawait asyncio.sleep(60)"
    with served(tmp_path, [tab(), function_node("fn", finalize=hang)]) as server:
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
    # the flow keeps the message (so the request stays answerable) but never answers it; a request
    # whose message nobody holds any more is answered 503 at once (test_redeploy_requests.py)
    keep = function_node("keep", func="context.set('kept', msg)\nreturn None")
    flows = [tab(), {"id": "in1", "type": "http in", "z": "t1", "name": "", "url": "/slow", "method": "post",
                     "upload": False, "swaggerDoc": "", "x": 1, "y": 1, "wires": [["keep"]]}, keep]
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
        deadline = time.monotonic() + 30  # until the request's message is in the flow (kept, unanswered)
        while httpx.get(f"{server.base}/context/node/keep/kept", timeout=10).json()["format"] == "undefined":
            assert time.monotonic() < deadline, "the request never reached the flow"
            time.sleep(0.05)
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
    assert answer[0].status_code == 503 and answer[0].text == "Service shutting down", (answer[0].text, out)


def test_close_that_ignores_cancellation_is_cut_at_the_bound_with_context_flushed(tmp_path: Path) -> None:
    stubborn = ("import asyncio\ntry:\n    await asyncio.sleep(60)\nexcept asyncio.CancelledError:\n"
                "    await asyncio.sleep(60)\n")
    keep = "global_.set('k', msg['payload'])\nreturn msg"
    flows = [tab(), function_node("fn", finalize=stubborn),
             function_node("keep", func=keep),
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
    assert "[function:fn] Close timed out" in out
    assert "close handler ignores cancellation: abandoned after nodeCloseTimeout" in out
    assert "(node fn, type function)" in out
    assert json.loads((tmp_path / "context" / "global" / "global.json").read_text())["k"] == "kept"


def test_close_that_blocks_the_event_loop_is_ended_by_the_watchdog(tmp_path: Path) -> None:
    with served(tmp_path, [tab(), function_node("fn", finalize="import time\ntime.sleep(60)")]) as server:
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
    proc = subprocess.run(serve_command(tmp_path, free_port(), settings_file), capture_output=True, text=True,
                          timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "cannot start: credentials file" in out
    assert "cannot be decrypted with the configured credentialSecret (wrong secret?)" in out
    assert "The file is left untouched; set the secret that was used to write it." in out
    assert (cred_file.read_bytes(), (tmp_path / "flows.json").read_bytes()) == before


def test_sigint_shuts_down_as_gracefully_as_sigterm(tmp_path: Path) -> None:
    # Ctrl-C: one SIGINT is a graceful stop (uvicorn waits for open requests and ends the app's
    # lifespan); only a second one forces the exit
    with served(tmp_path, [tab()]) as server:
        server.proc.send_signal(signal.SIGINT)
        code = server.proc.wait(timeout=BOUND_S + 10)
        out = server.output()
    assert code == 0, out
    assert "Finished server process" in out and "ERROR" not in out and "Traceback" not in out, out


def test_a_first_sigint_does_not_force_the_exit_a_second_does() -> None:
    from uvicorn import Config

    from flowengine.server.serve import _Server

    server = _Server(Config(app=lambda *args: None), None, close_timeout_s=1.0)
    try:
        server.handle_exit(signal.SIGINT, None)
        assert server.should_exit and not server.force_exit
        server.handle_exit(signal.SIGINT, None)
        assert server.force_exit
    finally:
        assert server.watchdog is not None
        server.watchdog.cancel()

"""Every example flow shipped with Node-RED 5.0.7 validates and runs without an error Node-RED would not log.

The examples (``<shared>/nodered/examples/flows``, copied unchanged from @node-red/nodes/examples,
see its README) are what a new user imports first. Most hold no tab node (Node-RED's runtime adds
one), many use JavaScript function code. For each file, as ``flowengine validate`` then
``flowengine run --admin`` would: the validate command must exit 0; then the runtime and its HTTP
server run the flow on a free 127.0.0.1 port (calls to Node-RED's own ``localhost:1880`` are pointed
at it), every inject is pressed through ``POST /inject/<id>``, every ``http in`` endpoint is
requested once (as the shared checker does), and after ``RUN_S`` seconds nothing may have been
logged at ERROR (node errors that reached no catch node included) but the errors an example
makes on purpose (``EXPECTED_ERRORS``), every press and request must be answered below 400.

``NEEDS`` names the examples that wait for a piece of Node-RED's core another change adds: they are
expected to fail (strict: once one passes, the test says so and its entry must go).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from shared_dir import shared_dir

from flowengine.cli import main
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app
from flowengine.settings import Settings

pytestmark = pytest.mark.integration

EXAMPLES = shared_dir() / "nodered" / "examples" / "flows"
RUN_S = 2.0

NEEDS: dict[str, tuple[str, ...]] = {
    # examples waiting for a piece of Node-RED's core that is not built yet: none left
}
EXPECTED_ERRORS = {
    # errors an example makes on purpose: Node-RED logs them too
    "parser/json/03 - Validate input JSON string.json": (r"JSON Schema error: data/price must be number",),
    # node.error("...") without a message: logged, no catch node sees it
    "function/function/04 - Logging events.json": (r"Oh no, something bad happened",),
    # global.get("os") is undefined unless settings.js puts the module in functionGlobalContext
    "function/function/08 - Using external modules.json": (r"(?i)undefined.*hostname|hostname.*undefined",),
    # watches and writes /tmp/HG, which the user is to create first (the example's comment says so)
    "storage/watch/02 - Watch change in a directory.json": (r"/tmp/HG does not exist",
                                                             r"ENOENT: no such file or directory, open '/tmp/HG/"),
}
LOCAL_1880 = re.compile(r"\b(localhost|127\.0\.0\.1):1880\b")


def example_files() -> list[str]:
    if not EXAMPLES.is_dir():
        return []
    return sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*") if p.is_file())


def cases() -> list[Any]:
    files = example_files()
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"Node-RED examples not found under {EXAMPLES}: set FLOWENGINE_SHARED to the shared folder"))]
    unknown = sorted({rel for rels in NEEDS.values() for rel in rels} - set(files))
    assert not unknown, f"NEEDS names files that are not examples: {unknown}"
    out = []
    for rel in files:
        needs = [piece for piece, rels in NEEDS.items() if rel in rels]
        marks = [pytest.mark.xfail(strict=True, reason="needs " + ", ".join(needs))] if needs else []
        out.append(pytest.param(rel, marks=marks, id=rel))
    return out


class ErrorLog(logging.Handler):
    """Every record at ERROR or above, as text."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.default()


@pytest.mark.parametrize("rel", cases())
async def test_example_validates_and_runs(rel: str, tmp_path: Path, registry: Registry,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = EXAMPLES / rel
    assert await asyncio.to_thread(main, ["validate", str(path), "--user-dir", str(tmp_path / "v")]) == 0, \
        capsys.readouterr().out
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    flows = json.loads(LOCAL_1880.sub(lambda m: f"{m.group(1)}:{port}", path.read_text(encoding="utf-8")))
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    try:
        problems = await run_example(flows, sock, port, tmp_path / "u", registry)
    finally:
        logging.getLogger().removeHandler(errors)
        sock.close()
    expected = EXPECTED_ERRORS.get(rel, ())
    problems += [line for line in errors.lines if not any(re.search(e, line) for e in expected)]
    assert not problems, f"{rel}:\n" + "\n".join(problems)


async def run_example(flows: list[dict[str, Any]], sock: socket.socket, port: int, user_dir: Path,
                      registry: Registry) -> list[str]:
    """Run ``flows`` behind the real server; the presses and requests that failed."""
    settings = Settings.load(user_dir=user_dir)
    runtime = Runtime(registry, settings)
    app = create_app(runtime, settings, editor=False, admin=True, start_runtime=False)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on",
                                           ws_ping_interval=None, timeout_graceful_shutdown=1))
    problems: list[str] = []
    await runtime.start(flows)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not serving.done(), "the server did not start"
            await asyncio.sleep(0.02)
        await runtime.wait_started()
        if runtime.state != "start":
            return [f"flows not started: state {runtime.state}, missing types {runtime.missing_types}"]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=RUN_S) as client:
            for n in flows:
                if n.get("type") == "inject" and not n.get("d"):
                    r = await client.post(f"/inject/{n['id']}", json={})
                    if not 200 <= r.status_code < 300:
                        problems.append(f"POST /inject/{n['id']}: {r.status_code}")
                    await asyncio.sleep(0.1)
            for n in flows:
                if n.get("type") == "http in" and not n.get("d"):
                    problems.extend(await probe(client, n))
        await asyncio.sleep(RUN_S)
    finally:
        server.should_exit = True
        await serving
        await runtime.close()
    return problems


async def probe(client: httpx.AsyncClient, node: dict[str, Any]) -> list[str]:
    """Request an ``http in`` endpoint as a browser would; a failure as text."""
    method = str(node.get("method") or "get").upper()
    path = "/" + re.sub(r"/:([^/]+)", "/x", str(node.get("url") or "/")).lstrip("/")
    kwargs: dict[str, Any] = {}
    if method == "POST" and node.get("upload"):
        kwargs["files"] = {"file": ("hello.txt", b"hello", "text/plain")}
    elif method in ("POST", "PUT", "PATCH"):
        kwargs.update(content=b"hello", headers={"content-type": "text/plain"})
    elif method not in ("GET", "DELETE"):
        return []
    try:
        r = await client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        return [f"{method} {path}: {type(exc).__name__}: {exc}"]
    return [f"{method} {path}: {r.status_code} {r.text[:200]}"] if r.status_code >= 400 else []

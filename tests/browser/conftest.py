"""Browser tests: a real ``flowengine serve`` on a loopback port, driven by headless Debian Chromium.

Needs ``apt-get install chromium`` (the browser at /usr/bin/chromium) and ``pip install playwright``
(never ``playwright install``: we use the system browser). Screenshots go to artifacts/screenshots/.
``FLOWENGINE_SERVE`` overrides the command that starts the server (default: ``python -m flowengine serve``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mock_dirs import PACKAGES, run_mock_dir
from serve_process import free_port
from shared_dir import shared_dir

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCREENSHOTS = REPO / "artifacts" / "screenshots"
V2 = {"Node-RED-API-Version": "v2"}
EXPECT_S = 20
"""Ceiling of Playwright's ``expect`` assertions (its default is 5 s): they pass as soon as the
condition holds, and the CI machine (2 cores, two test workers, Chromium) is slow at times."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def _serve_command() -> list[str]:
    """``python -m flowengine serve`` run from the repository (``cwd=REPO``): the code under test is this
    checkout's, also in a git worktree whose venv has another checkout installed (the ``flowengine``
    console script would import that one)."""
    override = os.environ.get("FLOWENGINE_SERVE")  # e.g. "flowengine serve"
    if override:
        return override.split()
    return [sys.executable, "-m", "flowengine", "serve"]


class Server:
    """One ``flowengine serve`` process on 127.0.0.1 with its own user dir."""

    def __init__(self, user_dir: Path, port: int | None = None, root: str = "/") -> None:
        self.user_dir = user_dir
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}{root}"
        self.log_path = user_dir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [*_serve_command(), "--host", "127.0.0.1", "--port", str(self.port), "--user-dir", str(self.user_dir)]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"flowengine serve exited with {self.proc.returncode}: {self.log()[-2000:]}")
            try:
                if httpx.get(self.base + "settings", timeout=1).status_code in (200, 401):
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"flowengine serve did not answer: {self.log()[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.proc = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- admin API helpers ---
    def flows(self) -> dict[str, Any]:
        r = httpx.get(self.base + "flows", headers=V2, timeout=10)
        r.raise_for_status()
        return dict(r.json())

    def deploy(self, flows: list[dict[str, Any]], rev: str | None = None) -> str:
        body: dict[str, Any] = {"flows": flows}
        if rev:
            body["rev"] = rev
        r = httpx.post(self.base + "flows", json=body, headers={**V2, "Node-RED-Deployment-Type": "full"}, timeout=30)
        r.raise_for_status()
        return str(r.json()["rev"])


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs playwright: pip install playwright (no `playwright install`: the system chromium is used)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, playwright_browser: Any) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("user"))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def page(playwright_browser: Any, server: Server) -> Iterator[Any]:
    """A fresh browser page; the server's flows are reset to one empty tab first."""
    server.deploy([{"id": "tab1", "type": "tab", "label": "Flow 1", "disabled": False, "info": "", "env": []}])
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    from playwright.sync_api import expect  # installed: playwright_browser skips otherwise

    expect.set_options(timeout=EXPECT_S * 1000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()
    assert not errors, f"JavaScript errors in the editor: {errors}"


@pytest.fixture
def editor(page: Any, server: Server) -> Any:
    """The editor loaded and ready."""
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']", timeout=15000)
    return page


@pytest.fixture
def shot() -> Any:
    """shot(page, name): save a screenshot to artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(pg: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        pg.evaluate("document.getElementById('notices')?.replaceChildren()")
        pg.screenshot(path=str(path))
        return path

    return take


@pytest.fixture
def steady_mock(tmp_path: Path) -> Iterator[str]:
    """The steady OpenAI mock on a free port (skips when the script is not available)."""
    script = shared_dir() / "openai" / "mock" / "steady.sh"
    if not script.exists():
        pytest.skip(f"needs the steady OpenAI mock script at {script}: set FLOWENGINE_SHARED to the shared folder")
    port = free_port()
    env = {**os.environ, "MOCK_DIR": str(tmp_path / "steady"), "STEADY_VERSION": PACKAGES["steady"][1]}
    try:  # this test's own folder, the npm install shared (tests/mock_dirs.py)
        run_mock_dir("steady", tmp_path / "steady")
    except RuntimeError as exc:
        pytest.skip(f"steady mock could not be installed: {exc}")
    started = subprocess.run(
        ["bash", str(script), "start", "", str(port)], env=env, capture_output=True, text=True, timeout=180
    )
    if started.returncode != 0:
        pytest.skip(f"steady mock did not start: {started.stdout[-500:]} {started.stderr[-500:]}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        subprocess.run(["bash", str(script), "stop"], env=env, capture_output=True, timeout=30)

"""Queue mode in the editor (issue 14): the top bar shows which workers are alive and how busy they
are, from the coordinator's ``notification/queue`` event. A real Redis, a coordinator
(``flowengine serve`` with ``[queue] url``) and a ``flowengine worker`` process; the function node
(a boundary) holds its messages until the test creates a file, so the busy count is the test's to set."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis_server import RedisServer
from service_process import ServiceUnavailable

from .conftest import REPO, Server

pytestmark = pytest.mark.integration

HOLD = (
    "import asyncio, os\n"
    "while not os.path.exists(msg['payload']):\n"
    "    await asyncio.sleep(0.05)\n"
    "return msg\n"
)


def _flows(release: Path) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "queue"},
        {"id": "go", "type": "inject", "z": "t", "props": [{"p": "payload"}], "payload": str(release),
         "payloadType": "str", "repeat": "", "once": False, "wires": [["hold"]]},
        {"id": "hold", "type": "function", "z": "t", "language": "python", "func": HOLD, "outputs": 1,
         "wires": [[]]},
    ]


@pytest.fixture
def queue_editor(playwright_browser: Any, tmp_path: Path) -> Iterator[tuple[Any, Server, subprocess.Popen[bytes]]]:
    redis = RedisServer()
    try:
        redis.start()
    except ServiceUnavailable as exc:
        pytest.skip(str(exc))
    user_dir = tmp_path / "user"
    user_dir.mkdir()
    settings = user_dir / "settings.toml"
    settings.write_text(f'credentialSecret = "queue-status-test"\n[queue]\nurl = "{redis.url}"\n'
                        'boundary = ["function"]\nlease = 1.0\nconcurrency = 2\n')
    server = Server(user_dir)
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flowengine", "worker", "--settings", str(settings), "--user-dir", str(user_dir)],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    context = None
    try:
        server.start()
        context = playwright_browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        yield page, server, worker
    finally:
        if context is not None:
            context.close()
        server.stop()
        if worker.poll() is None:
            worker.terminate()
            worker.wait(15)
        redis.stop()


def test_top_bar_shows_the_workers_and_their_load(queue_editor: tuple[Any, Server, subprocess.Popen[bytes]],
                                                  tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page, server, worker = queue_editor
    release = tmp_path / "release"
    server.deploy(_flows(release))
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']", timeout=15000)
    status = page.locator("#queue-status")
    expect(status).to_be_visible()
    expect(status).to_have_attribute("data-queue-workers", "1")
    expect(status).to_have_text("queue: 1 worker (0/2 busy) · 0 waiting")
    expect(status).to_have_attribute("data-state", "ok")

    for _ in range(2):  # the inject button's route, as the editor's button calls it
        r = httpx.post(server.base + "inject/go", timeout=10)
        assert r.status_code == 200, r.text
    expect(status).to_have_text("queue: 1 worker (2/2 busy) · 0 waiting")
    assert "2/2 busy" in (status.get_attribute("title") or "")

    release.write_text("")  # the held messages finish
    expect(status).to_have_text("queue: 1 worker (0/2 busy) · 0 waiting")

    worker.kill()  # stops renewing its heartbeat: after three leases it is not alive
    worker.wait(10)
    expect(status).to_have_attribute("data-state", "down")
    expect(status).to_have_text("queue: 0 workers (0/0 busy) · 0 waiting")
    assert "not answering" in (status.get_attribute("title") or "")

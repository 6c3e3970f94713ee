"""The README's picture of the editor (docs/editor.png), made by this test and reviewed by looking at it:
an inject -> change -> OpenAI chat -> debug flow with a group and a comment, run once against a local
fake OpenAI server, its answer open in the debug sidebar and the chat node's help beside it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import REPO, Server

PICTURE = REPO / "docs" / "editor.png"
ANSWER = "Node-RED flows run unchanged here: wire an OpenAI node in, deploy, and watch the debug sidebar."


@pytest.fixture
def fake_openai() -> Iterator[str]:
    """A chat-completions endpoint on 127.0.0.1 that answers ``ANSWER`` with token usage."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            body = json.dumps({
                "id": "chatcmpl-readme", "object": "chat.completion", "created": 1765000000, "model": "gpt-4o-mini",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": ANSWER}}],
                "usage": {"prompt_tokens": 24, "completion_tokens": 19, "total_tokens": 43}}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _flows(base_url: str) -> list[dict[str, Any]]:
    return [
        {"id": "demo", "type": "tab", "label": "Chat demo"},
        {"id": "note", "type": "comment", "z": "demo", "name": "Press the inject button; the reply shows in the "
         "debug sidebar", "x": 380, "y": 60, "wires": []},
        {"id": "grp", "type": "group", "z": "demo", "name": "ask the model", "nodes": ["prompt", "chat"],
         "style": {"label": True, "stroke": "#3f93cf", "fill": "#e3f3fd", "fill-opacity": "0.5"},
         "x": 214, "y": 99, "w": 372, "h": 82},
        {"id": "question", "type": "inject", "z": "demo", "name": "question", "props": [{"p": "payload"}],
         "payload": "What does flowengine do?", "payloadType": "str", "repeat": "", "once": False,
         "x": 120, "y": 140, "wires": [["prompt"]]},
        {"id": "prompt", "type": "change", "z": "demo", "g": "grp", "name": "build prompt", "rules": [
            {"t": "set", "p": "payload", "pt": "msg", "tot": "jsonata",
             "to": '[{"role": "system", "content": "Answer in one sentence."}, {"role": "user", "content": payload}]'}],
         "x": 300, "y": 140, "wires": [["chat"]]},
        {"id": "chat", "type": "openai-create-chat-completion", "z": "demo", "g": "grp", "name": "ask the model",
         "config": "acct", "model": "gpt-4o-mini", "x": 490, "y": 140, "wires": [["answer"]]},
        {"id": "answer", "type": "debug", "z": "demo", "name": "answer", "active": True, "tosidebar": True,
         "console": False, "tostatus": False, "complete": "payload.choices[0].message.content",
         "targetType": "msg", "x": 680, "y": 140, "wires": []},
        {"id": "acct", "type": "openai-config", "name": "OpenAI", "base_url": base_url,
         "credentials": {"api_key": "sk-readme-picture"}},
    ]


def test_readme_picture_of_the_editor(page: Any, server: Server, fake_openai: str) -> None:
    server.deploy(_flows(fake_openai))
    page.goto(server.base)
    page.wait_for_selector("body[data-ready='1']", timeout=15000)
    page.locator('[data-node-id="question"] [data-action="inject"]').click()
    entry = page.locator("#debug .debug-message").filter(has_text="answer")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Node-RED flows run unchanged here")
    page.evaluate("document.getElementById('notices')?.replaceChildren(); document.activeElement?.blur()")
    page.mouse.move(640, 600)  # no hover outline in the picture
    PICTURE.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(PICTURE))
    assert PICTURE.stat().st_size > 20_000  # a drawn editor, not a blank page

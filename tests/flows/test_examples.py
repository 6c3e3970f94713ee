"""The example flows in flows/ are valid, and the core ones run as-is and do what they say."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from flowengine.cli import main as cli_main
from flowengine.registry import Registry
from flowengine.runtime import Runtime
from flowengine.server import create_app
from flowengine.settings import Settings
from flowengine.testing import FlowHarness

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def load(name: str) -> list[dict]:
    return json.loads((FLOWS / name).read_text())


@pytest.mark.parametrize("path", sorted(FLOWS.glob("*.json")), ids=lambda p: p.name)
def test_every_example_validates(path, capsys):
    assert cli_main(["validate", str(path)]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_there_are_core_and_openai_examples():
    names = {p.name for p in FLOWS.glob("*.json")}
    assert {"hello.json", "http-echo.json", "counter.json"} <= names
    assert len([n for n in names if n.startswith("openai-")]) >= 6


async def _debug_values(h: FlowHarness, name: str, count: int, timeout: float = 5.0) -> list[str]:
    async def wait() -> list[str]:
        while True:
            found = [d["msg"] for t, d in h.events if t == "debug" and d.get("name") == name]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(wait(), timeout)


async def test_hello_greets_with_a_counter():
    async with FlowHarness(load("hello.json")) as h:
        [first] = await _debug_values(h, "greeting", 1)
        assert first == "hello world #1"
        h.inject("hello-inject")
        values = await _debug_values(h, "greeting", 2)
        assert values[1] == "hello world #2"
        assert ("status/hello-fn", {"fill": "green", "shape": "dot", "text": "2"}) in h.events


async def test_counter_routes_even_and_odd():
    async with FlowHarness(load("counter.json")) as h:
        for _ in range(3):
            h.inject("counter-inject")
        odd = await _debug_values(h, "odd", 2)
        even = await _debug_values(h, "even", 1)
        assert odd[:2] == ["1", "3"] and even[0] == "2"
        assert not [d for t, d in h.events if t == "debug" and d.get("name") == "errors"]


async def test_http_echo_answers_with_params_body_and_query(tmp_path):
    settings = Settings.load(user_dir=tmp_path)
    runtime = Runtime(Registry.default(), settings, persist=False)
    app = create_app(runtime, settings, editor=False, start_runtime=False)  # registers the HTTP router
    await runtime.start(load("http-echo.json"))
    await runtime.wait_started()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            r = await client.post("/echo/bob?x=1", json={"n": 2})
            missing = await client.get("/echo/bob")
    finally:
        await runtime.close()
    assert r.status_code == 200
    assert r.headers["x-flowengine"] == "echo"
    assert r.json() == {"hello": "bob", "you_sent": {"n": 2}, "query": {"x": "1"}}
    assert missing.status_code == 404

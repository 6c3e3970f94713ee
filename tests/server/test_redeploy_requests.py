"""HTTP requests whose messages a redeploy drops are answered 503 at once (issue 18, fault 4),
against a real ``flowengine serve``: 100 requests wait in a delay node, a full redeploy stops it,
and every request is answered (200 or 503), none hangs."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from .helpers import tab
from .served import SETTINGS, function_node, served

pytestmark = pytest.mark.integration

COUNT = "global_.set('n', (global_.get('n') or 0) + 1)\nreturn msg"


def _flows(delay_s: str) -> list[dict[str, Any]]:
    return [tab(),
            {"id": "in", "type": "http in", "z": "t1", "url": "/slow", "method": "get", "upload": False,
             "x": 1, "y": 1, "wires": [["count"]]},
            function_node("count", COUNT, wires=[["d"]]),
            {"id": "d", "type": "delay", "z": "t1", "pauseType": "delay", "timeout": delay_s,
             "timeoutUnits": "seconds", "x": 1, "y": 1, "wires": [["out"]]},
            {"id": "out", "type": "http response", "z": "t1", "statusCode": "", "headers": {}, "x": 1, "y": 1,
             "wires": []}]


def test_a_redeploy_answers_the_requests_it_drops_with_503(tmp_path: Path) -> None:
    with served(tmp_path, _flows("60"), SETTINGS) as server:
        async def scenario() -> list[int]:
            async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=200)) as client:
                requests = [asyncio.ensure_future(client.get(f"{server.base}/slow?i={i}")) for i in range(100)]
                deadline = time.monotonic() + 20
                while (await client.get(f"{server.base}/context/global/n")).json().get("msg") != "100":
                    assert time.monotonic() < deadline, server.output()
                    await asyncio.sleep(0.05)
                started = time.monotonic()
                deploy = await client.post(f"{server.base}/flows", json=_flows("61"),
                                           headers={"Node-RED-Deployment-Type": "full"})
                assert deploy.status_code == 204
                answers = await asyncio.wait_for(asyncio.gather(*requests), 10)
                assert time.monotonic() - started < 10
                return [r.status_code for r in answers]

        codes = asyncio.run(scenario())
    assert len(codes) == 100 and set(codes) == {503}, codes

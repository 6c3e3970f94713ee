"""Two clients deploying from the same revision at once: exactly one wins, the other gets 409."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from .helpers import V2, inject_debug, make_settings
from .live import live_server

pytestmark = pytest.mark.integration


def test_concurrent_deploys_with_the_same_rev(tmp_path: Path) -> None:
    with live_server(make_settings(tmp_path)) as server:
        base_rev = httpx.post(f"{server.http}/flows", json={"flows": inject_debug()}, headers=V2).json()["rev"]
        results: list[int] = []
        barrier = threading.Barrier(4)

        def deploy(dbg: str) -> None:
            body = {"flows": inject_debug(dbg=dbg), "rev": base_rev}
            barrier.wait()
            results.append(httpx.post(f"{server.http}/flows", json=body, headers=V2, timeout=30).status_code)

        threads = [threading.Thread(target=deploy, args=(f"d{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(results) == [200, 409, 409, 409]
        final = httpx.get(f"{server.http}/flows").json()
        assert final[2]["id"] in {"d0", "d1", "d2", "d3"}

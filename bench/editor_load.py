"""Editor benchmark: time from opening the editor to a large flow drawn on the canvas.

    python -m bench.editor_load                    # 1,000 and 2,000 nodes, median of 5 loads each
    python -m bench.editor_load --sizes 1000 --runs 3

Starts ``flowengine serve`` on a free 127.0.0.1 port (bench.server.Server), deploys a flow of chains
of inject -> change -> ... -> debug nodes (3 wires for every 4 nodes), then opens the editor in
headless Debian Chromium (/usr/bin/chromium, driven by Playwright) and prints per size:
``editor<N>_drawn`` = navigation start to every node and wire in the DOM (``body[data-ready='1']``
and the node count reached), ``editor<N>_start`` = the editor's own start-to-drawn time
(``window.__editor.state().loadTime``), and ``editor<N>_select_move_undo`` = select all, move one
grid step and undo, until the deploy button is clean again.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from bench.server import Server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def big_flow(size: int, per_chain: int = 4) -> list[dict[str, Any]]:
    """``size`` nodes on one tab: chains of inject -> change... -> debug laid out in rows."""
    z = "tabbig"
    flows: list[dict[str, Any]] = [{"id": z, "type": "tab", "label": "big", "disabled": False, "env": []}]
    for chain in range(size // per_chain):
        ids = [f"c{chain}n{i}" for i in range(per_chain)]
        for i, nid in enumerate(ids):
            typ = "inject" if i == 0 else "debug" if i == per_chain - 1 else "change"
            node: dict[str, Any] = {"id": nid, "type": typ, "z": z, "name": f"{typ} {chain}.{i}",
                                    "x": 120 + i * 180, "y": 40 + chain * 40,
                                    "wires": [[ids[i + 1]]] if i < per_chain - 1 else []}
            if typ == "inject":
                node.update(props=[{"p": "payload"}], payload="", payloadType="date", repeat="", crontab="",
                            once=False)
            if typ == "change":
                node["rules"] = [{"t": "set", "p": "payload", "pt": "msg", "to": str(i), "tot": "num"}]
            if typ == "debug":
                node.update(active=False, tosidebar=True, complete="false")
            flows.append(node)
    return flows


def measure(page: Any, base: str, size: int) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    page.goto(base)
    page.wait_for_selector("body[data-ready='1']", timeout=120_000)
    page.wait_for_function(f"document.querySelectorAll('[data-node-id]').length >= {size}", timeout=120_000)
    drawn = (time.perf_counter() - t0) * 1000
    start = float(page.evaluate("window.__editor.state().loadTime"))
    page.locator("#workspace svg").click(position={"x": 5, "y": 5})
    t1 = time.perf_counter()
    page.keyboard.press("Control+a")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("#deploy[data-state='dirty']", timeout=60_000)
    page.keyboard.press("Control+z")
    page.wait_for_selector("#deploy[data-state='clean']", timeout=60_000)
    edit = (time.perf_counter() - t1) * 1000
    return drawn, start, edit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,2000")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for size in (int(s) for s in args.sizes.split(",")):
                srv = Server()
                try:
                    srv.deploy(big_flow(size))
                    results = []
                    for _ in range(args.runs + 1):  # the first load warms the server and the browser
                        page = browser.new_page(viewport={"width": 1400, "height": 900})
                        results.append(measure(page, srv.base, size))
                        page.close()
                    drawn, start, edit = (statistics.median(col) for col in zip(*results[1:], strict=True))
                    print(f"editor{size}_drawn {drawn:.0f} ms")
                    print(f"editor{size}_start {start:.0f} ms")
                    print(f"editor{size}_select_move_undo {edit:.0f} ms")
                finally:
                    srv.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()

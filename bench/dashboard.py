"""Dashboard benchmark: many widgets updated several times a second, a page showing them, and a
browser that stops reading.

    python -m bench.dashboard                          # 50 widgets, 10 updates a second each, 30 s
    python -m bench.dashboard --widgets 10 --rate 5 --seconds 3

Starts ``flowengine serve`` (bench.server.Server) and deploys a Dashboard 1 flow: an inject every
1/rate s -> a function node with one output per widget -> the widgets (gauges, texts and line charts
in turn, ten to a group). Opens ``<base>/ui`` in headless Debian Chromium and, while a second
"browser" (a websocket to the page's socket that never reads, so the server's sends to it block)
stays connected, measures for ``--seconds`` after a 2 s warm-up and prints:

``dashboard<N>_sent``: values the flow sends the widgets per second (N x rate);
``dashboard<N>_shown``: values the page applied per second (``update-value`` events);
``dashboard<N>_frame_p95``: the page's 95th-percentile frame interval; ``dashboard<N>_longest_task``;
``dashboard<N>_server_cpu``: the server's CPU time per wall second; ``dashboard<N>_rss`` at the end;
``dashboard<N>_stalled_rss_growth``: how much the server's RSS grew during the run with the stalled
browser connected (its backlog is bounded: past ``ui.maxBacklog`` events it is dropped for a resync).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from websockets.sync.client import connect

from bench.server import Server, cpu_ms, rss_mib

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KINDS = ("gauge", "text", "chart")

COUNTERS = """() => {
  const m = { events: 0, frames: [], longest: 0 };
  window.__bench = m;
  const socket = window.dashboard.socket;
  const handle = socket.onEvent;
  socket.onEvent = (event) => { if (event.type === "update-value") m.events += 1; handle(event); };
  let last = performance.now();
  const tick = (now) => { m.frames.push(now - last); last = now; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) m.longest = Math.max(m.longest, entry.duration);
  }).observe({ type: "longtask", buffered: false });
}"""


def dashboard_flow(widgets: int, rate: float) -> list[dict[str, Any]]:
    """A tab of ``widgets`` widgets fed ``rate`` times a second by one inject and one function node."""
    z = "tabdash"
    flows: list[dict[str, Any]] = [
        {"id": z, "type": "tab", "label": "dashboard bench", "disabled": False, "env": []},
        {"id": "ui-base", "type": "ui_base", "theme": {"name": "theme-light"}, "site": {"name": "bench"}},
        {"id": "ui-tab", "type": "ui_tab", "name": "Bench", "icon": "dashboard", "order": 1},
    ]
    for g in range((widgets + 9) // 10):
        flows.append({"id": f"grp{g}", "type": "ui_group", "name": f"Group {g}", "tab": "ui-tab", "order": g + 1,
                      "disp": True, "width": "6"})
    ids = [f"w{i}" for i in range(widgets)]
    flows.append({"id": "tick", "type": "inject", "z": z, "props": [{"p": "payload"}], "payload": "",
                  "payloadType": "date", "repeat": str(1 / rate), "crontab": "", "once": True, "onceDelay": 0.5,
                  "topic": "", "wires": [["values"]]})
    flows.append({"id": "values", "type": "function", "z": z, "outputs": widgets, "wires": [[w] for w in ids],
                  "func": f"return Array.from({{length: {widgets}}}, (_, i) => "
                          "({topic: 'v', payload: Math.round(Math.random() * 1000) / 10}));"})
    for i, wid in enumerate(ids):
        kind = KINDS[i % len(KINDS)]
        node: dict[str, Any] = {"id": wid, "type": f"ui_{kind}", "z": z, "group": f"grp{i // 10}", "order": i % 10 + 1,
                                "width": 0, "height": 0, "wires": []}
        if kind == "gauge":
            node.update(gtype="gage", title=f"gauge {i}", label="%", format="{{value}}", min=0, max=100)
        elif kind == "text":
            node.update(label=f"text {i}", format="{{msg.payload}}", layout="row-spread")
        else:
            node.update(label=f"chart {i}", chartType="line", legend="false", removeOlder=1, removeOlderUnit="60",
                        removeOlderPoints="")
        flows.append(node)
    return flows


def run(widgets: int, rate: float, seconds: float) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    srv = Server()
    try:
        srv.deploy(dashboard_flow(widgets, rate))
        deadline = time.monotonic() + 30
        while srv.http.get("/ui/").status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("the dashboard page is not served")
            time.sleep(0.05)
        # the stalled socket never reads, so it sends no keepalive pings of its own (their pongs would
        # never be read and the client library would log a failed keepalive after 20 s)
        with sync_playwright() as pw, connect(f"ws://127.0.0.1:{srv.port}/ui/ws", max_queue=1,
                                                  ping_interval=None) as stalled:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{srv.base}/ui/")
            page.wait_for_selector(f'[data-ui-widget="w{widgets - 1}"]')
            page.evaluate(COUNTERS)
            time.sleep(2)  # warm-up: the charts fill, the stalled socket's buffers fill
            page.evaluate("() => Object.assign(window.__bench, { events: 0, frames: [], longest: 0 })")
            rss0, cpu0, t0 = rss_mib(srv.proc.pid), cpu_ms(srv.proc.pid), time.perf_counter()
            time.sleep(seconds)
            wall = time.perf_counter() - t0
            cpu1, rss1 = cpu_ms(srv.proc.pid), rss_mib(srv.proc.pid)
            m = page.evaluate("() => window.__bench")
            browser.close()
            del stalled  # kept open (unread) until here
        frames = sorted(m["frames"]) or [0.0]
        return {"sent": widgets * rate, "shown": m["events"] / wall,
                "frame_p95": frames[min(len(frames) - 1, int(len(frames) * 0.95))],
                "longest_task": float(m["longest"]), "server_cpu": (cpu1 - cpu0) / (wall * 1000) * 100,
                "rss": rss1, "stalled_rss_growth": rss1 - rss0}
    finally:
        srv.close()


UNITS = {"sent": "msg/s", "shown": "msg/s", "frame_p95": "ms", "longest_task": "ms", "server_cpu": "%", "rss": "MiB",
         "stalled_rss_growth": "MiB"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--widgets", type=int, default=50)
    ap.add_argument("--rate", type=float, default=10.0, help="updates per second per widget")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--runs", type=int, default=1, help="median of this many runs")
    args = ap.parse_args()
    results = [run(args.widgets, args.rate, args.seconds) for _ in range(args.runs)]
    for name, unit in UNITS.items():
        value = statistics.median(r[name] for r in results)
        print(f"dashboard{args.widgets}_{name} {round(value)} {unit}")


if __name__ == "__main__":
    main()

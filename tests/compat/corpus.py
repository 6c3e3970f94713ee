"""Drive a Node-RED corpus case in-process through flowengine and compare with the recorded outputs.

A case (``cases/NAME.{flow,inputs,expected}.json``) is deployed into a fresh runtime behind the
server application, after starting the services its inputs declare (``{"mosquitto": PORT}``);
steps go through the same admin/HTTP routes the live harness uses, but over an in-process ASGI
transport, and debug events are read straight from the runtime's event bus.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from mosquitto import Mosquitto
from serve_process import free_port

CASES = Path(__file__).parent / "cases"
HEX16 = re.compile(r"^[0-9a-f]{16}$")


def case_names() -> list[str]:
    return sorted(p.name[: -len(".flow.json")] for p in CASES.glob("*.flow.json"))


def load_case(name: str) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    def read(kind: str) -> Any:
        return json.loads((CASES / f"{name}.{kind}.json").read_text())

    return read("flow"), read("inputs"), read("expected")


def decode_debug(data: dict[str, Any]) -> Any:
    """The value a debug event carries, as the corpus harness decodes it."""
    fmt, m = data.get("format", ""), data.get("msg")
    if fmt == "Object" or fmt.startswith("array"):
        return json.loads(m)
    if fmt.startswith("number"):
        if m in ("NaN", "Infinity", "-Infinity") or any(c in m for c in ".eE"):
            return float(m)
        return int(m)
    if fmt == "boolean":
        return m == "true"
    if fmt == "null":
        return None
    return m


class Normaliser:
    """Drops ``_msgid``; maps random ids (``parts.id``, ``_linkSource`` ids) to ``<idN>``; stacks to ``<stack>``."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def msg(self, m: Any) -> Any:
        if isinstance(m, dict):
            m = {k: v for k, v in m.items() if k != "_msgid"}
            return self._walk(m, None, None)
        return m

    def _walk(self, v: Any, key: str | None, parent: str | None) -> Any:
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                if k == "stack" and isinstance(x, str):
                    out[k] = "<stack>"
                elif k == "id" and isinstance(x, str) and (HEX16.match(x) or parent in ("parts", "_linkSource")):
                    out[k] = self.ids.setdefault(x, f"<id{len(self.ids) + 1}>")
                else:
                    out[k] = self._walk(x, k, key)
            return out
        if isinstance(v, list):
            return [self._walk(x, key, parent) for x in v]
        return v


def by_sink(outputs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    d: dict[str, list[dict[str, Any]]] = {}
    for o in outputs:
        key = (
            o.get("debug")
            or ("log" if "log" in o else None)
            or ("http" if "http" in o else None)
            or ("context" if "context" in o else "other")
        )
        d.setdefault(key, []).append({k: v for k, v in o.items() if k != "step"})
    return d


async def run_case(name: str, tmp_dir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run one case, with the services it declares; returns (expected, outputs)."""
    flows, spec, expected = load_case(name)
    with ExitStack() as services:
        for service in spec.get("services", []):
            broker = services.enter_context(service_for(service))
            flows = _on_port(flows, int(next(iter(service.values()))), broker.port)
        return await _run_case(flows, spec, expected, tmp_dir)


def service_for(declared: dict[str, Any], port: int | None = None) -> Mosquitto:
    """The service a case declares (``{"mosquitto": PORT}``), not started yet, on a free port unless
    ``port`` is given (the case's flow is pointed at it, so parallel runs do not collide): entering it
    starts it, or raises ``ServiceUnavailable`` when it is not installed here."""
    (kind, _declared), = declared.items()
    if kind != "mosquitto":
        raise ValueError(f"unknown corpus service {kind!r}")
    return Mosquitto(port if port is not None else free_port())


def _on_port(flows: list[dict[str, Any]], declared: int, actual: int) -> list[dict[str, Any]]:
    """The case's flows with the nodes that use the declared port (mqtt-broker, tcp request) moved
    to ``actual``."""
    return [{**n, "port": str(actual)} if "port" in n and str(n["port"]) == str(declared) else n for n in flows]


async def _run_case(flows: list[dict[str, Any]], spec: dict[str, Any], expected: dict[str, Any],
                    tmp_dir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from flowengine.registry import Registry
    from flowengine.runtime import Runtime
    from flowengine.server import create_app
    from flowengine.settings import Settings

    settings = Settings.load(
        user_dir=tmp_dir,
        contextStorage={
            "default": {"module": "memory"},
            "file": {"module": "localfilesystem"},
        },
    )
    runtime = Runtime(Registry.default(), settings)
    events: list[tuple[float, str, Any]] = []
    runtime.events.listen(lambda topic, data: events.append((time.monotonic(), topic, data)))
    await runtime.start([])
    app = create_app(runtime, settings, editor=False)
    transport = httpx.ASGITransport(app=app)
    outputs: list[dict[str, Any]] = []
    norm = Normaliser()
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://corpus") as api:
            r = await api.post(
                "/flows",
                json={"flows": flows},
                headers={"Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": "full"},
            )
            r.raise_for_status()
            rev = r.json()["rev"]
            await _wait(lambda: any(t == "notification/runtime-deploy" and d.get("revision") == rev
                                    for _, t, d in events), 10)
            seen = len(events)
            step_idx = -1

            def collect() -> None:
                nonlocal seen
                for _, topic, d in events[seen:]:
                    if topic != "debug":
                        continue
                    if "level" in d:
                        outputs.append({"step": step_idx, "log": {
                            "level": d["level"], "node": d.get("id"), "type": d.get("type"),
                            "msg": norm.msg(decode_debug(d))}})
                    else:
                        outputs.append({"step": step_idx, "debug": d.get("name") or d.get("id"),
                                        "msg": norm.msg(decode_debug(d))})
                seen = len(events)

            gap = spec.get("gap_ms", 150) / 1000.0
            for i, st in enumerate(spec["steps"]):
                step_idx = i
                if "inject" in st:
                    r = await api.post(f"/inject/{st['inject']}",
                                       json={"__user_inject_props__": st.get("props", [])})
                    if r.status_code != 200:
                        outputs.append({"step": i, "inject_status": r.status_code})
                elif "http" in st:
                    outputs.append({"step": i, "http": await _http_step(api, st["http"])})
                elif "context" in st:
                    r = await api.get(st["context"])
                    outputs.append({"step": i, "context": st["context"], "value": r.json()})
                elif "sleep" in st:
                    await asyncio.sleep(st["sleep"] / 1000.0)
                elif "deploy" in st:
                    r = await api.post("/flows", json={"flows": flows}, headers={
                        "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": st["deploy"]})
                    r.raise_for_status()
                    await _wait_deployed(events, r.json()["rev"], len(events))
                if gap > 0:
                    await asyncio.sleep(gap)
                    collect()
            await _settle(events, spec.get("settle_ms", 500) / 1000.0, 10.0)
            collect()
    finally:
        await runtime.close()
    return expected, outputs


async def _http_step(api: httpx.AsyncClient, spec: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"headers": dict(spec.get("headers", {}))}
    if "json" in spec:
        kwargs["content"] = json.dumps(spec["json"]).encode()
        kwargs["headers"]["Content-Type"] = "application/json"
    elif "body" in spec:
        kwargs["content"] = spec["body"].encode()
    r = await api.request(spec.get("method", "GET"), spec["path"], **kwargs)
    ctype = (r.headers.get("content-type") or "").split(";")[0]
    body: Any = r.text
    if ctype == "application/json":
        try:
            body = json.loads(body)
        except ValueError:
            pass
    elif r.status_code == 404:
        body = "<404 page>"
    out: dict[str, Any] = {"status": r.status_code, "content_type": ctype, "body": body}
    xh = {k.lower(): v for k, v in r.headers.items() if k.lower().startswith("x-corpus")}
    if xh:
        out["headers"] = xh
    return out


async def _wait_deployed(events: list[tuple[float, str, Any]], rev: str, since: int) -> None:
    await _wait(lambda: any(t == "notification/runtime-deploy" and d.get("revision") == rev
                            for _, t, d in events[since:]), 10)


async def _wait(pred: Any, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise TimeoutError("deploy did not complete (no notification/runtime-deploy)")
        await asyncio.sleep(0.01)


async def _settle(events: list[tuple[float, str, Any]], quiet: float, total: float) -> None:
    """Wait until no event arrived for ``quiet`` seconds (at most ``total``)."""
    start = time.monotonic()
    while time.monotonic() - start < total:
        last = events[-1][0] if events else start
        idle = time.monotonic() - max(last, start)
        if idle >= quiet:
            return
        await asyncio.sleep(min(0.05, quiet - idle))

"""Running flow test cases headless, each in its own in-process runtime (``FlowHarness``).

A case: start the flow (with sinks watching the expected nodes) -> ``send`` messages -> press
``inject`` nodes -> make ``http`` requests (checking each response) -> wait for every expectation
(each up to its ``within``) -> wait for queued deliveries -> check exact counts and that no node
logged an uncaught error (unless ``allow_errors``).
"""

from __future__ import annotations

import asyncio
import copy
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..message import new_msgid
from ..registry import Registry
from ..reporting import error_text
from ..settings import Settings
from ..testing import SINK_TOPIC, FlowHarness
from ..types import Msg
from .answers import TRANSPORT_KEY, answer_transport
from .checks import count_problem, outcome, show
from .observe import Read, running_node_id, watch
from .realtime import REALTIME_KEY, ScriptedRealtime
from .signing import SigningError, request_content, signed_headers
from .spec import MISSING, CaseSpec, HttpSpec, TestFile

__all__ = ["CaseResult", "FlowTestRunner"]

HTTP_TIMEOUT = 10.0
ERROR_LEVEL = 20  # Node-RED's log level of an error


@dataclass(frozen=True)
class CaseResult:
    """One case's verdict: ``outcome`` is ``passed``, ``failed`` or ``error`` (could not run)."""

    file: Path
    name: str
    outcome: str
    failures: tuple[str, ...] = ()
    duration: float = 0.0
    logs: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


@contextmanager
def _environment(env: tuple[tuple[str, str], ...]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k, _ in env}
    os.environ.update(dict(env))
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


class FlowTestRunner:
    """Runs the cases of test files; one registry is shared by every case."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry if registry is not None else Registry.default()

    async def run_file(self, test: TestFile) -> list[CaseResult]:
        return [await self.run_case(test, case) for case in test.cases]

    async def run_case(self, test: TestFile, case: CaseSpec) -> CaseResult:
        start = time.perf_counter()
        try:
            off = set(test.disable) | set(case.disable)
            flows, reads = watch([{**n, "d": True} if n.get("id") in off else n for n in test.flows], case.expect)
        except KeyError as exc:
            return CaseResult(test.path, case.name, "error", (str(exc.args[0]),), time.perf_counter() - start)
        script = case.realtime if case.realtime is not None else test.realtime
        with tempfile.TemporaryDirectory(prefix="flowengine-flowtest-") as tmp, _environment(test.env):
            settings = Settings.load(user_dir=Path(tmp), **dict(test.settings))
            answers = case.openai if case.openai is not None else test.openai
            if answers is not None:
                settings.extra[TRANSPORT_KEY] = answer_transport(answers)
                settings.extra.setdefault("openai_sleep", _no_sleep)
            async with AsyncExitStack() as stack:
                server = None
                if script is not None:  # lives longer than the flow: the node closes its session first
                    server = await stack.enter_async_context(ScriptedRealtime(script))
                    settings.extra[REALTIME_KEY] = server.base_url
                    settings.extra.setdefault("openai_sleep", _no_sleep)
                return await self._run_in(test, case, flows, reads, settings, server, start)

    async def _run_in(self, test: TestFile, case: CaseSpec, flows: list[dict[str, Any]], reads: list[list[Read]],
                      settings: Settings, server: ScriptedRealtime | None, start: float) -> CaseResult:
        """The case in a runtime with ``settings``: start, act, wait for the expectations, check errors."""
        harness = FlowHarness(flows, self.registry, settings)
        app = None
        if case.http:
            from ..server import create_app

            app = create_app(harness.runtime, settings, editor=False, admin=False, start_runtime=False)
        seen: list[tuple[str, Msg]] = []  # (sink key, message), in the order they came
        harness.runtime.events.listen(lambda topic, data: seen.append(data) if topic == SINK_TOPIC else None)
        failures: list[str] = []
        async with harness as h:
            state = h.runtime.state
            if state != "start":
                problems = [str(p) for p in h.runtime.problems if p.level == "error"]
                missing = h.runtime.missing_types
                why = [f"missing node types: {', '.join(missing)}"] if missing else problems
                return CaseResult(test.path, case.name, "error", (f"the flow did not start ({state})", *why),
                                  time.perf_counter() - start, self._logs(h))
            self._act(h, case, failures)
            if app is not None:
                await self._http(app, case.http, failures)
            failures += await self._expect(h, case, reads, seen)
            if server is not None:
                failures += await server.problems(server.script.within)
        if not case.allow_errors:
            failures += [f"node {nid} logged an error: {text}" for level, nid, text in h.logs
                         if level == ERROR_LEVEL]
        return CaseResult(test.path, case.name, "failed" if failures else "passed", tuple(failures),
                          time.perf_counter() - start, self._logs(h))

    @staticmethod
    def _logs(h: FlowHarness) -> tuple[str, ...]:
        names = {20: "error", 30: "warn", 40: "info", 50: "debug"}
        return tuple(f"[{names.get(level, level)}] {nid}: {text}" for level, nid, text in h.logs)

    @staticmethod
    def _act(h: FlowHarness, case: CaseSpec, failures: list[str]) -> None:
        for s in case.send:
            msg = copy.deepcopy(s.msg)
            msg.setdefault("_msgid", new_msgid())
            try:
                h.send_to(running_node_id(h.flows, s.node), msg)
            except KeyError:
                failures.append(f"send: node {s.node!r} is not running")
        for node_id in case.inject:
            if not h.inject(running_node_id(h.flows, node_id)):
                failures.append(f"inject: node {node_id!r} is not a running inject node")

    async def _http(self, app: Any, requests: tuple[HttpSpec, ...], failures: list[str]) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://flowtest") as client:
            for spec in requests:
                label = f"http {spec.method} {spec.path}"
                content, headers = request_content(spec.json, spec.body, MISSING)
                try:
                    if spec.webhook is not None:
                        headers.update(signed_headers(spec.webhook, content))
                except SigningError as exc:
                    failures.append(f"{label}: not sent: {exc}")
                    continue
                for name, value in spec.headers:  # the file's own headers win, whatever their case
                    headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
                    headers[name] = value
                try:
                    async with asyncio.timeout(HTTP_TIMEOUT):
                        response = await client.request(spec.method, spec.path, content=content, headers=headers)
                except TimeoutError:
                    failures.append(f"{label}: no response within {HTTP_TIMEOUT:g}s")
                    continue
                except httpx.HTTPError as exc:
                    failures.append(f"{label}: {error_text(exc)}")
                    continue
                failures += [f"{label}: {why}" for why in _response_problems(spec, response)]

    async def _expect(self, h: FlowHarness, case: CaseSpec, reads: list[list[Read]],
                      seen: list[tuple[str, Msg]]) -> list[str]:
        loop = asyncio.get_running_loop()
        begin = loop.time()

        def messages(i: int) -> list[Msg]:
            return [m for key, m in seen if any(r.matches(key) for r in reads[i])]

        verdicts: dict[int, str | None] = {}
        pending = list(range(len(case.expect)))
        while pending:
            for i in list(pending):
                spec = case.expect[i]
                settled, why = outcome(spec, messages(i))
                if settled or loop.time() - begin >= spec.within:
                    label = spec.describe() if settled else f"{spec.describe()} (within {spec.within:g}s)"
                    verdicts[i] = None if why is None else f"{label}: {why}"
                    pending.remove(i)
            if pending:
                left = min(begin + case.expect[i].within - loop.time() for i in pending)
                await h.next_change(min(0.05, max(0.001, left)))
        try:
            await h.drain()
        except TimeoutError as exc:
            return [f"the flow did not settle: {exc}"]
        out = [v for v in verdicts.values() if v is not None]
        for i, spec in enumerate(case.expect):
            if verdicts[i] is None:
                extra = count_problem(spec, messages(i))
                if extra is not None:
                    out.append(f"{spec.describe()}: {extra}")
        return out


def _response_problems(spec: HttpSpec, response: httpx.Response) -> list[str]:
    out = []
    if spec.status is not None and response.status_code != spec.status:
        out.append(f"status {response.status_code} is not {spec.status}; body: {response.text[:200]!r}")
    if spec.expect_json is not MISSING:
        try:
            body = response.json()
        except ValueError:
            out.append(f"the body is not JSON: {response.text[:200]!r}")
        else:
            if body != spec.expect_json:
                out.append(f"body {show(body)} is not {show(spec.expect_json)}")
    if spec.expect_text is not None and response.text != spec.expect_text:
        out.append(f"body {response.text[:200]!r} is not {spec.expect_text!r}")
    for name, value in spec.expect_headers:
        got = response.headers.get(name)
        if got != value:
            out.append(f"header {name} is {got!r}, not {value!r}")
    return out

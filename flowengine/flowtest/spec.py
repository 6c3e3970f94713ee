"""The flow test file format (docs/TESTING-FLOWS.md), read into frozen dataclasses.

A test file is JSON or YAML (``*.test.json``, ``*.test.yaml``, ``*.test.yml``)::

    flow: hello.json            # the flows file, relative to this file
    cases:
      - name: greets
        inject: [hello-inject]
        expect:
          - node: hello-fn
            payload: hello world #1

Everything here is pure: no I/O beyond reading the files named, no asyncio.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .reading import MISSING, FlowTestError, Reader, read_data
from .signing import WebhookSigning

__all__ = [
    "MISSING",
    "TEST_SUFFIXES",
    "CaseSpec",
    "ExpectSpec",
    "FlowTestError",
    "HttpSpec",
    "MessageMatch",
    "MockAnswer",
    "RealtimeReply",
    "RealtimeScript",
    "SendSpec",
    "TestFile",
    "is_test_file",
    "load_test_file",
]

TEST_SUFFIXES = (".test.json", ".test.yaml", ".test.yml")
DEFAULT_WITHIN = 2.0
"""Seconds an expectation waits for its messages unless it says ``within``."""


def is_test_file(path: Path) -> bool:
    return path.name.endswith(TEST_SUFFIXES)


@dataclass(frozen=True)
class MessageMatch:
    """What one message must be: ``payload`` equal, each ``msg`` property equal, ``jsonata`` truthy."""

    payload: Any = MISSING
    msg: tuple[tuple[str, Any], ...] = ()
    jsonata: str | None = None

    @property
    def empty(self) -> bool:
        return self.payload is MISSING and not self.msg and self.jsonata is None


@dataclass(frozen=True)
class ExpectSpec:
    """Messages that must come out of ``node`` (port ``port``, or every port), or into it (``input``)."""

    node: str
    port: int | None = None
    input: bool | None = None
    """``None``: outputs, or the messages it receives when the node has no outputs (debug)."""
    count: int | None = None
    match: MessageMatch = MessageMatch()
    messages: tuple[MessageMatch, ...] | None = None
    within: float = DEFAULT_WITHIN

    def describe(self) -> str:
        where = " input" if self.input else ("" if self.port is None else f" output {self.port}")
        return f"node {self.node!r}{where}"


@dataclass(frozen=True)
class SendSpec:
    node: str
    msg: dict[str, Any]


@dataclass(frozen=True)
class HttpSpec:
    """A request to the flow's HTTP endpoints and what its response must be."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    json: Any = MISSING
    body: str | None = None
    status: int | None = None
    expect_json: Any = MISSING
    expect_text: str | None = None
    expect_headers: tuple[tuple[str, str], ...] = ()
    webhook: WebhookSigning | None = None
    """Sign the request as a webhook delivery (``signing``)."""


@dataclass(frozen=True)
class MockAnswer:
    """A recorded or made-up OpenAI answer for requests whose path ends with ``path``."""

    path: str
    method: str | None = None
    status: int = 200
    json: Any = MISSING
    text: str | None = None
    sse: tuple[Any, ...] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    times: int | None = None
    """How many requests this answer serves (None: every one); then the next that matches does."""


@dataclass(frozen=True)
class RealtimeReply:
    """Server events sent after a client event of type ``after`` (its first ``times`` ones, or every one)."""

    after: str
    send: tuple[dict[str, Any], ...] = ()
    times: int | None = None
    close: int | None = None
    """Then close the connection with this code (a dropped session)."""


@dataclass(frozen=True)
class RealtimeScript:
    """A scripted Realtime server: events sent on connect, replies to client events, and the client
    events the flow must have sent (``received``: each checked as a ``msg`` check, all of them, in order)."""

    on_connect: tuple[dict[str, Any], ...] = ()
    replies: tuple[RealtimeReply, ...] = ()
    received: tuple[MessageMatch, ...] | None = None
    within: float = DEFAULT_WITHIN


@dataclass(frozen=True)
class CaseSpec:
    name: str
    disable: tuple[str, ...] = ()
    """Nodes switched off for this case (as ``d: true``): timers, outside connections."""
    send: tuple[SendSpec, ...] = ()
    inject: tuple[str, ...] = ()
    http: tuple[HttpSpec, ...] = ()
    expect: tuple[ExpectSpec, ...] = ()
    allow_errors: bool = False
    openai: tuple[MockAnswer, ...] | None = None
    """This case's OpenAI answers (instead of the file's)."""
    realtime: RealtimeScript | None = None
    """This case's Realtime server (instead of the file's)."""


@dataclass(frozen=True)
class TestFile:
    __test__ = False  # not a pytest class

    path: Path
    flow_path: Path
    flows: tuple[dict[str, Any], ...]
    cases: tuple[CaseSpec, ...]
    settings: tuple[tuple[str, Any], ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    disable: tuple[str, ...] = ()
    """Nodes switched off in every case."""
    openai: tuple[MockAnswer, ...] | None = None
    realtime: RealtimeScript | None = None


class _Reader(Reader):
    """Reads one test file's data into the format's dataclasses."""

    def match(self, raw: dict[str, Any], where: str) -> MessageMatch:
        jsonata = raw.get("jsonata")
        if jsonata is not None:
            jsonata = self.text(jsonata, f"{where}.jsonata")
        return MessageMatch(payload=raw.get("payload", MISSING), msg=self.pairs(raw.get("msg"), f"{where}.msg"),
                            jsonata=jsonata)

    def expect(self, raw: Any, where: str) -> ExpectSpec:
        d = self.obj(raw, where, {"node", "port", "input", "count", "payload", "msg", "jsonata", "messages",
                                  "within"})
        count = d.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            raise self.fail(f"{where}.count", f"expected an integer >= 0, got {count!r}")
        port = d.get("port")
        if port is not None and (isinstance(port, bool) or not isinstance(port, int) or port < 0):
            raise self.fail(f"{where}.port", f"expected an output index >= 0, got {port!r}")
        messages = None
        if "messages" in d:
            items = d["messages"] if isinstance(d["messages"], list) else None
            if items is None:
                raise self.fail(f"{where}.messages", "expected a list of message checks")
            messages = tuple(self.match(self.obj(m, f"{where}.messages[{i}]", {"payload", "msg", "jsonata"}),
                                        f"{where}.messages[{i}]") for i, m in enumerate(items))
        return ExpectSpec(node=self.text(d.get("node"), f"{where}.node"), port=port,
                          input=bool(d["input"]) if "input" in d else None, count=count, match=self.match(d, where),
                          messages=messages, within=self.number(d.get("within", DEFAULT_WITHIN), f"{where}.within"))

    def http(self, raw: Any, where: str) -> HttpSpec:
        d = self.obj(raw, where, {"method", "path", "headers", "json", "body", "expect", "webhook"})
        exp = self.obj(d.get("expect") or {}, f"{where}.expect", {"status", "json", "text", "headers"})
        body = d.get("body")
        if body is not None and not isinstance(body, str):
            raise self.fail(f"{where}.body", "expected a string (use json for a JSON body)")
        return HttpSpec(method=str(d.get("method") or "GET").upper(), path=self.text(d.get("path"), f"{where}.path"),
                        headers=tuple((str(k), str(v)) for k, v in self.pairs(d.get("headers"), f"{where}.headers")),
                        json=d.get("json", MISSING), body=body, status=exp.get("status"),
                        expect_json=exp.get("json", MISSING), expect_text=exp.get("text"),
                        expect_headers=tuple((str(k), str(v)) for k, v in
                                             self.pairs(exp.get("headers"), f"{where}.expect.headers")),
                        webhook=self.webhook(d.get("webhook"), f"{where}.webhook"))

    def webhook(self, raw: Any, where: str) -> WebhookSigning | None:
        if raw is None or raw is False:
            return None
        d = self.obj({} if raw is True else raw, where, {"secret", "id", "timestamp", "age", "body"})
        stamp = d.get("timestamp")
        if stamp is not None and (isinstance(stamp, bool) or not isinstance(stamp, int)):
            raise self.fail(f"{where}.timestamp", f"expected Unix seconds (an integer), got {stamp!r}")
        body = d.get("body")
        if body is not None and not isinstance(body, str):
            raise self.fail(f"{where}.body", "expected the signed body as a string")
        return WebhookSigning(secret=self.text(d.get("secret", WebhookSigning.secret), f"{where}.secret"),
                              id=self.text(d["id"], f"{where}.id") if "id" in d else None, timestamp=stamp,
                              age=self.number(d.get("age", 0), f"{where}.age"), body=body)

    def disable(self, raw: Any, where: str, known: set[Any]) -> tuple[str, ...]:
        out = tuple(self.text(n, f"{where}[{i}]") for i, n in enumerate(self.listed(raw)))
        for node_id in out:
            if node_id not in known:
                hint = ("; a node inside a subflow is disabled in every instance: name it by its own id"
                        if "/" in node_id else "")
                raise self.fail(where, f"node {node_id!r} is not in the flow{hint}")
        return out

    def case(self, raw: Any, index: int, known: set[Any]) -> CaseSpec:
        where = f"cases[{index}]"
        d = self.obj(raw, where, {"name", "disable", "send", "inject", "http", "expect", "allow_errors",
                                  "openai", "realtime"})
        sends = []
        for i, s in enumerate(self.listed(d.get("send"))):
            s = self.obj(s, f"{where}.send[{i}]", {"node", "msg"})
            msg = s.get("msg", {})
            if not isinstance(msg, dict):
                raise self.fail(f"{where}.send[{i}].msg", "expected an object (the message)")
            sends.append(SendSpec(self.text(s.get("node"), f"{where}.send[{i}].node"), msg))
        return CaseSpec(
            name=str(d.get("name") or f"case {index + 1}"),
            disable=self.disable(d.get("disable"), f"{where}.disable", known),
            send=tuple(sends),
            inject=tuple(self.text(n, f"{where}.inject[{i}]") for i, n in enumerate(self.listed(d.get("inject")))),
            http=tuple(self.http(h, f"{where}.http[{i}]") for i, h in enumerate(self.listed(d.get("http")))),
            expect=tuple(self.expect(e, f"{where}.expect[{i}]") for i, e in enumerate(self.listed(d.get("expect")))),
            allow_errors=bool(d.get("allow_errors", False)),
            openai=self.answers(d["openai"], f"{where}.openai") if d.get("openai") is not None else None,
            realtime=self.realtime(d["realtime"], f"{where}.realtime") if d.get("realtime") is not None else None,
        )

    def events(self, raw: Any, where: str) -> tuple[dict[str, Any], ...]:
        out = tuple(self.listed(raw))
        for i, event in enumerate(out):
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                raise self.fail(f"{where}[{i}]", f"expected an event object with a 'type', got {event!r}")
        return out

    def realtime(self, raw: Any, where: str) -> RealtimeScript:
        d = self.obj(raw, where, {"on_connect", "replies", "received", "within"})
        replies = []
        for i, r in enumerate(self.listed(d.get("replies"))):
            at = f"{where}.replies[{i}]"
            r = self.obj(r, at, {"after", "send", "times", "close"})
            times, close = r.get("times"), r.get("close")
            if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
                raise self.fail(f"{at}.times", f"expected a number of client events >= 1, got {times!r}")
            if close is not None and (isinstance(close, bool) or not isinstance(close, int)):
                raise self.fail(f"{at}.close", f"expected a WebSocket close code, got {close!r}")
            replies.append(RealtimeReply(after=self.text(r.get("after"), f"{at}.after"),
                                         send=self.events(r.get("send"), f"{at}.send"), times=times, close=close))
        received = None
        if d.get("received") is not None:
            if not isinstance(d["received"], list):
                raise self.fail(f"{where}.received", "expected a list of client event checks")
            received = tuple(MessageMatch(msg=self.pairs(e, f"{where}.received[{i}]"))
                             for i, e in enumerate(d["received"]))
        return RealtimeScript(on_connect=self.events(d.get("on_connect"), f"{where}.on_connect"),
                              replies=tuple(replies), received=received,
                              within=self.number(d.get("within", DEFAULT_WITHIN), f"{where}.within"))

    def answers(self, raw: Any, where: str) -> tuple[MockAnswer, ...]:
        if isinstance(raw, str):  # a recording kept in its own file
            recording = (self.path.parent / raw).resolve()
            return _Reader(recording).answers(read_data(recording), "answers")
        out = []
        for i, a in enumerate(self.listed(raw)):
            d = self.obj(a, f"{where}[{i}]", {"path", "method", "status", "json", "text", "sse", "headers", "times"})
            times = d.get("times")
            if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
                raise self.fail(f"{where}[{i}].times", f"expected a number of requests >= 1, got {times!r}")
            sse = d.get("sse")
            if sse is not None and not isinstance(sse, list):
                raise self.fail(f"{where}[{i}].sse", "expected a list of events")
            status = d.get("status", 200)
            if isinstance(status, bool) or not isinstance(status, int):
                raise self.fail(f"{where}[{i}].status", f"expected an HTTP status, got {status!r}")
            out.append(MockAnswer(path=self.text(d.get("path"), f"{where}[{i}].path"),
                                  method=str(d["method"]).upper() if d.get("method") else None, status=status,
                                  json=d.get("json", MISSING), text=d.get("text"),
                                  sse=tuple(sse) if sse is not None else None,
                                  headers=tuple((str(k), str(v)) for k, v in
                                                self.pairs(d.get("headers"), f"{where}[{i}].headers")),
                                  times=times))
        return tuple(out)


def load_test_file(path: str | Path) -> TestFile:
    """Read and check test file ``path`` and the flows file it names. Raises ``FlowTestError``."""
    file = Path(path)
    r = _Reader(file)
    d = r.obj(read_data(file), "top level", {"name", "flow", "settings", "env", "disable", "openai", "realtime",
                                              "cases"})
    flow_path = (file.parent / r.text(d.get("flow"), "flow")).resolve()
    flows = read_data(flow_path)
    if isinstance(flows, dict) and isinstance(flows.get("flows"), list):
        flows = flows["flows"]
    if not isinstance(flows, list) or not all(isinstance(n, dict) for n in flows):
        raise r.fail("flow", f"{flow_path} is not a Node-RED flow (a JSON array of node objects)")
    known = {n.get("id") for n in flows}
    disable = r.disable(d.get("disable"), "disable", known)
    cases = r.listed(d.get("cases"))
    if not cases:
        raise r.fail("cases", "the file has no cases")
    return TestFile(
        path=file, flow_path=flow_path, flows=tuple(flows),
        cases=tuple(r.case(c, i, known) for i, c in enumerate(cases)),
        settings=r.pairs(d.get("settings"), "settings"),
        env=tuple((str(k), str(v)) for k, v in r.pairs(d.get("env"), "env")),
        disable=disable,
        openai=r.answers(d["openai"], "openai") if d.get("openai") is not None else None,
        realtime=r.realtime(d["realtime"], "realtime") if d.get("realtime") is not None else None,
    )

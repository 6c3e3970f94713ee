"""The ``openai-realtime`` node: one Realtime session over a WebSocket, owned by the node.

The node connects to ``<base_url>/realtime?model=<model>`` (``https`` -> ``wss``) with the config
node's key and headers, sends ``session.update`` with its ``session`` object after each connect,
and sends the client events each incoming message asks for (``realtime_events.client_events``:
text, audio bytes or base64, tool outputs, any client event). Each server event becomes one
message (``msg.topic`` = the event type, ``msg.payload`` = the event), and each finished response
one more (``msg.topic`` = ``realtime.response``, ``msg.payload`` = ``{id, status, text, transcript,
audio (bytes), function_calls, usage, response}``). With ``output`` = ``responses`` only the
assembled messages go out. A server ``error`` event goes to catch nodes (``msg.payload`` = the
event), not to the output.

Messages that start a response (text, tool output, an explicit ``response.create``) lend their
other properties (``msg.res``, ``msg.topic``...) to the messages of that response, matched in
order with the server's ``response.created``; responses the server starts itself (voice activity)
carry none.

Lifecycle: ``connect`` = ``start`` opens the session at deploy, ``message`` at the first message.
A lost connection is retried with backoff (1 s doubling to 30 s); events sent meanwhile wait in a
bounded outbox (``MAX_PENDING``). ``msg.close = true`` ends the session (the next message opens a
new one). Redeploy closes the socket cleanly (close code 1000). Status: yellow "connecting",
green "connected", red "disconnected" with the reason and the retry delay.

Test seams: ``settings.extra["openai_sleep"]`` replaces ``asyncio.sleep`` for the backoff;
``settings.extra["openai_realtime_base_url"]`` is the base URL sessions open below instead of the
config node's (``flowengine test``'s scripted Realtime server).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.exceptions import InvalidStatus, WebSocketException

from flowengine.message import clone_msg, new_msgid
from flowengine.node import Node
from flowengine.types import Done, Msg, Send

from .client import USER_AGENT, ClientOptions
from .config import OpenAIConfig
from .errors import redact

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection
from .help_pages import node_help
from .realtime_events import PayloadError, ResponseAssembler, client_events, response_id_of

__all__ = ["BACKOFF_MAX_S", "MAX_PENDING", "REALTIME_BASE_URL_KEY", "RealtimeNode", "realtime_url"]

REALTIME_BASE_URL_KEY = "openai_realtime_base_url"
"""``settings.extra`` key: a base URL every session opens below (a test's scripted server)."""
MAX_PENDING = 1000
"""Client events waiting for a connection; beyond it a message fails with a catchable error."""
BACKOFF_MAX_S = 30.0
MAX_FRAME = 16 * 1024 * 1024
"""The largest server event accepted (audio deltas are far smaller)."""
_MAX_ORIGINS = 64
_KEEP_OUT = ("payload", "_msgid", "close", "connect", "commit", "parts")


def realtime_url(options: ClientOptions, model: str) -> str:
    """The WebSocket URL of a session: the base URL's scheme as ws/wss, ``/realtime``, the model."""
    parts = urlsplit(options.base_url.rstrip("/"))
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    query = [("model", model), *options.extra_query.items()]
    if options.auth_query and options.api_key:
        query.append((options.auth_query, options.api_key))
    return urlunsplit((scheme, parts.netloc, parts.path + "/realtime", urlencode(query), ""))


def _headers(options: ClientOptions, beta: bool) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, **options.extra_headers}
    if options.api_key and not options.auth_query:
        if options.auth_header.lower() == "authorization" and options.auth_scheme:
            headers["Authorization"] = f"{options.auth_scheme} {options.api_key}"
        else:
            headers[options.auth_header] = options.api_key
    if options.organization:
        headers["OpenAI-Organization"] = options.organization
    if options.project:
        headers["OpenAI-Project"] = options.project
    if beta:
        headers["OpenAI-Beta"] = "realtime=v1"
    return headers


class RealtimeNode(Node):
    """A Realtime session: messages in become client events, server events come out as messages."""

    type = "openai-realtime"
    category = "openai realtime"
    label = "realtime session"
    color = "#74aa9c"
    icon = "openai.svg"
    inputs = 1
    outputs = 1
    close_timeout = 5.0
    schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {
        "name": {"type": "string", "title": "Name"},
        "config": {"type": "string", "x-config-type": "openai-config", "title": "Connection"},
        "model": {"type": "string", "default": "gpt-realtime", "title": "Model"},
        "session": {"type": "object", "default": {}, "title": "Session",
                    "description": "Sent as session.update after each connect (instructions, voice, tools, "
                                   "audio formats, turn detection); 'type: realtime' is added unless beta."},
        "auto_respond": {"type": "boolean", "default": True, "title": "Ask for a response",
                         "description": "Send response.create after text, committed audio and tool outputs."},
        "output": {"type": "string", "enum": ["all", "responses"], "default": "all", "title": "Output",
                   "description": "all: one message per server event plus one per finished response; "
                                  "responses: only the finished responses."},
        "connect": {"type": "string", "enum": ["start", "message"], "default": "start", "title": "Connect",
                    "description": "start: at deploy; message: at the first message."},
        "beta": {"type": "boolean", "default": False, "title": "Beta protocol",
                 "description": "Send 'OpenAI-Beta: realtime=v1' (servers that speak the beta protocol)."},
    }}
    help = node_help("openai-realtime")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outbox: asyncio.Queue[str] = asyncio.Queue(MAX_PENDING)
        """Client events (JSON text) waiting to be sent."""
        self.ws: ClientConnection | None = None
        self.connections = 0
        """Sessions opened so far (introspection, tests)."""
        self._task: asyncio.Task[Any] | None = None
        self._closing = False
        """The session is to end (msg.close, redeploy)."""
        self._reopen = False
        """A message arrived while the session was ending: open a new one once it has."""
        self._node_closed = False
        self._assembler = ResponseAssembler()
        self._origins: deque[Msg] = deque(maxlen=_MAX_ORIGINS)
        self._by_response: dict[str, Msg] = {}
        self._last_status = ""

    # --- lifecycle ---
    def on_start(self) -> None:
        if self.prop("connect") != "message":
            self._open()

    def _open(self) -> None:
        if self._task is None or self._task.done():
            self._closing = False
            self._task = self.spawn(self._run())

    async def on_close(self, removed: bool) -> None:
        self._closing = self._node_closed = True
        ws = self.ws
        if ws is not None:
            await ws.close(1000, "node closed")

    def _config(self) -> OpenAIConfig:
        cfg = self.config_node(self.config.get("config"))
        if not isinstance(cfg, OpenAIConfig):
            raise ValueError(f"node {self.id} ({self.type}): property 'config' must name an openai-config node "
                             f"(got {self.config.get('config')!r})")
        return cfg

    def _show(self, fill: str, shape: str, text: str) -> None:
        if text != self._last_status:
            self._last_status = text
            self.status(fill=fill, shape=shape, text=text)

    async def _run(self) -> None:
        options = self._config().options_for(self, {})  # a per-message key (env/flow/global) is read at connect
        extra = self.host.settings.extra or {}
        sleep: Callable[[float], Awaitable[None]] = extra.get("openai_sleep") or asyncio.sleep
        if extra.get(REALTIME_BASE_URL_KEY):
            options = dataclasses.replace(options, base_url=str(extra[REALTIME_BASE_URL_KEY]))
        url = realtime_url(options, str(self.prop("model") or "gpt-realtime"))
        attempt = 0
        from websockets.asyncio.client import connect  # with the first connection, not with the runtime

        while not self._closing:
            self._show("yellow", "ring", "connecting")
            reason = "closed by the server"
            try:
                async with connect(url, additional_headers=_headers(options, bool(self.prop("beta"))),
                                   open_timeout=min(options.timeout, 30.0), close_timeout=2.0,
                                   max_size=MAX_FRAME, user_agent_header=None) as ws:
                    self.ws = ws
                    self.connections += 1
                    attempt = 0
                    self._show("green", "dot", "connected")
                    await self._session(ws)
            except InvalidStatus as exc:
                reason = f"the server refused the session: HTTP {exc.response.status_code}"
            except (OSError, TimeoutError, WebSocketException) as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            finally:
                self.ws = None
            if self._closing:
                if not self._reopen or self._node_closed:
                    break
                self._closing = self._reopen = False  # closed as asked, and a message wants a new session
                attempt = 0
                continue
            delay = min(2.0 ** attempt, BACKOFF_MAX_S)
            attempt += 1
            text = redact(f"{self.type}: {reason}; reconnecting in {delay:g} s", options.secrets)
            self._show("red", "ring", f"disconnected; retry in {delay:g} s")
            self.error(text)
            await sleep(delay)
        if not self._node_closed:
            self._show("grey", "ring", "closed")

    async def _session(self, ws: ClientConnection) -> None:
        session = self.prop("session")
        if isinstance(session, dict) and session:
            if not self.prop("beta") and "type" not in session:
                session = {"type": "realtime", **session}
            await ws.send(json.dumps({"type": "session.update", "session": session}))
        # the writer lives exactly as long as this connection: cancelled and awaited below
        writer = asyncio.ensure_future(self._write(ws))
        try:
            async for raw in ws:
                self._receive(raw)
        finally:
            writer.cancel()
            # its only failure is the connection closing under it, which the reader reports
            await asyncio.gather(writer, return_exceptions=True)

    async def _write(self, ws: ClientConnection) -> None:
        while True:
            await ws.send(await self.outbox.get())

    # --- server events -> messages ---
    def _receive(self, raw: str | bytes) -> None:
        try:
            event = json.loads(raw)
        except ValueError:
            self.warn(f"{self.type}: the server sent a frame that is not JSON ({len(raw)} bytes)")
            return
        if not isinstance(event, dict):
            self.warn(f"{self.type}: the server sent JSON that is not an event object")
            return
        etype = str(event.get("type") or "")
        rid = response_id_of(event)
        if etype == "response.created" and rid is not None and self._origins:
            if len(self._by_response) >= _MAX_ORIGINS:  # responses that never finished
                self._by_response.pop(next(iter(self._by_response)))
            self._by_response[rid] = self._origins.popleft()
        origin = self._by_response.get(rid, {}) if rid is not None else {}
        msg = self._message(origin, etype, event)
        if etype == "error":
            raw_error = event.get("error")
            error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
            self.error(f"{self.type}: {error.get('message') or 'the server reported an error'}", msg)
        elif self.prop("output") != "responses":
            self.send(msg)
        assembled = self._assembler.feed(event)
        if assembled is not None:
            self._by_response.pop(str(rid), None)
            self.send(self._message(origin, "realtime.response", assembled))

    def _message(self, origin: Msg, topic: str, payload: Any) -> Msg:
        msg = clone_msg(origin) if origin else {}
        msg.update({"_msgid": new_msgid(), "topic": topic, "payload": payload,
                    "openai": {"transport": "realtime", "event": topic}})
        return msg

    # --- messages -> client events ---
    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        if msg.get("close") is True:
            self._closing = True
            if self.ws is not None:
                self.spawn(self.ws.close(1000, "closed by msg.close"))
            done()
            return
        try:
            self._config()
            events = [] if "payload" not in msg and msg.get("connect") is True else client_events(
                msg.get("payload"), auto_respond=bool(self.prop("auto_respond")), commit=msg.get("commit") is True)
            frames = [json.dumps(event) for event in events]
        except TypeError as exc:
            done(ValueError(f"{self.type}: msg.payload cannot be sent as a JSON event: {exc}"))
            return
        except (PayloadError, ValueError) as exc:
            done(exc)
            return
        if self._task is None or self._task.done():
            self._open()
        elif self._closing:
            self._reopen = True
        origin = {k: v for k, v in msg.items() if k not in _KEEP_OUT}
        for event, frame in zip(events, frames, strict=True):
            if event.get("type") == "response.create":
                self._origins.append(origin)
            try:
                self.outbox.put_nowait(frame)
            except asyncio.QueueFull:
                done(ValueError(f"{self.type}: {MAX_PENDING} client events already wait for the connection"))
                return
        done()

"""The ``openai-webhook`` node: OpenAI's signed webhook deliveries in, verified events out.

With ``url`` set the node serves ``POST <httpNodeRoot><url>`` itself (through the process's HTTP
routes, ``flowengine.http_routes``). A delivery whose signature verifies (``flowengine.webhook_signature``:
``webhook-id``, ``webhook-timestamp``, ``webhook-signature``, HMAC-SHA256 with the ``whsec_``
secret, ``tolerance`` seconds, constant-time compare) is answered 200 at once and emitted:
``msg.payload`` = the event (``{id, type, created_at, data}``), ``msg.topic`` = its type,
``msg.webhook = {id, timestamp}``. A bad, stale or unsigned delivery (or a body that is not JSON)
gets 400 and nothing is emitted; the reason is logged as a warning. A ``webhook-id`` seen within the
tolerance window again (OpenAI retrying, or a replay) gets 200 and is not emitted a second time.

It can also follow an ``http in`` node (with *skip body parsing* on, since the signature covers the
raw body): the message's ``msg.req.headers`` and raw body are verified, a good one goes on with
``msg.payload`` = the event and the request is answered 200; a bad one is a catchable error and the
request is answered 400.

The secret is the credential ``secret``, else ``OPENAI_WEBHOOK_SECRET``; it never appears in logs.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, ClassVar

from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response

from flowengine.http_routes import http_routes
from flowengine.message import new_msgid
from flowengine.node import Node
from flowengine.types import Done, Msg, Send
from flowengine.webhook_signature import DEFAULT_TOLERANCE_S, WebhookVerificationError, verify

from .help_pages import node_help

__all__ = ["MAX_SEEN", "ReplayGuard", "WebhookNode"]

MAX_SEEN = 10_000
"""Webhook ids remembered for replay protection (the oldest are forgotten first)."""


class ReplayGuard:
    """Remembers delivery ids for ``window`` seconds: ``first(id, now)`` is True once per id."""

    def __init__(self, window: float, limit: int = MAX_SEEN) -> None:
        self.window = window
        self.limit = limit
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first(self, webhook_id: str, now: float) -> bool:
        while self._seen and (next(iter(self._seen.values())) < now or len(self._seen) >= self.limit):
            self._seen.popitem(last=False)
        if webhook_id in self._seen:
            return False
        self._seen[webhook_id] = now + self.window
        return True


class WebhookNode(Node):
    """Verified OpenAI webhooks: serves a path, or checks what an ``http in`` node received."""

    type = "openai-webhook"
    category = "openai webhooks"
    label = "webhook"
    color = "#74aa9c"
    icon = "openai.svg"
    inputs = 1
    outputs = 1
    schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {
        "name": {"type": "string", "title": "Name"},
        "url": {"type": "string", "default": "", "title": "URL",
                "description": "The path under httpNodeRoot to serve, e.g. /hooks/openai; empty: only check "
                               "messages from an http in node."},
        "tolerance": {"type": ["number", "string"], "default": 300, "title": "Tolerance (s)",
                      "description": "How far the delivery's timestamp may be from now."},
    }}
    credentials_schema: ClassVar[dict[str, str]] = {"secret": "password"}
    help = node_help("openai-webhook")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            self.tolerance = float(self.config.get("tolerance") or DEFAULT_TOLERANCE_S)
        except (TypeError, ValueError):
            self.tolerance = DEFAULT_TOLERANCE_S
        self.replays = ReplayGuard(2 * self.tolerance)
        self._remove: Any = None

    def _secret(self) -> str:
        secret = self.credentials.get("secret")
        if not secret:
            found = self.env("OPENAI_WEBHOOK_SECRET")
            secret = found if isinstance(found, str) else ""
        return str(secret)

    def on_start(self) -> None:
        if not self._secret():
            self.warn(f"{self.type}: no signing secret: set the node's 'secret' credential (whsec_...) or "
                      "OPENAI_WEBHOOK_SECRET; until then every delivery is refused with 400")
        url = str(self.config.get("url") or "")
        router = http_routes(self.host.settings)
        if url and router is not None:
            self._remove = router.add_route("post", url, self._handle, owner=self.id)

    def on_close(self, removed: bool) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None

    def _check(self, body: bytes | str, headers: Mapping[str, Any]) -> tuple[str, Any] | None:
        """``(webhook_id, event)`` of a good delivery, None for a replay; raises for a bad one."""
        secret = self._secret()
        if not secret:
            raise WebhookVerificationError("the webhook secret is not set: give the node's 'secret' credential "
                                           "or the OPENAI_WEBHOOK_SECRET environment variable")
        webhook_id = verify(body, headers, secret, self.tolerance)
        try:
            event = json.loads(body)
        except ValueError:
            raise WebhookVerificationError("the webhook body is not JSON") from None
        if not self.replays.first(webhook_id, time.time()):
            self.warn(f"{self.type}: delivery {webhook_id} was already received; not emitted again")
            return None
        return webhook_id, event

    def _message(self, base: Msg, webhook_id: str, event: Any, headers: Mapping[str, Any]) -> Msg:
        base["payload"] = event
        base["topic"] = event.get("type") if isinstance(event, dict) else None
        stamp = next((v for k, v in headers.items() if str(k).lower() == "webhook-timestamp"), None)
        base["webhook"] = {"id": webhook_id, "timestamp": int(str(stamp))}
        return base

    async def _handle(self, request: Request, params: dict[str, str]) -> Response:
        try:
            body = await request.body()
        except ClientDisconnect:
            return Response(status_code=499)
        headers = dict(request.headers.items())
        try:
            checked = self._check(body, headers)
        except WebhookVerificationError as exc:
            self.warn(f"{self.type}: refused a delivery to {request.url.path}: {exc}")
            return PlainTextResponse(f"invalid webhook: {exc}", status_code=400)
        if checked is not None:
            self.send(self._message({"_msgid": new_msgid()}, *checked, headers))
        return PlainTextResponse("", status_code=200)

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        req = msg.get("req")
        headers = req.get("headers") if isinstance(req, dict) else None
        body = req.get("body") if isinstance(req, dict) else None
        if not isinstance(body, (bytes, bytearray, str)):
            body = msg.get("payload")
        try:
            if not isinstance(headers, dict):
                raise WebhookVerificationError("msg.req.headers is missing: wire an http in node to this node")
            if not isinstance(body, (bytes, bytearray, str)):
                raise WebhookVerificationError("the raw request body is missing: turn on 'skip body parsing' in "
                                               "the http in node (the signature covers the body as sent)")
            checked = self._check(bytes(body) if isinstance(body, bytearray) else body, headers)
        except WebhookVerificationError as exc:
            _answer(msg, 400, f"invalid webhook: {exc}")
            done(WebhookVerificationError(f"{self.type}: {exc}"))
            return
        _answer(msg, 200, "")
        if checked is not None:
            send(self._message(msg, *checked, headers))
        done()


def _answer(msg: Msg, status: int, text: str) -> None:
    """Answer the http in request of ``msg`` (its ``msg.res``), when it has one not yet answered."""
    res = msg.get("res")
    respond = getattr(res, "respond", None)
    if callable(respond) and not getattr(res, "answered", False):
        respond(PlainTextResponse(text, status_code=status))

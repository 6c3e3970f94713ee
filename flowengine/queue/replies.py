"""HTTP-in across processes: the response reaches the client from whichever process runs ``http response``.

An ``http in`` message carries the pending response as ``msg.res`` (an object that answers the
request held open by the coordinator that accepted it). When such a message goes to the queue, the
coordinator keeps the object (``ResponseStash``) and the envelope carries a marker in its place:
``{"_queue": {"coordinator": <name>, "token": <token>}}``. On a worker, ``http response`` nodes are
returns: a message for one becomes an entry of ``<p>:replies:<coordinator>``, and that coordinator
(``ReplyReader``) puts the response object back and runs its own ``http response`` node on it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from ..runtime import Runtime
from ..types import Msg
from .envelope import Envelope
from .keys import Keys
from .redis_client import UNREACHABLE, keep_cancellation

__all__ = ["RESPONSE_TYPES", "ReplyReader", "ResponseStash", "reply_coordinator"]

log = logging.getLogger("flowengine.queue")
RESPONSE_TYPES = frozenset({"http response"})
MARK = "_queue"
SWEEP_EVERY = 256


def reply_coordinator(msg: Msg) -> str | None:
    """The coordinator holding ``msg``'s HTTP request (from its ``res`` marker), or None."""
    res = msg.get("res")
    mark = res.get(MARK) if isinstance(res, dict) else None
    name = mark.get("coordinator") if isinstance(mark, dict) else None
    return name if isinstance(name, str) else None


class ResponseStash:
    """A coordinator's pending HTTP responses whose messages went to the queue, by token."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending: dict[str, Any] = {}
        self._puts = 0

    def outgoing(self, msg: Msg) -> Msg:
        """``msg`` as it may travel: a response object is kept here, a marker goes instead."""
        res = msg.get("res")
        if res is None or not callable(getattr(res, "respond", None)):
            return msg
        token = secrets.token_hex(8)
        self.pending[token] = res
        self._puts += 1
        if self._puts % SWEEP_EVERY == 0:
            self.sweep()
        return {**msg, "res": {MARK: {"coordinator": self.name, "token": token}}}

    def incoming(self, msg: Msg) -> bool:
        """Put the response object back into ``msg``; False when it is no longer here."""
        res = msg.get("res")
        mark = res.get(MARK) if isinstance(res, dict) else None
        token = mark.get("token") if isinstance(mark, dict) else None
        found = self.pending.pop(token, None) if isinstance(token, str) else None
        if found is None:
            return False
        msg["res"] = found
        return True

    def refuse(self, msg: Msg) -> bool:
        """Answer ``msg``'s HTTP request 503 (backpressure); False when it carries none."""
        res = msg.get("res")
        if res is None or not callable(getattr(res, "respond", None)):
            return False
        _unavailable(res)
        return True

    def sweep(self) -> None:
        """Forget responses already answered (or abandoned by their client)."""
        for token in [t for t, r in self.pending.items() if getattr(r, "answered", False)]:
            del self.pending[token]


class ReplyReader:
    """Runs this coordinator's ``http response`` nodes on the replies workers send it."""

    def __init__(self, redis: Any, keys: Keys, stash: ResponseStash, runtime: Runtime) -> None:
        self.redis = redis
        self.stream = keys.replies(stash.name)
        self.stash = stash
        self.runtime = runtime
        self.answered = 0
        self._last = "0-0"

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                reply = await self.redis.xread({self.stream: self._last}, count=100, block=1000)
                failures = 0
            except UNREACHABLE as exc:
                keep_cancellation()
                failures += 1
                if failures in (1, 10) or failures % 100 == 0:
                    log.warning("queue: cannot read HTTP replies from Redis (%s); retrying", exc)
                await asyncio.sleep(min(2.0, 0.05 * 2 ** min(failures, 6)))
                continue
            done: list[str] = []
            for _stream, entries in reply or []:
                for entry_id, fields in entries:
                    self._last = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
                    done.append(self._last)
                    self._deliver(Envelope.parse(fields))
            if done:
                await self.redis.xdel(self.stream, *done)

    def _deliver(self, envelope: Envelope) -> None:
        msg = envelope.message()
        if not self.stash.incoming(msg):
            log.warning("queue: a reply for node %s came for a request no longer waiting", envelope.node)
            return
        flow = self.runtime.flow_of(envelope.node)
        if flow is None or not flow.deliver_to(envelope.node, msg):
            log.warning("queue: http response node %s is not running here; answering 503", envelope.node)
            _unavailable(msg["res"])
            return
        self.answered += 1


def _unavailable(res: Any) -> None:
    from starlette.responses import PlainTextResponse

    res.respond(PlainTextResponse("Service Unavailable", status_code=503))

"""A small Realtime server on 127.0.0.1 for tests: the event shapes of the spec's realtime schemas.

It answers ``session.update`` (``session.updated``), ``conversation.item.create``
(``conversation.item.created``), ``input_audio_buffer.commit`` (``input_audio_buffer.committed``)
and ``response.create`` with ``response.created``, text, audio and transcript deltas, the ``.done``
events and ``response.done``. A user text ``"tool"`` makes the response a function call, ``"fail"``
makes the server send an ``error`` event, ``"drop"`` makes it drop the connection. Every client
event received is kept in ``received`` (per connection) with the request's path and headers.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from flowengine.flowtest.realtime import Connection, EventServer

AUDIO = b"\x00\x01\x02\x03"


class FakeRealtime(EventServer):
    """``async with FakeRealtime() as fake``: ``fake.base_url`` is ``http://127.0.0.1:<port>/v1``
    (the server, its connections and their received events are ``flowengine test``'s ``EventServer``)."""

    def __init__(self, refuse: int = 0) -> None:
        super().__init__()
        self.refuse_left = refuse
        """Refuse this many handshakes with HTTP 401 before accepting."""
        self.events = asyncio.Queue[dict[str, Any]]()
        self._ids = itertools.count(1)

    def refuse(self, conn: ServerConnection, request: Request) -> Response | None:
        if self.refuse_left > 0:
            self.refuse_left -= 1
            return conn.respond(401, "invalid key\n")
        return None

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"

    async def converse(self, ws: ServerConnection, conn: Connection) -> None:
        await self._send(ws, {"type": "session.created", "session": {"type": "realtime", "id": self._id("sess"),
                                                                    "object": "realtime.session"}})
        last_text = ""
        async for raw in ws:
            event = await self.record(conn, raw)
            await self.events.put(event)
            etype = event["type"]
            if etype == "session.update":
                await self._send(ws, {"type": "session.updated", "session": event["session"]})
            elif etype == "conversation.item.create":
                item = {"id": self._id("item"), **event["item"]}
                content = item.get("content") or [{}]
                last_text = str(content[0].get("text", "")) if item.get("type") == "message" else ""
                await self._send(ws, {"type": "conversation.item.created", "previous_item_id": None, "item": item})
                if last_text == "drop":
                    await ws.close(1011, "dropped by the test")
                    return
            elif etype == "input_audio_buffer.commit":
                await self._send(ws, {"type": "input_audio_buffer.committed", "previous_item_id": None,
                                      "item_id": self._id("item")})
            elif etype == "response.create":
                await self._respond(ws, last_text)

    async def _send(self, ws: ServerConnection, event: dict[str, Any]) -> None:
        await self.send(ws, {"event_id": self._id("event"), **event})

    async def _respond(self, ws: ServerConnection, text: str) -> None:
        if text == "fail":
            await self._send(ws, {"type": "error", "error": {"type": "invalid_request_error",
                                                             "message": "the test asked for an error"}})
            return
        rid = self._id("resp")
        await self._send(ws, {"type": "response.created", "response": {"id": rid, "object": "realtime.response",
                                                                      "status": "in_progress", "output": []}})
        at = {"response_id": rid, "item_id": "item_out", "output_index": 0, "content_index": 0}
        if text == "tool":
            await self._send(ws, {"type": "response.function_call_arguments.done", "response_id": rid,
                                  "item_id": "item_out", "output_index": 0, "call_id": "call_1",
                                  "name": "get_time", "arguments": "{}"})
        else:
            for part in ("Hello", " there"):
                await self._send(ws, {"type": "response.output_text.delta", **at, "delta": part})
            await self._send(ws, {"type": "response.output_text.done", **at, "text": "Hello there"})
            await self._send(ws, {"type": "response.output_audio_transcript.delta", **at, "delta": "Hi"})
            for chunk in (AUDIO[:2], AUDIO[2:]):
                await self._send(ws, {"type": "response.output_audio.delta", **at,
                                      "delta": base64.b64encode(chunk).decode()})
            await self._send(ws, {"type": "response.output_audio.done", **at})
        usage = {"total_tokens": 7, "input_tokens": 3, "output_tokens": 4}
        await self._send(ws, {"type": "response.done", "response": {"id": rid, "object": "realtime.response",
                                                                   "status": "completed", "output": [],
                                                                   "usage": usage}})

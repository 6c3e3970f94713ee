"""Server-sent events: reading a stream to its end and assembling the final result.

A stream ends at ``data: [DONE]`` (chat, completions, runs), at an ``event: done`` (the steady
mock), or at a terminal event type (``response.completed``, ``transcript.text.done``...). A body
that ends before any of these, or a broken connection, raises ``StreamError``: a cut stream is
never taken for a complete one. An event whose JSON carries ``error`` (or ``event: error``)
raises mid-stream, as the SDK does.
"""

from __future__ import annotations

import base64
import binascii
import json as jsonlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowengine.lazy_module import lazy_module

from .errors import StreamError

if TYPE_CHECKING:
    import httpx
    import httpx_sse
else:
    httpx = lazy_module("httpx")  # loaded by the first stream read (flowengine.lazy_module)
    httpx_sse = lazy_module("httpx_sse")

__all__ = ["StreamAssembler", "StreamEvent", "assembler_for", "iter_events"]

TERMINAL_TYPES = frozenset({
    "response.completed", "response.failed", "response.incomplete", "image_generation.completed",
    "image_edit.completed", "transcript.text.done", "speech.audio.done",
})


@dataclass(frozen=True)
class StreamEvent:
    """One SSE event: its name (``message`` when none is given), parsed data and id."""

    name: str
    data: Any
    id: str | None = None

    @property
    def type(self) -> str:
        if isinstance(self.data, dict) and isinstance(self.data.get("type"), str):
            return str(self.data["type"])
        return self.name


def _error_of(name: str, data: Any) -> StreamError | None:
    if name == "error" or (isinstance(data, dict) and data.get("error") and "type" not in data):
        err = data.get("error") if isinstance(data, dict) else None
        fields = err if isinstance(err, dict) else (data if isinstance(data, dict) else {})
        text = fields.get("message") or (err if isinstance(err, str) else "error event in stream")
        return StreamError(f"stream error: {text}", type=fields.get("type") or "stream_error",
                           code=fields.get("code"), param=fields.get("param"), body=data)
    if isinstance(data, dict) and data.get("type") == "error":
        return StreamError(f"stream error: {data.get('message') or 'error event'}", type="stream_error",
                           code=data.get("code"), param=data.get("param"), body=data)
    return None


async def iter_events(response: httpx.Response) -> AsyncIterator[StreamEvent]:
    """The events of ``response`` up to (excluding) the terminator; raises ``StreamError``."""
    ended = False
    try:
        async for sse in httpx_sse.EventSource(response).aiter_sse():
            if sse.data.startswith("[DONE]"):
                ended = True
                break
            try:
                data: Any = jsonlib.loads(sse.data) if sse.data else None
            except ValueError:
                data = sse.data
            name = sse.event or "message"
            if name == "done":
                ended = True
                break
            error = _error_of(name, data)
            if error is not None:
                raise error
            event = StreamEvent(name, data, sse.id or None)
            yield event
            if event.type in TERMINAL_TYPES:
                ended = True
                break
    except (httpx.TransportError, httpx_sse.SSEError) as exc:
        raise StreamError(f"stream broken before its end: {type(exc).__name__}", type="stream_error") from exc
    if not ended:
        raise StreamError("stream ended before its terminating event", type="stream_error")


class StreamAssembler:
    """Collects events; ``result()`` is the final message's payload. This generic one lists them."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.usage: dict[str, Any] | None = None

    def feed(self, event: StreamEvent) -> None:
        self.events.append(event.data if event.name == "message" else {"event": event.name, "data": event.data})
        data = event.data
        if isinstance(data, dict) and isinstance(data.get("usage"), dict):
            self.usage = data["usage"]

    def result(self) -> Any:
        return self.events


class ChatAssembler(StreamAssembler):
    """Chat completion chunks -> one ``chat.completion`` object (text, tool calls, usage)."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, Any] = {}
        self.choices: dict[int, dict[str, Any]] = {}

    def feed(self, event: StreamEvent) -> None:
        data = event.data
        if not isinstance(data, dict):
            return
        for key in ("id", "model", "created", "system_fingerprint", "service_tier"):
            if data.get(key) is not None:
                self.meta[key] = data[key]
        if isinstance(data.get("usage"), dict):
            self.usage = data["usage"]
        for ch in data.get("choices") or []:
            if not isinstance(ch, dict):
                continue
            idx = ch.get("index", 0) if isinstance(ch.get("index"), int) else 0
            acc = self.choices.setdefault(idx, {"content": "", "role": "assistant", "tool_calls": {},
                                                "finish_reason": None, "refusal": None})
            delta = ch.get("delta") or ch
            self._delta(acc, delta if isinstance(delta, dict) else {})
            if ch.get("finish_reason") is not None:
                acc["finish_reason"] = ch["finish_reason"]

    def _delta(self, acc: dict[str, Any], delta: dict[str, Any]) -> None:
        if isinstance(delta.get("role"), str):
            acc["role"] = delta["role"]
        if isinstance(delta.get("content"), str):
            acc["content"] += delta["content"]
        if isinstance(delta.get("text"), str):
            acc["content"] += delta["text"]
        if isinstance(delta.get("refusal"), str):
            acc["refusal"] = (acc["refusal"] or "") + delta["refusal"]
        for tc in delta.get("tool_calls") or []:
            if not isinstance(tc, dict):
                continue
            i = tc.get("index", 0) if isinstance(tc.get("index"), int) else 0
            call = acc["tool_calls"].setdefault(i, {"id": None, "type": "function",
                                                   "function": {"name": "", "arguments": ""}})
            if tc.get("id"):
                call["id"] = tc["id"]
            if tc.get("type"):
                call["type"] = tc["type"]
            raw_fn = tc.get("function")
            fn: dict[str, Any] = raw_fn if isinstance(raw_fn, dict) else {}
            if isinstance(fn.get("name"), str):
                call["function"]["name"] += fn["name"]
            if isinstance(fn.get("arguments"), str):
                call["function"]["arguments"] += fn["arguments"]

    def result(self) -> dict[str, Any]:
        choices = []
        for idx in sorted(self.choices):
            acc = self.choices[idx]
            message: dict[str, Any] = {"role": acc["role"], "content": acc["content"]}
            if acc["refusal"] is not None:
                message["refusal"] = acc["refusal"]
            if acc["tool_calls"]:
                message["tool_calls"] = [acc["tool_calls"][i] for i in sorted(acc["tool_calls"])]
            choices.append({"index": idx, "message": message, "finish_reason": acc["finish_reason"]})
        return {**self.meta, "object": "chat.completion", "choices": choices, "usage": self.usage}


class CompletionAssembler(ChatAssembler):
    """Legacy completions: ``choices[].text`` concatenated."""

    def result(self) -> dict[str, Any]:
        out = super().result()
        out["object"] = "text_completion"
        out["choices"] = [{"index": c["index"], "text": c["message"]["content"], "finish_reason": c["finish_reason"]}
                          for c in out["choices"]]
        return out


class ResponsesAssembler(StreamAssembler):
    """Responses API events -> the final response object (plus ``output_text``)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.items: list[Any] = []
        self.response: dict[str, Any] | None = None

    def feed(self, event: StreamEvent) -> None:
        data = event.data
        if not isinstance(data, dict):
            return
        kind = event.type
        if kind == "response.output_text.delta" and isinstance(data.get("delta"), str):
            self.text.append(data["delta"])
        elif kind == "response.output_item.done" and "item" in data:
            self.items.append(data["item"])
        if isinstance(data.get("response"), dict):
            self.response = data["response"]
            if isinstance(self.response.get("usage"), dict):
                self.usage = self.response["usage"]

    def result(self) -> dict[str, Any]:
        text = "".join(self.text)
        if self.response is not None and self.response.get("output"):
            return {**self.response, "output_text": text or _output_text(self.response)}
        base = dict(self.response or {})
        base.update({"output": self.items, "output_text": text, "usage": self.usage})
        return base


def _output_text(response: dict[str, Any]) -> str:
    parts = []
    for item in response.get("output") or []:
        if isinstance(item, dict) and item.get("type") == "message":
            for c in item.get("content") or []:
                if isinstance(c, dict) and c.get("type") == "output_text" and isinstance(c.get("text"), str):
                    parts.append(c["text"])
    return "".join(parts)


class TerminalAssembler(StreamAssembler):
    """Streams whose terminal event carries the whole result (images, transcriptions): that event;
    speech: the audio bytes of its ``speech.audio.delta`` events. Otherwise the list of events."""

    def __init__(self) -> None:
        super().__init__()
        self.final: Any = None
        self.audio: list[bytes] = []

    def feed(self, event: StreamEvent) -> None:
        super().feed(event)
        data = event.data
        if event.type == "speech.audio.delta" and isinstance(data, dict) and isinstance(data.get("audio"), str):
            try:
                self.audio.append(base64.b64decode(data["audio"]))
            except (binascii.Error, ValueError):
                self.audio.append(b"")
        if event.type in TERMINAL_TYPES:
            self.final = data

    def result(self) -> Any:
        if self.audio:
            return b"".join(self.audio)
        if self.final is not None:
            return self.final
        return self.events


def assembler_for(path: str) -> StreamAssembler:
    """The assembler for an operation path."""
    if path == "/chat/completions":
        return ChatAssembler()
    if path == "/completions":
        return CompletionAssembler()
    if path.startswith("/responses"):
        return ResponsesAssembler()
    return TerminalAssembler()



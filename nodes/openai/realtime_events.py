"""Realtime events without I/O: the client events a message asks for, and the per-response assembly.

``client_events(payload, ...)`` turns ``msg.payload`` into the client events of the Realtime API
(the spec's ``RealtimeClientEvent`` union):

* a string -> ``conversation.item.create`` with a user ``input_text`` message, then
  ``response.create`` when ``auto_respond``;
* bytes -> ``input_audio_buffer.append`` (base64, in chunks of ``AUDIO_CHUNK`` bytes); with
  ``commit`` also ``input_audio_buffer.commit`` (+ ``response.create`` when ``auto_respond``);
* ``{"audio": bytes | base64 text}`` -> the same as bytes;
* an object whose ``type`` names a conversation item (``message``, ``function_call``,
  ``function_call_output``) -> ``conversation.item.create`` with it; a tool output is followed by
  ``response.create`` when ``auto_respond``;
* any other object with a ``type`` -> sent as it is (``response.create``, ``session.update``...);
* a list -> each element in turn.

``ResponseAssembler`` collects the deltas of each response (text, audio transcript, audio bytes,
function calls) and returns the assembled result when ``response.done`` arrives. Event names of
the GA API (``response.output_text.delta``) and of the beta one (``response.text.delta``) are both
understood.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AUDIO_CHUNK", "ITEM_TYPES", "PayloadError", "ResponseAssembler", "client_events", "response_id_of"]

AUDIO_CHUNK = 256 * 1024
"""Raw audio bytes per ``input_audio_buffer.append`` (the API caps the size of one event)."""
ITEM_TYPES = frozenset({"message", "function_call", "function_call_output"})

_TEXT_DELTAS = frozenset({"response.output_text.delta", "response.text.delta"})
_TRANSCRIPT_DELTAS = frozenset({"response.output_audio_transcript.delta", "response.audio_transcript.delta"})
_AUDIO_DELTAS = frozenset({"response.output_audio.delta", "response.audio.delta"})
_CALLS_DONE = "response.function_call_arguments.done"


class PayloadError(ValueError):
    """``msg.payload`` asks for no client event this node knows how to send."""


def _audio_events(audio: bytes) -> list[dict[str, Any]]:
    return [{"type": "input_audio_buffer.append",
             "audio": base64.b64encode(audio[i:i + AUDIO_CHUNK]).decode("ascii")}
            for i in range(0, len(audio), AUDIO_CHUNK)]


def _audio_bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PayloadError("msg.payload.audio must be bytes or base64 text") from exc
    raise PayloadError(f"msg.payload.audio must be bytes or base64 text (got {type(value).__name__})")


def client_events(payload: Any, *, auto_respond: bool, commit: bool = False) -> list[dict[str, Any]]:
    """The client events for one message's payload, in the order to send them."""
    respond = [{"type": "response.create"}] if auto_respond else []
    if isinstance(payload, list):
        events: list[dict[str, Any]] = []
        for part in payload:
            events.extend(client_events(part, auto_respond=False))
        if commit:
            events.append({"type": "input_audio_buffer.commit"})
        return events + (respond if commit or any(_asks_response(e) for e in events) else [])
    if isinstance(payload, str):
        item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": payload}]}
        return [{"type": "conversation.item.create", "item": item}, *respond]
    if isinstance(payload, (bytes, bytearray)) or (isinstance(payload, dict) and "audio" in payload
                                                   and "type" not in payload):
        audio = _audio_bytes(payload["audio"] if isinstance(payload, dict) else payload)
        tail = [{"type": "input_audio_buffer.commit"}, *respond] if commit else []
        return [*_audio_events(audio), *tail]
    if isinstance(payload, dict) and isinstance(payload.get("type"), str) and payload["type"]:
        if payload["type"] in ITEM_TYPES:
            event = {"type": "conversation.item.create", "item": payload}
            return [event, *(respond if payload["type"] == "function_call_output" else [])]
        return [payload]
    kind = "null" if payload is None else type(payload).__name__
    raise PayloadError("msg.payload must be text, audio bytes, {audio}, a conversation item, a client event "
                       f"(an object with 'type') or a list of them (got {kind})")


def _asks_response(event: dict[str, Any]) -> bool:
    item = event.get("item")
    return (event.get("type") == "conversation.item.create" and isinstance(item, dict)
            and item.get("type") == "function_call_output")


def response_id_of(event: dict[str, Any]) -> str | None:
    """The response an event belongs to (``response_id``, or ``response.id``), None for others."""
    rid = event.get("response_id")
    if isinstance(rid, str):
        return rid
    response = event.get("response")
    if isinstance(response, dict) and isinstance(response.get("id"), str):
        return str(response["id"])
    return None


@dataclass
class _Parts:
    text: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    audio: bytearray = field(default_factory=bytearray)
    calls: list[dict[str, Any]] = field(default_factory=list)


class ResponseAssembler:
    """Deltas per response id; ``feed`` returns the assembled response on ``response.done``."""

    MAX_OPEN = 64
    """Responses kept open at once (a server that never sends ``response.done`` cannot grow it)."""

    def __init__(self) -> None:
        self._open: dict[str, _Parts] = {}

    def _parts(self, rid: str) -> _Parts:
        parts = self._open.get(rid)
        if parts is None:
            if len(self._open) >= self.MAX_OPEN:
                self._open.pop(next(iter(self._open)))
            parts = self._open[rid] = _Parts()
        return parts

    def feed(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """Take one server event; the assembled response when ``event`` ends one, else None."""
        etype = event.get("type")
        rid = response_id_of(event)
        if rid is None:
            return None
        if etype in _TEXT_DELTAS:
            self._parts(rid).text.append(str(event.get("delta") or ""))
        elif etype in _TRANSCRIPT_DELTAS:
            self._parts(rid).transcript.append(str(event.get("delta") or ""))
        elif etype in _AUDIO_DELTAS:
            try:
                self._parts(rid).audio.extend(base64.b64decode(str(event.get("delta") or "")))
            except (binascii.Error, ValueError):
                pass  # a delta that is not base64 adds nothing to the audio; the event itself still goes out
        elif etype == _CALLS_DONE:
            self._parts(rid).calls.append({k: event.get(k) for k in ("call_id", "name", "arguments")})
        elif etype == "response.done":
            parts = self._open.pop(rid, None) or _Parts()
            raw = event.get("response")
            response: dict[str, Any] = raw if isinstance(raw, dict) else {}
            return {
                "id": rid,
                "status": response.get("status"),
                "text": "".join(parts.text),
                "transcript": "".join(parts.transcript),
                "audio": bytes(parts.audio) if parts.audio else None,
                "function_calls": parts.calls,
                "usage": response.get("usage"),
                "response": response,
            }
        return None

"""Responses: binary bodies, SSE streams (parts + assembled result, cut streams, error events), pagination."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from flowengine.nodes.openai.errors import StreamError
from openai_fakes import make, run


def sse(*events: str) -> bytes:
    return "".join(events).encode()


def chunk(**delta: object) -> str:
    return "data: " + json.dumps({"id": "c1", "model": "m", "choices": [{"index": 0, "delta": delta}]}) + "\n\n"


CHAT_STREAM = sse(
    ": keep-alive comment\n\n",
    chunk(role="assistant", content="Hel"),
    chunk(content="lo"),
    chunk(tool_calls=[{"index": 0, "id": "call_1", "type": "function",
                       "function": {"name": "get_", "arguments": "{\"a\""}}]),
    chunk(tool_calls=[{"index": 0, "function": {"name": "weather", "arguments": ":1}"}}]),
    "data: " + json.dumps({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    + "\r\n\r\n",
    "data: " + json.dumps({"id": "c1", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4,
                                                                 "total_tokens": 7}}) + "\n\n",
    "data: [DONE]\n\n",
)


def stream_handler(body: bytes, seen: list[httpx.Request] | None = None) -> object:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return handler


async def test_chat_stream_sends_parts_then_the_assembled_completion(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    node, host = make("openai-create-chat-completion", stream_handler(CHAT_STREAM, seen), tmp_path,
                      props={"model": "gpt-4o", "stream": True})
    msg = {"payload": "hi", "topic": "t"}
    await run(node, msg)
    assert seen[0].headers["accept"] == "text/event-stream"
    assert json.loads(seen[0].content)["stream"] is True
    assert not host.errors, host.errors
    parts, final = host.sent[:-1], host.sent[-1]
    assert len(parts) == 6
    assert [p["parts"]["index"] for p in parts] == list(range(6))
    assert len({p["parts"]["id"] for p in parts}) == 1
    assert "count" not in parts[0]["parts"] and parts[-1]["parts"]["count"] == 6
    assert all(p["topic"] == "t" and p["parts"]["type"] == "array" for p in parts)
    assert parts[1]["payload"]["choices"][0]["delta"]["content"] == "lo"
    assert "parts" not in final and final is msg
    choice = final["payload"]["choices"][0]
    assert choice["message"]["content"] == "Hello"
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["tool_calls"] == [{"id": "call_1", "type": "function",
                                                "function": {"name": "get_weather", "arguments": "{\"a\":1}"}}]
    assert final["openai"]["usage"]["total_tokens"] == 7 and final["openai"]["events"] == 6
    assert node.tokens == 7


async def test_responses_stream_ends_at_its_terminal_event(tmp_path: Path) -> None:
    done = {"type": "response.completed", "response": {"id": "r1", "status": "completed", "output": [
        {"type": "message", "content": [{"type": "output_text", "text": "Hi!"}]}], "usage": {"total_tokens": 5}}}
    body = sse(
        "event: response.output_text.delta\ndata: " + json.dumps({"type": "response.output_text.delta",
                                                                   "delta": "Hi!"}) + "\n\n",
        "event: response.completed\ndata: " + json.dumps(done) + "\n\n",
    )
    node, host = make("openai-create-response", stream_handler(body), tmp_path, props={"model": "gpt-4o"})
    await run(node, {"payload": {"input": "hi", "stream": True}})
    assert not host.errors
    final = host.sent[-1]
    assert final["payload"]["id"] == "r1" and final["payload"]["output_text"] == "Hi!"
    assert final["openai"]["usage"] == {"total_tokens": 5}
    assert host.sent[0]["openai"]["event"] == "response.output_text.delta"


async def test_steady_style_done_event_ends_a_stream(tmp_path: Path) -> None:
    body = sse("id: 1\nevent: message\ndata: {\"x\": 1}\n\n", "event: done\ndata: {}\n\n")
    node, host = make("openai-create-transcription", stream_handler(body), tmp_path,
                      props={"model": "whisper-1", "stream": True})
    await run(node, {"payload": {"file": b"abc"}})
    assert not host.errors and host.sent[-1]["payload"] == [{"x": 1}]


async def test_a_cut_stream_is_an_error_after_the_parts_it_had(tmp_path: Path) -> None:
    cut = CHAT_STREAM.split(b"data: [DONE]")[0]
    node, host = make("openai-create-chat-completion", stream_handler(cut), tmp_path,
                      props={"model": "gpt-4o", "stream": True})
    msg = {"payload": "hi"}
    await run(node, msg)
    assert len(host.sent) == 6  # the events that arrived, and no final message
    err, emsg = host.errors[0]
    assert isinstance(err, StreamError) and "before" in str(err)
    assert emsg is msg


async def test_broken_connection_mid_stream_is_an_error(tmp_path: Path) -> None:
    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self):  # type: ignore[override]
            yield chunk(content="a").encode()
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Broken())

    node, host = make("openai-create-chat-completion", handler, tmp_path, props={"model": "gpt-4o", "stream": True})
    await run(node, {"payload": "hi"})
    assert isinstance(host.errors[0][0], StreamError)


async def test_error_event_in_stream_raises(tmp_path: Path) -> None:
    body = sse(chunk(content="a"), 'data: {"error": {"message": "boom", "type": "server_error"}}\n\n')
    node, host = make("openai-create-chat-completion", stream_handler(body), tmp_path,
                      props={"model": "gpt-4o", "stream": True})
    await run(node, {"payload": "hi"})
    err = host.errors[0][0]
    assert isinstance(err, StreamError) and "boom" in str(err) and err.type == "server_error"


async def test_stream_requested_but_json_answered(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"object": "chat.completion", "choices": []})

    node, host = make("openai-create-chat-completion", handler, tmp_path, props={"model": "gpt-4o", "stream": True})
    await run(node, {"payload": "hi"})
    assert host.sent[-1]["payload"]["object"] == "chat.completion" and not host.errors


async def test_binary_and_empty_responses(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/content"):
            return httpx.Response(200, headers={"content-type": "application/json"}, content=b'{"not": "parsed"}')
        return httpx.Response(200, headers={"content-type": "audio/mpeg"}, content=b"ID3\x00")

    node, host = make("openai-create-speech", handler, tmp_path, props={"model": "tts-1", "voice": "alloy"})
    await run(node, {"payload": "say this"})
    assert host.sent[-1]["payload"] == b"ID3\x00"
    assert seen[0].headers["accept"] == "application/octet-stream"
    node2, host2 = make("openai-download-file", handler, tmp_path, props={"file_id": "file-1"})
    await run(node2, {"payload": None})
    assert host2.sent[-1]["payload"] == b'{"not": "parsed"}'

    def empty(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    node3, host3 = make("openai-delete-file", empty, tmp_path, props={"file_id": "f"})
    await run(node3, {"payload": 1})
    assert host3.sent[-1]["payload"] == {}


async def test_fetch_all_follows_cursors_to_the_end_bounded(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        after = request.url.params.get("after")
        start = int(after.split("-")[1]) + 1 if after else 0
        ids = [f"file-{i}" for i in range(start, min(start + 2, 5))]
        return httpx.Response(200, json={"object": "list", "data": [{"id": i} for i in ids],
                                         "last_id": ids[-1], "has_more": start + 2 < 5})

    node, host = make("openai-list-files", handler, tmp_path, props={"fetch_all": True, "limit": 2})
    await run(node, {"payload": {}})
    assert [r.url.params.get("after") for r in seen] == [None, "file-1", "file-3"]
    assert [d["id"] for d in host.sent[-1]["payload"]["data"]] == [f"file-{i}" for i in range(5)]
    seen.clear()
    node2, host2 = make("openai-list-files", handler, tmp_path, props={"fetch_all": True, "limit": 2, "max_pages": 2})
    await run(node2, {"payload": {}})
    assert len(seen) == 2 and len(host2.sent[-1]["payload"]["data"]) == 4
    seen.clear()
    node3, host3 = make("openai-list-files", handler, tmp_path, props={"limit": 2})
    await run(node3, {"payload": {}})
    assert len(seen) == 1 and len(host3.sent[-1]["payload"]["data"]) == 2


async def test_fetch_all_follows_usage_page_tokens_bounded(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    pages = {None: ("page_b", [1, 2]), "page_b": ("page_c", [3]), "page_c": (None, [4, 5])}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        token = request.url.params.get("page")
        following, values = pages[token]
        return httpx.Response(200, json={"object": "page", "data": [{"object": "bucket", "n": v} for v in values],
                                         "has_more": following is not None, "next_page": following})

    props = {"fetch_all": True, "start_time": 1700000000, "limit": 2}
    node, host = make("openai-usage-completions", handler, tmp_path, props=props)
    assert node.operation.pagination == {"kind": "page", "param": "page", "cursor": "next_page"}
    await run(node, {"payload": {}})
    assert not host.errors
    assert [r.url.params.get("page") for r in seen] == [None, "page_b", "page_c"]
    assert all(r.url.params.get("start_time") == "1700000000" for r in seen)  # the other parameters stay
    out = host.sent[-1]["payload"]
    assert [b["n"] for b in out["data"]] == [1, 2, 3, 4, 5] and out["has_more"] is False
    # bounded: stops after max_pages, telling where it stopped
    seen.clear()
    node2, host2 = make("openai-usage-completions", handler, tmp_path, props={**props, "max_pages": 2})
    await run(node2, {"payload": {}})
    assert len(seen) == 2
    assert host2.sent[-1]["payload"]["has_more"] is True and host2.sent[-1]["payload"]["next_page"] == "page_c"
    # has_more without a next_page token: no guessing from item ids, one page
    seen.clear()

    def no_token(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [{"id": "x"}], "has_more": True, "next_page": None})

    node3, host3 = make("openai-usage-costs", no_token, tmp_path, props=props)
    await run(node3, {"payload": {}})
    assert len(seen) == 1 and host3.sent[-1]["payload"]["data"] == [{"id": "x"}]


async def test_stream_nests_incoming_parts_and_keeps_them_on_the_final(tmp_path: Path) -> None:
    node, host = make("openai-create-chat-completion", stream_handler(CHAT_STREAM), tmp_path,
                      props={"model": "gpt-4o", "stream": True})
    outer = {"id": "outer", "index": 2, "count": 5, "type": "array"}
    await run(node, {"payload": "hi", "parts": dict(outer)})
    assert host.sent[0]["parts"]["parts"] == outer and host.sent[0]["parts"]["id"] != "outer"
    assert host.sent[-1]["parts"] == outer


async def test_speech_and_transcription_streams_assemble(tmp_path: Path) -> None:
    import base64

    audio = sse(*("event: speech.audio.delta\ndata: " + json.dumps(
        {"type": "speech.audio.delta", "audio": base64.b64encode(part).decode()}) + "\n\n" for part in (b"ab", b"cd")),
        'data: {"type": "speech.audio.done", "usage": {"total_tokens": 3}}\n\n')
    node, host = make("openai-create-speech", stream_handler(audio), tmp_path,
                      props={"model": "gpt-4o-mini-tts", "voice": "alloy", "stream_format": "sse"})
    await run(node, {"payload": "hi"})
    assert not host.errors and host.sent[-1]["payload"] == b"abcd"
    assert host.sent[-1]["openai"]["usage"] == {"total_tokens": 3}
    text = sse('data: {"type": "transcript.text.delta", "delta": "he"}\n\n',
               'data: {"type": "transcript.text.done", "text": "hello"}\n\n')
    node2, host2 = make("openai-create-transcription", stream_handler(text), tmp_path,
                        props={"model": "gpt-4o-transcribe", "stream": True})
    await run(node2, {"payload": {"file": b"x"}})
    assert host2.sent[-1]["payload"] == {"type": "transcript.text.done", "text": "hello"}

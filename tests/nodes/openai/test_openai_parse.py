"""``output_parsed``: Responses and chat requests with a JSON-schema format get their output parsed
(plain, streamed), a parse failure is a catchable error, other requests are left alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from flowengine.nodes.openai.parsing import add_parsed
from openai_fakes import make, run

SCHEMA = {"type": "json_schema", "name": "city", "schema": {"type": "object"}}


def _answer(body: Any) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    return handler


def _response(text: str) -> dict[str, Any]:
    return {"id": "r", "object": "response", "output": [
        {"type": "reasoning", "summary": []},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}]}


async def test_responses_with_a_json_schema_format_get_output_parsed(tmp_path: Path) -> None:
    node, host = make("openai-create-response", _answer(_response('{"city": "Oslo"}')), tmp_path,
                      props={"model": "gpt-5", "text": {"format": SCHEMA}})
    await run(node, {"payload": "capital of Norway?"})
    assert not host.errors, host.errors
    payload = host.sent[0]["payload"]
    assert payload["output_parsed"] == {"city": "Oslo"}
    assert payload["output"][1]["content"][0]["parsed"] == {"city": "Oslo"}


async def test_chat_with_a_json_schema_response_format_gets_parsed_messages(tmp_path: Path) -> None:
    completion = {"id": "c", "object": "chat.completion", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": '{"n": 1}'}, "finish_reason": "stop"},
        {"index": 1, "message": {"role": "assistant", "content": None, "refusal": "no"}, "finish_reason": "stop"}]}
    node, host = make("openai-create-chat-completion", _answer(completion), tmp_path,
                      props={"model": "gpt-4o",
                             "response_format": {"type": "json_schema", "json_schema": {"name": "n"}}})
    await run(node, {"payload": "one?"})
    payload = host.sent[0]["payload"]
    assert payload["output_parsed"] == {"n": 1}
    assert payload["choices"][0]["message"]["parsed"] == {"n": 1} and payload["choices"][1]["message"]["parsed"] is None


async def test_text_that_is_not_json_is_a_catchable_error(tmp_path: Path) -> None:
    node, host = make("openai-create-response", _answer(_response('{"city": "Os')), tmp_path,
                      props={"model": "gpt-5", "text": {"format": SCHEMA}})
    msg = {"payload": "capital of Norway?"}
    await run(node, msg)
    [(err, err_msg)] = host.errors
    assert "not the JSON the json_schema format asks for" in str(err) and err_msg is msg
    assert msg["openai"]["error"]["type"] == "parse_error" and not host.sent


async def test_a_streamed_response_is_parsed_at_the_end(tmp_path: Path) -> None:
    final = _response('{"city": "Rome"}')
    body = "".join(f"event: {e}\ndata: {json.dumps(d)}\n\n" for e, d in [
        ("response.output_text.delta", {"type": "response.output_text.delta", "delta": '{"city": "Rome"}'}),
        ("response.completed", {"type": "response.completed", "response": final})]).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    node, host = make("openai-create-response", handler, tmp_path,
                      props={"model": "gpt-5", "stream": True, "text": {"format": SCHEMA}})
    await run(node, {"payload": "capital of Italy?"})
    assert host.sent[-1]["payload"]["output_parsed"] == {"city": "Rome"}


def test_requests_without_a_schema_format_are_left_alone() -> None:
    data = _response("plain text")
    assert add_parsed("/responses", {"text": {"format": {"type": "text"}}}, data) is data
    assert "output_parsed" not in data
    assert add_parsed("/embeddings", {"input": "x"}, {"data": []}) == {"data": []}

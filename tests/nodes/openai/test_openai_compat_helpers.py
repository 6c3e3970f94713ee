"""@inductiv's SDK helpers on the executor, the network replaced by ``httpx.MockTransport``: parse,
stream, webhooks, vector-store poll and upload (the Responses WebSocket ones: ..._sockets)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowengine.nodes.openai.compat.inductiv_helpers import HELPER_OPERATIONS
from flowengine.nodes.openai.compat.inductiv_methods import HELPER_ALTERNATIVES, load_inductiv_methods
from test_openai_compat_inductiv import _flow
from test_openai_compat_seed import Recorder, _form

from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.testing import FlowHarness
from flowengine.webhook_signature import sign

SCHEMA_FORMAT = {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}}}


def _response(text: str) -> dict[str, Any]:
    return {"id": "resp_1", "object": "response", "status": "completed", "output": [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}]}


async def _run(method: str, msgs: list[dict[str, Any]], tmp_path: Path, rec: Recorder, expect: str = "out",
               count: int = 1, sleeps: list[float] | None = None) -> list[dict[str, Any]]:
    async def sleep(delay: float) -> None:
        if sleeps is not None:
            sleeps.append(delay)

    settings = Settings(user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(rec), "openai_sleep": sleep})
    async with FlowHarness(_flow({"method": method}), settings=settings) as h:
        for msg in msgs:
            h.send_to("n", msg)
        got = await h.wait_for(expect, count, timeout=5)
        await h.drain()
        other = "errors" if expect == "out" else "out"
        assert not h.received(other), h.received(other)
        return got


def test_every_helper_runs() -> None:
    helpers = {m.name for m in load_inductiv_methods().values() if m.operation is None}
    assert set(HELPER_OPERATIONS) == helpers and len(helpers) == 15 and HELPER_ALTERNATIVES == {}
    registry = Registry.default()
    for name in HELPER_OPERATIONS:
        assert registry.validate({"id": "n", "type": "OpenAI API", "service": "s", "method": name}) == []


async def test_parse_model_response_gives_output_parsed(tmp_path: Path) -> None:
    rec = Recorder(lambda r: httpx.Response(200, json=_response('{"city": "Paris"}')))
    body = {"model": "gpt-5", "input": "capital of France?", "text": SCHEMA_FORMAT}
    [out] = await _run("parseModelResponse", [{"payload": body}], tmp_path, rec)
    assert out["payload"]["output_parsed"] == {"city": "Paris"}
    assert out["payload"]["output"][0]["content"][0]["parsed"] == {"city": "Paris"}
    [req] = rec.requests
    assert req.url.path == "/v1/responses" and json.loads(req.content) == body
    rec = Recorder(lambda r: httpx.Response(200, json=_response('{"city": "Par')))
    [err] = await _run("parseModelResponse", [{"payload": body}], tmp_path, rec, "errors")
    assert "not the JSON the json_schema format asks for" in err["error"]["message"]
    rec = Recorder(lambda r: httpx.Response(200, json=_response("plain")))
    [out] = await _run("parseModelResponse", [{"payload": {"model": "m", "input": "x"}}], tmp_path, rec)
    assert out["payload"]["output_parsed"] is None  # no JSON-schema format: nothing to parse


async def test_stream_model_response_sends_each_event_then_the_final_response(tmp_path: Path) -> None:
    final = _response("Hi!")
    events = [("response.created", {"type": "response.created", "response": {"id": "resp_1", "output": []}}),
              ("response.output_text.delta", {"type": "response.output_text.delta", "delta": "Hi!"}),
              ("response.completed", {"type": "response.completed", "response": final})]
    sse = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    rec = Recorder(lambda r: httpx.Response(200, text=sse, headers={"content-type": "text/event-stream"}))
    got = await _run("streamModelResponse", [{"payload": {"model": "m", "input": "x"}, "topic": "t"}], tmp_path,
                     rec, count=4)
    assert [m["payload"].get("type") for m in got[:3]] == [name for name, _ in events]
    assert got[3]["payload"]["output_text"] == "Hi!" and got[3]["payload"]["id"] == "resp_1"
    assert all(m["topic"] == "t" for m in got)
    assert json.loads(rec.requests[0].content)["stream"] is True
    assert rec.requests[0].headers["accept"] == "text/event-stream"


async def test_webhook_helpers_verify_and_unwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "whsec_" + base64.b64encode(b"inductiv webhook secret").decode()
    body = json.dumps({"id": "evt_1", "type": "batch.completed", "data": {"id": "batch_1"}})
    good = {"payload": body, "headers": sign(body, secret, "wh_1"), "secret": secret}
    rec = Recorder()
    [out] = await _run("unwrapWebhookEvent", [{"payload": good}], tmp_path, rec)
    assert out["payload"]["type"] == "batch.completed"
    [out] = await _run("verifyWebhookSignature", [{"payload": good}], tmp_path, rec)
    assert out["payload"] == {"verified": True} and rec.requests == []  # no request is sent
    tampered = {**good, "payload": body.replace("batch_1", "batch_2")}
    [err] = await _run("unwrapWebhookEvent", [{"payload": tampered}], tmp_path, rec, "errors")
    assert err["error"]["message"] == "The given webhook signature does not match the expected signature"
    monkeypatch.delenv("OPENAI_WEBHOOK_SECRET", raising=False)
    [err] = await _run("verifyWebhookSignature", [{"payload": {**good, "secret": None}}], tmp_path, rec, "errors")
    assert err["error"]["message"].startswith("The webhook secret must either be set using the env var")
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", secret)
    [out] = await _run("verifyWebhookSignature", [{"payload": {**good, "secret": None}}], tmp_path, rec)
    assert out["payload"] == {"verified": True}


def _vector_store_server(statuses: list[str]) -> Recorder:
    def reply(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/files":
            return httpx.Response(200, json={"id": f"file-up{len(rec.requests)}", "object": "file"})
        if request.method == "POST":
            kind = "vector_store.files_batch" if "file_batches" in path else "vector_store.file"
            return httpx.Response(200, json={"id": "vsf_1", "object": kind, "status": "in_progress"})
        status = statuses.pop(0)
        return httpx.Response(200, json={"id": path.rsplit("/", 1)[1], "status": status},
                              headers={"openai-poll-after-ms": "250"})

    rec = Recorder(reply)
    return rec


async def test_create_and_poll_follows_the_server_interval_until_done(tmp_path: Path) -> None:
    rec = _vector_store_server(["in_progress", "in_progress", "completed"])
    sleeps: list[float] = []
    [out] = await _run("createAndPollVectorStoreFile", [{"payload": {"vector_store_id": "vs_1", "file_id": "file-1"}}],
                       tmp_path, rec, sleeps=sleeps)
    assert out["payload"]["status"] == "completed"
    assert [(r.method, r.url.path) for r in rec.requests] == [
        ("POST", "/v1/vector_stores/vs_1/files"), *[("GET", "/v1/vector_stores/vs_1/files/vsf_1")] * 3]
    assert json.loads(rec.requests[0].content) == {"file_id": "file-1"}
    assert all(r.headers["x-stainless-poll-helper"] == "true" for r in rec.requests[1:])
    assert sleeps == [0.25, 0.25]
    rec = _vector_store_server(["in_progress", "failed"])
    sleeps = []
    [out] = await _run("pollVectorStoreFileBatch", [{"payload": {"vector_store_id": "vs_1", "batch_id": "b_1",
                                                                 "pollIntervalMs": 40}}], tmp_path, rec, sleeps=sleeps)
    assert out["payload"] == {"id": "b_1", "status": "failed"} and sleeps == [0.04]
    assert rec.requests[0].headers["x-stainless-custom-poll-interval"] == "40"


async def test_upload_helpers_read_paths_in_the_file_directory(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    for name in ("a.txt", "b.txt"):
        (tmp_path / "files" / name).write_text(name)
    rec = _vector_store_server([])
    [out] = await _run("uploadVectorStoreFile", [{"payload": {"vector_store_id": "vs_1", "file": "a.txt"}}],
                       tmp_path, rec)
    assert out["payload"]["object"] == "vector_store.file"
    assert _form(rec.requests[0]) == {"file": ("a.txt", b"a.txt"), "purpose": "assistants"}
    assert json.loads(rec.requests[1].content) == {"file_id": "file-up1"}  # the id of the upload (the first request)
    rec = _vector_store_server(["completed"])
    [out] = await _run("uploadAndPollVectorStoreFileBatch",
                       [{"payload": {"vector_store_id": "vs_1", "files": ["a.txt", "b.txt"], "file_ids": ["file-0"]}}],
                       tmp_path, rec)
    assert out["payload"]["status"] == "completed"
    batch = json.loads(next(r for r in rec.requests if r.url.path.endswith("/file_batches")).content)
    assert batch["file_ids"][0] == "file-0" and len(batch["file_ids"]) == 3
    [err] = await _run("uploadAndPollVectorStoreFile",
                       [{"payload": {"vector_store_id": "vs_1", "file": "/etc/hostname"}}], tmp_path, Recorder(),
                       "errors")
    assert "outside the file directory" in err["error"]["message"]
    [err] = await _run("uploadAndPollVectorStoreFileBatch", [{"payload": {"vector_store_id": "vs_1"}}], tmp_path,
                       Recorder(), "errors")
    assert err["error"]["message"] == "Files is not defined or not an array"

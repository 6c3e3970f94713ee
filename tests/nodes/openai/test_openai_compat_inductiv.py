"""@inductiv/node-red-openai-api's ``OpenAI API`` + ``Service Host`` in running flows, the network
replaced by ``httpx.MockTransport``: parameters, outputs, per-message connection, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowengine.nodes.openai.compat import load_inductiv_methods
from flowengine.nodes.openai.compat.inductiv_methods import HELPER_ALTERNATIVES
from test_openai_compat_seed import Recorder, _form

from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.testing import FlowHarness

LIST = {"object": "list", "data": [{"id": "f1"}, {"id": "f2"}], "has_more": True}


def _flow(node: dict[str, Any], host: dict[str, Any] | None = None, key: str | None = "sk-ind") -> list[dict[str, Any]]:
    svc: dict[str, Any] = {"id": "svc", "type": "Service Host", "apiBase": "https://api.test/v1", "apiBaseType": "str",
                           "secureApiKeyValueType": "cred", **(host or {})}
    if key is not None:
        svc["credentials"] = {"secureApiKeyValue": key}
    return [
        svc,
        {"id": "n", "type": "OpenAI API", "service": "svc", "property": "payload", "propertyType": "msg",
         "wires": [["out"]], **node},
        {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]


async def _run(flows: list[dict[str, Any]], msgs: list[dict[str, Any]], tmp_path: Path, rec: Recorder,
               expect: str = "out", count: int | None = None) -> list[dict[str, Any]]:
    settings = Settings(user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(rec)})
    async with FlowHarness(flows, settings=settings) as h:
        h.node("n").flow_context().set("params", {"file_id": "file-ctx"})
        for msg in msgs:
            h.send_to("n", msg)
        got = await h.wait_for(expect, count or len(msgs), timeout=5)
        other = "errors" if expect == "out" else "out"
        assert not h.received(other), h.received(other)
        return got


def test_registered_with_every_method_and_no_helper_refused_at_deploy() -> None:
    registry = Registry.default()
    described = registry.describe("OpenAI API")
    assert described["category"] == "OpenAI (compat)"
    methods = load_inductiv_methods()
    assert described["schema"]["properties"]["method"]["enum"] == list(methods)
    assert len(methods) == 158 and sum(m.operation is not None for m in methods.values()) == 143
    assert HELPER_ALTERNATIVES == {}  # every SDK helper runs (test_openai_compat_helpers)
    assert registry.validate({"id": "n", "type": "OpenAI API", "service": "s", "method": "listFiles"}) == []
    assert registry.get("Service Host") is not None and registry.get("Service Host").is_config  # type: ignore[union-attr]


async def test_path_ids_come_from_the_parameter_object_and_the_rest_is_the_query(tmp_path: Path) -> None:
    rec = Recorder(lambda r: httpx.Response(200, json=LIST))
    [out] = await _run(_flow({"method": "listVectorStoreFiles"}),
                       [{"payload": {"vector_store_id": "vs_1", "limit": 2, "filter": "completed"}}], tmp_path, rec)
    [req] = rec.requests
    assert req.url.path == "/v1/vector_stores/vs_1/files"
    assert sorted(req.url.params.multi_items()) == [("filter", "completed"), ("limit", "2")]
    assert req.headers["authorization"] == "Bearer sk-ind" and req.headers["openai-beta"] == "assistants=v2"
    assert out["payload"] == LIST["data"]  # a list method gives the first page's data array


async def test_a_body_method_sends_the_object_without_its_path_ids(tmp_path: Path) -> None:
    rec = Recorder()
    await _run(_flow({"method": "modifyVectorStoreFile"}),
               [{"payload": {"vector_store_id": "vs_1", "file_id": "f_1", "attributes": {"k": "v"}}}], tmp_path, rec)
    [req] = rec.requests
    assert req.method == "POST" and req.url.path == "/v1/vector_stores/vs_1/files/f_1"
    assert json.loads(req.content) == {"attributes": {"k": "v"}}


async def test_parameters_from_flow_context(tmp_path: Path) -> None:
    rec = Recorder()
    [out] = await _run(_flow({"method": "retrieveFile", "property": "params", "propertyType": "flow"}),
                       [{"payload": "ignored"}], tmp_path, rec)
    assert rec.requests[0].url.path == "/v1/files/file-ctx" and out["payload"]["id"] == "x"


async def test_file_fields_are_paths_inside_the_file_directory(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "train.jsonl").write_bytes(b'{"a": 1}\n')
    rec = Recorder()
    await _run(_flow({"method": "createFile"}), [{"payload": {"file": "train.jsonl", "purpose": "fine-tune"}}],
               tmp_path, rec)
    assert _form(rec.requests[0]) == {"purpose": "fine-tune", "file": ("train.jsonl", b'{"a": 1}\n')}
    [err] = await _run(_flow({"method": "createFile"}), [{"payload": {"file": "/etc/hostname", "purpose": "x"}}],
                       tmp_path, Recorder(), "errors")
    assert "field 'file'" in err["error"]["message"] and "outside the file directory" in err["error"]["message"]


async def test_parameters_that_are_not_an_object_are_refused(tmp_path: Path) -> None:
    [err] = await _run(_flow({"method": "createChatCompletion"}), [{"payload": "hi"}], tmp_path, Recorder(), "errors")
    assert "must be an object (got string)" in err["error"]["message"]


async def test_the_connection_is_evaluated_per_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANT_BASE", "https://env.test/v2")
    host = {"apiBase": "TENANT_BASE", "apiBaseType": "env", "secureApiKeyValueType": "msg",
            "secureApiKeyValueRef": "tenant.key", "organizationId": "tenant.org", "organizationIdType": "msg"}
    rec = Recorder()
    msgs = [{"payload": {}, "tenant": {"key": f"sk-{t}", "org": f"org-{t}"}} for t in ("a", "b", "a")]
    await _run(_flow({"method": "listModels"}, host, key=None), msgs, tmp_path, rec)
    seen = [(str(r.url), r.headers["authorization"], r.headers["openai-organization"]) for r in rec.requests]
    assert seen == [("https://env.test/v2/models", f"Bearer sk-{t}", f"org-{t}") for t in ("a", "b", "a")]


@pytest.mark.parametrize(("host", "where"), [
    ({"secureApiKeyHeaderOrQueryName": "api-key"}, ("header", "api-key", "sk-ind")),
    ({"secureApiKeyHeaderOrQueryName": "key", "secureApiKeyIsQuery": "true"}, ("query", "key", "sk-ind")),
    ({"secureApiKeyHeaderOrQueryName": "  "}, ("header", "authorization", "Bearer sk-ind")),
])
async def test_the_key_header_or_query(host: dict[str, Any], where: tuple[str, str, str], tmp_path: Path) -> None:
    rec = Recorder()
    await _run(_flow({"method": "listModels"}, host), [{"payload": {}}], tmp_path, rec)
    kind, name, value = where
    req = rec.requests[0]
    assert (req.headers.get(name) if kind == "header" else req.url.params.get(name)) == value
    if kind == "query":
        assert "authorization" not in req.headers


async def test_no_key_is_the_nodes_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    [err] = await _run(_flow({"method": "listModels"}, key=None), [{"payload": {}}], tmp_path, Recorder(), "errors")
    assert err["error"]["message"] == "OpenAI API key is not configured"


@pytest.mark.parametrize(("reply", "text"), [
    (httpx.Response(400, json={"error": {"message": "Invalid value", "type": "invalid_request_error"}}),
     "400 Invalid value"),
    (httpx.Response(404, json={"error": "Path not found"}), '404 "Path not found"'),
    (httpx.Response(409, content=b""), "409 status code (no body)"),
])
async def test_errors_read_as_the_sdk_wrote_them(reply: httpx.Response, text: str, tmp_path: Path) -> None:
    [err] = await _run(_flow({"method": "retrieveFile"}, {"max_retries": 0}), [{"payload": {"file_id": "f"}, "k": 1}],
                       tmp_path, Recorder(lambda r: reply), "errors")
    assert err["error"]["message"] == text and err["k"] == 1


async def test_a_connection_error(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    [err] = await _run(_flow({"method": "listModels"}, {"max_retries": 0}), [{"payload": {}}], tmp_path,
                       Recorder(refuse), "errors")
    assert err["error"]["message"] == "Connection error."


async def test_a_stream_gives_one_message_per_chunk_and_no_final_one(tmp_path: Path) -> None:
    chunks = [{"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": t}}]}
              for t in ("a", "b", "c")]
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    rec = Recorder(lambda r: httpx.Response(200, text=sse, headers={"content-type": "text/event-stream"}))
    payload = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    msgs = await _run(_flow({"method": "createChatCompletion"}), [{"payload": payload, "topic": "t"}], tmp_path, rec,
                      count=3)
    assert [m["payload"] for m in msgs] == chunks and all(m["topic"] == "t" for m in msgs)

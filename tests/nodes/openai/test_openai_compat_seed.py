"""The seed package's node types (``openai`` / ``openai-api`` + their services) in running flows,
the network replaced by ``httpx.MockTransport``: parameter mapping, auth, base URL, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowengine.nodes.openai.compat import load_seed_methods

from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.testing import FlowHarness

Handler = Callable[[httpx.Request], httpx.Response]
OK = {"id": "x", "object": "thing"}


def _flow(node: dict[str, Any], service: dict[str, Any] | None = None, key: str | None = "Bearer sk-seed-secret",
          node_type: str = "openai", service_type: str = "openai-service") -> list[dict[str, Any]]:
    svc: dict[str, Any] = {"id": "svc", "type": service_type, "secureApiKeyHeaderOrQueryName": "Authorization",
                           "secureApiKeyIsQuery": False, **(service or {})}
    if key is not None:
        svc["credentials"] = {"secureApiKeyValue": key}
    return [
        svc,
        {"id": "n", "type": node_type, "service": "svc", "wires": [["out"]], **node},
        {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]


class Recorder:
    """A MockTransport handler that records requests and answers with ``reply``."""

    def __init__(self, reply: Handler | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.reply = reply or (lambda r: httpx.Response(200, json=OK, headers={"x-request-id": "req-1"}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.reply(request)


async def _run(flows: list[dict[str, Any]], msg: dict[str, Any], tmp_path: Path, recorder: Recorder,
               expect: str = "out") -> dict[str, Any]:
    async def no_sleep(delay: float) -> None:
        return None

    settings = Settings(user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(recorder),
                                                  "openai_sleep": no_sleep})
    async with FlowHarness(flows, settings=settings) as h:
        h.send_to("n", msg)
        [got] = await h.wait_for(expect, 1, timeout=5)
        other = "errors" if expect == "out" else "out"
        assert not h.received(other), h.received(other)
        return got


def _form(request: httpx.Request) -> dict[str, Any]:
    """Multipart parts by name: text for fields, (filename, bytes) for files."""
    ctype = request.headers["content-type"]
    boundary = ctype.split("boundary=")[1].encode()
    parts: dict[str, Any] = {}
    for chunk in request.content.split(b"--" + boundary)[1:-1]:
        head, _, body = chunk.removeprefix(b"\r\n").removesuffix(b"\r\n").partition(b"\r\n\r\n")
        disposition = head.split(b"\r\n")[0].decode()
        name = disposition.split('name="')[1].split('"')[0]
        if 'filename="' in disposition:
            parts[name] = (disposition.split('filename="')[1].split('"')[0], body)
        else:
            parts[name] = body.decode()
    return parts


# --- registration -------------------------------------------------------------------------------


def test_four_types_registered_in_the_compat_category() -> None:
    registry = Registry.default()
    for t in ("openai", "openai-api"):
        described = registry.describe(t)
        assert described["category"] == "OpenAI (compat)"
        assert len(described["schema"]["properties"]["method"]["enum"]) == 57
    for t in ("openai-service", "openai-api-service"):
        cls = registry.get(t)
        assert cls is not None and cls.is_config
        assert cls.credentials_schema["secureApiKeyValue"] == "password"
        assert "apiBase" in cls.schema["properties"]


def test_every_seed_property_is_in_the_schema_and_every_parameter_in_the_catalog() -> None:
    registry = Registry.default()
    props = registry.describe("openai")["schema"]["properties"]
    for method in load_seed_methods().values():
        op_cls = registry.get(method.node_type)
        assert op_cls is not None, method.name
        op = op_cls.operation  # type: ignore[attr-defined]
        params = {p["name"] for p in op.params}
        fields = set((op.body or {}).get("fields") or [])
        assert method.json_body == (op.body is not None and not method.multipart), method.name
        for p in method.params:
            assert p.prop in props and p.prop + "Type" in props
            assert p.name in (params if p.kind == "param" else fields), (method.name, p.name)


def test_an_unknown_method_is_refused_at_deploy_naming_the_property() -> None:
    registry = Registry.default()
    [problem] = registry.validate({"id": "n", "type": "openai", "service": "svc", "method": "createEdits"})
    assert problem.level == "error" and problem.property == "method" and problem.node_id == "n"
    assert registry.validate({"id": "n", "type": "openai", "service": "svc", "method": "createEdit"}) == []


# --- requests -----------------------------------------------------------------------------------


async def test_chat_sends_the_payload_as_body_and_the_key_as_typed(tmp_path: Path) -> None:
    rec = Recorder()
    payload = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    out = await _run(_flow({"method": "createChatCompletion", "createChatCompletion_body": "",
                            "createChatCompletion_bodyType": "str"}),
                     {"payload": payload, "keep": 1}, tmp_path, rec)
    [req] = rec.requests
    assert str(req.url) == "https://api.openai.com/v1/chat/completions"
    assert req.headers["authorization"] == "Bearer sk-seed-secret"
    assert json.loads(req.content) == payload
    assert out["payload"] == OK and out["statusCode"] == 200 and out["keep"] == 1
    assert out["headers"]["x-request-id"] == "req-1"
    assert out["responseUrl"] == "https://api.openai.com/v1/chat/completions"


async def test_renamed_twins_behave_the_same(tmp_path: Path) -> None:
    rec = Recorder()
    flows = _flow({"method": "listModels"}, node_type="openai-api", service_type="openai-api-service")
    out = await _run(flows, {"payload": ""}, tmp_path, rec)
    assert rec.requests[0].method == "GET" and rec.requests[0].url.path == "/v1/models"
    assert out["statusCode"] == 200


@pytest.mark.parametrize(("props", "msg", "file_id"), [
    ({"retrieveFile_fileId": "file-lit", "retrieveFile_fileIdType": "str"}, {"file_id": "file-msg"}, "file-lit"),
    ({"retrieveFile_fileId": "req.id", "retrieveFile_fileIdType": "msg"}, {"req": {"id": "file-path"}}, "file-path"),
    ({"retrieveFile_fileId": "", "retrieveFile_fileIdType": "str"}, {"file_id": "file-msg"}, "file-msg"),
    ({"retrieveFile_fileId": "nope", "retrieveFile_fileIdType": "msg"}, {"file_id": "file-fb"}, "file-fb"),
    ({}, {"payload": "file-payload"}, "file-payload"),
])
async def test_a_path_parameter_comes_from_the_literal_a_msg_path_or_the_fallbacks(
        props: dict[str, Any], msg: dict[str, Any], file_id: str, tmp_path: Path) -> None:
    rec = Recorder()
    await _run(_flow({"method": "retrieveFile", **props}), msg, tmp_path, rec)
    assert rec.requests[0].url.path == f"/v1/files/{file_id}"


async def test_a_missing_path_parameter_names_the_property(tmp_path: Path) -> None:
    rec = Recorder()
    err = await _run(_flow({"method": "getRun", "getRun_threadId": "t1"}), {"payload": {}}, tmp_path, rec, "errors")
    assert "getRun_runId" in err["error"]["message"] and "msg.run_id" in err["error"]["message"]
    assert rec.requests == []


async def test_query_parameters_are_sent_only_when_set(tmp_path: Path) -> None:
    rec = Recorder()
    props = {"listAssistants_limit": "2", "listAssistants_limitType": "str", "listAssistants_order": "o",
             "listAssistants_orderType": "msg", "listAssistants_after": "", "listAssistants_afterType": "str"}
    await _run(_flow({"method": "listAssistants", **props}), {"o": "asc", "before": "a0"}, tmp_path, rec)
    [req] = rec.requests
    assert sorted(req.url.params.multi_items()) == [("before", "a0"), ("limit", "2"), ("order", "asc")]
    assert req.headers["openai-beta"] == "assistants=v2"


async def test_upload_takes_the_file_from_the_payload_and_its_name_from_msg_filename(tmp_path: Path) -> None:
    rec = Recorder()
    props = {"createFile_purpose": "fine-tune", "createFile_purposeType": "str"}
    await _run(_flow({"method": "createFile", **props}), {"payload": b'{"a":1}\n', "filename": "data.jsonl"},
               tmp_path, rec)
    form = _form(rec.requests[0])
    assert form == {"purpose": "fine-tune", "file": ("data.jsonl", b'{"a":1}\n')}


async def test_image_edit_reads_each_form_field_and_a_file_path_inside_the_file_directory(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "mask.png").write_bytes(b"MASK")
    rec = Recorder()
    props = {"createImageEdit_prompt": "a hat", "createImageEdit_promptType": "str",
             "createImageEdit_mask": "mask.png", "createImageEdit_maskType": "str",
             "createImageEdit_n": "count", "createImageEdit_nType": "msg"}
    await _run(_flow({"method": "createImageEdit", **props}), {"payload": b"PNG", "count": 2, "size": "256x256"},
               tmp_path, rec)
    form = _form(rec.requests[0])
    assert form == {"prompt": "a hat", "n": "2", "size": "256x256", "image": ("file.bin", b"PNG"),
                    "mask": ("mask.png", b"MASK")}


async def test_a_file_path_outside_the_file_directory_is_refused(tmp_path: Path) -> None:
    rec = Recorder()
    props = {"createTranscription_file": "/etc/passwd", "createTranscription_model": "whisper-1"}
    err = await _run(_flow({"method": "createTranscription", **props}), {"payload": {}}, tmp_path, rec, "errors")
    assert "outside the file directory" in err["error"]["message"]
    assert rec.requests == []


# --- service: auth and base URL -----------------------------------------------------------------


@pytest.mark.parametrize(("service", "key", "where"), [
    ({"secureApiKeyHeaderOrQueryName": "api-key"}, "k-raw", ("header", "api-key", "k-raw")),
    ({"secureApiKeyHeaderOrQueryName": "key", "secureApiKeyIsQuery": "true"}, "k-q", ("query", "key", "k-q")),
    ({"secureApiKeyHeaderOrQueryName": ""}, "Bearer sk-x", ("header", "authorization", "Bearer sk-x")),
    ({}, None, ("header", "authorization", "Bearer sk-from-env")),
])
async def test_the_key_goes_where_the_service_says_as_typed(service: dict[str, Any], key: str | None,
                                                           where: tuple[str, str, str], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    rec = Recorder()
    await _run(_flow({"method": "listModels"}, service, key=key), {}, tmp_path, rec)
    [req] = rec.requests
    kind, name, value = where
    if kind == "header":
        assert req.headers[name] == value
    else:
        assert req.url.params[name] == value and "authorization" not in req.headers


async def test_base_url_from_the_property_else_openai_base_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env.test/v9")
    rec = Recorder()
    await _run(_flow({"method": "listModels"}), {}, tmp_path, rec)
    await _run(_flow({"method": "listModels"}, {"apiBase": "http://prop.test/v1/"}), {}, tmp_path / "b", rec)
    assert [str(r.url) for r in rec.requests] == ["http://env.test/v9/models", "http://prop.test/v1/models"]


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("payload", "typeof"), [("hi", "string"), (3, "number"), (True, "boolean")])
async def test_a_json_body_method_refuses_a_payload_that_is_not_an_object(payload: Any, typeof: str,
                                                                          tmp_path: Path) -> None:
    rec = Recorder()
    err = await _run(_flow({"method": "createEmbedding"}), {"payload": payload}, tmp_path, rec, "errors")
    assert err["error"]["message"] == (f"Unsupported type: '{typeof}', msg.payload must be JSON object or buffer.")
    assert err["error"]["source"]["id"] == "n" and rec.requests == []


async def test_a_missing_payload_is_undefined(tmp_path: Path) -> None:
    err = await _run(_flow({"method": "createModeration"}), {"topic": "t"}, tmp_path, Recorder(), "errors")
    assert err["error"]["message"].startswith("Unsupported type: 'undefined'")


async def test_a_node_without_method_is_refused_at_deploy(tmp_path: Path) -> None:
    async with FlowHarness(_flow({"method": ""}), settings=Settings(user_dir=tmp_path)) as h:
        assert h.runtime.flow_of("n") is None
        assert [(p.node_id, p.property) for p in h.runtime.problems if p.level == "error"] == [("n", "method")]


async def test_http_error_as_axios_reported_it_with_body_status_and_headers(tmp_path: Path) -> None:
    body = {"error": {"message": "Incorrect API key provided: Bearer sk-seed-secret", "type": "invalid_request_error",
                      "code": "invalid_api_key", "param": None}}
    rec = Recorder(lambda r: httpx.Response(401, json=body, headers={"x-request-id": "req-9"}))
    err = await _run(_flow({"method": "listModels"}), {"payload": "x", "keep": 2}, tmp_path, rec, "errors")
    assert err["error"]["message"] == "Request failed with status code 401"
    assert err["statusCode"] == 401 and err["headers"]["x-request-id"] == "req-9" and err["keep"] == 2
    assert err["payload"]["error"]["code"] == "invalid_api_key"
    assert err["error"]["status"] == 401 and err["error"]["type"] == "invalid_request_error"
    text = json.dumps(err, default=str)
    assert "sk-seed-secret" not in text and "***" in text  # the key the server echoed is redacted
    assert len(rec.requests) == 1  # 401 is not retried


async def test_server_errors_are_retried_on_the_shared_executor(tmp_path: Path) -> None:
    replies = iter([httpx.Response(503, json={"error": {"message": "busy"}}), httpx.Response(200, json=OK)])
    rec = Recorder(lambda r: next(replies))
    out = await _run(_flow({"method": "listModels"}), {}, tmp_path, rec)
    assert len(rec.requests) == 2 and out["statusCode"] == 200
    assert rec.requests[1].headers["x-stainless-retry-count"] == "1"


async def test_a_connection_error_never_shows_the_key(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused with {request.headers['authorization']}")

    err = await _run(_flow({"method": "listModels"}, {"max_retries": 0}), {}, tmp_path, Recorder(refuse), "errors")
    assert "sk-seed-secret" not in json.dumps(err, default=str)
    assert "Connection error" in err["error"]["message"]


async def test_a_streamed_chat_gives_events_then_the_assembled_answer_each_with_status(tmp_path: Path) -> None:
    chunks = [{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": None}]}
              for text in ("Hel", "lo")]
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    rec = Recorder(lambda r: httpx.Response(200, text=sse, headers={"content-type": "text/event-stream"}))
    payload = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with FlowHarness(_flow({"method": "createChatCompletion"}), settings=Settings(
            user_dir=tmp_path, extra={"openai_transport": httpx.MockTransport(rec)})) as h:
        h.send_to("n", {"payload": payload})
        msgs = await h.wait_for("out", 3, timeout=5)
    assert [m["statusCode"] for m in msgs] == [200, 200, 200]
    assert msgs[2]["payload"]["choices"][0]["message"]["content"] == "Hello"


@pytest.mark.parametrize(("name", "types"), [("compat-node-red-openai", {"openai", "openai-service"}),
                                            ("compat-inductiv-openai-api", {"OpenAI API", "Service Host"})])
def test_the_example_flows_validate(name: str, types: set[str]) -> None:
    registry = Registry.default()
    flows = json.loads((Path(__file__).parents[3] / "flows" / f"{name}.json").read_text())
    assert types <= {n["type"] for n in flows}
    for node in flows:
        assert node["type"] == "tab" or node["type"] in registry, node["type"]
        assert registry.validate(node) == [], node["id"]

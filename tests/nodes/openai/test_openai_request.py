"""Request assembly: JSON, primary inputs, precedence, parameters, validation, multipart."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from flowengine.nodes.openai.errors import RequestInvalidError
from flowengine.nodes.openai.multipart import form_fields, resolve_file
from openai_fakes import make, run


class Recorder:
    """A MockTransport handler that records requests and answers with a fixed response."""

    def __init__(self, response: httpx.Response | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.response = response

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.response or httpx.Response(200, json={"object": "ok", "usage": {"total_tokens": 7}},
                                               headers={"x-request-id": "req_1", "x-ratelimit-remaining-requests": "9"})

    def json(self, i: int = 0) -> object:
        return json.loads(self.requests[i].content)


@pytest.mark.parametrize(
    ("type_name", "props", "field", "expected"),
    [
        ("openai-create-chat-completion", {"model": "gpt-4o"}, "messages", [{"role": "user", "content": "hi"}]),
        ("openai-create-response", {"model": "gpt-4o"}, "input", "hi"),
        ("openai-create-embedding", {"model": "text-embedding-3-small"}, "input", "hi"),
        ("openai-create-moderation", {}, "input", "hi"),
        ("openai-create-image", {}, "prompt", "hi"),
        ("openai-create-speech", {"model": "tts-1", "voice": "alloy"}, "input", "hi"),
    ],
)
async def test_string_payload_fills_the_primary_input(tmp_path: Path, type_name: str, props: dict, field: str,
                                                      expected: object) -> None:
    rec = Recorder()
    node, host = make(type_name, rec, tmp_path, props=props)
    await run(node, {"payload": "hi"})
    assert not host.errors, host.errors
    body = rec.json()
    assert body[field] == expected
    for k, v in props.items():
        assert body[k] == v


async def test_json_request_shape_headers_and_output(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-create-embedding", rec, tmp_path, props={"model": "m-node", "dimensions": 8},
                      config={"organization": "org-1", "project": "proj-1"})
    await run(node, {"payload": {"input": ["a", "b"], "model": "m-msg"}, "topic": "t"})
    req = rec.requests[0]
    assert req.method == "POST" and str(req.url) == "https://api.test/v1/embeddings"
    assert req.headers["authorization"] == "Bearer sk-secret-key"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["openai-organization"] == "org-1" and req.headers["openai-project"] == "proj-1"
    assert "openai-beta" not in req.headers
    assert rec.json() == {"input": ["a", "b"], "model": "m-msg", "dimensions": 8}  # payload overrides node
    out = host.sent[0]
    assert out["topic"] == "t"
    assert out["payload"]["object"] == "ok"
    meta = out["openai"]
    assert meta["operation"] == "createEmbedding" and meta["status"] == 200
    assert meta["request_id"] == "req_1" and meta["usage"] == {"total_tokens": 7}
    assert meta["ratelimit"] == {"remaining-requests": "9"}
    assert meta["duration_ms"] >= 0
    assert node.tokens == 7


async def test_path_query_params_from_msg_node_and_payload(tmp_path: Path) -> None:
    rec = Recorder()
    node, _host = make("openai-list-files", rec, tmp_path, props={"limit": 5, "order": "asc"})
    await run(node, {"payload": {"purpose": "batch"}, "limit": 2})
    url = rec.requests[0].url
    assert url.path == "/v1/files"
    assert dict(url.params) == {"limit": "2", "order": "asc", "purpose": "batch"}
    rec2 = Recorder()
    node2, _ = make("openai-retrieve-file", rec2, tmp_path, props={"file_id": "file-node"})
    await run(node2, {"payload": None, "file_id": "file/x"})
    assert rec2.requests[0].url.raw_path == b"/v1/files/file%2Fx"
    assert rec2.requests[0].method == "GET" and rec2.requests[0].content == b""


async def test_assistants_beta_header_admin_key_and_beta_query(tmp_path: Path) -> None:
    rec = Recorder()
    node, _ = make("openai-create-assistant", rec, tmp_path, props={"model": "gpt-4o"})
    await run(node, {"payload": {}})
    assert rec.requests[0].headers["openai-beta"] == "assistants=v2"
    rec = Recorder()
    node, _ = make("openai-list-projects", rec, tmp_path, credentials={"api_key": "sk-a", "admin_key": "sk-admin"})
    await run(node, {"payload": {}})
    assert rec.requests[0].headers["authorization"] == "Bearer sk-admin"
    rec = Recorder()
    node, _ = make("openai-beta-create-response", rec, tmp_path, props={"model": "gpt-4o"})
    await run(node, {"payload": "hi", "openai-beta": ["responses_multi_agent=v1"]})
    assert rec.requests[0].url.params["beta"] == "true"
    assert rec.requests[0].headers["openai-beta"] == "responses_multi_agent=v1"


async def test_invalid_request_is_a_catchable_error_and_nothing_is_sent(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-create-chat-completion", rec, tmp_path)
    msg = {"payload": {"messages": "not a list", "model": "gpt-4o"}, "keep": 1}
    await run(node, msg)
    assert rec.requests == []
    assert not host.sent
    err, emsg = host.errors[0]
    assert isinstance(err, RequestInvalidError)
    assert "messages" in str(err) and err.param == "messages"
    assert emsg is msg and emsg["keep"] == 1
    assert emsg["openai"]["error"]["param"] == "messages"
    await run(node, {"payload": {"messages": []}})  # missing model
    assert "model" in str(host.errors[-1][0]) and rec.requests == []
    node2, host2 = make("openai-retrieve-file", rec, tmp_path)
    await run(node2, {"payload": {}})
    assert "file_id" in str(host2.errors[0][0]) and rec.requests == []


async def test_missing_config_node_is_reported(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-list-models", rec, tmp_path, props={"config": "nope"})
    await run(node, {"payload": 1})
    assert "config" in str(host.errors[0][0]) and rec.requests == []


def _multipart(req: httpx.Request) -> tuple[dict[str, list[str]], dict[str, tuple[str, str, bytes]]]:
    ctype = req.headers["content-type"]
    assert ctype.startswith("multipart/form-data; boundary=")
    boundary = ctype.split("boundary=")[1].encode()
    fields: dict[str, list[str]] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in req.content.split(b"--" + boundary)[1:-1]:
        head, _, data = part.removeprefix(b"\r\n").removesuffix(b"\r\n").partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        disp = next(h for h in lines if h.lower().startswith("content-disposition"))
        name = disp.split('name="')[1].split('"')[0]
        if "filename=" in disp:
            fname = disp.split('filename="')[1].split('"')[0]
            ct = next((h.split(": ")[1] for h in lines if h.lower().startswith("content-type")), "")
            files[name] = (fname, ct, data)
        else:
            fields.setdefault(name, []).append(data.decode())
    return fields, files


async def test_multipart_from_bytes_with_msg_filename_and_array_fields(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-create-transcription", rec, tmp_path, props={"model": "whisper-1"})
    await run(node, {"payload": {"file": b"RIFFdata", "timestamp_granularities": ["word", "segment"],
                                 "temperature": 0.5}, "filename": "talk.wav"})
    assert not host.errors, host.errors
    fields, files = _multipart(rec.requests[0])
    assert files["file"] == ("talk.wav", "audio/x-wav", b"RIFFdata")
    assert fields["timestamp_granularities[]"] == ["word", "segment"]
    assert fields["model"] == ["whisper-1"] and fields["temperature"] == ["0.5"]


async def test_multipart_bytes_payload_data_url_and_paths(tmp_path: Path) -> None:
    rec = Recorder()
    node, host = make("openai-create-file", rec, tmp_path, props={"purpose": "batch"})
    await run(node, {"payload": b'{"a":1}\n'})
    _, files = _multipart(rec.requests[0])
    assert files["file"] == ("file.bin", "application/octet-stream", b'{"a":1}\n')
    url = "data:image/png;base64," + base64.b64encode(b"\x89PNG").decode()
    await run(node, {"payload": {"file": url}})
    _, files = _multipart(rec.requests[1])
    assert files["file"] == ("file.png", "image/png", b"\x89PNG")
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "batch.jsonl").write_bytes(b"{}\n")
    await run(node, {"payload": "batch.jsonl"})
    _, files = _multipart(rec.requests[2])
    assert files["file"][0] == "batch.jsonl" and files["file"][2] == b"{}\n"
    (tmp_path / "secret.txt").write_text("no")
    await run(node, {"payload": {"file": "../secret.txt"}})
    assert len(rec.requests) == 3
    assert "outside the file directory" in str(host.errors[-1][0])


def test_form_fields_encode_like_the_sdk() -> None:
    assert form_fields({"a": [1, 2], "b": {"c": True, "d": None}, "e": False, "f": 1.5, "g": None}) == [
        ("a[]", "1"), ("a[]", "2"), ("b[c]", "true"), ("e", "false"), ("f", "1.5")]


def test_resolve_file_forms(tmp_path: Path) -> None:
    part = resolve_file({"type": "Buffer", "data": [104, 105]}, "file", tmp_path)
    assert part.content == b"hi" and part.filename == "file.bin"
    part = resolve_file({"data": b"x", "filename": "a.mp3"}, "file", tmp_path)
    assert part.filename == "a.mp3" and part.content_type == "audio/mpeg"
    with pytest.raises(RequestInvalidError):
        resolve_file(12, "file", tmp_path)
    with pytest.raises(RequestInvalidError):
        resolve_file("data:text/plain;base64,@@@", "file", tmp_path)


async def test_relative_file_directory_is_taken_from_the_user_dir_not_the_cwd(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_dir, elsewhere = tmp_path / "user", tmp_path / "cwd"
    for root, text in ((user_dir, b"from the user dir\n"), (elsewhere, b"from the cwd\n")):
        (root / "uploads").mkdir(parents=True)
        (root / "uploads" / "data.jsonl").write_bytes(text)
    monkeypatch.chdir(elsewhere)
    rec = Recorder()
    node, host = make("openai-create-file", rec, user_dir, props={"purpose": "batch"})
    host.settings.fileDirectory = "uploads"
    assert host.nodes["cfg"].file_dir == user_dir / "uploads"
    await run(node, {"payload": "data.jsonl"})
    assert not host.errors, host.errors
    _, files = _multipart(rec.requests[0])
    assert files["file"] == ("data.jsonl", files["file"][1], b"from the user dir\n")
    host.settings.fileDirectory = str(elsewhere / "uploads")  # an absolute one is kept as it is
    await run(node, {"payload": "data.jsonl"})
    assert _multipart(rec.requests[1])[1]["file"][2] == b"from the cwd\n"
    host.settings.fileDirectory = None
    assert host.nodes["cfg"].file_dir == user_dir / "files"

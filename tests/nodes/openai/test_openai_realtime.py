"""``openai-realtime`` against a fake Realtime server on 127.0.0.1 (``realtime_fake``): session
config, client events from messages, one message per server event plus the assembled response,
errors, reconnect with backoff, clean close on redeploy."""

from __future__ import annotations

import asyncio
import base64
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flowengine.nodes.openai.realtime_events import AUDIO_CHUNK, PayloadError, ResponseAssembler, client_events
from realtime_fake import AUDIO, FakeRealtime
from shared_dir import shared_dir

from flowengine.settings import Settings
from flowengine.testing import FlowHarness

SPEC = shared_dir() / "openai/spec/openapi-current.json"


def _flow(base_url: str, **props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "cfg", "type": "openai-config", "base_url": base_url, "organization": "org-rt",
         "credentials": {"api_key": "sk-rt"}},
        {"id": "rt", "type": "openai-realtime", "config": "cfg", "session": {"instructions": "Be brief."},
         "wires": [["out"]], **props},
        {"id": "catch", "type": "catch", "scope": None, "uncaught": False, "wires": [["errors"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "errors", "type": "test-sink"},
    ]


class Sleeps:
    """The backoff seam: records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def _harness(flows: list[dict[str, Any]], tmp_path: Path, sleeps: Sleeps | None = None) -> FlowHarness:
    return FlowHarness(flows, settings=Settings(user_dir=tmp_path, extra={"openai_sleep": sleeps or Sleeps()}))


def _assembled(m: dict[str, Any]) -> bool:
    return m.get("topic") == "realtime.response"


async def test_text_in_events_and_the_assembled_response_out(tmp_path: Path) -> None:
    async with FakeRealtime() as fake, _harness(_flow(fake.base_url), tmp_path) as h:
        h.send_to("rt", {"payload": "hi", "correlation": "c-1"})
        result = await h.wait_until("out", _assembled, timeout=5)
        [conn] = fake.connections
        assert conn.path == "/v1/realtime?model=gpt-realtime"
        assert conn.headers["Authorization"] == "Bearer sk-rt" and conn.headers["OpenAI-Organization"] == "org-rt"
        assert "OpenAI-Beta" not in conn.headers
        assert [e["type"] for e in conn.received] == ["session.update", "conversation.item.create", "response.create"]
        assert conn.received[0]["session"] == {"type": "realtime", "instructions": "Be brief."}
        assert conn.received[1]["item"] == {"type": "message", "role": "user",
                                            "content": [{"type": "input_text", "text": "hi"}]}
        payload = result["payload"]
        assert payload["text"] == "Hello there" and payload["transcript"] == "Hi" and payload["audio"] == AUDIO
        assert payload["status"] == "completed" and payload["usage"]["total_tokens"] == 7
        assert result["correlation"] == "c-1"  # the message that asked for the response lends its properties
        topics = [m["topic"] for m in h.received("out")]
        assert topics[:3] == ["session.created", "session.updated", "conversation.item.created"]
        assert topics[-2:] == ["response.done", "realtime.response"] and topics.count("response.output_text.delta") == 2
        deltas = [m for m in h.received("out") if m["topic"] == "response.output_text.delta"]
        assert all(m["correlation"] == "c-1" and m["openai"]["transport"] == "realtime" for m in deltas)
        assert not h.received("errors")
        statuses = [d.get("text") for t, d in h.events if t == "status/rt"]
        assert statuses[:2] == ["connecting", "connected"]


@cache
def _client_event_schema() -> dict[str, Any]:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    return {"$ref": "#/components/schemas/RealtimeClientEvent", "components": spec["components"]}


async def test_every_client_event_sent_matches_the_spec(tmp_path: Path) -> None:
    if not SPEC.exists():
        pytest.skip(f"needs the OpenAI spec at {SPEC} (set FLOWENGINE_SHARED)")
    validator = jsonschema.Draft202012Validator(_client_event_schema())
    async with FakeRealtime() as fake, _harness(_flow(fake.base_url), tmp_path) as h:
        h.send_to("rt", {"payload": AUDIO, "commit": True})
        await h.wait_until("out", _assembled, timeout=5)
        h.send_to("rt", {"payload": {"type": "function_call_output", "call_id": "call_1", "output": "{}"}})
        h.send_to("rt", {"payload": {"type": "response.create", "response": {"instructions": "again"}}})
        await _until(lambda: sum(map(_assembled, h.received("out"))) == 3)  # audio, tool output, explicit
        sent = fake.connections[0].received
        assert [e["type"] for e in sent[:4]] == ["session.update", "input_audio_buffer.append",
                                                "input_audio_buffer.commit", "response.create"]
        assert base64.b64decode(sent[1]["audio"]) == AUDIO
        for event in sent:
            errors = [e.message for e in validator.iter_errors(event)]
            assert not errors, (event, errors[:3])


async def test_tool_calls_are_assembled_and_errors_go_to_catch(tmp_path: Path) -> None:
    async with FakeRealtime() as fake, _harness(_flow(fake.base_url, output="responses"), tmp_path) as h:
        h.send_to("rt", {"payload": "tool"})
        [result] = await h.wait_for("out", 1, timeout=5)
        assert result["payload"]["function_calls"] == [{"call_id": "call_1", "name": "get_time", "arguments": "{}"}]
        h.send_to("rt", {"payload": "fail", "req_id": 9})
        [err] = await h.wait_for("errors", 1, timeout=5)
        assert err["error"]["message"] == "openai-realtime: the test asked for an error"
        assert err["payload"]["type"] == "error"
        assert [m["topic"] for m in h.received("out")] == ["realtime.response"]  # output=responses: nothing else


async def test_reconnects_with_backoff_and_sends_the_session_again(tmp_path: Path) -> None:
    sleeps = Sleeps()
    async with FakeRealtime(refuse=1) as fake, _harness(_flow(fake.base_url), tmp_path, sleeps) as h:
        h.send_to("rt", {"payload": "drop"})
        await h.wait_until("out", lambda m: m["topic"] == "conversation.item.created", timeout=5)
        node: Any = h.node("rt")
        h.send_to("rt", {"payload": "hi again"})
        result = await h.wait_until("out", _assembled, timeout=5)
        assert result["payload"]["text"] == "Hello there"
        assert node.connections == 2 and len(fake.connections) == 3  # refused, dropped, current
        assert sleeps.delays == [1.0, 1.0]  # the backoff starts again after a successful connect
        assert [e["type"] for e in fake.connections[2].received][:1] == ["session.update"]
        texts = [text for _, _, text in h.logs]
        assert any("HTTP 401" in t and "reconnecting in 1 s" in t for t in texts)
        assert not any("sk-rt" in t for t in texts)


async def test_redeploy_closes_the_socket_cleanly_and_connect_on_message(tmp_path: Path) -> None:
    async with FakeRealtime() as fake:
        async with _harness(_flow(fake.base_url, connect="message"), tmp_path) as h:
            await h.drain()
            assert fake.connections == []
            h.send_to("rt", {"payload": "hi"})
            await h.wait_until("out", _assembled, timeout=5)
        [conn] = fake.connections
        await _until(lambda: conn.close_code is not None)  # the server's handler ends just after the handshake
        assert conn.close_code == 1000


async def test_msg_close_ends_the_session_and_the_next_message_opens_one(tmp_path: Path) -> None:
    async with FakeRealtime() as fake, _harness(_flow(fake.base_url), tmp_path) as h:
        await h.wait_until("out", lambda m: m["topic"] == "session.updated", timeout=5)
        h.send_to("rt", {"close": True})
        await h.wait_event("status/rt", timeout=5)
        await _until(lambda: fake.connections[0].close_code == 1000)
        h.send_to("rt", {"payload": "hi"})
        await h.wait_until("out", _assembled, timeout=5)
        assert len(fake.connections) == 2


async def _until(check: Any) -> None:
    """Wait (bounded) for a condition of the fake server, which sends no events to await."""
    loop = asyncio.get_running_loop()
    end = loop.time() + 5
    while not check():
        assert loop.time() < end, "condition not met within 5 s"
        await asyncio.sleep(0.01)


async def test_payloads_it_cannot_send_are_catchable_errors(tmp_path: Path) -> None:
    async with FakeRealtime() as fake, _harness(_flow(fake.base_url, connect="message"), tmp_path) as h:
        h.send_to("rt", {"payload": 42})
        h.send_to("rt", {"payload": {"type": "response.create", "x": b"raw"}})
        errs = await h.wait_for("errors", 2, timeout=5)
        assert "msg.payload must be text, audio bytes" in errs[0]["error"]["message"]
        assert "cannot be sent as a JSON event" in errs[1]["error"]["message"]
        assert fake.connections == []


def test_client_events_and_assembly_without_a_server() -> None:
    big = bytes(AUDIO_CHUNK + 1)
    events = client_events(big, auto_respond=True)
    assert [e["type"] for e in events] == ["input_audio_buffer.append"] * 2  # no commit asked: server VAD decides
    assert client_events({"audio": base64.b64encode(b"ab").decode()}, auto_respond=False) == [
        {"type": "input_audio_buffer.append", "audio": "YWI="}]
    assert [e["type"] for e in client_events(["a", "b"], auto_respond=True)] == [
        "conversation.item.create", "conversation.item.create"]
    with pytest.raises(PayloadError, match="base64"):
        client_events({"audio": "not base64!"}, auto_respond=False)
    asm = ResponseAssembler()
    assert asm.feed({"type": "response.text.delta", "response_id": "r", "delta": "beta "}) is None
    done = asm.feed({"type": "response.done", "response": {"id": "r", "status": "completed"}})
    assert done is not None and done["text"] == "beta " and done["audio"] is None


async def test_the_example_flow_runs_against_the_fake_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flows = json.loads((Path(__file__).parents[3] / "flows/realtime-session.json").read_text())
    async with FakeRealtime() as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-example")
        async with _harness(flows, tmp_path) as h:
            assert h.inject("rt-ask")
            answer = None
            while answer is None:
                data = await h.wait_event("debug", timeout=5)
                answer = data["msg"] if data.get("id") == "rt-answer" else None
                assert data.get("id") != "rt-errors", data
        assert answer == "Hello there"
        assert fake.connections[0].received[0]["session"]["output_modalities"] == ["text"]


async def test_a_message_right_after_msg_close_opens_a_new_session(tmp_path: Path) -> None:
    sleeps = Sleeps()
    async with FakeRealtime() as fake, _harness(_flow(fake.base_url), tmp_path, sleeps) as h:
        await h.wait_until("out", lambda m: m["topic"] == "session.updated", timeout=5)
        h.send_to("rt", {"close": True})
        h.send_to("rt", {"payload": "hi"})
        result = await h.wait_until("out", _assembled, timeout=5)
        assert result["payload"]["text"] == "Hello there"
        await _until(lambda: fake.connections[0].close_code is not None)
        assert len(fake.connections) == 2 and fake.connections[0].close_code == 1000
        assert sleeps.delays == [] and not [t for _, _, t in h.logs if "reconnecting" in t]


async def test_the_key_may_come_from_the_environment_at_connect(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RT_TENANT_KEY", "sk-tenant-rt")
    async with FakeRealtime() as fake:
        flows = _flow(fake.base_url)
        flows[0].update(api_key_type="env", api_key_ref="RT_TENANT_KEY")
        async with _harness(flows, tmp_path) as h:
            await h.wait_until("out", lambda m: m["topic"] == "session.updated", timeout=5)
        assert fake.connections[0].headers["Authorization"] == "Bearer sk-tenant-rt"


async def test_the_beta_protocol_sends_its_header_and_the_session_as_given(tmp_path: Path) -> None:
    async with FakeRealtime() as fake, _harness(_flow(fake.base_url, beta=True, model="gpt-4o-realtime-preview"),
                                                tmp_path) as h:
        await h.wait_until("out", lambda m: m["topic"] == "session.updated", timeout=5)
        [conn] = fake.connections
        assert conn.headers["OpenAI-Beta"] == "realtime=v1"
        assert conn.path == "/v1/realtime?model=gpt-4o-realtime-preview"
        assert conn.received[0]["session"] == {"instructions": "Be brief."}

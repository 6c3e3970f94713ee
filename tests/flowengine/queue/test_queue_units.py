"""Pure parts of queue mode: settings, the envelope's message encoding, the worker's view of flows."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowengine.errors import NodeError, SettingsError
from flowengine.queue.config import QueueConfig
from flowengine.queue.envelope import Envelope, decode_msg, encode_msg
from flowengine.queue.flowstore import worker_view
from flowengine.settings import Settings


def test_config_from_settings_and_overrides(tmp_path: Path) -> None:
    settings = Settings.load(None, tmp_path, queue={"url": "redis://127.0.0.1:6379/0", "boundary": ["http request"],
                                                    "lease": 5, "max_deliver": 3})
    config = QueueConfig.from_settings(settings, concurrency=7, url=None)
    assert (config.url, config.boundary, config.lease, config.max_deliver, config.concurrency) == (
        "redis://127.0.0.1:6379/0", ("http request",), 5.0, 3, 7)
    assert QueueConfig.from_settings(Settings.load(None, tmp_path)).url is None


@pytest.mark.parametrize(("table", "text"), [
    ({"url": "http://x"}, "redis://HOST:PORT/DB"),
    ({"boundary": "http request"}, "list of node type names"),
    ({"lease": 0}, "greater than 0"),
    ({"leese": 1}, "unknown settings: leese"),
])
def test_config_errors_name_the_setting(tmp_path: Path, table: dict[str, object], text: str) -> None:
    with pytest.raises(SettingsError, match=text):
        QueueConfig.from_settings(Settings.load(None, tmp_path, queue=table))


def test_message_round_trip_keeps_bytes() -> None:
    msg = {"_msgid": "m1", "payload": b"\x00\xffbin", "nested": {"list": [1, "two", None]}}
    envelope = Envelope.of("rev1", "n1", msg)
    again = Envelope.parse({k.encode(): v.encode() for k, v in envelope.fields().items()})
    assert again == envelope and again.message() == msg
    assert decode_msg(encode_msg({"payload": {"__bytes__": 1}})) == {"payload": {"__bytes__": 1}}


def test_message_that_cannot_travel_is_a_node_error() -> None:
    with pytest.raises(NodeError, match=r"cannot go to a worker.*function"):
        encode_msg({"payload": print})


def test_worker_view_keeps_boundaries_what_follows_them_and_catch_nodes() -> None:
    flows = [
        {"id": "t", "type": "tab"},
        {"id": "inj", "type": "inject", "z": "t", "wires": [["pre"]]},
        {"id": "pre", "type": "change", "z": "t", "wires": [["ai"]]},
        {"id": "ai", "type": "openai-chat", "z": "t", "wires": [["post"], ["lo"]]},
        {"id": "post", "type": "change", "z": "t", "wires": [["ai2"]]},
        {"id": "lo", "type": "link out", "z": "t", "links": ["li"], "wires": []},
        {"id": "li", "type": "link in", "z": "t", "wires": [["dbg"]]},
        {"id": "dbg", "type": "debug", "z": "t", "wires": []},
        {"id": "ai2", "type": "openai-chat", "z": "t", "wires": [["end"]]},
        {"id": "end", "type": "debug", "z": "t", "wires": []},
        {"id": "c", "type": "catch", "z": "t", "wires": [["cdbg"]]},
        {"id": "cdbg", "type": "debug", "z": "t", "wires": []},
        {"id": "other", "type": "debug", "z": "t", "wires": []},
        {"id": "sf", "type": "subflow", "in": [], "out": []},
        {"id": "inner", "type": "change", "z": "sf", "wires": []},
        {"id": "cfg", "type": "openai-config"},
    ]
    view = worker_view(flows, lambda t: t == "openai-chat")
    disabled = {n["id"] for n in view if n.get("d")}
    assert disabled == {"inj", "pre", "other"}
    assert flows[1].get("d") is None  # the input is not changed


def test_single_process_mode_imports_no_redis() -> None:
    import subprocess
    import sys

    code = ("import sys, flowengine.cli, flowengine.server.serve, flowengine.runtime, flowengine.context\n"
            "assert not [m for m in sys.modules if m == 'redis' or m.startswith(('redis.', 'flowengine.queue'))]")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[3])


def test_worker_command_needs_a_queue_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from flowengine.cli import main

    assert main(["worker", "--user-dir", str(tmp_path)]) == 2
    assert "flowengine worker needs --queue redis://HOST:PORT/DB" in capsys.readouterr().err


def test_rate_limit_wait_reads_retry_after() -> None:
    from flowengine.queue.parking import DEFAULT_WAIT_S, rate_limit_wait

    class Err(Exception):
        def __init__(self, status: int, headers: dict[str, str] | None) -> None:
            self.status, self.headers = status, headers

    assert rate_limit_wait(Err(429, {"retry-after-ms": "250"})) == 0.25
    assert rate_limit_wait(Err(429, {"retry-after": "7"})) == 7.0
    assert rate_limit_wait(Err(429, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) == DEFAULT_WAIT_S
    assert rate_limit_wait(Err(429, None)) == DEFAULT_WAIT_S
    assert rate_limit_wait(Err(500, {"retry-after": "1"})) is None
    assert rate_limit_wait(ValueError("x")) is None


def test_worker_refuses_to_start_without_redis(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from serve_process import free_port

    from flowengine.cli import main

    url = f"redis://user:pw@127.0.0.1:{free_port()}/0"
    assert main(["worker", "--queue", url, "--user-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Redis at redis://***@127.0.0.1:" in err and "does not answer" in err and "pw" not in err

"""exec node with real subprocesses: exec and spawn modes, append, stderr, return codes, timeout,
msg.kill, processes stopped on close/redeploy, unknown commands, binary and large output
(corpus cases exec_basic, exec_errors)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flowengine.nodes.core._exec_process import split_command_line
from flowengine.nodes.core.exec_node import ExecNode

from flowengine.registry import Registry
from flowengine.settings import Settings
from flowengine.testing import FlowHarness

BASE = {"command": "", "addpay": "", "append": "", "useSpawn": "false", "timer": "", "winHide": False,
        "oldrc": False, "name": ""}
PY = "python3 -u -c"


def exec_flow(**props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "ex", "type": "exec", **{**BASE, **props}, "wires": [["out"], ["err"], ["rc"]]},
        {"id": "out", "type": "test-sink"},
        {"id": "err", "type": "test-sink"},
        {"id": "rc", "type": "test-sink"},
        {"id": "c", "type": "catch", "scope": None, "wires": [["caught"]]},
        {"id": "caught", "type": "test-sink"},
    ]


def spawn_flow(**props: Any) -> list[dict[str, Any]]:
    return exec_flow(useSpawn="true", **props)


def strip(msg: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in msg.items() if k != "_msgid"}


def statuses(h: FlowHarness) -> list[dict[str, Any]]:
    return [d for t, d in h.events if t == "status/ex"]


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie left for an init that does not reap counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def until(check: Callable[[], bool], timeout: float = 2.0) -> None:
    """Poll a condition of the OS (a process that is not ours to wait for) until it holds."""
    end = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < end, "condition not reached"
        await asyncio.sleep(0.01)


async def started(h: FlowHarness, count: int = 1) -> list[int]:
    node = h.node("ex")
    assert isinstance(node, ExecNode)
    await until(lambda: len(node.running) >= count)
    return node.running


def test_spawn_splits_the_command_line_as_node_red() -> None:
    assert split_command_line('sh -c "echo a; exit 3"') == ["sh", "-c", "echo a; exit 3"]
    assert split_command_line("echo 'a b'") == ["echo", "'a", "b'"]  # single quotes do not group
    assert split_command_line('x a"b c"d ""') == ["x", 'a"b c"d', ""]
    assert split_command_line('echo "unclosed') == ["echo", "unclosed"]
    assert split_command_line('x "a\nb"') == ["x", '"a\nb"']  # JS /^".*"$/ stops at a newline
    assert split_command_line(" \t ") == []


async def test_exec_mode_appends_payload_and_args() -> None:
    async with FlowHarness(exec_flow(command="echo hello", addpay="payload", append="world")) as h:
        h.send_to("ex", {"payload": "dear", "topic": "x"})
        [rc] = await h.wait_for("rc")
        [out] = h.received("out")
        st = statuses(h)
    assert strip(out) == {"topic": "x", "payload": "hello dear world\n", "rc": {"code": 0}}
    assert list(out)[-2:] == ["payload", "rc"]  # payload re-added after the other keys, as Node-RED
    assert strip(rc) == {"topic": "x", "payload": {"code": 0}}
    assert h.received("err") == []
    assert len(st) == 2 and st[0]["text"].startswith("pid:") and st[-1] == {}


async def test_append_property_forms() -> None:
    flows = [{"id": n, "type": "exec", **{**BASE, "command": "echo", **p}, "wires": [["o" + n]]}
             for n, p in {"a": {"addpay": "topic"}, "b": {"addpay": "payload.name"}, "c": {"addpay": True},
                          "d": {"addpay": "missing"}, "e": {"addpay": False, "append": "  x  "}}.items()]
    legacy = {"id": "f", "type": "exec", "command": "echo", "wires": [["of"]]}  # no addpay: payload
    sinks = [{"id": "o" + n, "type": "test-sink"} for n in "abcdef"]
    async with FlowHarness([*flows, legacy, *sinks]) as h:
        h.send_to("a", {"topic": "t1", "payload": "p"})
        h.send_to("b", {"payload": {"name": "nested"}})
        h.send_to("c", {"payload": b"bytes as text"})
        h.send_to("d", {"payload": "p"})
        h.send_to("e", {"payload": "p"})
        h.send_to("f", {"payload": 1.5})
        got = {n: (await h.wait_for("o" + n))[0]["payload"] for n in "abcdef"}
    assert got == {"a": "t1\n", "b": "nested\n", "c": "bytes as text\n", "d": "\n", "e": "x\n", "f": "1.5\n"}


async def test_exec_mode_failure_gives_message_on_all_three_ports() -> None:
    cmd = "sh -c 'echo out; echo é 1>&2; exit 3'"
    async with FlowHarness(exec_flow(command=cmd)) as h:
        h.send_to("ex", {"payload": "x"})
        [rc] = await h.wait_for("rc")
        [out], [err] = h.received("out"), h.received("err")
        st = statuses(h)
    # Node.js reads stderr as latin-1 for the message text: the UTF-8 "é" shows as "Ã©" there
    expected = {"code": 3, "message": f"Command failed: {cmd}\nÃ©\n"}
    assert rc["payload"] == expected
    assert (out["payload"], out["rc"]) == ("out\n", expected)
    assert (err["payload"], err["rc"]) == ("é\n", expected)
    assert st[-1] == {"fill": "red", "shape": "dot", "text": "error:3"}


async def test_exec_mode_unknown_command_is_the_shells_127() -> None:
    async with FlowHarness(exec_flow(command="nonexistent_exec_test_cmd")) as h:
        h.send_to("ex", {"payload": "x"})
        [rc] = await h.wait_for("rc")
    assert rc["payload"]["code"] == 127
    assert rc["payload"]["message"].startswith("Command failed: nonexistent_exec_test_cmd\n")
    assert "not found" in rc["payload"]["message"]


async def test_old_style_return_codes() -> None:
    async with FlowHarness([*exec_flow(command="true", oldrc=True),
                            {"id": "sp", "type": "exec", **{**BASE, "command": "false", "useSpawn": "true",
                                                            "oldrc": True}, "wires": [[], [], ["sprc"]]},
                            {"id": "sprc", "type": "test-sink"}]) as h:
        h.send_to("ex", {"payload": "x"})
        h.send_to("sp", {"payload": "x"})
        [out] = await h.wait_for("out")
        [sprc] = await h.wait_for("sprc")
        await h.drain()
    assert "rc" not in out and h.received("rc") == []  # exec mode success: no return code at all
    assert sprc["payload"] == 1


async def test_spawn_mode_streams_and_reports_code() -> None:
    cmd = 'sh -c "echo out; echo err 1>&2; exit 3"'
    async with FlowHarness(spawn_flow(command=cmd)) as h:
        h.send_to("ex", {"payload": "y"})
        [rc] = await h.wait_for("rc")
        st = statuses(h)
    assert [strip(m) for m in h.received("out")] == [{"payload": "out\n"}]
    assert [strip(m) for m in h.received("err")] == [{"payload": "err\n"}]
    assert strip(rc) == {"payload": {"code": 3}}
    assert st[-1] == {"fill": "yellow", "shape": "dot", "text": "rc:3"}


async def test_spawn_output_arrives_while_running_then_msg_kill() -> None:
    # one write: print() under -u writes the text and the newline separately, and spawn mode sends
    # each chunk as it arrives, so the test would depend on how the pipe splits them
    script = "import sys, time; sys.stdout.write('first\\n'); sys.stdout.flush(); time.sleep(30)"
    async with FlowHarness(spawn_flow(command=f'{PY} "{script}"')) as h:
        h.send_to("ex", {"payload": "x"})
        [out] = await h.wait_for("out")  # sent while the process is still running
        assert out["payload"] == "first\n" and h.received("rc") == []
        h.send_to("ex", {"kill": "sigint"})
        [rc] = await h.wait_for("rc")
    assert rc["payload"] == {"code": None, "signal": "SIGINT"}
    assert {"fill": "red", "shape": "dot", "text": "killed"} in statuses(h)


async def test_msg_kill_picks_by_pid_and_checks_the_signal() -> None:
    async with FlowHarness(spawn_flow(command="sleep 30")) as h:
        h.send_to("ex", {"payload": "a"})
        h.send_to("ex", {"payload": "b"})
        first, second = await started(h, 2)
        h.send_to("ex", {"kill": ""})  # two running and no msg.pid: nothing is killed
        h.send_to("ex", {"kill": "SIGFOO", "pid": str(first)})
        [caught] = await h.wait_for("caught")
        h.send_to("ex", {"kill": "SIGHUP", "pid": first})
        [rc] = await h.wait_for("rc")
        assert await started(h) == [second]
        h.send_to("ex", {"kill": 42})  # not a signal name: SIGTERM
        rcs = await h.wait_for("rc", 2)
    assert caught["error"]["message"] == "Unknown signal: SIGFOO"
    assert rc["payload"] == {"code": None, "signal": "SIGHUP"}
    assert rcs[1]["payload"] == {"code": None, "signal": "SIGTERM"}


async def test_timeout_kills_in_both_modes() -> None:
    async with FlowHarness([*exec_flow(command="sleep 5", timer="0.2"),
                            {"id": "sp", "type": "exec", **{**BASE, "command": "sleep 5", "useSpawn": "true",
                                                            "timer": 0.2}, "wires": [[], [], ["sprc"]]},
                            {"id": "sprc", "type": "test-sink"}]) as h:
        h.send_to("ex", {"payload": "x"})
        h.send_to("sp", {"payload": "x"})
        [rc] = await h.wait_for("rc")
        [sprc] = await h.wait_for("sprc")
        [out] = h.received("out")
        st = statuses(h)
    assert rc["payload"] == {"code": None, "message": "Command failed: sleep 5\n", "signal": "SIGTERM"}
    assert out["payload"] == "" and out["rc"] == rc["payload"]
    assert sprc["payload"] == {"code": None, "signal": "SIGTERM"}
    assert st[-1] == {"fill": "red", "shape": "dot", "text": "killed"}


async def test_spawn_unknown_or_unrunnable_command_gives_only_a_negative_code(tmp_path: Path) -> None:
    script = tmp_path / "not-executable.sh"
    script.write_text("echo hi\n")
    async with FlowHarness(spawn_flow(command="nonexistent_exec_test_cmd")) as h:
        h.send_to("ex", {"payload": "z"})
        [rc] = await h.wait_for("rc")
        await h.deploy(spawn_flow(command=str(script)))
        h.send_to("ex", {"payload": "z"})
        rcs = await h.wait_for("rc", 2)
        await h.drain()
    assert rc["payload"] == {"code": -2}  # ENOENT
    assert rcs[1]["payload"] == {"code": -13}  # EACCES
    assert h.received("out") == h.received("err") == h.received("caught") == []
    assert {"fill": "red", "shape": "dot", "text": "rc:-2"} in statuses(h)


async def test_empty_spawn_command_is_an_error() -> None:
    async with FlowHarness(spawn_flow(command="  ")) as h:
        h.send_to("ex", {"payload": ""})
        [caught] = await h.wait_for("caught")
    assert "'command'" in caught["error"]["message"]


async def test_binary_output_is_bytes() -> None:
    script = "import sys; sys.stdout.buffer.write(bytes([255, 254]))"
    async with FlowHarness([*exec_flow(command=r"printf '\377\376'"),
                            {"id": "sp", "type": "exec", **{**BASE, "command": f'{PY} "{script}"',
                                                            "useSpawn": "true"}, "wires": [["spout"]]},
                            {"id": "spout", "type": "test-sink"}]) as h:
        h.send_to("ex", {"payload": "x"})
        h.send_to("sp", {"payload": "x"})
        [out] = await h.wait_for("out")
        [spout] = await h.wait_for("spout")
    assert out["payload"] == spout["payload"] == b"\xff\xfe"


async def test_large_output_in_both_modes() -> None:
    cmd = "head -c 3000000 /dev/zero"
    async with FlowHarness([*exec_flow(command=f"{cmd} | tr '\\0' x"),
                            {"id": "sp", "type": "exec", **{**BASE, "command": cmd, "useSpawn": "true"},
                             "wires": [["spout"], [], ["sprc"]]},
                            {"id": "spout", "type": "test-sink"}, {"id": "sprc", "type": "test-sink"}]) as h:
        h.send_to("ex", {"payload": "x"})
        h.send_to("sp", {"payload": "x"})
        [out] = await h.wait_for("out", timeout=5)
        await h.wait_for("sprc", timeout=5)
        chunks = h.received("spout")
        st = [d for t, d in h.events if t == "status/sp"]
    assert out["payload"] == "x" * 3_000_000 and out["rc"] == {"code": 0}
    # Node-RED clears the status on success, then its if/else chain still sets yellow "rc:0"
    assert st[1:] == [{}, {"fill": "yellow", "shape": "dot", "text": "rc:0"}]
    assert len(chunks) > 1 and "".join(m["payload"] for m in chunks) == "\0" * 3_000_000


async def test_exec_max_buffer_setting_cuts_output(tmp_path: Path) -> None:
    settings = Settings.load(user_dir=tmp_path, execMaxBufferSize=1000)
    async with FlowHarness(exec_flow(command="head -c 5000 /dev/zero | tr '\\0' x"), settings=settings) as h:
        h.send_to("ex", {"payload": "x"})
        [rc] = await h.wait_for("rc")
        [out] = h.received("out")
        st = statuses(h)
    assert rc["payload"] == {"code": "ERR_CHILD_PROCESS_STDIO_MAXBUFFER", "message": "stdout maxBuffer length exceeded"}
    assert out["payload"] == "x" * 1000
    assert st[-1]["text"] == "error:ERR_CHILD_PROCESS_STDIO_MAXBUFFER"


async def test_close_kills_the_command_and_what_it_started() -> None:
    async with FlowHarness(spawn_flow(command='sh -c "sleep 30 & echo $!; wait"')) as h:
        h.send_to("ex", {"payload": ""})
        [out] = await h.wait_for("out")
        [shell] = await started(h)
        grandchild = int(out["payload"])
        assert alive(shell) and alive(grandchild)
    assert not alive(shell)
    await until(lambda: not alive(grandchild))
    assert h.received("rc") == []  # a closed node reports nothing
    assert statuses(h)[-1] == {}


async def test_redeploy_stops_exec_mode_commands() -> None:
    async with FlowHarness(exec_flow(command="sleep 30; echo never")) as h:
        h.send_to("ex", {"payload": ""})
        [shell] = await started(h)
        await h.deploy(exec_flow(command="echo new"))
        assert not alive(shell)
        h.send_to("ex", {"payload": ""})
        [out] = await h.wait_for("out")
    assert out["payload"] == "new\n"


async def test_close_escalates_to_sigkill(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ExecNode, "TERM_GRACE", 0.2)
    script = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready'); time.sleep(30)"
    async with FlowHarness(spawn_flow(command=f'{PY} "{script}"')) as h:
        h.send_to("ex", {"payload": ""})
        await h.wait_for("out")
        [pid] = await started(h)
    assert not alive(pid)


def test_node_red_example_configs_validate() -> None:
    registry = Registry.default()
    for config in (
        {"id": "a", "type": "exec", "command": "echo", "addpay": True, "append": "", "useSpawn": "false",
         "timer": "", "oldrc": False, "name": ""},
        {"id": "b", "type": "exec", "command": "/bin/sh -c \"while true; do echo Hello; sleep 2; done\"",
         "addpay": False, "append": "", "useSpawn": "true", "timer": "", "oldrc": False, "name": "Repeat"},
        {"id": "c", "type": "exec", **BASE, "timer": 5, "oldrc": "true"},
    ):
        assert registry.validate(config) == []


def test_use_spawn_as_users_wrote_it_deploys_with_node_reds_meaning() -> None:
    # Node-RED tests useSpawn == "true": a boolean true (seen in real flows) or "" means exec mode
    registry = Registry.default()
    for value in (True, False, "", "true"):
        config = {"id": "a", "type": "exec", "command": "echo", "useSpawn": value}
        assert registry.validate(config) == [], value

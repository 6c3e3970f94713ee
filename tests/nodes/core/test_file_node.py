"""file node: overwrite / append / delete real files in tmp_path with Node-RED's data rules and texts."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from flowengine.nodes.core.file_node import FileNode

from flowengine.settings import Settings
from flowengine.testing import FlowHarness


def flow(**props: Any) -> list[dict[str, Any]]:
    node = {"id": "f", "type": "file", "filenameType": "str", "appendNewline": True, "createDir": False,
            "overwriteFile": "false", "encoding": "none", "wires": [["out"]], **props}
    return [node, {"id": "out", "type": "test-sink"},
            {"id": "c", "type": "catch", "scope": None, "wires": [["err"]]}, {"id": "err", "type": "test-sink"}]


async def test_overwrite_append_and_data_types(tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir" / "x.txt"
    flows = flow(filename=str(target), overwriteFile="true", createDir=True)
    flows.append({"id": "a", "type": "file", "filename": str(target), "filenameType": "str",
                  "appendNewline": True, "overwriteFile": "false", "encoding": "none", "wires": [["out"]]})
    async with FlowHarness(flows) as h:
        h.send_to("f", {"payload": "first", "topic": "kept"})
        [m] = await h.wait_for("out")
        assert m == {"payload": "first", "topic": "kept", "filename": str(target), "_msgid": m["_msgid"]}
        for payload in ({"k": [1, 2.0]}, 7, 1.5, True, None, [1, "é"]):
            h.send_to("a", {"payload": payload})
        h.send_to("a", {"payload": b"\x00raw"})  # bytes are written raw, without the newline
        await h.wait_for("out", 8)
    assert target.read_bytes() == 'first\n{"k":[1,2]}\n7\n1.5\ntrue\nnull\n[1,"é"]\n'.encode() + b"\x00raw"
    assert h.received("err") == []


async def test_no_newline_and_missing_payload_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    async with FlowHarness(flow(filename=str(target), appendNewline=False)) as h:
        h.send_to("f", {"topic": "no payload"})
        h.send_to("f", {"payload": "a"})
        h.send_to("f", {"payload": "b"})
        out = await h.wait_for("out", 2)
    assert target.read_text() == "ab"
    assert [m["payload"] for m in out] == ["a", "b"]  # the payload-less message is not passed on


async def test_writes_keep_arrival_order(tmp_path: Path) -> None:
    target = tmp_path / "order.txt"
    async with FlowHarness(flow(filename=str(target))) as h:
        for i in range(200):
            h.send_to("f", {"payload": i})
        out = await h.wait_for("out", 200, timeout=10)
    assert target.read_text().splitlines() == [str(i) for i in range(200)]
    assert [m["payload"] for m in out] == list(range(200))


async def test_close_waits_for_queued_writes(tmp_path: Path) -> None:
    target = tmp_path / "late.txt"
    async with FlowHarness(flow(filename=str(target))) as h:
        for i in range(50):
            h.send_to("f", {"payload": i})
        await h.drain()
    assert target.read_text().splitlines() == [str(i) for i in range(50)]


async def test_delete_and_its_error(tmp_path: Path) -> None:
    target = tmp_path / "gone.txt"
    target.write_text("x")
    async with FlowHarness(flow(filename=str(target), overwriteFile="delete")) as h:
        h.send_to("f", {"payload": "ignored"})
        [m] = await h.wait_for("out")
        assert not target.exists() and m["filename"] == str(target)
        h.send_to("f", {"topic": "again"})
        [e] = await h.wait_for("err")
    assert e["error"]["message"] == (
        f"failed to delete file: Error: ENOENT: no such file or directory, unlink '{target}'")
    assert e["topic"] == "again" and e["filename"] == str(target)
    assert len(h.received("out")) == 1


async def test_write_failures_use_node_red_texts(tmp_path: Path) -> None:
    missing = tmp_path / "nodir" / "x.txt"
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    flows = flow(filename=str(missing))
    flows += [{"id": "w", "type": "file", "filename": str(tmp_path), "filenameType": "str",
               "overwriteFile": "true", "wires": [["out"]]},
              {"id": "d", "type": "file", "filename": str(blocker / "sub" / "x.txt"), "filenameType": "str",
               "overwriteFile": "true", "createDir": True, "wires": [["out"]]}]
    async with FlowHarness(flows) as h:
        h.send_to("f", {"payload": "x"})
        h.send_to("w", {"payload": "x"})
        h.send_to("d", {"payload": "x"})
        errors = await h.wait_for("err", 3)
    texts = sorted(e["error"]["message"] for e in errors)
    assert texts == sorted([
        f"failed to append to file: Error: ENOENT: no such file or directory, open '{missing}'",
        f"failed to write to file: Error: EISDIR: illegal operation on a directory, open '{tmp_path}'",
        f"failed to create file: Error: ENOTDIR: not a directory, mkdir '{blocker / 'sub'}'",
    ])
    assert h.received("out") == []


async def test_filename_from_msg_legacy_and_env(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("FE_FILE_TEST", str(tmp_path / "env.txt"))
    flows = flow(filename="filename", filenameType="msg")
    flows += [{"id": "legacy", "type": "file", "filename": "", "wires": [["out"]]},
              {"id": "legacyenv", "type": "file", "filename": "${FE_FILE_TEST}", "wires": [["out"]]}]
    async with FlowHarness(flows) as h:
        h.send_to("f", {"payload": "m", "filename": str(tmp_path / "m.txt")})
        h.send_to("legacy", {"payload": "l", "filename": str(tmp_path / "l.txt")})
        h.send_to("legacyenv", {"payload": "e"})
        out = await h.wait_for("out", 3)
        assert ("status/f", {"fill": "grey", "shape": "dot", "text": str(tmp_path / "m.txt")}) in h.events
        h.send_to("f", {"payload": "no name"})
        warning = await h.wait_event("debug")
        assert (warning["level"], warning["id"], warning["msg"]) == (30, "f", "No filename specified")
    assert (tmp_path / "m.txt").read_text() == "m\n"
    assert (tmp_path / "l.txt").read_text() == "l"  # appendNewline absent: off at run time
    assert (tmp_path / "env.txt").read_text() == "e"
    assert {m["filename"] for m in out} == {str(tmp_path / n) for n in ("m.txt", "l.txt", "env.txt")}


async def test_relative_names_use_file_working_directory(tmp_path: Path) -> None:
    settings = Settings.load(user_dir=tmp_path / "user", fileWorkingDirectory=str(tmp_path / "work"))
    async with FlowHarness(flow(filename="sub/rel.txt", createDir=True), settings=settings) as h:
        h.send_to("f", {"payload": "here"})
        [m] = await h.wait_for("out")
    assert m["filename"] == "sub/rel.txt"  # msg.filename keeps the name as given
    assert (tmp_path / "work" / "sub" / "rel.txt").read_text() == "here\n"


async def test_encodings(tmp_path: Path) -> None:
    cases = {"latin1.txt": ("ISO-8859-1", "é"), "u16.txt": ("utf-16le", "hé"), "b64.txt": ("base64", "aGk="),
             "hex.txt": ("hex", "6869zz"), "sjis.txt": ("Shift_JIS", "日本")}
    flows: list[dict[str, Any]] = []
    for i, (name, (enc, _)) in enumerate(cases.items()):
        flows.append({"id": f"n{i}", "type": "file", "filename": str(tmp_path / name), "filenameType": "str",
                      "appendNewline": False, "overwriteFile": "true", "encoding": enc, "wires": [["out"]]})
    flows += flow(filename=str(tmp_path / "bymsg.txt"), encoding="setbymsg", appendNewline=False)
    async with FlowHarness(flows) as h:
        for i, (_enc, text) in enumerate(cases.values()):
            h.send_to(f"n{i}", {"payload": text})
        h.send_to("f", {"payload": "ü", "encoding": "cp1252"})
        await h.wait_for("out", len(cases) + 1)
        h.send_to("f", {"payload": "x", "encoding": "klingon"})
        [e] = await h.wait_for("err")
    assert (tmp_path / "latin1.txt").read_bytes() == b"\xe9"
    assert (tmp_path / "u16.txt").read_bytes() == "hé".encode("utf-16-le")
    assert (tmp_path / "b64.txt").read_bytes() == base64.b64decode("aGk=")  # base64 text in, bytes out
    assert (tmp_path / "hex.txt").read_bytes() == b"hi"
    assert (tmp_path / "sjis.txt").read_bytes() == "日本".encode("shift_jis")
    assert (tmp_path / "bymsg.txt").read_bytes() == b"\xfc"
    assert "unknown encoding 'klingon'" in e["error"]["message"]


def test_schema_describes_node_red_properties() -> None:
    props = FileNode.schema["properties"]
    assert props["overwriteFile"]["default"] == "false" and "delete" in props["overwriteFile"]["enum"]
    assert props["filenameType"]["default"] == "str" and "msg" in props["filenameType"]["enum"]
    assert {"none", "setbymsg", "utf8", "Shift_JIS"} <= set(props["encoding"]["enum"])
    assert FileNode.category == "storage" and FileNode.inputs == 1 and FileNode.outputs == 1

"""file in node: whole file as text or bytes, lines and 64 KiB chunks with msg.parts, read errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowengine.nodes.core.file_in import CHUNK, FileInNode

from flowengine.settings import Settings
from flowengine.testing import FlowHarness
from flowengine.types import UNDEFINED


def flow(**props: Any) -> list[dict[str, Any]]:
    node = {"id": "r", "type": "file in", "filename": "filename", "filenameType": "msg", "format": "utf8",
            "chunk": False, "sendError": False, "encoding": "none", "allProps": False, "wires": [["out"]], **props}
    node = {k: v for k, v in node.items() if v is not None}  # None: leave the property out
    return [node, {"id": "out", "type": "test-sink"},
            {"id": "c", "type": "catch", "scope": None, "wires": [["err"]]}, {"id": "err", "type": "test-sink"}]


async def read(path: Path, count: int = 1, **props: Any) -> list[dict[str, Any]]:
    async with FlowHarness(flow(**props)) as h:
        h.send_to("r", {"_msgid": "m1", "payload": "old", "filename": str(path), "topic": "t", "other": 1})
        return await h.wait_for("out", count)


async def test_utf8_and_buffer(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes("héllo\n".encode())
    [m] = await read(f)
    assert m == {"_msgid": "m1", "payload": "héllo\n", "filename": str(f), "topic": "t", "other": 1}
    [m] = await read(f, format="")
    assert m["payload"] == "héllo\n".encode() and m["other"] == 1
    [m] = await read(f, format=None)  # no format at all: Node-RED sends a Buffer
    assert m["payload"] == "héllo\n".encode()


async def test_lines_are_new_messages_with_parts(tmp_path: Path) -> None:
    f = tmp_path / "lines.txt"
    f.write_text("alpha\nbeta\n\ngamma\n")
    out = await read(f, 5, format="lines")
    assert [m["payload"] for m in out] == ["alpha", "beta", "", "gamma", ""]
    assert {k for m in out for k in m} == {"_msgid", "topic", "filename", "payload", "parts"}
    assert [m["parts"] for m in out][-2:] == [
        {"index": 3, "ch": "\n", "type": "string", "id": "m1"},
        {"index": 4, "count": 5, "ch": "\n", "type": "string", "id": "m1"},
    ]
    assert all(m["_msgid"] != "m1" for m in out) and out[0]["topic"] == "t"
    out = await read(f, 5, format="lines", allProps=True)
    assert all(m["other"] == 1 and m["_msgid"] == "m1" for m in out)


async def test_lines_without_topic_and_of_an_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "empty.txt"
    f.write_text("")
    async with FlowHarness(flow(format="lines")) as h:
        h.send_to("r", {"filename": str(f)})
        [m] = await h.wait_for("out")
    assert m["topic"] is UNDEFINED and m["payload"] == "" and m["parts"]["count"] == 1


async def test_lines_join_back_into_the_file(tmp_path: Path) -> None:
    f = tmp_path / "join.txt"
    text = "".join(f"line {i} ü\n" for i in range(20000))  # > 64 KiB: lines span chunk boundaries
    f.write_text(text)
    flows = flow(format="lines", wires=[["j"]])
    flows.append({"id": "j", "type": "join", "mode": "auto", "wires": [["out"]]})
    async with FlowHarness(flows) as h:
        h.send_to("r", {"filename": str(f)})
        [m] = await h.wait_for("out", timeout=10)
    assert m["payload"] == text


async def test_stream_chunks(tmp_path: Path) -> None:
    f = tmp_path / "big.bin"
    data = bytes(range(256)) * (2 * CHUNK // 256) + b"tail"
    f.write_bytes(data)
    out = await read(f, 3, format="stream")
    assert b"".join(m["payload"] for m in out) == data
    assert [m["parts"] for m in out] == [
        {"index": 0, "ch": "", "type": "buffer", "id": "m1"},
        {"index": 1, "ch": "", "type": "buffer", "id": "m1"},
        {"index": 2, "count": 3, "ch": "", "type": "buffer", "id": "m1"},
    ]
    exact = tmp_path / "exact.bin"
    exact.write_bytes(b"x" * CHUNK)
    out = await read(exact, 2, format="stream")
    # a file that fills the last chunk exactly ends with a message that has only parts (Node-RED)
    assert out[1] == {"_msgid": out[1]["_msgid"], "parts": {"index": 1, "count": 1, "ch": "", "type": "buffer",
                                                            "id": "m1"}}


async def test_read_errors_go_to_catch_and_in_legacy_mode_out(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    text = f"ENOENT: no such file or directory, open '{missing}'"
    flows = flow(sendError=True)
    flows.insert(1, {"id": "quiet", "type": "file in", "filename": str(missing), "filenameType": "str",
                     "sendError": False, "wires": [["out"]]})
    flows.insert(1, {"id": "dir", "type": "file in", "filename": str(tmp_path), "filenameType": "str",
                     "format": "lines", "wires": [["out"]]})  # no sendError: legacy mode is on
    async with FlowHarness(flows) as h:
        h.send_to("r", {"payload": "p", "filename": str(missing)})
        h.send_to("quiet", {"payload": "q"})
        h.send_to("dir", {"payload": "d"})
        errors = await h.wait_for("err", 3)
        out = await h.wait_for("out", 2)
    by_node = {e["error"]["source"]["id"]: e for e in errors}
    assert by_node["r"]["error"]["message"] == f"Error: {text}" and by_node["r"]["error"]["code"] == "ENOENT"
    assert by_node["r"]["payload"] == "p"
    assert by_node["dir"]["error"]["message"] == "Error: EISDIR: illegal operation on a directory, read"
    sent = {m["filename"]: m for m in out}
    legacy = sent[str(missing)]
    assert "payload" not in legacy and str(legacy["error"]) == text and legacy["error"].code == "ENOENT"
    assert sent[str(tmp_path)]["error"].code == "EISDIR"


async def test_encodings_and_name_cleanup(tmp_path: Path) -> None:
    (tmp_path / "l1.txt").write_bytes(b"caf\xe9")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfhi")
    (tmp_path / "bin.dat").write_bytes(b"\x00\xffhi")
    [m] = await read(Path(f"{tmp_path}/l1.txt\n"), encoding="ISO-8859-1")  # tabs/newlines are dropped
    assert m["payload"] == "café" and m["filename"] == str(tmp_path / "l1.txt")
    [m] = await read(tmp_path / "bom.txt", encoding="utf8")
    assert m["payload"] == "hi"
    [m] = await read(tmp_path / "bin.dat", encoding="base64")
    assert m["payload"] == "AP9oaQ=="
    [m] = await read(tmp_path / "bin.dat", encoding="hex")
    assert m["payload"] == "00ff6869"


async def test_relative_names_and_status(tmp_path: Path) -> None:
    (tmp_path / "rel.txt").write_text("relative")
    settings = Settings.load(user_dir=tmp_path / "user", fileWorkingDirectory=str(tmp_path))
    async with FlowHarness(flow(), settings=settings) as h:
        h.send_to("r", {"filename": "rel.txt"})
        [m] = await h.wait_for("out")
        assert m["payload"] == "relative" and m["filename"] == "rel.txt"
        assert ("status/r", {"fill": "grey", "shape": "dot", "text": "rel.txt"}) in h.events
        h.send_to("r", {"payload": "no name"})
        warning = await h.wait_event("debug")
    assert (warning["level"], warning["msg"]) == (30, "No filename specified")


def test_schema_describes_node_red_properties() -> None:
    props = FileInNode.schema["properties"]
    assert props["format"]["enum"] == ["utf8", "lines", "", "stream"] and props["format"]["default"] == "utf8"
    assert props["sendError"]["default"] is False and props["allProps"]["default"] is False
    assert FileInNode.type == "file in" and FileInNode.category == "storage"

"""csv node: RFC 4180 parsing with header rows, templates, multi/one output, and back (corpus csv_node)."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness


def csv_flow(**props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "csv", "type": "csv", "spec": "rfc", "sep": ",", "hdrin": "", "hdrout": "none", "multi": "one",
         "ret": "\\n", "temp": "", "skip": "0", "strings": True, "include_empty_strings": "",
         "include_null_values": "", "wires": [["out"]], **props},
        {"id": "out", "type": "test-sink"},
    ]


async def run(msg: dict[str, Any], **props: Any) -> list[dict[str, Any]]:
    async with FlowHarness(csv_flow(**props)) as h:
        h.send_to("csv", msg)
        await h.drain()
        return h.received("out")


async def test_header_row_to_one_array_and_back() -> None:
    [msg] = await run({"payload": 'a,b\n1,x\n2,"y,z"\n'}, hdrin=True, multi="mult")
    assert msg["payload"] == [{"a": 1, "b": "x"}, {"a": 2, "b": "y,z"}] and msg["columns"] == "a,b"
    [back] = await run({"payload": msg["payload"], "columns": "a,b"}, temp="a,b", hdrout="all")
    assert back["payload"] == 'a,b\n1,x\n2,"y,z"\n' and back["columns"] == "a,b"


async def test_one_message_per_row_with_parts() -> None:
    msgs = await run({"_msgid": "m", "payload": '1,"say ""hi""",\n2,"multi\nline",3.5\n'})
    assert [m["payload"] for m in msgs] == [{"col1": 1, "col2": 'say "hi"'}, {"col1": 2, "col2": "multi\nline",
                                                                              "col3": 3.5}]
    assert [m["parts"] for m in msgs] == [{"id": "m", "index": 0, "count": 2}, {"id": "m", "index": 1, "count": 2}]


async def test_template_skip_strings_and_empty_values() -> None:
    [msg] = await run({"payload": "junk\nx,,007\n"}, temp="a,b,c", skip="1", strings=False, multi="mult",
                      include_empty_strings=True, include_null_values=True)
    assert msg["payload"] == [{"a": "x", "b": None, "c": "007"}]


async def test_objects_without_template_use_keys_and_quote() -> None:
    [msg] = await run({"payload": [{"x": 'q"uote', "y": None}, {"x": "a\nb", "y": 2}]}, hdrout="once", sep=";")
    assert msg["payload"] == 'x;y\n"q""uote";\n"a\nb";2\n'
    assert msg["columns"] == "x,y"


async def test_arrays_of_arrays() -> None:
    [msg] = await run({"payload": [[1, "a,b"], [2, None]]})
    assert msg["payload"] == '1,"a,b"\n2,\n'

"""csv node legacy mode: nodes without ``spec: "rfc"`` (flows from before Node-RED 4) parse as the old parser did."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness


def legacy_flow(**props: Any) -> list[dict[str, Any]]:
    # the properties a Node-RED 3 editor saved: no "spec"
    return [
        {"id": "csv", "type": "csv", "sep": ",", "hdrin": "", "hdrout": "none", "multi": "one", "ret": "\\n",
         "temp": "", "skip": "0", "strings": True, "include_empty_strings": "", "include_null_values": "",
         "wires": [["out"]], **props},
        {"id": "out", "type": "test-sink"},
    ]


async def run(*msgs: dict[str, Any], **props: Any) -> list[dict[str, Any]]:
    async with FlowHarness(legacy_flow(**props)) as h:
        for msg in msgs:
            h.send_to("csv", msg)
        await h.drain()
        return h.received("out")


async def test_quoted_and_padded_numbers_become_numbers() -> None:
    [msg] = await run({"payload": '"1", 2 ,"-3.5","x","007"\n'}, temp="a,b,c,d,e")
    assert msg["payload"] == {"a": 1, "b": 2, "c": -3.5, "d": "x", "e": "007"}


async def test_rfc_spec_keeps_quoted_numbers_as_strings() -> None:
    [msg] = await run({"payload": '"1",2\n'}, temp="a,b", spec="rfc")
    assert msg["payload"] == {"a": "1", "b": 2}


async def test_empty_spec_is_legacy_too() -> None:
    [msg] = await run({"payload": '"1",2\n'}, temp="a,b", spec="")
    assert msg["payload"] == {"a": 1, "b": 2}


async def test_template_quotes_and_spaces_are_removed() -> None:
    # Node-RED's legacy spec "should remove quotes and whitespace from template"
    [msg] = await run({"payload": "1,2,3,4\n"}, temp='"a",  "b" , " c "," d  " ')
    assert msg["payload"] == {"a": 1, "b": 2, "c": 3, "d": 4}


async def test_header_row_names_are_cleaned() -> None:
    [msg] = await run({"payload": '"x" , y\n1,2'}, hdrin=True, multi="mult")
    assert msg["payload"] == [{"x": 1, "y": 2}] and msg["columns"] == "x,y"


async def test_a_quote_anywhere_toggles_quoting() -> None:
    [msg] = await run({"payload": 'a"b,c"d,"say ""hi""",e\n'}, multi="mult")
    assert msg["payload"] == [{"col1": "ab,cd", "col2": 'say "hi"', "col3": "e"}]


async def test_every_cr_and_lf_ends_a_record() -> None:
    [plain] = await run({"payload": "1,2\r\n3,4\r\n"}, multi="mult")
    assert plain["payload"] == [{"col1": 1, "col2": 2}, {"col1": 3, "col2": 4}]
    # the empty records between CR and LF (and after the last line break) are empty strings
    [kept] = await run({"payload": "1,2\r\n3,4\r\n"}, multi="mult", include_empty_strings=True)
    assert kept["payload"] == [{"col1": 1, "col2": 2}, {"col1": ""}, {"col1": 3, "col2": 4},
                               {"col1": ""}, {"col1": ""}]


async def test_null_and_empty_fields() -> None:
    [msg] = await run({"payload": ',"",3,'}, temp="a,b,c,d", multi="mult",
                      include_empty_strings=True, include_null_values=True)
    assert msg["payload"] == [{"a": None, "b": "", "c": 3, "d": None}]
    # a trailing line break leaves an empty record, which include_empty_strings keeps
    [msg] = await run({"payload": "1\n"}, temp="a", multi="mult", include_empty_strings=True)
    assert msg["payload"] == [{"a": 1}, {"a": ""}]


async def test_parts_skip_header_and_completion() -> None:
    lines = ["junk", "a,b", "1,2", "3,4"]
    msgs = [{"payload": line, "parts": {"id": "f", "index": i, "count": 4}} for i, line in enumerate(lines)]
    out = await run(*msgs, skip="1", hdrin=True)
    assert [m["payload"] for m in out] == [{"a": 1, "b": 2}, {"a": 3, "b": 4}]
    assert [m["parts"] for m in out] == [{"id": "f", "index": 0, "count": 2}, {"id": "f", "index": 1, "count": 2}]
    assert [m.get("complete") for m in out] == [None, True]


async def test_an_empty_last_part_sends_complete() -> None:
    out = await run({"payload": "1,2", "parts": {"id": "f", "index": 0, "count": 2}},
                    {"payload": "", "parts": {"id": "f", "index": 1, "count": 2}})
    assert out[0]["payload"] == {"col1": 1, "col2": 2}
    assert out[1]["complete"] is True and "payload" not in out[1]


async def test_multi_collects_line_parts_into_one_array() -> None:
    lines = ["a,b", "1,x", "2,y"]
    msgs = [{"payload": line, "parts": {"id": "f", "index": i, "count": 3}} for i, line in enumerate(lines)]
    [msg] = await run(*msgs, hdrin=True, multi="mult")
    assert msg["payload"] == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}] and "parts" not in msg


async def test_objects_to_csv_with_template_write_json() -> None:
    [msg] = await run({"payload": {"a": None, "b": {"x": 1}, "c": 'say "hi"', "d": "l1\nl2"}}, temp="a,b,c,d")
    assert msg["payload"] == 'null,"{""x"":1}","say ""hi""","l1\nl2"\n'
    assert msg["columns"] == "a,b,c,d"


async def test_objects_to_csv_without_template_leave_out_objects_and_nulls() -> None:
    [msg] = await run({"payload": [{"x": 1, "y": None, "z": "a,b", "w": [1]}]})
    assert msg["payload"] == '1,"a,b"\n'
    # a header row takes the first object's keys as the template: then every column is written
    [msg] = await run({"payload": [{"x": 1, "y": None, "z": "a,b", "w": [1]}]}, hdrout="all")
    assert msg["payload"] == 'x,y,z,w\n1,null,"a,b",[1]\n'

"""xml node: xml2js's shape both ways, its options, msg.options handling, entity refusal and
Node-RED's error texts (expected values taken from xml2js 0.6.2 / Node-RED 5.0.7)."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness


def xml_flow(**props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t", "env": []},
        {"id": "x", "type": "xml", "z": "t", "property": "payload", "attr": "", "chr": "",
         "wires": [["out"]], **props},
        {"id": "out", "type": "test-sink", "z": "t"},
        {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
        {"id": "err", "type": "test-sink", "z": "t"},
    ]


async def run(msgs: list[dict[str, Any]], **props: Any) -> tuple[list[Any], list[Any], list[Any]]:
    async with FlowHarness(xml_flow(**props)) as h:
        for m in msgs:
            h.send_to("x", m)
        await h.drain()
        return h.received("out"), h.received("err"), h.logs


async def test_parse_gives_xml2js_shape() -> None:
    doc = ('<root a="1"><item id="x">one</item><item id="y">two</item><empty/>'
           '<mixed b="2">text &amp; more<sub>s</sub></mixed><n>42</n></root>')
    out, _, _ = await run([{"payload": doc}])
    assert out[0]["payload"] == {"root": {
        "$": {"a": "1"},
        "item": [{"_": "one", "$": {"id": "x"}}, {"_": "two", "$": {"id": "y"}}],
        "empty": [""],
        "mixed": [{"_": "text & more", "$": {"b": "2"}, "sub": ["s"]}],
        "n": ["42"],
    }}
    assert list(out[0]["payload"]["root"]["mixed"][0]) == ["_", "$", "sub"]  # xml2js's key order


async def test_parse_keeps_what_sax_keeps() -> None:
    docs = ["<a>\r\nx &eacute;&#233;&#x41;</a>", '<a x="1\n2" x="3"/>', "<a>\n  <b>1</b>\n</a>", "<a>  </a>",
            "<a/>ignored<b>", "   ", "<!-- no element -->"]
    out, err, _ = await run([{"payload": d} for d in docs])
    assert [m["payload"] for m in out] == [
        {"a": "\r\nx ééA"}, {"a": {"$": {"x": "1\n2"}}}, {"a": {"b": ["1"]}}, {"a": "  "}, {"a": ""}, None, None,
    ]
    assert err == []


async def test_attr_and_chr_properties_name_the_keys() -> None:
    out, _, _ = await run([{"payload": '<p class="tag">Hello</p>'}], attr="@", chr="#")
    assert out[0]["payload"] == {"p": {"#": "Hello", "@": {"class": "tag"}}}


async def test_parse_options_from_msg_and_written_back() -> None:
    doc = '<fruit id="100"><kind>Apple</kind><price>100</price></fruit>'
    options: dict[str, Any] = {"explicitArray": False, "mergeAttrs": True}
    out, _, _ = await run([{"payload": doc, "options": options}])
    assert out[0]["payload"] == {"fruit": {"id": "100", "kind": "Apple", "price": "100"}}
    assert out[0]["options"] == {"explicitArray": False, "mergeAttrs": True, "async": True,
                                 "attrkey": "$", "charkey": "_"}
    out, _, _ = await run([{"payload": "<a b='1'> t </a>", "options": {"explicitRoot": False, "trim": True,
                                                                      "attrkey": "A"}}], chr="C")
    assert out[0]["payload"] == {"C": "t", "A": {"b": "1"}}
    assert out[0]["options"]["charkey"] == "C"


async def test_build_defaults_header_no_pretty_and_root_wrapping() -> None:
    obj = {"root": {"$": {"a": 1}, "item": ["one", "two"], "child": {"_": "text <&>", "$": {"id": "c"}},
                    "n": 5, "t": True}}
    out, _, _ = await run([{"payload": obj}, {"payload": {"a": 1, "b": "two"}}])
    header = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    assert out[0]["payload"] == (header + '<root a="1"><item>one</item><item>two</item>'
                                 '<child id="c">text &lt;&amp;&gt;</child><n>5</n><t>true</t></root>')
    assert out[1]["payload"] == header + "<root><a>1</a><b>two</b></root>"
    assert "options" not in out[0]


async def test_build_with_msg_options_pretty_prints_and_marks_async() -> None:
    out, _, _ = await run([
        {"payload": {"doc": {"x": [1, 2]}}, "options": {"headless": True}},
        {"payload": {"doc": {"x": "y"}}, "options": {"renderOpts": {"pretty": True, "indent": "  ", "newline": "\n"},
                                                     "xmldec": {"version": "1.0"}}},
        {"payload": {"a": {"b": None, "c": {}}}, "options": {"rootName": "top", "headless": True,
                                                            "renderOpts": {"pretty": False}}},
    ])
    assert out[0]["payload"] == "<doc>\n  <x>1</x>\n  <x>2</x>\n</doc>"
    assert out[0]["options"] == {"headless": True, "async": False}
    assert out[1]["payload"] == '<?xml version="1.0"?>\n<doc>\n  <x>y</x>\n</doc>'
    assert out[2]["payload"] == "<top><a><b/><c/></a></top>"


async def test_build_errors_use_xmlbuilder_texts() -> None:
    out, err, _ = await run([{"payload": {"bad name": 1}}, {"payload": {"r": {"_": None}}}, {"payload": None}])
    assert out == []
    assert [e["error"]["message"] for e in err] == [
        "Error: Invalid character in name", "Error: Missing element text. parent: <r>",
        "TypeError: Cannot convert undefined or null to object",
    ]


async def test_dtd_and_external_entities_are_refused() -> None:
    internal = '<!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>'
    external = '<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><a>&xxe;</a>'
    laughs = '<!DOCTYPE a [<!ENTITY l "ha"><!ENTITY l2 "&l;&l;&l;">]><a>&l2;</a>'
    out, err, _ = await run([{"payload": internal}, {"payload": external}, {"payload": laughs},
                             {"payload": '<!DOCTYPE a [<!ENTITY e "unused">]><a>ok</a>'}])
    assert [e["error"]["message"] for e in err] == [
        "Error: Invalid character entity\nLine: 0\nColumn: 39\nChar: ;",
        "Error: Invalid character entity\nLine: 0\nColumn: 64\nChar: ;",
        "Error: Invalid character entity\nLine: 0\nColumn: 62\nChar: ;",
    ]
    assert [m["payload"] for m in out] == [{"a": "ok"}]  # a declaration alone is harmless, as in sax


async def test_parse_errors_have_sax_texts_and_positions() -> None:
    _, err, _ = await run([{"payload": p} for p in ("<a>x</b>", "hello", "<a>\n<b>", "<a x=1/>", "<a>a & b</a>")])
    assert [e["error"]["message"] for e in err] == [
        "Error: Unexpected close tag\nLine: 0\nColumn: 8\nChar: >",
        "Error: Non-whitespace before first tag.\nLine: 0\nColumn: 1\nChar: h",
        "Error: Unclosed root tag\nLine: 1\nColumn: 3\nChar: ",
        "Error: Unquoted attribute value\nLine: 0\nColumn: 6\nChar: 1",
        "Error: Invalid character in entity name\nLine: 0\nColumn: 7\nChar:  ",
    ]


async def test_other_types_warn_and_missing_property_passes() -> None:
    out, err, logs = await run([{"payload": 5}, {"payload": True}, {"topic": "none"}, {"data": "<a>1</a>"}])
    assert (30, "x", "This node only handles xml strings or js objects.") in logs and err == []
    assert [m.get("topic") for m in out] == ["none", None]
    out, _, _ = await run([{"data": "<a>1</a>"}, {"data": b"\x01"}], property="data")
    assert out[0]["data"] == {"a": "1"}


async def test_buffer_and_null_options() -> None:
    header = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    out, err, _ = await run([{"payload": b""}, {"payload": b"hi"}, {"payload": "<a/>", "options": None}])
    assert out[0]["payload"] == header + "<root/>"
    assert [e["error"]["message"] for e in err] == [
        "Error: Invalid character in name", "TypeError: Cannot set properties of null (setting 'async')",
    ]


async def test_strict_false_reads_as_sax_lenient_mode() -> None:
    # expected values from xml2js 0.6.2 / sax 1.6.1 (Node-RED 5.0.7) with {strict: false}
    loose = {"strict": False}
    docs = ["<Root A=1 b=\"2\" checked><Item>x</Item><item>y</item></Root>",
            "junk before <r>t</r> after",
            "<r><a><b></a>tail</r>",
            "<r></x>text</></r>",
            "<r><script>if (a<b) { x = '</div>' }</script><p>q</p></r>",
            "<r a=\"&lt;&foo;\" b=x&amp;y>z</r>",
            "<r>unclosed",
            "<r attr=\"unterminated"]
    out, err, _ = await run([{"payload": d, "options": dict(loose)} for d in docs])
    assert [m["payload"] for m in out] == [
        {"ROOT": {"$": {"A": "1", "B": "2", "CHECKED": "checked"}, "ITEM": ["x", "y"]}},
        {"R": "t"},
        {"R": {"_": "tail", "A": [{"B": [""]}]}},
        {"R": "</x>text"},
        {"R": {"SCRIPT": [""], "P": ["q"]}},  # a script's text goes to no one in xml2js
        {"R": {"_": "z", "$": {"A": "<&foo;", "B": "x&y"}}},
        None,  # the root never closes: xml2js ends with no object
    ]
    assert [e["error"]["message"] for e in err] == ["Error: Unexpected end\nLine: 0\nColumn: 21\nChar: "]
    out, _, _ = await run([{"payload": "<Root><A>1</A></Root>", "options": {"strict": False, "normalizeTags": True}}])
    assert out[0]["payload"] == {"root": {"a": ["1"]}}

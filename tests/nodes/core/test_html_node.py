"""html node: CSS selection, the four ret modes serialised as cheerio does, single vs multi (with a
join node rebuilding the sequence), msg.select, and cheerio's errors for non-string input
(expected values taken from cheerio 1.0.0-rc.10 / Node-RED 5.0.7)."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness

PAGE = ('<html><body><ul id="l"><li class="a" data-n="1">One</li><li>Two <b>bold</b></li>'
        '<li class="c"><a href="/x">link</a></li></ul><p>para</p></body></html>')


def html_flow(**props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t", "env": []},
        {"id": "h", "type": "html", "z": "t", "property": "payload", "outproperty": "payload", "tag": "li",
         "ret": "html", "as": "single", "wires": [["out"]], **props},
        {"id": "out", "type": "test-sink", "z": "t"},
        {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
        {"id": "err", "type": "test-sink", "z": "t"},
    ]


async def run(msgs: list[dict[str, Any]], **props: Any) -> tuple[list[Any], list[Any]]:
    async with FlowHarness(html_flow(**props)) as h:
        for m in msgs:
            h.send_to("h", m)
        await h.drain()
        return h.received("out"), h.received("err")


async def payloads(html: str, **props: Any) -> Any:
    out, err = await run([{"payload": html}], **props)
    assert err == []
    return [m["payload"] for m in out]


async def test_each_ret_mode_as_one_array() -> None:
    assert await payloads(PAGE) == [["One", "Two <b>bold</b>", '<a href="/x">link</a>']]
    assert await payloads(PAGE, ret="text") == [["One", "Two bold", "link"]]
    assert await payloads(PAGE, ret="attr") == [[{"class": "a", "data-n": "1"}, {}, {"class": "c"}]]
    assert await payloads(PAGE, ret="compl", chr="_") == [[
        {"_": "One", "class": "a", "data-n": "1"}, {"_": "Two <b>bold</b>"},
        {"_": '<a href="/x">link</a>', "class": "c"},
    ]]
    assert await payloads(PAGE, ret="compl", chr="content") == [[
        {"content": "One", "class": "a", "data-n": "1"}, {"content": "Two <b>bold</b>"},
        {"content": '<a href="/x">link</a>', "class": "c"},
    ]]


async def test_no_match_gives_an_empty_array() -> None:
    for ret in ("html", "text", "attr", "compl"):
        assert await payloads("<div>no list here</div>", ret=ret) == [[]]


async def test_html_is_rewritten_as_xml_and_compl_as_html() -> None:
    doc = ('<div><br><img src="x.png" alt=\'q"t&amp;\'><input disabled></div>'
           '<p>a&amp;b &lt; &nbsp; é &copy;</p><table><tr><td>1</td></tr></table>')
    assert await payloads(doc, tag="div") == [['<br/><img src="x.png" alt="q&quot;t&amp;"/><input disabled=""/>']]
    assert await payloads(doc, tag="p") == [["a&amp;b &lt; &#xA0; &#xE9; &#xA9;"]]
    assert await payloads(doc, tag="p", ret="compl") == [[{"_": "a&amp;b &lt; &nbsp; é ©"}]]
    assert await payloads(doc, tag="table") == [["<tbody><tr><td>1</td></tr></tbody>"]]  # HTML5 tree, as parse5
    assert await payloads(doc, tag="div", ret="compl") == [[
        {"_": '<br><img src="x.png" alt="q&quot;t&amp;"><input disabled="">'}]]


async def test_text_leaves_out_script_and_style() -> None:
    doc = "<div>a<script>var x = 1;</script><style>p {}</style><!-- c -->b</div>"
    assert await payloads(doc, tag="div", ret="text") == [["ab"]]
    assert await payloads(doc, tag="script", ret="text") == [[""]]


async def test_selectors_with_jquery_extensions() -> None:
    doc = "<ul><li>apple</li><li class='x'>pear</li><li><a>Apple pie</a></li></ul><h2>t</h2>"
    cases = {
        "li:first": ["apple"], "li:last": ["Apple pie"], "li:eq(1)": ["pear"], "li:eq(-1)": ["Apple pie"],
        "li:gt(0)": ["pear", "Apple pie"], "li:lt(1)": ["apple"], "li:odd": ["pear"],
        "li:contains(pie)": ["Apple pie"], "li:icontains(APPLE)": ["apple", "Apple pie"],
        "li:not(:contains(pie))": ["apple", "pear"], "ul > li.x": ["pear"], "li:nth-child(2)": ["pear"],
        ":header": ["t"], "h2, li.x": ["pear", "t"], "li, li": ["apple", "pear", "Apple pie"],
        "ul:first li": [],  # a set filter in the middle matches nothing in cheerio-select either
    }
    for selector, expected in cases.items():
        assert await payloads(doc, tag=selector, ret="text") == [expected], selector


async def test_msg_select_applies_when_the_node_has_no_selector() -> None:
    out, _ = await run([{"payload": PAGE, "select": "p"}], tag="", ret="text")
    assert out[0]["payload"] == ["para"]
    out, _ = await run([{"payload": PAGE, "select": "p"}], tag="li:first", ret="text")
    assert out[0]["payload"] == ["One"]  # the node's own selector wins
    out, _ = await run([{"payload": PAGE}], tag="", ret="text")
    assert out[0]["payload"] == []


async def test_multi_sends_parts_that_a_join_rebuilds() -> None:
    flows = [
        {"id": "t", "type": "tab", "label": "t", "env": []},
        {"id": "h", "type": "html", "z": "t", "property": "payload", "outproperty": "payload", "tag": "ul > li",
         "ret": "text", "as": "multi", "wires": [["out", "j"]]},
        {"id": "j", "type": "join", "z": "t", "mode": "auto", "build": "object", "property": "payload",
         "propertyType": "msg", "key": "topic", "joiner": "\\n", "joinerType": "str", "accumulate": "false",
         "timeout": "", "count": "", "wires": [["joined"]]},
        {"id": "out", "type": "test-sink", "z": "t"},
        {"id": "joined", "type": "test-sink", "z": "t"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("h", {"payload": PAGE, "_msgid": "abc123", "topic": "t"})
        await h.drain()
        parts = h.received("out")
        assert [m["payload"] for m in parts] == ["One", "Two bold", "link"]
        assert [m["parts"] for m in parts] == [
            {"id": "abc123", "index": i, "count": 3, "type": "string", "ch": ""} for i in range(3)]
        assert all(m["topic"] == "t" for m in parts)
        assert [m["payload"] for m in h.received("joined")] == ["OneTwo boldlink"]


async def test_multi_skips_empty_values_but_counts_them_and_sends_nothing_without_match() -> None:
    out, _ = await run([{"payload": "<ul><li>a</li><li></li><li>c</li></ul>"}], ret="text", **{"as": "multi"})
    assert [(m["payload"], m["parts"]["index"], m["parts"]["count"]) for m in out] == [("a", 0, 3), ("c", 2, 3)]
    out, _ = await run([{"payload": "<ul><li>a</li><li></li></ul>"}], ret="attr", **{"as": "multi"})
    assert [m["payload"] for m in out] == [{}, {}]  # an object is sent even when empty
    out, _ = await run([{"payload": "<p>x</p>"}], **{"as": "multi"})
    assert out == []


async def test_other_properties_and_buffers() -> None:
    out, _ = await run([{"page": PAGE.encode()}], property="page", outproperty="found.items", ret="text")
    assert out[0]["found"] == {"items": ["One", "Two bold", "link"]} and out[0]["page"] == PAGE.encode()
    out, _ = await run([{"topic": "no payload"}])
    assert out == [{"topic": "no payload", "_msgid": out[0]["_msgid"]}]


async def test_non_string_input_fails_as_cheerio_does() -> None:
    out, err = await run([{"payload": 5}, {"payload": True}, {"payload": None}, {"payload": [1]},
                          {"payload": {"a": 1}}])
    assert [e["error"]["message"] for e in err] == [
        "Cannot create property 'prev' on number '5'", "Cannot create property 'prev' on boolean 'true'",
        "cheerio.load() expects a string", "Cannot create property 'prev' on number '1'",
    ]
    assert [m["payload"] for m in out] == [[]]  # an object parses as a document without elements


async def test_invalid_selector_is_a_catchable_error() -> None:
    out, err = await run([{"payload": PAGE}], tag="li[[[")
    assert out == [] and err[0]["error"]["message"] == "Invalid CSS selector: li[[["
    assert err[0]["error"]["source"]["id"] == "h"


async def test_noscript_content_is_text_as_cheerio_parses_it() -> None:
    # parse5 (scripting on) keeps a <noscript>'s content as raw text: its markup is no element,
    # text() is the markup as written, and the second parse of `html` makes elements of it again
    doc = '<html><head><noscript><link rel=x></noscript></head><body><div><noscript><p class="x">hi &amp; ' \
          '<b>b</b></p></noscript></div></body></html>'
    assert await payloads(doc, tag="p") == [[]]
    assert await payloads(doc, tag="noscript", ret="text") == [["<link rel=x>", '<p class="x">hi &amp; <b>b</b></p>']]
    assert await payloads(doc, tag="noscript") == [['<link rel="x"/>', '<p class="x">hi &amp; <b>b</b></p>']]
    assert await payloads(doc, tag="div") == [[
        "<noscript>&lt;p class=&quot;x&quot;&gt;hi &amp;amp; &lt;b&gt;b&lt;/b&gt;&lt;/p&gt;</noscript>"]]
    assert await payloads(doc, tag="head", ret="compl", chr="c") == [[{"c": "<noscript><link rel=x></noscript>"}]]
    # a <noscript> written inside a script or a comment is not one
    assert await payloads("<script>'<noscript><p>x</p>'</script><!-- <noscript> --><p>y</p>", tag="p") == [["y"]]


async def test_template_contents_are_searched_as_cheerio_does() -> None:
    doc = "<template id=q><li>1</li><li>2 <i>i</i></li></template><ul><li>3</li></ul>"
    assert await payloads(doc) == [["1", "2 <i>i</i>", "3"]]
    assert await payloads(doc, tag="i") == [["i"]]
    assert await payloads(doc, tag="template") == [["<li>1</li><li>2 <i>i</i></li>"]]
    assert await payloads("<ul><template><li>a</li></template><li>b</li></ul>", tag="li:first") == [["a"]]

"""template node: mustache.js escaping and lookups, plain text, JSON/YAML output, context targets."""

from __future__ import annotations

from typing import Any

from flowengine.testing import FlowHarness


def template_flow(template: str, **props: Any) -> list[dict[str, Any]]:
    return [
        {"id": "t", "type": "tab", "label": "t", "env": [{"name": "CORPUS_ENV", "value": "tab-env", "type": "str"}]},
        {
            "id": "tpl",
            "type": "template",
            "z": "t",
            "field": "payload",
            "fieldType": "msg",
            "format": "handlebars",
            "syntax": "mustache",
            "template": template,
            "output": "str",
            "wires": [["out"]],
            **props,
        },
        {"id": "out", "type": "test-sink", "z": "t"},
    ]


async def render(template: str, msg: dict[str, Any], **props: Any) -> Any:
    async with FlowHarness(template_flow(template, **props)) as h:
        h.node("tpl").flow_context().set("who", "flow-who")
        h.node("tpl").global_context().set("cfg", {"v": 2})
        h.send_to("tpl", msg)
        [out] = await h.wait_for("out")
    return out["payload"]


async def test_corpus_template() -> None:
    template = (
        "Hi {{payload.name}} ({{topic}})\n{{#payload.items}}[{{.}}]{{/payload.items}}"
        "{{^payload.none}}none{{/payload.none}}\nesc={{payload.html}} raw={{{payload.html}}}\n"
        "flow={{flow.who}} global={{global.cfg.v}} env={{env.CORPUS_ENV}}\nmissing=[{{nope}}]"
    )
    msg = {"payload": {"name": "Ann", "items": [1, 2, 3], "html": "<b>&\"'</b>"}, "topic": "T1"}
    assert await render(template, msg) == (
        "Hi Ann (T1)\n[1][2][3]none\nesc=&lt;b&gt;&amp;&quot;&#39;&lt;&#x2F;b&gt; raw=<b>&\"'</b>\n"
        "flow=flow-who global=2 env=tab-env\nmissing=[]"
    )


async def test_javascript_stringification_and_sections() -> None:
    template = (
        "{{payload.list}}|{{payload.flag}}|{{payload.obj}}|{{&payload.amp}}|{{#payload.obj}}{{k}}{{/payload.obj}}"
    )
    msg = {"payload": {"list": [1, "a"], "flag": True, "obj": {"k": "v"}, "amp": "a&b"}}
    assert await render(template, msg) == "1,a|true|[object Object]|a&b|v"


async def test_standalone_lines_and_delimiters() -> None:
    template = "{{#payload}}\n  * {{.}}\n{{/payload}}\n{{=<% %>=}}\n<% payload.length %> items {{x}}"
    assert await render(template, {"payload": ["a", "b"]}) == "  * a\n  * b\n2 items {{x}}"


async def test_json_and_yaml_output() -> None:
    template = '{"name": "{{payload}}", "n": {{n}}}'
    assert await render(template, {"payload": "two\nlines\tq", "n": 3}, output="json") == {
        "name": "two\nlines\tq",
        "n": 3,
    }
    assert await render("a: {{payload}}\nb: [1, 2]", {"payload": "x"}, output="yaml") == {"a": "x", "b": [1, 2]}


async def test_plain_syntax_msg_template_and_context_field() -> None:
    assert await render("{{payload}} stays", {"payload": 1}, syntax="plain") == "{{payload}} stays"
    assert await render("", {"payload": "p", "template": "from msg: {{payload}}"}) == "from msg: p"
    flows = template_flow("stored {{payload}}", field="#:(default)::saved", fieldType="flow")
    async with FlowHarness(flows) as h:
        h.send_to("tpl", {"payload": 5})
        [out] = await h.wait_for("out")
        assert h.node("tpl").flow_context().get("saved") == "stored 5"
    assert out["payload"] == 5


async def test_bad_json_output_is_an_error() -> None:
    flows = [
        *template_flow("{not json", output="json"),
        {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["err"]]},
        {"id": "err", "type": "test-sink", "z": "t"},
    ]
    async with FlowHarness(flows) as h:
        h.send_to("tpl", {"payload": 1})
        [caught] = await h.wait_for("err")
    assert caught["error"]["source"]["id"] == "tpl"

"""The inspector's form generator on its own: every JSON-schema construct the node types use."""

from __future__ import annotations

from typing import Any

SCHEMA = {
    "type": "object",
    "required": ["mode"],
    "properties": {
        "name": {"type": "string"},
        "mode": {"type": "string", "enum": ["fast", "slow"]},
        "count": {"type": "integer", "minimum": 1, "maximum": 5},
        "flag": {"type": "boolean", "default": False},
        "maybe": {"type": ["boolean", "null"]},
        "payload": {"type": "string"},
        "payloadType": {"type": "string", "enum": ["str", "num", "json", "msg", "jsonata"]},
        "options": {
            "type": "object",
            "required": ["depth"],
            "properties": {"depth": {"type": "number"}, "label": {"type": "string"}},
        },
        "tools": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "strict": {"type": "boolean", "default": True}},
            },
        },
        "tags": {"type": "array", "items": {"type": "string"}},
        "shape": {
            "oneOf": [
                {"type": "object", "title": "circle", "required": ["r"], "properties": {"r": {"type": "number"}}},
                {"type": "object", "title": "square", "required": ["side"], "properties": {"side": {"type": "number"}}},
            ]
        },
        "model": {"anyOf": [{"type": "string"}, {"type": "string", "enum": ["small", "large"]}]},
        "extra": {"type": "object", "additionalProperties": True},
        "temperature": {"anyOf": [{"type": "number", "minimum": 0, "maximum": 2}, {"type": "null"}]},
    },
}

BUILD = """async ([schema, value]) => {
  const { buildForm } = await import('./js/schema-form.js');
  const form = buildForm(schema, value);
  const host = document.createElement('form');
  host.id = 'form-under-test';
  host.append(form.el);
  document.body.append(host);
  window.__form = form;
  return true;
}"""


def test_schema_form_round_trip(editor: Any) -> None:
    page = editor
    value = {
        "name": "n",
        "mode": "slow",
        "count": 3,
        "payload": "a.b",
        "payloadType": "msg",
        "tools": [{"name": "t1", "strict": False}],
        "shape": {"side": 4},
        "keep": "untouched",
    }
    page.evaluate(BUILD, [SCHEMA, value])
    form = page.locator("#form-under-test")
    assert form.locator("[name='mode']").input_value() == "slow"
    assert form.locator("[name='payloadType']").input_value() == "msg"
    assert form.locator("[name='tools.0.name']").input_value() == "t1"
    assert form.locator("[name='shape.side']").input_value() == "4"
    # Unchanged optional fields stay absent; unknown properties are kept.
    got = page.evaluate("window.__form.get()")
    assert got == value
    # Edit every kind of control.
    form.locator("[name='mode']").select_option("fast")
    form.locator("[name='count']").fill("9")
    form.locator("[name='flag']").check()
    form.locator("[name='maybe']").select_option("false")
    form.locator("[name='payloadType']").select_option("jsonata")
    form.locator("[name='payload']").fill("$now()")
    form.locator("[data-action='add-item'][data-for='tags']").click()
    form.locator("[name='tags.0']").fill("red")
    form.locator("[data-action='add-item'][data-for='tools']").click()
    form.locator("[name='tools.1.name']").fill("t2")
    form.locator("[data-variant-for='shape']").select_option("circle")
    form.locator("[name='shape.r']").fill("2")
    form.locator("[name='model']").fill("large")
    form.locator("[name='extra']").fill('{"k": [1, 2]}')
    form.locator("[name='temperature']").fill("0.5")
    got = page.evaluate("window.__form.get()")
    assert got["mode"] == "fast" and got["count"] == 9 and got["flag"] is True and got["maybe"] is False
    assert got["payload"] == "$now()" and got["payloadType"] == "jsonata"
    assert got["tags"] == ["red"] and got["tools"][1]["name"] == "t2"
    assert got["shape"] == {"r": 2} and got["model"] == "large" and got["extra"] == {"k": [1, 2]}
    assert got["temperature"] == 0.5 and got["keep"] == "untouched"
    # Validation names the field and says why.
    problems = page.evaluate("window.__form.validate()")
    assert {"property": "count", "message": "must be <= 5"} in problems
    form.locator("[name='extra']").fill("{oops")
    problems = page.evaluate("window.__form.problems()")
    assert problems and problems[0]["property"] == "extra" and "not valid JSON" in problems[0]["message"]


def test_rows_with_show_if_follow_the_chosen_method(editor: Any) -> None:
    from flowengine.registry import Registry

    page = editor
    schema = Registry.default().describe("openai")["schema"]  # the seed's node: every method's parameters
    value = {"method": "retrieveFile", "retrieveFile_fileId": "file-1", "retrieveFile_fileIdType": "str",
             "createFile_purpose": "fine-tune", "createFile_purposeType": "str"}
    page.evaluate(BUILD, [schema, value])
    form = page.locator("#form-under-test")
    row = lambda key: form.locator(f"[data-field='{key}']")  # noqa: E731
    assert row("retrieveFile_fileId").is_visible() and not row("createFile_purpose").is_visible()
    assert row("method").is_visible() and row("service").is_visible()
    assert form.locator(".field:visible").count() == 4  # name, service, method, file id
    form.locator("[name='method']").select_option("createFile")
    assert row("createFile_purpose").is_visible() and row("createFile_file").is_visible()
    assert not row("retrieveFile_fileId").is_visible()
    got = page.evaluate("window.__form.get()")
    assert got["method"] == "createFile" and got["retrieveFile_fileId"] == "file-1"  # hidden rows keep values

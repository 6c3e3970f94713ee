"""The OpenAI operation form: required and common fields first, the rest under "more",
constraints and reference links shown; a node without a config node is marked and refused."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from .helpers import add_node

CHAT = "openai-create-chat-completion"


def test_openai_form_order_constraints_and_missing_config(editor: Any, server: Any, shot: Any) -> None:
    page = editor
    page.locator("#palette input").first.fill("create chat completion")
    node = add_node(page, CHAT, 300, 200)
    # No config node: the node is marked invalid before any deploy.
    expect(page.locator(f'[data-node-id="{node}"]')).to_have_attribute("aria-invalid", "true")
    page.locator(f'[data-node-id="{node}"]').dblclick()
    dialog = page.locator("#inspector")
    form = dialog.locator(".openai-form")
    top = form.locator(":scope > .form-object > [data-field]")
    fields = top.evaluate_all("els => els.map(e => e.dataset.field)")
    assert fields[:2] == ["name", "config"] and set(fields[2:4]) == {"messages", "model"}, fields
    assert {"temperature", "max_completion_tokens", "tools", "stream"} <= set(fields)
    assert "frequency_penalty" not in fields
    expect(form.locator('[data-field="model"][data-required="true"] .req')).to_have_count(1)
    expect(form.locator('[data-field="temperature"][data-required]')).to_have_count(0)
    # The rest is folded under "more".
    more = form.locator("details[data-more]")
    expect(more.locator('[name="frequency_penalty"]')).to_be_hidden()
    more.locator(":scope > summary").click()
    expect(more.locator('[name="frequency_penalty"]')).to_be_visible()
    # JSON fields get the code editor, which marks invalid JSON as you type.
    expect(more.locator('[data-code-for="logit_bias"] .cm-content')).to_be_visible()
    more.locator('[name="logit_bias"]').fill('{"50256": ')
    expect(more.locator('[data-code-for="logit_bias"] .cm-lint-marker-error')).to_have_count(1, timeout=5000)
    more.locator('[name="logit_bias"]').fill("")
    expect(more.locator('[data-code-for="logit_bias"] .cm-lint-marker-error')).to_have_count(0, timeout=5000)
    # Constraints and a link per field.
    expect(form.locator('[data-constraints-for="temperature"]')).to_contain_text("0 … 2")
    expect(form.locator('[data-constraints-for="temperature"]')).to_contain_text("default 1")
    link = form.locator('[data-constraints-for="temperature"] a')
    assert link.get_attribute("href") == "https://platform.openai.com/docs/api-reference/chat/create#chat-create-temperature"
    expect(form.locator('[data-constraints-for="service_tier"]')).to_contain_text("one of:")
    dialog.locator('[name="name"]').fill("asker")
    dialog.locator('[name="model"]').fill("gpt-4o-mini")
    shot(page, "form-openai")
    dialog.locator('[data-action="inspector-done"]').click()
    expect(dialog).to_have_count(0)
    stored = {n["id"]: n for n in page.evaluate("window.__editor.app.model.exportAll()")}
    assert stored[node]["model"] == "gpt-4o-mini" and "frequency_penalty" not in stored[node]
    # The help sidebar names the operation, its inputs and output, and links to the reference.
    page.locator(f'[data-node-id="{node}"]').click()
    page.locator('[data-sidebar-tab="help"]').click()
    help_panel = page.locator("#sidebar-help")
    required = help_panel.locator(".help-formatted li", has=page.locator("strong", has_text="required"))
    expect(required.first).to_contain_text("messages")
    expect(help_panel).to_contain_text("POST /chat/completions")
    expect(help_panel.locator("a")).to_have_attribute("href", "https://platform.openai.com/docs/api-reference/chat/create")
    # The deploy is refused, naming the node.
    page.locator("#deploy").click()
    expect(page.locator("#notices")).to_contain_text("'asker' has no 'openai-config' config node")
    assert node not in {n["id"] for n in server.flows()["flows"]}

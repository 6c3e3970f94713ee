"""An OpenAI operation node without a config node is refused at deploy, naming the node."""

from __future__ import annotations

import pytest

from flowengine.errors import FlowValidationError
from flowengine.registry import Registry
from flowengine.testing import FlowHarness

CHAT = {"id": "c1", "type": "openai-create-chat-completion", "name": "my chat", "model": "gpt-4o-mini", "wires": [[]]}


def test_schema_requires_config_and_lists_api_fields() -> None:
    schema = Registry.default().describe("openai-create-chat-completion")["schema"]
    assert schema["required"] == ["config"]
    assert schema["x-required"] == ["messages", "model"]
    assert schema["x-reference"] == "https://platform.openai.com/docs/api-reference/chat/create"


def test_missing_config_is_refused_naming_the_node() -> None:
    problems = Registry.default().validate(CHAT)
    assert any(p.property == "config" for p in problems)


async def test_deploy_without_config_is_refused() -> None:
    async with FlowHarness([{"id": "t", "type": "tab", "label": "Flow"}]) as harness:
        with pytest.raises(FlowValidationError) as info:
            await harness.deploy([{**CHAT, "z": "t"}])
    text = str(info.value) + " ".join(str(p) for p in getattr(info.value, "problems", []))
    assert "'my chat'" in text and "c1" in text and "openai-config" in text

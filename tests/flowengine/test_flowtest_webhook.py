"""``flowengine test``: HTTP requests signed as webhook deliveries when the case runs (``webhook:``)."""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path

import pytest

from flowengine.flowtest import FlowTestError, FlowTestRunner, load_test_file
from flowengine.flowtest.signing import SigningError, WebhookSigning, signed_headers
from flowengine.webhook_signature import verify

SECRET = "whsec_" + base64.b64encode(b"the flowtest signing secret").decode()
OTHER = "whsec_" + base64.b64encode(b"a secret the node does not know").decode()
FLOW = [
    {"id": "t", "type": "tab", "label": "t"},
    {"id": "hook", "type": "openai-webhook", "z": "t", "url": "/hook", "wires": [["out"]]},
    {"id": "out", "type": "debug", "z": "t", "active": True, "wires": []},
]
EVENT = {"id": "evt_1", "object": "event", "type": "response.completed", "data": {"id": "resp_1"}}


def write(tmp_path: Path, cases: str, env: str = f"{{OPENAI_WEBHOOK_SECRET: {SECRET}}}") -> Path:
    (tmp_path / "flow.json").write_text(json.dumps(FLOW))
    path = tmp_path / "hook.test.yaml"
    path.write_text(f"flow: flow.json\nenv: {env}\ncases:\n" + textwrap.indent(textwrap.dedent(cases), "  "))
    return path


async def run(path: Path) -> list:
    return await FlowTestRunner().run_file(load_test_file(path))


def test_signed_headers_verify_and_cover_the_body_given() -> None:
    body = json.dumps(EVENT).encode()
    headers = signed_headers(WebhookSigning(secret=SECRET, id="wh_1"), body, now=1_000_000)
    assert headers["webhook-id"] == "wh_1" and headers["webhook-timestamp"] == "1000000"
    assert verify(body, headers, SECRET, now=1_000_000) == "wh_1"
    fresh = [signed_headers(WebhookSigning(secret=SECRET), body)["webhook-id"] for _ in range(2)]
    assert fresh[0] != fresh[1] and fresh[0].startswith("msg_")  # a new id for each request
    stale = signed_headers(WebhookSigning(secret=SECRET, age=600), body, now=1_000_000)
    assert stale["webhook-timestamp"] == "999400"
    tampered = signed_headers(WebhookSigning(secret=SECRET, body="{}"), body, now=1_000_000)
    assert verify(b"{}", tampered, SECRET, now=1_000_000)


def test_the_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    headers = signed_headers(WebhookSigning(secret="${HOOK_SECRET}"), b"x", now=5)
    assert verify(b"x", headers, SECRET, now=5)
    monkeypatch.delenv("OPENAI_WEBHOOK_SECRET", raising=False)
    with pytest.raises(SigningError, match="the environment variable OPENAI_WEBHOOK_SECRET is not set"):
        signed_headers(WebhookSigning(), b"x")
    with pytest.raises(SigningError, match="after 'whsec_' is not base64"):
        signed_headers(WebhookSigning(secret="whsec_***"), b"x")


async def test_a_signed_delivery_passes_a_tampered_one_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, f"""
        - name: good
          http:
            - {{method: POST, path: /hook, json: {json.dumps(EVENT)}, webhook: {{id: wh_7}}, expect: {{status: 200}}}}
          expect:
            - {{node: hook, count: 1, msg: {{topic: response.completed, webhook.id: wh_7, payload.data.id: resp_1}}}}
        - name: tampered
          http:
            - method: POST
              path: /hook
              json: {json.dumps(EVENT)}
              webhook: {{body: '{{"id": "evt_1"}}'}}
              expect:
                status: 400
                text: "invalid webhook: The given webhook signature does not match the expected signature"
          expect:
            - {{node: hook, count: 0}}
        """)
    results = await run(path)
    assert [r.outcome for r in results] == ["passed", "passed"], [r.failures for r in results]


async def test_a_wrong_secret_fails_the_case_saying_why(tmp_path: Path) -> None:
    path = write(tmp_path, f"""
        - name: signed with another secret
          http:
            - {{method: POST, path: /hook, json: {{type: x}}, webhook: {{secret: {OTHER}}}, expect: {{status: 200}}}}
          expect:
            - {{node: out, within: 0.2}}
        """)
    [result] = await run(path)
    assert result.outcome == "failed"
    assert result.failures == (
        "http POST /hook: status 400 is not 200; body: 'invalid webhook: The given webhook signature does not "
        "match the expected signature'",
        "node 'out' (within 0.2s): expected a message, got none",
    )


async def test_a_secret_variable_not_set_fails_the_case_without_sending(tmp_path: Path) -> None:
    path = write(tmp_path, """
        - http:
            - {method: POST, path: /hook, json: {}, webhook: {secret: "${NOT_GIVEN_IN_ENV}"}, expect: {status: 200}}
        """, env="{}")
    [result] = await run(path)
    assert result.outcome == "failed"
    assert result.failures == ("http POST /hook: not sent: webhook.secret: the environment variable "
                               "NOT_GIVEN_IN_ENV is not set (give it in the test file's env)",)


@pytest.mark.parametrize("webhook, error", [
    ("{timestamp: soon}", "cases[0].http[0].webhook.timestamp: expected Unix seconds"),
    ("{age: -1}", "cases[0].http[0].webhook.age: expected a number of seconds >= 0"),
    ("{secret: ''}", "cases[0].http[0].webhook.secret: expected a non-empty string"),
    ("{sign: yes}", "cases[0].http[0].webhook: unknown key(s) sign"),
])
def test_bad_webhook_keys_name_the_place(tmp_path: Path, webhook: str, error: str) -> None:
    path = write(tmp_path, f"- http: [{{method: POST, path: /hook, webhook: {webhook}}}]\n")
    with pytest.raises(FlowTestError) as caught:
        load_test_file(path)
    assert error in str(caught.value)

"""``flowengine test``: a scripted Realtime server for a case (``realtime:``), what it sends and the
check of what the flow sent it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from flowengine.flowtest import FlowTestError, FlowTestRunner, load_test_file

FLOW = [
    {"id": "t", "type": "tab", "label": "t"},
    # a closed port on 127.0.0.1, never reached: the runner points the node at the scripted server
    {"id": "cfg", "type": "openai-config", "base_url": "http://127.0.0.1:9/v1", "credentials": {"api_key": "sk-x"}},
    {"id": "rt", "type": "openai-realtime", "z": "t", "config": "cfg", "session": {"instructions": "Be brief."},
     "output": "responses", "wires": [["out"]]},
    {"id": "catch", "type": "catch", "z": "t", "scope": ["rt"], "uncaught": False, "wires": [["errors"]]},
    {"id": "out", "type": "debug", "z": "t", "active": True, "wires": []},
    {"id": "errors", "type": "debug", "z": "t", "active": True, "wires": []},
]
SERVER = """
realtime:
  on_connect: [{type: session.created, session: {id: sess_1}}]
  replies:
    - after: response.create
      times: 1
      send:
        - {type: response.created, response: {id: r1, status: in_progress}}
        - {type: response.output_text.delta, response_id: r1, item_id: i1, delta: first}
        - {type: response.done, response: {id: r1, status: completed}}
    - after: response.create
      send:
        - {type: response.created, response: {id: r2, status: in_progress}}
        - {type: response.output_text.delta, response_id: r2, item_id: i2, delta: later}
        - {type: response.done, response: {id: r2, status: completed}}
"""
RECEIVED = """
  received:
    - {type: session.update, session: {type: realtime, instructions: Be brief.}}
    - {type: conversation.item.create, "item.content[0].text": hi}
    - {type: response.create}
    - {type: conversation.item.create, "item.content[0].text": again}
    - {type: response.create}
"""


def write(tmp_path: Path, server: str, cases: str) -> Path:
    (tmp_path / "flow.json").write_text(json.dumps(FLOW))
    path = tmp_path / "rt.test.yaml"
    path.write_text("flow: flow.json\n" + textwrap.dedent(server) + "cases:\n" + textwrap.indent(
        textwrap.dedent(cases), "  "))
    return path


async def run(path: Path) -> list:
    return await FlowTestRunner().run_file(load_test_file(path))


CASE = """
    - name: two questions
      send: [{node: rt, msg: {payload: hi}}, {node: rt, msg: {payload: again}}]
      expect:
        - node: out
          count: 2
          messages: [{msg: {payload.text: first}}, {msg: {payload.text: later}}]
"""


async def test_the_script_answers_and_what_the_flow_sent_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path, SERVER + RECEIVED, CASE)
    [result] = await run(path)
    assert result.outcome == "passed", result.failures


async def test_a_client_event_not_as_expected_fails_the_case_saying_which(tmp_path: Path) -> None:
    path = write(tmp_path, SERVER + RECEIVED.replace(": again}", ": once}"),
                 "- send: [{node: rt, msg: {payload: hi}}, {node: rt, msg: {payload: again}}]\n"
                 "  expect: [{node: out, count: 2}]\n")
    [result] = await run(path)
    assert result.outcome == "failed"
    [failure] = result.failures
    assert failure.startswith('realtime: client event 4 (conversation.item.create): item.content[0].text "again" '
                              'is not "once"\n  got: {"type": "conversation.item.create"')


async def test_missing_and_extra_client_events_fail_the_case(tmp_path: Path) -> None:
    path = write(tmp_path, SERVER + RECEIVED + "  within: 0.3\n", """
        - name: one question only
          send: [{node: rt, msg: {payload: hi}}]
          expect: [{node: out, count: 1}]
        - name: a third question
          send: [{node: rt, msg: {payload: hi}}, {node: rt, msg: {payload: again}}, {node: rt, msg: {payload: x}}]
          expect: [{node: out, count: 3}]
        """)
    one, three = await run(path)
    assert one.failures == ("realtime: expected 5 client events, got 3 (session.update, conversation.item.create, "
                            "response.create)",)
    [failure] = three.failures
    assert failure.startswith("realtime: expected 5 client events, got 7 (") and "; event 6: " in failure


async def test_a_node_that_never_connects_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, SERVER + "  received: [{type: session.update}]\n  within: 0.2\n",
                 "- disable: [rt]\n")
    [result] = await run(path)
    assert result.failures == ("realtime: no session was opened (the node never connected)",)


async def test_a_reply_can_drop_the_session_and_the_node_reconnects(tmp_path: Path) -> None:
    path = write(tmp_path, """
        realtime:
          on_connect: [{type: session.created}]
          replies: [{after: session.update, times: 1, close: 1011}]
          received: [{type: session.update}, {type: session.update}]
        """, """
        - allow_errors: true               # the node logs the lost connection
        """)
    [result] = await run(path)
    assert result.outcome == "passed", result.failures
    assert any("1011" in line and "reconnecting in 1 s" in line for line in result.logs), result.logs


@pytest.mark.parametrize("script, error", [
    ("{replies: [{on: response.create}]}",
     "realtime.replies[0]: unknown key(s) True (known: after, close, send, times); YAML reads a bare on"),
    ("{replies: [{after: x, send: [hello]}]}", "realtime.replies[0].send[0]: expected an event object with a 'type'"),
    ("{replies: [{after: x, times: 0}]}", "realtime.replies[0].times: expected a number of client events >= 1"),
    ("{replies: [{after: x, close: normal}]}", "realtime.replies[0].close: expected a WebSocket close code"),
    ("{on_connect: {type: 1}}", "realtime.on_connect[0]: expected an event object with a 'type'"),
    ("{received: {type: x}}", "realtime.received: expected a list of client event checks"),
    ("{script: []}", "realtime: unknown key(s) script"),
])
def test_bad_scripts_name_the_place(tmp_path: Path, script: str, error: str) -> None:
    path = write(tmp_path, f"realtime: {script}\n", "- name: x\n")
    with pytest.raises(FlowTestError) as caught:
        load_test_file(path)
    assert error in str(caught.value)

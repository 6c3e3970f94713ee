"""``flowengine test``: test files, the runner's verdicts, exit codes and the report."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import httpx
import pytest

from flowengine.cli import main
from flowengine.flowtest import FlowTestError, FlowTestRunner, load_test_file
from flowengine.flowtest.spec import TEST_SUFFIXES
from flowengine.pytest_plugin import TEST_SUFFIXES as PLUGIN_SUFFIXES

FLOW = [
    {"id": "t", "type": "tab", "label": "t"},
    {"id": "fn", "type": "function", "z": "t", "language": "python", "outputs": 2,
     "func": "if msg['payload'] == 'boom':\n    raise ValueError('boom!')\n"
             "return [msg, None] if msg['payload'] % 2 == 0 else [None, msg]", "wires": [["even"], ["odd"]]},
    {"id": "even", "type": "change", "z": "t", "rules": [{"t": "set", "p": "topic", "pt": "msg", "to": "even",
                                                          "tot": "str"}], "wires": [["out"]]},
    {"id": "odd", "type": "junction", "z": "t", "wires": [[]]},
    {"id": "out", "type": "debug", "z": "t", "active": True, "complete": "payload", "wires": []},
]


def write(tmp_path: Path, body: str, name: str = "f.test.yaml") -> Path:
    (tmp_path / "flow.json").write_text(json.dumps(FLOW))
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


async def run(path: Path) -> list:
    return await FlowTestRunner().run_file(load_test_file(path))


async def test_passing_expectations_of_every_kind(tmp_path):
    path = write(tmp_path, """
        flow: flow.json
        cases:
          - name: routes
            send: [{node: fn, msg: {payload: 2}}, {node: fn, msg: {payload: 3}}, {node: fn, msg: {payload: 4}}]
            expect:
              - {node: fn, port: 0, count: 2, messages: [{payload: 2}, {payload: 4}]}
              - {node: fn, port: 1, count: 1, payload: 3}
              - {node: fn, count: 3}
              - {node: even, jsonata: "topic = 'even' and payload > 3", msg: {topic: even}}
              - {node: out, input: true, count: 2}
              - {node: out, count: 2}
              - {node: odd, count: 1, within: 0.5}
        """)
    [result] = await run(path)
    assert result.outcome == "passed", result.failures


@pytest.mark.parametrize("expect, why", [
    ("{node: fn, port: 0, payload: 5, within: 0.2}",
     "node 'fn' output 0 (within 0.2s): no message matched among 1; the last: payload 2 is not 5"),
    ("{node: fn, count: 0}", "node 'fn': expected 0 messages, got 1; message 1: "),
    ("{node: out, jsonata: \"topic = 'odd'\", within: 0.2}", "gave false"),
    ("{node: out, msg: {topic: odd}}", 'msg.topic "even" is not "odd"'),
    ("{node: odd, within: 0.1}", "node 'odd' (within 0.1s): expected a message, got none"),
    ("{node: fn, messages: [{payload: 3}]}", "node 'fn': message 1: payload 2 is not 3"),
])
async def test_failed_expectations_say_why(tmp_path, expect, why):
    path = write(tmp_path, f"""
        flow: flow.json
        cases:
          - send: [{{node: fn, msg: {{payload: 2}}}}]
            expect: [{expect}]
        """)
    [result] = await run(path)
    assert result.outcome == "failed"
    assert why in result.failures[0]


async def test_an_uncaught_error_fails_the_case_unless_allowed(tmp_path):
    body = """
        flow: flow.json
        cases:
          - send: [{node: fn, msg: {payload: boom}}]
            {allow}
        """
    [failed] = await run(write(tmp_path, body.replace("{allow}", "")))
    assert failed.outcome == "failed"
    assert failed.failures[0].startswith("node fn logged an error: ValueError: boom!")
    [allowed] = await run(write(tmp_path, body.replace("{allow}", "allow_errors: true")))
    assert allowed.passed


async def test_unknown_nodes_are_errors_of_the_case(tmp_path):
    path = write(tmp_path, """
        flow: flow.json
        cases:
          - {name: ghost, expect: [{node: ghost}]}
          - {name: port, expect: [{node: fn, port: 2}]}
          - {name: send, send: [{node: ghost, msg: {}}]}
          - {name: inject, inject: [fn]}
        """)
    ghost, port, send, inject = await run(path)
    assert (ghost.outcome, ghost.failures) == ("error", ("node 'ghost' is not in the flow",))
    assert port.failures == ("node 'fn' has 2 outputs, no output 2",)
    assert send.failures == ("send: node 'ghost' is not running",)
    assert inject.failures == ("inject: node 'fn' is not a running inject node",)


async def test_a_flow_that_cannot_start_is_an_error(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps([{"id": "x", "type": "no-such-type", "wires": []}]))
    (tmp_path / "b.test.json").write_text(json.dumps({"flow": "bad.json", "cases": [{"name": "c"}]}))
    [result] = await run(tmp_path / "b.test.json")
    assert result.outcome == "error"
    assert result.failures[1] == "missing node types: no-such-type"


async def test_disable_switches_nodes_off(tmp_path):
    path = write(tmp_path, """
        flow: flow.json
        disable: [even]
        cases:
          - send: [{node: fn, msg: {payload: 2}}]
            expect: [{node: out, count: 0}, {node: fn, port: 0, count: 1}]
        """)
    [result] = await run(path)
    assert result.passed, result.failures


@pytest.mark.parametrize("body, error", [
    ("flow: flow.json\ncases: []", "cases: the file has no cases"),
    ("flow: flow.json\ncases: [{expect: [{node: fn, count: -1}]}]", "cases[0].expect[0].count: expected an integer"),
    ("flow: flow.json\ncases: [{expect: [{node: fn, colour: red}]}]", "unknown key(s) colour"),
    ("flow: missing.json\ncases: [{}]", "missing.json: cannot read"),
    ("flow: flow.json\ndisable: [ghost]\ncases: [{}]", "disable: node 'ghost' is not in the flow"),
    ("flow: flow.json\nopenai: [{status: 200}]\ncases: [{}]", "openai[0].path: expected a non-empty string"),
    ("flow: flow.json\nopenai: [{path: /x, times: 0}]\ncases: [{}]", "openai[0].times: expected a number of requests"),
    ("flow: flow.json\ncases: [{disable: [inst/fn]}]", "a node inside a subflow is disabled in every instance"),
    ("flow: [", "not valid YAML"),
])
def test_bad_test_files_name_the_place(tmp_path, body, error):
    with pytest.raises(FlowTestError, match=None) as info:
        load_test_file(write(tmp_path, body))
    assert error in str(info.value)


async def test_http_requests_and_their_checks(tmp_path):
    flow = [{"id": "t", "type": "tab"},
            {"id": "in", "type": "http in", "z": "t", "url": "/hi", "method": "get", "wires": [["tpl"]]},
            {"id": "tpl", "type": "change", "z": "t", "rules": [
                {"t": "set", "p": "payload", "pt": "msg", "to": "{\"a\": 1}", "tot": "json"}], "wires": [["res"]]},
            {"id": "res", "type": "http response", "z": "t", "statusCode": "201", "headers": {"x-a": "b"},
             "wires": []}]
    (tmp_path / "h.json").write_text(json.dumps(flow))
    path = tmp_path / "h.test.yaml"
    path.write_text(textwrap.dedent("""
        flow: h.json
        cases:
          - name: good
            http: [{path: /hi, expect: {status: 201, json: {a: 1}, headers: {x-a: b}}}]
            expect: [{node: res, count: 1}]
          - name: bad
            http: [{path: /hi, expect: {status: 200, json: {a: 2}, headers: {x-a: c}}},
                   {path: /nowhere, method: post, body: x, expect: {text: found}}]
        """))
    good, bad = await run(path)
    assert good.passed, good.failures
    assert [f.split(":")[0] for f in bad.failures] == ["http GET /hi"] * 3 + ["http POST /nowhere"]
    assert "status 201 is not 200" in bad.failures[0]
    assert 'body {"a": 1} is not {"a": 2}' in bad.failures[1]
    assert "header x-a is 'b', not 'c'" in bad.failures[2]


async def test_openai_nodes_get_the_answers_of_the_file(tmp_path):
    flow = [{"id": "t", "type": "tab"},
            {"id": "cfg", "type": "openai-config"},
            {"id": "call", "type": "openai-create-moderation", "z": "t", "config": "cfg", "wires": [["done"]]},
            {"id": "done", "type": "junction", "z": "t", "wires": [[]]},
            {"id": "c", "type": "catch", "z": "t", "scope": None, "wires": [["errs"]]},
            {"id": "errs", "type": "junction", "z": "t", "wires": [[]]}]
    (tmp_path / "o.json").write_text(json.dumps(flow))
    (tmp_path / "answers.json").write_text(json.dumps([
        {"path": "/moderations", "json": {"id": "m1", "results": [{"flagged": False}]}}]))
    path = tmp_path / "o.test.yaml"
    path.write_text(textwrap.dedent("""
        flow: o.json
        openai: answers.json
        cases:
          - name: recorded answer
            send: [{node: call, msg: {payload: hello}}]
            expect: [{node: call, count: 1, msg: {"payload.results[0].flagged": false, openai.status: 200}}]
          - name: no answer for the path
            openai: [{path: /embeddings, json: {}}]
            send: [{node: call, msg: {payload: hello}}]
            expect: [{node: errs, count: 1, jsonata: "error.status = 404 and $contains(error.message, 'no answer')"}]
        """))
    recorded, unanswered = await run(path)
    assert recorded.passed, recorded.failures
    assert unanswered.passed, unanswered.failures


def test_answers_with_times_serve_that_many_requests_then_the_next():
    from flowengine.flowtest.answers import answer_transport
    from flowengine.flowtest.spec import MockAnswer

    transport = answer_transport((MockAnswer("/responses", times=2, json={"n": 1}),
                                  MockAnswer("/responses", method="GET", json={"n": "get"}),
                                  MockAnswer("/responses", json={"n": 2})))
    with httpx.Client(transport=transport, base_url="http://mock") as client:
        got = [client.post("/v1/responses").json()["n"] for _ in range(4)]
        assert client.get("/v1/responses").json() == {"n": "get"}
    assert got == [1, 1, 2, 2]


def test_command_exit_codes_and_report(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, """
        flow: flow.json
        cases:
          - {name: fine, send: [{node: fn, msg: {payload: 1}}], expect: [{node: fn, port: 1, payload: 1}]}
          - {name: wrong, send: [{node: fn, msg: {payload: 1}}], expect: [{node: fn, port: 1, payload: 9,
                                                                           within: 0.1}]}
        """)
    assert main(["test"]) == 1
    out = capsys.readouterr().out
    assert "collected 2 cases in 1 files" in out
    assert "f.test.yaml .F  [100%]" in out
    assert "_ f.test.yaml::wrong _" in out and "= FAILURES =" in out
    assert "FAILED f.test.yaml::wrong - node 'fn' output 1 (within 0.1s): no message matched" in out
    assert out.rstrip().endswith("=") and "1 failed, 1 passed in " in out
    assert main(["test", "-v", "f.test.yaml"]) == 1
    assert "f.test.yaml::fine PASSED [ 50%]" in capsys.readouterr().out
    (tmp_path / "g.test.yaml").write_text("flow: nothing.json\ncases: [{}]")
    assert main(["test"]) == 2
    assert "ERROR collecting g.test.yaml: cases" not in (out := capsys.readouterr().out)
    assert "Interrupted: 1 error during collection" in out and "nothing.json: cannot read" in out
    assert main(["test", "flow.json"]) == 2
    assert "not a test file" in capsys.readouterr().out
    assert main(["test", "ghost.test.yaml"]) == 4
    (tmp_path / "empty").mkdir()
    assert main(["test", "empty"]) == 5
    capsys.readouterr()


def test_plugin_and_runner_agree_on_file_names():
    assert PLUGIN_SUFFIXES == TEST_SUFFIXES

"""``flowengine test`` and subflows: a node inside a subflow is watched in every instance (by its
id) or in one (``instance/node``, ``outer/inner/node`` when nested), fed by ``send`` the same way,
and a path that does not match says what is wrong."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from flowengine.flowtest import FlowTestRunner, load_test_file
from flowengine.flowtest.observe import resolve

# Subflow "sf": input -> add (payload + 'x', inside) -> output; subflow "outer" holds an instance
# of sf ("inner-inst") between its input and output. On the tab: a -> inst-a (sf), b -> inst-b (sf),
# c -> inst-c (outer). "last" has no outputs: it is watched on its input, fed by the subflow's port.
FLOW = [
    {"id": "t", "type": "tab", "label": "t"},
    {"id": "sf", "type": "subflow", "name": "add x", "in": [{"x": 0, "y": 0, "wires": [{"id": "add"},
                                                                                       {"id": "last"}]}],
     "out": [{"x": 0, "y": 0, "wires": [{"id": "add", "port": 0}]}], "env": []},
    {"id": "add", "type": "change", "z": "sf", "rules": [{"t": "set", "p": "payload", "pt": "msg",
                                                          "to": "payload & 'x'", "tot": "jsonata"}], "wires": [[]]},
    {"id": "last", "type": "debug", "z": "sf", "active": False, "wires": []},
    {"id": "outer", "type": "subflow", "name": "outer", "in": [{"x": 0, "y": 0, "wires": [{"id": "inner-inst"}]}],
     "out": [{"x": 0, "y": 0, "wires": [{"id": "inner-inst", "port": 0}]}], "env": []},
    {"id": "inner-inst", "type": "subflow:sf", "z": "outer", "wires": [[]]},
    {"id": "inst-a", "type": "subflow:sf", "z": "t", "wires": [["end"]]},
    {"id": "inst-b", "type": "subflow:sf", "z": "t", "wires": [["end"]]},
    {"id": "inst-c", "type": "subflow:outer", "z": "t", "wires": [["end"]]},
    {"id": "end", "type": "debug", "z": "t", "active": False, "wires": []},
]


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "flow.json").write_text(json.dumps(FLOW))
    path = tmp_path / "sub.test.yaml"
    path.write_text(textwrap.dedent(body))
    return path


async def run(path: Path) -> list:
    return await FlowTestRunner().run_file(load_test_file(path))


async def test_a_node_inside_instances_is_watched_per_instance_or_in_all(tmp_path):
    path = write(tmp_path, """
        flow: flow.json
        cases:
          - send: [{node: inst-a, msg: {payload: a}}, {node: inst-b, msg: {payload: b}},
                   {node: inst-c, msg: {payload: c}}]
            expect:
              - {node: inst-a/add, count: 1, payload: ax}
              - {node: inst-b/add, count: 1, payload: bx}
              - {node: inst-c/inner-inst/add, count: 1, payload: cx}
              - {node: add, count: 3}
              - {node: inst-b/last, count: 1, payload: b}
              - {node: last, count: 3}
              - {node: end, count: 3}
        """)
    [result] = await run(path)
    assert result.outcome == "passed", result.failures


async def test_send_reaches_a_node_inside_one_instance(tmp_path):
    path = write(tmp_path, """
        flow: flow.json
        cases:
          - send: [{node: inst-b/add, msg: {payload: q}}, {node: inst-c/inner-inst/add, msg: {payload: r}}]
            expect:
              - {node: inst-b/add, count: 1, payload: qx}
              - {node: inst-a/add, count: 0}
              - {node: end, count: 2, messages: [{payload: qx}, {payload: rx}]}
        """)
    [result] = await run(path)
    assert result.outcome == "passed", result.failures


async def test_a_wrong_count_inside_an_instance_fails(tmp_path):
    path = write(tmp_path, """
        flow: flow.json
        cases:
          - send: [{node: inst-a, msg: {payload: a}}]
            expect:
              - {node: inst-b/add, payload: bx, within: 0.2}
        """)
    [result] = await run(path)
    assert result.outcome == "failed"
    assert "node 'inst-b/add' (within 0.2s): expected a matching message, got none" in result.failures[0]


@pytest.mark.parametrize("name, why", [
    ("end/add", "'end' is not a subflow instance in the flow"),
    ("inst-a/nope", "subflow 'sf' has no node 'nope'"),
    ("inst-a/inner-inst/add", "instance 'inner-inst' is not inside subflow 'sf'"),
    ("inner-inst/add", "instance 'inner-inst' is inside subflow 'outer'; start the path at an instance on a tab"),
    ("nope", "node 'nope' is not in the flow"),
])
def test_a_path_that_does_not_match_says_why(name, why):
    with pytest.raises(KeyError, match=why):
        resolve({n["id"]: n for n in FLOW}, name)


async def test_a_bad_path_is_the_cases_error(tmp_path):
    path = write(tmp_path, """
        flow: flow.json
        cases:
          - expect: [{node: inst-a/nope}]
        """)
    [result] = await run(path)
    assert result.outcome == "error" and "subflow 'sf' has no node 'nope'" in result.failures[0]

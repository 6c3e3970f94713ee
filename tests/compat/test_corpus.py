"""Every non-JavaScript case of the Node-RED corpus gives the outputs real Node-RED 5.0.7 gave."""

from __future__ import annotations

import pytest
from mosquitto import ServiceUnavailable

from .corpus import by_sink, case_names, load_case, run_case

# Cases that need Node-RED's JavaScript function node are not run: our function node runs Python.
JS_CASES = {name for name in case_names() if load_case(name)[1].get("js_specific")}
NON_JS_CASES = [name for name in case_names() if name not in JS_CASES]


@pytest.mark.parametrize("name", NON_JS_CASES)
async def test_case_matches_node_red(name, tmp_path):
    try:
        expected, outputs = await run_case(name, tmp_path)
    except ServiceUnavailable as exc:
        pytest.skip(f"case {name} needs a service: {exc}")
    assert by_sink(outputs) == by_sink(expected["outputs"])


def test_only_the_javascript_function_case_is_left_out():
    assert len(case_names()) == 47
    assert JS_CASES == {"catch_function_throw"}

"""Every case of the Node-RED corpus gives the outputs real Node-RED 5.0.7 gave."""

from __future__ import annotations

import pytest
from mosquitto import ServiceUnavailable

from .corpus import by_sink, case_names, run_case


@pytest.mark.parametrize("name", case_names())
async def test_case_matches_node_red(name, tmp_path):
    try:
        expected, outputs = await run_case(name, tmp_path)
    except ServiceUnavailable as exc:
        pytest.skip(f"case {name} needs a service: {exc}")
    assert by_sink(outputs) == by_sink(expected["outputs"])


def test_every_case_is_here():
    assert len(case_names()) == 66  # 37 of the first batch, 29 of the second (19 fn_*)

"""testing.py: the FlowHarness itself."""

from __future__ import annotations

import pytest

from flowengine.testing import DEFAULT_TAB, FlowHarness


async def test_nodes_without_z_land_on_a_default_tab_and_sink_records():
    async with FlowHarness([{"id": "j", "type": "junction", "wires": [["s"]]},
                            {"id": "s", "type": "test-sink"}]) as h:
        assert h.flows[0]["id"] == DEFAULT_TAB and h.node("j").z == DEFAULT_TAB
        h.send_to("j", {"payload": 1})
        assert (await h.wait_for("s"))[0]["payload"] == 1
        assert h.received("nothing") == []


async def test_wait_for_times_out_with_a_useful_message():
    async with FlowHarness([{"id": "s", "type": "test-sink"}]) as h:
        with pytest.raises(TimeoutError, match="sink 's' got 0 of 1"):
            await h.wait_for("s", timeout=0.05)


async def test_wait_until_returns_the_first_accepted_message():
    async with FlowHarness([{"id": "s", "type": "test-sink"}]) as h:
        for i in range(3):
            h.send_to("s", {"payload": i})
        assert (await h.wait_until("s", lambda m: m["payload"] > 0))["payload"] == 1
        with pytest.raises(TimeoutError, match="sink 's' got no accepted message among 3"):
            await h.wait_until("s", lambda m: m["payload"] > 5, timeout=0.05)


async def test_send_to_unknown_node_raises():
    async with FlowHarness([{"id": "s", "type": "test-sink"}]) as h:
        with pytest.raises(KeyError):
            h.send_to("ghost", {})
        with pytest.raises(KeyError):
            h.node("ghost")


async def test_deploy_and_events():
    async with FlowHarness([{"id": "s", "type": "test-sink"}]) as h:
        rev = await h.deploy([{"id": "s2", "type": "test-sink"}])
        assert ("notification/runtime-deploy", {"revision": rev}) in h.events
        assert h.runtime.node("s") is None and h.node("s2") is not None


async def test_existing_tab_is_used():
    async with FlowHarness([{"id": "mytab", "type": "tab", "label": "x"},
                            {"id": "s", "type": "test-sink"}]) as h:
        assert h.node("s").z == "mytab"

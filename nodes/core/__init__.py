"""Node-RED's core node set, in Python. Registered through the ``flowengine.nodes`` entry point."""

from __future__ import annotations

import importlib

from flowengine.registry import Registry

# One module per node family; each exposes NODES, the list of its Node classes.
MODULES = (
    "inject", "debug", "function", "change", "switch", "template", "json_node", "csv_node",
    "yaml_node", "range_node", "rbe", "comment", "split", "join", "sort", "batch", "delay",
    "trigger", "catch", "status", "complete", "link", "junction", "http_in", "http_request",
    "websocket", "exec_node", "file_node", "file_in", "watch", "tcp_in", "tcp_out", "tcp_request",
    "udp", "xml_node", "html_node", "mqtt",
)


def register(registry: Registry) -> None:
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        for cls in module.NODES:
            registry.add(cls)

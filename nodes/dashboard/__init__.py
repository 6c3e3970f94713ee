"""Node-RED Dashboard 1 (node-red-dashboard) in Python: its ``ui_*`` node types and the page.

Flows built with node-red-dashboard load and run unchanged: the config nodes ``ui_base``,
``ui_tab``, ``ui_group``, ``ui_link`` and ``ui_spacer``; the widgets ``ui_text``, ``ui_gauge``,
``ui_chart``, ``ui_button``, ``ui_switch``, ``ui_slider``, ``ui_numeric``, ``ui_text_input``,
``ui_dropdown``, ``ui_form``, ``ui_date_picker``, ``ui_colour_picker``, ``ui_template``; and
``ui_toast``, ``ui_audio``, ``ui_ui_control``. The page is served at ``<httpNodeRoot>ui/`` (setting
``[ui] path``) and kept live over a websocket (see ``hub``, ``page`` and ``static/``).
Dashboard 2's (@flowfuse/node-red-dashboard) ``ui-*`` types (modules ``d2_*``) map onto the same
widgets and page, served at ``<httpNodeRoot><ui-base path>`` (``/dashboard``) with a path per page.
Registered through the ``flowengine.nodes`` entry point ``dashboard``.
"""

from __future__ import annotations

import importlib

from flowengine.registry import Registry

# One module per family of node types; each exposes NODES, the list of its Node classes.
MODULES = ("config_nodes", "display", "chart", "inputs", "choice", "control",
           "d2_config", "d2_display", "d2_chart", "d2_inputs", "d2_fields", "d2_control")


def register(registry: Registry) -> None:
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        for cls in module.NODES:
            registry.add(cls)

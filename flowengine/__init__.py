"""flowengine: a Node-RED-style flow runtime in Python."""

__version__ = "0.1.0"

"""The xml node: convert a message property between an XML string and a JavaScript-style object,
as Node-RED's xml node does with xml2js.

A string is parsed (``_xml_parse``): attributes under ``$`` (property *attr*), text under ``_``
(property *chr*), every child element an array, numbers left as strings. Anything of type object
(dict, list, bytes, null) is built into XML text (``_xml_build``): with the XML declaration and
without pretty printing, unless ``msg.options`` is given, which then holds every xml2js builder
option and, lacking ``renderOpts``, gets xml2js's pretty printing. Like Node-RED, the node writes
``async`` (and, when parsing, ``attrkey``/``charkey``) into the ``msg.options`` object it was given
(corpus case xml_build). Other values are dropped with a warning.

Entities are never expanded beyond XML's and HTML 4's named ones: an entity declared in a DTD or
pointing at an external resource is refused with a catchable "Invalid character entity" error,
Node-RED's text for it.
"""

from __future__ import annotations

from typing import Any

from flowengine.jsutil import js_truthy, js_typeof
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from ._jsprops import compile_path, js_get_or_undefined, js_set, resolve_path

__all__ = ["NODES", "XmlNode"]

NOT_XML = "This node only handles xml strings or js objects."


class XmlNode(Node):
    """Converts between an XML string and its object form (xml2js's shape)."""

    type = "xml"
    category = "parser"
    color = "#DEBD5C"
    icon = "parser-xml.svg"
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "default": "", "title": "Name"},
            "property": {
                "type": "string", "default": "payload", "title": "Property",
                "description": "The message property converted (msg.<property>).",
            },
            "attr": {
                "type": "string", "default": "", "title": "Property name for XML tag attributes",
                "description": "Key that holds an element's attributes when parsing (empty: $).",
            },
            "chr": {
                "type": "string", "default": "", "title": "Property name for tag text content",
                "description": "Key that holds an element's text when parsing (empty: _).",
            },
        },
    }
    help = node_help("xml")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.property = str(config.get("property") or "payload")
        self.attrkey = config.get("attr") or ""
        self.charkey = config.get("chr") or ""

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        keys = compile_path(self.property) or resolve_path(self.property, msg)
        value = js_get_or_undefined(msg, keys)
        if value is UNDEFINED:
            send(msg)
            done()
            return
        kind = js_typeof(value)
        if kind not in ("object", "string"):
            self.warn(NOT_XML)
            done()
            return
        options = msg.get("options", UNDEFINED)
        if options is None:
            # Node-RED assigns options.async on the null it was given
            done("TypeError: Cannot set properties of null (setting 'async')")
            return
        given = options if isinstance(options, dict) else None
        # The XML code loads with the first message, not with the runtime (~25 ms of every start)
        from ._xml_build import XmlBuildError, build_xml
        from ._xml_parse import ParseOptions, parse_xml
        from ._xml_sax import XmlSyntaxError

        try:
            if kind == "object":
                if given is not None:
                    given["async"] = False
                elif isinstance(options, list):
                    given = {}  # an array holds none of the option names: xml2js's defaults apply
                if value is None:
                    done("TypeError: Cannot convert undefined or null to object")
                    return
                if isinstance(value, bytes | bytearray):
                    value = {str(i): b for i, b in enumerate(value)}  # a Buffer's keys are its indices
                result: Any = build_xml(value, given)
            else:
                parse_options = given if given is not None else {}
                parse_options["async"] = True
                parse_options["attrkey"] = _first_truthy(self.attrkey, parse_options.get("attrkey"), "$")
                parse_options["charkey"] = _first_truthy(self.charkey, parse_options.get("charkey"), "_")
                result = parse_xml(value, ParseOptions.from_js(parse_options))
        except XmlBuildError as exc:
            text = str(exc)
            done(text if text.startswith("TypeError: ") else "Error: " + text)
            return
        except XmlSyntaxError as exc:
            done("Error: " + str(exc))
            return
        js_set(msg, keys, result)
        send(msg)
        done()


def _first_truthy(*values: Any) -> Any:
    """JavaScript ``a || b || c``."""
    for value in values[:-1]:
        if js_truthy(value):
            return value
    return values[-1]


NODES: list[type[Node]] = [XmlNode]

"""The html node: pick elements out of an HTML document with a CSS selector, as Node-RED's html
node does with cheerio.

The document is parsed with selectolax's lexbor engine: an HTML5 parser like cheerio's parse5, so
both build the same tree (``<tbody>`` inserted, ``<p>`` closed, SVG names kept in their case), and
a C parser, so a large page does not hold up the flows. Each match gives (*ret*) its inner HTML
re-written as XML (``html``), its text (``text``), its attributes (``attr``) or its attributes plus
the inner HTML under the *chr* key (``compl``), serialised as cheerio does (``_html_render``).

*as* ``single`` sends one message with the array (``[]`` when nothing matches); ``multi`` sends a
message per match with ``msg.parts`` (id = the incoming ``_msgid``, ``type`` "string", ``ch`` "",
index and count) so a join node in automatic mode rebuilds the sequence; nothing is sent when
nothing matches, and a match whose value is an empty string is skipped (Node-RED's ``if (pay2)``)
though it still counts. ``msg.select`` supplies the selector when the node has none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowengine.jsutil import js_string
from flowengine.lazy_module import lazy_module
from flowengine.message import clone_msg
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._help import node_help
from ._html_render import attributes, html_of, text_of, xml_of
from ._html_select import SelectorError, scopes, select
from ._html_source import lift_noscript, restore_noscript
from ._jsprops import compile_path, js_set, read_property, resolve_path

if TYPE_CHECKING:
    from selectolax import lexbor
else:
    lexbor = lazy_module("selectolax.lexbor")  # loaded by the first document parsed (flowengine.lazy_module)

__all__ = ["NODES", "HtmlNode"]

RETURNS = ("html", "text", "attr", "compl")


class HtmlNode(Node):
    """Extracts elements from HTML with a CSS selector."""

    type = "html"
    category = "parser"
    color = "#DEBD5C"
    icon = "parser-html.svg"
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "default": "", "title": "Name"},
            "property": {
                "type": "string", "default": "payload", "title": "Property",
                "description": "The message property holding the HTML (msg.<property>).",
            },
            "outproperty": {
                "type": "string", "default": "payload", "title": "Output property",
                "description": "Where the result goes (msg.<outproperty>).",
            },
            "tag": {
                "type": "string", "default": "", "title": "Selector",
                "description": "CSS selector, e.g. h1, .item, ul > li:first. Empty: msg.select is used.",
            },
            "ret": {
                "type": "string", "enum": list(RETURNS), "default": "html", "title": "Output",
                "description": "html: the html content of the elements; text: only their text; attr: "
                               "an object of their attributes; compl: attributes and html content.",
            },
            "as": {
                "type": "string", "enum": ["single", "multi"], "default": "single", "title": "Send",
                "description": "single: one message with an array; multi: one message per element.",
            },
            "chr": {
                "type": "string", "default": "_", "title": "Property name for HTML content",
                "description": "With output compl: the key holding the element's html content.",
            },
        },
    }
    help = node_help("html")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.property = str(config.get("property") or "payload")
        self.outproperty = str(config.get("outproperty") or self.property)
        self.tag = config.get("tag") or ""
        self.ret = str(config.get("ret") or "html")
        self.as_ = str(config.get("as") or "single")
        self.chr = str(config.get("chr") or "_")

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        value = read_property(msg, self.property)
        if value is UNDEFINED:
            send(msg)
            done()
            return
        tag = (self.tag or msg.get("select")) if "select" in msg else self.tag
        try:
            matches = select(_document(value), tag) if isinstance(tag, str) else []
        except (SelectorError, TypeError) as exc:
            done(str(exc))
            return
        out_keys = compile_path(self.outproperty) or resolve_path(self.outproperty, msg)
        if self.as_ == "multi":
            for index, element in enumerate(matches):
                result = self._value(element)
                if result is None or result == "":
                    continue
                part = clone_msg(msg)
                js_set(part, out_keys, result)
                part["parts"] = {"id": msg.get("_msgid"), "index": index, "count": len(matches),
                                 "type": "string", "ch": ""}
                send(part)
        elif self.as_ == "single":
            results = [self._value(element) for element in matches]
            js_set(msg, out_keys, [r for r in results if r is not None])
            send(msg)
        done()

    def _value(self, element: Any) -> Any:
        if self.ret == "html":
            return xml_of(element)
        if self.ret == "text":
            return text_of(element)
        if self.ret == "attr":
            return attributes(element)
        if self.ret == "compl":
            return {self.chr: html_of(element)} | attributes(element)
        return None


def _document(value: Any) -> Any:
    """``cheerio.load(value)``: text (or a Buffer's UTF-8) as an HTML document. Other values fail
    as they do in cheerio, an object or array of objects gives a document without elements."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        source, lifted = lift_noscript(value)
        document = lexbor.LexborHTMLParser(source)
        restore_noscript(scopes(document), lifted)
        return document
    if value is None:
        raise TypeError("cheerio.load() expects a string")
    for item in value if isinstance(value, list) else [value]:
        if item is None:
            raise TypeError("Cannot read properties of null (reading 'parent')")
        if not isinstance(item, dict | list):
            kind = "boolean" if isinstance(item, bool) else "number" if isinstance(item, int | float) else "string"
            raise TypeError(f"Cannot create property 'prev' on {kind} '{js_string(item)}'")
    return lexbor.LexborHTMLParser("")


NODES: list[type[Node]] = [HtmlNode]

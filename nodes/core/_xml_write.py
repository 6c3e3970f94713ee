"""xmlbuilder 11's string writer (``XMLStringWriter``): how a built XML document is laid out.

Pretty printing puts each element on its own line, indented per level; an element whose only child
is text stays on one line; an empty element is ``<a/>`` (``<a></a>`` with ``allowEmpty``); the
document's last newline is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowengine.jsutil import js_string, js_truthy

__all__ = ["Options", "XmlNode", "write_document"]


@dataclass(eq=False)
class XmlNode:
    """A node of the document: ``element`` (name, attribs, children), ``text``/``raw``/``cdata``/
    ``comment`` (value, already escaped), ``instruction`` (name = target), ``declaration`` (value =
    version, attribs encoding/standalone) or ``doctype`` (name = root, attribs PUBLIC/SYSTEM)."""

    kind: str
    name: str
    parent: XmlNode | None = None
    value: str = ""
    attribs: dict[str, str] = field(default_factory=dict)
    children: list[XmlNode] = field(default_factory=list)


@dataclass(frozen=True)
class Options:
    """``renderOpts``, read as xmlbuilder's ``filterOptions`` reads them."""

    pretty: bool = False
    indent: str = "  "
    newline: str = "\n"
    offset: int = 0
    allow_empty: bool = False
    dont_pretty_text: bool = False
    space_before_slash: str = ""

    @classmethod
    def from_js(cls, o: dict[str, Any]) -> Options:
        def given(*names: str) -> Any:
            for name in names:
                if o.get(name) is not None:
                    return o[name]
            return None

        offset = given("offset")
        slash = given("spaceBeforeSlash", "spacebeforeslash")
        return cls(
            pretty=js_truthy(o.get("pretty")),
            indent=js_string(given("indent")) if given("indent") is not None else "  ",
            newline=js_string(given("newline")) if given("newline") is not None else "\n",
            offset=int(offset) if isinstance(offset, int | float) and not isinstance(offset, bool) else 0,
            allow_empty=js_truthy(o.get("allowEmpty")),
            dont_pretty_text=js_truthy(given("dontPrettyTextNodes", "dontprettytextnodes")),
            space_before_slash=" " if slash is True else "" if slash is None else js_string(slash),
        )


class _Writer:
    def __init__(self, options: Options) -> None:
        self.o = options
        self.suppress = 0

    def indent(self, level: int) -> str:
        if not self.o.pretty or self.suppress:
            return ""
        return self.o.indent * (level + self.o.offset)

    def endline(self) -> str:
        return "" if not self.o.pretty or self.suppress else self.o.newline

    def node(self, node: XmlNode, level: int) -> str:
        o = self.o
        if node.kind == "element":
            return self.element(node, level)
        if node.kind in ("text", "raw"):
            return self.indent(level) + node.value + self.endline()
        if node.kind == "cdata":
            return self.indent(level) + "<![CDATA[" + node.value + "]]>" + self.endline()
        if node.kind == "comment":
            return self.indent(level) + "<!-- " + node.value + " -->" + self.endline()
        if node.kind == "instruction":
            body = " " + node.value if node.value else ""
            return self.indent(level) + "<?" + node.name + body + o.space_before_slash + "?>" + self.endline()
        if node.kind == "declaration":
            attrs = "".join(f' {k}="{v}"' for k, v in node.attribs.items())
            return (self.indent(level) + f'<?xml version="{node.value}"' + attrs + o.space_before_slash + "?>"
                    + self.endline())
        pub, sys = node.attribs.get("PUBLIC"), node.attribs.get("SYSTEM")
        ids = f' PUBLIC "{pub}" "{sys}"' if pub and sys else f' SYSTEM "{sys}"' if sys else ""
        return self.indent(level) + "<!DOCTYPE " + node.name + ids + o.space_before_slash + ">" + self.endline()

    def element(self, node: XmlNode, level: int) -> str:
        o = self.o
        out = self.indent(level) + "<" + node.name + "".join(f' {k}="{v}"' for k, v in node.attribs.items())
        children = node.children
        if all(c.kind in ("text", "raw") and c.value == "" for c in children):
            if o.allow_empty:
                return out + "></" + node.name + ">" + self.endline()
            return out + o.space_before_slash + "/>" + self.endline()
        if o.pretty and len(children) == 1 and children[0].kind in ("text", "raw"):
            self.suppress += 1
            out += ">" + self.node(children[0], level + 1)
            self.suppress -= 1
            return out + "</" + node.name + ">" + self.endline()
        suppressed = o.dont_pretty_text and any(c.kind in ("text", "raw") for c in children)
        if suppressed:
            self.suppress += 1
        out += ">" + self.endline()
        for child in children:
            out += self.node(child, level + 1)
        out += self.indent(level) + "</" + node.name + ">"
        if suppressed:
            self.suppress -= 1
        return out + self.endline()


def write_document(nodes: list[XmlNode], options: Options) -> str:
    """The document text (declaration, doctype, root element)."""
    out = "".join(_Writer(options).node(n, 0) for n in nodes)
    if options.pretty and options.newline and out.endswith(options.newline):
        out = out[: -len(options.newline)]
    return out

"""The element side of the sax-js-compatible scanners (``_xml_sax``, ``_xml_sax_loose``): sax's
``newTag``, ``attrib``, ``openTag`` and ``closeTag``, with its namespace rules (xml2js option
``xmlns``). Out of strict mode names are upper-cased (sax's ``looseCase``) and namespace errors are
let pass, as sax's ``strictFail`` does."""

from __future__ import annotations

import json

from ._xml_sax_names import XML_NS, XMLNS_NS, Sink, Tag, XmlSyntaxError, qname

__all__ = ["TEXT", "TagScanner"]

TEXT = 1  # the state after a start tag (the scanner's numbering)


class TagScanner:
    """Scanner state shared with ``_xml_sax._Scanner``; tag events go to the sink."""

    def __init__(self, text: str, sink: Sink, xmlns: bool, strict: bool = True) -> None:
        self.t = text
        self.strict = strict
        self.sink = sink
        self.xmlns = xmlns
        self.text_node = ""
        self.tags: list[Tag] = []
        self.root_ns = {"xml": XML_NS, "xmlns": XMLNS_NS}
        self.saw_root = False
        self.doctype: str | bool = ""
        self.tag: Tag | None = None
        self.tag_name = self.attrib_name = self.attrib_value = self.entity = ""
        self.attrib_list: list[tuple[str, str]] = []
        self.sgml = self.comment = self.cdata = ""
        self.pi_body = ""
        self.quote = ""
        self.entity_return = TEXT
        self.pos = 0  # the character being read, for errors raised deep inside a tag

    def fail(self, reason: str, pos: int) -> XmlSyntaxError:
        return XmlSyntaxError(reason, self.t, pos)

    def strict_fail(self, reason: str) -> None:
        """sax's ``strictFail``: an error in strict mode, nothing otherwise."""
        if self.strict:
            raise self.fail(reason, self.pos)

    def flush(self) -> None:
        if self.text_node:
            self.sink.text(self.text_node)
        self.text_node = ""

    def new_tag(self) -> None:
        if not self.strict:
            self.tag_name = self.tag_name.upper()
        parent_ns = self.tags[-1].ns if self.tags else self.root_ns
        self.tag = Tag(self.tag_name, ns=parent_ns)
        self.attrib_list = []
        self.flush()

    def attrib(self) -> None:
        tag = self.tag
        assert tag is not None
        name, value = self.attrib_name, self.attrib_value
        if not self.strict:
            name = name.upper()
        self.attrib_name = self.attrib_value = ""
        if name in tag.attributes or any(name == seen for seen, _ in self.attrib_list):
            return  # the first of two equal attributes wins
        if not self.xmlns:
            tag.attributes[name] = value
            return
        prefix, local = qname(name, True)
        if prefix == "xmlns":
            if local == "xml" and value != XML_NS:
                self.strict_fail(f"xml: prefix must be bound to {XML_NS}\nActual: {value}")
            elif local == "xmlns" and value != XMLNS_NS:
                self.strict_fail(f"xmlns: prefix must be bound to {XMLNS_NS}\nActual: {value}")
            else:
                parent_ns = self.tags[-1].ns if self.tags else self.root_ns
                if tag.ns is parent_ns:
                    tag.ns = dict(parent_ns)
                tag.ns[local] = value
        self.attrib_list.append((name, value))

    def open_tag(self, self_closing: bool) -> int:
        tag = self.tag
        assert tag is not None
        if self.xmlns:
            prefix, tag.local = qname(tag.name, False)
            tag.uri = tag.ns.get(prefix) or ""
            if prefix and not tag.uri:
                self.strict_fail("Unbound namespace prefix: " + json.dumps(tag.name, ensure_ascii=False))
                tag.uri = prefix
            for name, value in self.attrib_list:
                prefix, local = qname(name, True)
                uri = "" if prefix == "" else tag.ns.get(prefix) or ""
                if prefix and prefix != "xmlns" and not uri:
                    self.strict_fail("Unbound namespace prefix: " + json.dumps(prefix, ensure_ascii=False))
                    uri = prefix
                tag.attributes[name] = {"name": name, "value": value, "prefix": prefix, "local": local, "uri": uri}
            self.attrib_list = []
        self.saw_root = True
        self.tags.append(tag)
        self.sink.open_tag(tag)
        if not self_closing:
            self.tag, self.tag_name = None, ""
        return TEXT

    def close_tag(self, i: int) -> int:
        if not self.tags:
            raise self.fail("Unmatched closing tag: " + self.tag_name, i)
        if self.tags[-1].name != self.tag_name:
            raise self.fail("Unexpected close tag", i)
        self.flush()
        self.tags.pop()
        self.tag_name = ""
        if self.sink.close_tag() or not self.tags:
            return -1
        return TEXT

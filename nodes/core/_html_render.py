"""What cheerio 1.0.0-rc.10 makes of a selected element, over a selectolax (lexbor) tree.

Node-RED's html node returns, per element:

* ``html``: ``cheerio.load($(el).html().trim(), null, false).xml()``: the inner HTML re-read as a
  fragment and written by dom-serializer in XML mode: void and empty elements self-closed
  (``<br/>``), every attribute with a value, text and attribute values through ``encodeXML``
  (``&amp; &lt; &gt; &quot; &apos;``, anything past ASCII as ``&#xE9;``), script and style text
  escaped like any text;
* ``compl``: the inner HTML as parse5's serializer writes it (``&nbsp;``, raw script text);
* ``text``: the text of every descendant except comments and script/style elements;
* ``attr``: the attributes in document order.

Template contents count as children, as in cheerio (``template_fragments``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flowengine.lazy_module import lazy_module

from ._html_source import lift_noscript, restore_noscript
from ._jsprops import js_object_keys

if TYPE_CHECKING:
    from selectolax import lexbor
else:
    lexbor = lazy_module("selectolax.lexbor")  # loaded by the first document parsed (flowengine.lazy_module)

__all__ = ["attributes", "children", "html_of", "text_of", "xml_of"]

# parse5's serializer: elements written without children or end tag
VOID = frozenset({"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
                  "input", "keygen", "link", "meta", "param", "source", "track", "wbr"})
# text written as it is inside these (parse5, with scripting on as cheerio parses)
RAW_TEXT = frozenset({"style", "script", "xmp", "iframe", "noembed", "noframes", "plaintext", "noscript"})
_XML_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}
_JS_WS = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"


def children(node: Any) -> Iterator[Any]:
    """Child nodes of a lexbor node; a template's children are its content's."""
    if node.tag == "template":
        for fragment in node.template_fragments()[:1]:
            yield from children(fragment)
        return
    child = node.child
    while child is not None:
        yield child
        child = child.next


def attributes(node: Any) -> dict[str, str]:
    """The element's attributes (``this.attribs``): valueless ones are ``""``; in the order of a
    JavaScript object's keys (index-like names such as ``0`` first, ascending, then the rest)."""
    attrs = {k: "" if v is None else v for k, v in node.attributes.items()}
    return {k: attrs[k] for k in js_object_keys(attrs)}


def _encode_xml(text: str) -> str:
    """entities 2.2's ``encodeXML``."""
    if text.isascii() and not any(c in text for c in "&<>\"'"):
        return text
    return "".join(_XML_NAMED.get(c) or (c if ord(c) < 0x80 else f"&#x{ord(c):X};") for c in text)


def _escape_html(text: str, attribute: bool) -> str:
    text = text.replace("&", "&amp;").replace("\u00a0", "&nbsp;")
    if attribute:
        return text.replace('"', "&quot;")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _html(node: Any, parent_tag: str | None, out: list[str]) -> None:
    if node.is_text_node:
        text = node.text_content or ""
        out.append(text if parent_tag in RAW_TEXT else _escape_html(text, False))
    elif node.is_comment_node:
        out.append(node.html or "")  # comment_content would trim the comment's text
    elif node.is_element_node:
        tag = node.tag
        out.append("<" + tag + "".join(f' {k}="{_escape_html(v, True)}"' for k, v in attributes(node).items()) + ">")
        if tag not in VOID:
            for child in children(node):
                _html(child, tag, out)
            out.append(f"</{tag}>")


def inner_html(node: Any) -> str:
    """``$(el).html()``: the children as parse5 serializes them."""
    out: list[str] = []
    for child in children(node):
        _html(child, node.tag, out)
    return "".join(out)


def html_of(node: Any) -> str:
    """``compl``'s value: the inner HTML, trimmed."""
    return inner_html(node).strip(_JS_WS)


def _xml(node: Any, out: list[str]) -> None:
    if node.is_text_node:
        out.append(_encode_xml(node.text_content or ""))
    elif node.is_comment_node:
        out.append(node.html or "")
    elif node.is_element_node:
        tag = node.tag
        out.append("<" + tag + "".join(f' {k}="{_encode_xml(v)}"' for k, v in attributes(node).items()))
        kids = list(children(node))
        if not kids and tag != "template":
            out.append("/>")
            return
        out.append(">")
        for child in kids:
            _xml(child, out)
        out.append(f"</{tag}>")


def _trimmed(nodes: list[Any], blanks: str) -> list[Any]:
    """The children the trimmed inner HTML still holds (whitespace-only edge text dropped)."""
    while nodes and nodes[0].is_text_node and not (nodes[0].text_content or "").strip(blanks):
        nodes = nodes[1:]
    while nodes and nodes[-1].is_text_node and not (nodes[-1].text_content or "").strip(blanks):
        nodes = nodes[:-1]
    return nodes


def xml_of(node: Any) -> str:
    """``html``'s value. Re-reading the trimmed inner HTML as a fragment gives back the same
    nodes, except that ``html``/``head``/``body`` tags vanish (their children stay) and edge
    whitespace goes; that is done here on the tree instead of a second parse. The raw text of a
    script, style, noscript... element is markup to that second parse, so it is parsed."""
    if node.tag in RAW_TEXT:
        return _fragment_xml(html_of(node))
    # JavaScript's trim() ran over serialized HTML, where a no-break space is "&nbsp;" (except in raw text)
    blanks = _JS_WS if node.tag in RAW_TEXT else _JS_WS.replace("\u00a0", "")
    kids = _trimmed(list(children(node)), blanks)
    edges: list[Any] = [kids[0], kids[-1]] if kids else []
    flat: list[Any] = []
    for child in kids:
        if child.is_element_node and child.tag in ("head", "body"):
            flat.extend(children(child))
        else:
            flat.append(child)
    out: list[str] = []
    for child in flat:
        if child.is_text_node and any(child is edge for edge in edges):
            text = child.text_content or ""
            text = text.lstrip(blanks) if child is edges[0] else text
            text = text.rstrip(blanks) if child is edges[-1] else text
            out.append(_encode_xml(text))
        else:
            _xml(child, out)
    return "".join(out)


def _fragment_xml(source: str) -> str:
    """``cheerio.load(source, null, false).xml()``: ``source`` parsed as a fragment (in a template,
    as parse5 parses a fragment without context) and written back in XML mode."""
    lifted_source, lifted = lift_noscript(source)
    parsed = lexbor.LexborHTMLParser(f"<template>{lifted_source}</template>")
    template = parsed.css_first("template")
    content = template.template_fragments()[:1] if template is not None else []
    restore_noscript(content, lifted)
    out: list[str] = []
    for child in children(content[0]) if content else []:
        _xml(child, out)
    return "".join(out)


def text_of(node: Any) -> str:
    """``$(el).text()``: descendant text, leaving out comments and script/style elements
    (the selected element itself too, when it is one)."""
    if node.tag in ("script", "style"):
        return ""
    out: list[str] = []
    stack = list(children(node))[::-1]
    while stack:
        child = stack.pop()
        if child.is_text_node:
            out.append(child.text_content or "")
        elif child.is_element_node and child.tag not in ("script", "style"):
            stack.extend(list(children(child))[::-1])
    return "".join(out)

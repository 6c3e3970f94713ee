"""Object -> XML text exactly as xml2js 0.6's ``Builder`` writes it through xmlbuilder 11.

xml2js walks the object (``$`` attributes, ``_`` text, arrays repeat an element, a single top-level
key names the root, several are wrapped in ``rootName``) and calls xmlbuilder's ``ele``/``att``/
``txt``/``up``; xmlbuilder validates names and characters (its error texts are kept) and its
string writer lays the document out (``renderOpts``: ``pretty``, ``indent``, ``newline``,
``offset``, ``allowEmpty``, ``spaceBeforeSlash``, ``dontPrettyTextNodes``). The same small node
model is used here, down to xmlbuilder's "decorator" keys (``#text``, ``#cdata``, ``#comment``,
``#raw``, ``?target``) and the way ``up()`` then climbs one level too far.
"""

from __future__ import annotations

import re
from typing import Any

from flowengine.jsutil import js_string, js_truthy, utf16_len

from ._jsprops import js_object_keys
from ._xml_write import Options as WriteOptions
from ._xml_write import XmlNode, write_document

__all__ = ["XmlBuildError", "build_xml"]

_DEFAULTS: dict[str, Any] = {
    "attrkey": "$", "charkey": "_", "rootName": "root", "headless": False, "cdata": False,
    "xmldec": {"version": "1.0", "encoding": "UTF-8", "standalone": True}, "doctype": None,
    "renderOpts": {"pretty": True, "indent": "  ", "newline": "\n"},
}
_NAME_CHARS = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
               "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_NAME = re.compile(f"[:{_NAME_CHARS}][\\-.0-:{_NAME_CHARS}\u00b7\u0300-\u036f\u203f\u2040]*")
_ILLEGAL = {"1.0": re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]"),
            "1.1": re.compile("[\x00\ufffe\uffff\ud800-\udfff]")}
_DECORATORS = (("#text", "text", "element text"), ("#cdata", "cdata", "CDATA text"),
               ("#comment", "comment", "comment text"), ("#raw", "raw", "raw text"))


class XmlBuildError(ValueError):
    """xml2js/xmlbuilder refused the object (the text is theirs, e.g. "Invalid character in name")."""


def _is_object(value: Any) -> bool:
    """JavaScript ``typeof value === "object"`` for message values (null included)."""
    return value is None or isinstance(value, dict | list)


def _keys(value: Any) -> list[str]:
    """The keys a JavaScript ``for (key in value)`` visits."""
    if isinstance(value, dict):
        return js_object_keys(value)
    if isinstance(value, list | str):
        return [str(i) for i in range(len(value))]
    return []


def _item(value: Any, key: str) -> Any:
    return value[key] if isinstance(value, dict) else value[int(key)]


class _Stringify:
    """xmlbuilder's ``XMLStringifier``: escaping plus name/character validation."""

    def __init__(self, version: str) -> None:
        self.illegal = _ILLEGAL.get(version)

    def legal(self, text: str) -> str:
        found = self.illegal.search(text) if self.illegal else None
        if found:
            raise XmlBuildError(f"Invalid character in string: {text} at index {utf16_len(text[:found.start()])}")
        return text

    def name(self, value: Any) -> str:
        text = self.legal(js_string(value))
        if not _NAME.fullmatch(text):
            raise XmlBuildError("Invalid character in name")
        return text

    def text(self, value: Any) -> str:
        text = js_string(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return self.legal(text.replace("\r", "&#xD;"))

    def attribute(self, value: Any) -> str:
        text = js_string(value).replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
        return self.legal(text.replace("\t", "&#x9;").replace("\n", "&#xA;").replace("\r", "&#xD;"))


class _Element(XmlNode):
    """An xmlbuilder element, with the calls xml2js makes on it."""

    def __init__(self, doc: _Document, parent: XmlNode | None, name: Any) -> None:
        super().__init__("element", doc.stringify.name(name), parent=parent)
        self.doc = doc

    def ele(self, name: str, *text: Any) -> XmlNode:
        value = text[0] if text else None
        for prefix, kind, what in _DECORATORS:
            if name.startswith(prefix):
                return self.add_leaf(kind, what, value)
        if name.startswith("?"):
            if value is not None and "?>" in js_string(value):
                raise XmlBuildError("Invalid processing instruction value: " + js_string(value))
            self.children.append(XmlNode("instruction", self.doc.stringify.legal(name[1:]), parent=self,
                                         value=self.doc.stringify.legal(js_string(value)) if js_truthy(value) else ""))
            return self
        child = _Element(self.doc, self, name)
        self.children.append(child)
        if text:
            child.txt(value)
        return child

    def add_leaf(self, kind: str, what: str, value: Any) -> XmlNode:
        if value is None:
            raise XmlBuildError(f"Missing {what}. parent: <{self.name}>")
        text = js_string(value)
        if kind == "text":
            text = self.doc.stringify.text(value)
        elif kind == "cdata":
            text = self.doc.stringify.legal(text.replace("]]>", "]]]]><![CDATA[>", 1))
        elif kind == "comment":
            if "--" in text:
                raise XmlBuildError("Comment text cannot contain double-hypen: " + text)
            text = self.doc.stringify.legal(text)
        self.children.append(XmlNode(kind, "", parent=self, value=text))
        return self

    def txt(self, value: Any) -> XmlNode:
        return self.add_leaf("text", "element text", value)

    def raw(self, value: str) -> XmlNode:
        self.children.append(XmlNode("raw", "", parent=self, value=value))
        return self

    def att(self, name: str, value: Any) -> XmlNode:
        if value is not None:
            self.attribs[self.doc.stringify.name(name)] = self.doc.stringify.attribute(value)
        return self

    def up(self) -> XmlNode:
        if self.parent is None:
            raise XmlBuildError("The root node has no parent. Use doc() if you need to get the document object.")
        return self.parent


class _Document:
    def __init__(self, options: dict[str, Any]) -> None:
        version = options.get("version")
        self.stringify = _Stringify(js_string(version) if js_truthy(version) else "1.0")
        self.nodes: list[XmlNode] = []


def _declaration(doc: _Document, options: dict[str, Any]) -> XmlNode:
    version = js_string(options["version"]) if js_truthy(options.get("version")) else "1.0"
    if not re.search(r"1\.[0-9]+", version):
        raise XmlBuildError("Invalid version number: " + version)
    node = XmlNode("declaration", "", value=version)
    if options.get("encoding") is not None:
        encoding = js_string(options["encoding"])
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", encoding):
            raise XmlBuildError("Invalid encoding: " + encoding)
        node.attribs["encoding"] = doc.stringify.legal(encoding)
    if options.get("standalone") is not None:
        node.attribs["standalone"] = "yes" if js_truthy(options["standalone"]) else "no"
    return node


def _doctype(doc: _Document, options: dict[str, Any], root: str) -> XmlNode:
    pub_id, sys_id = options.get("pubID"), options.get("sysID")
    if sys_id is None:
        pub_id, sys_id = None, pub_id
    node = XmlNode("doctype", root)
    if pub_id is not None:
        node.attribs["PUBLIC"] = doc.stringify.legal(js_string(pub_id))
    if sys_id is not None:
        node.attribs["SYSTEM"] = doc.stringify.legal(js_string(sys_id))
    return node


class _Render:
    """xml2js's ``render(element, obj)``."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.attrkey = options["attrkey"]
        self.charkey = options["charkey"]
        self.cdata = js_truthy(options["cdata"])

    def wants_cdata(self, value: Any) -> bool:
        return self.cdata and isinstance(value, str) and any(c in value for c in "&<>")

    @staticmethod
    def wrap(value: str) -> str:
        return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>", 1) + "]]>"

    def render(self, element: Any, obj: Any) -> Any:
        if not _is_object(obj):
            return element.raw(self.wrap(obj)) if self.wants_cdata(obj) else element.txt(obj)
        if isinstance(obj, list):
            for child in obj:
                for key in _keys(child):
                    element = self.render(element.ele(key), _item(child, key)).up()
            return element
        for key in _keys(obj):
            child = obj[key]
            if key == self.attrkey:
                if _is_object(child):
                    for attr in _keys(child):
                        element = element.att(attr, _item(child, attr))
            elif key == self.charkey:
                element = element.raw(self.wrap(child)) if self.wants_cdata(child) else element.txt(child)
            elif isinstance(child, list):
                for entry in child:
                    if isinstance(entry, str):
                        if self.wants_cdata(entry):
                            element = element.ele(key).raw(self.wrap(entry)).up()
                        else:
                            element = element.ele(key, entry).up()
                    else:
                        element = self.render(element.ele(key), entry).up()
            elif _is_object(child):
                element = self.render(element.ele(key), child).up()
            elif self.wants_cdata(child):
                element = element.ele(key).raw(self.wrap(child)).up()
            else:
                element = element.ele(key, js_string(child)).up()
        return element


def build_xml(obj: Any, msg_options: dict[str, Any] | None) -> str:
    """The XML text xml2js's ``Builder(options).buildObject(obj)`` returns.

    ``msg_options`` is what the flow sent (``msg.options``), or None for Node-RED's default of no
    pretty printing. Raises ``XmlBuildError`` with xmlbuilder's text."""
    options = {**_DEFAULTS, **(msg_options if msg_options is not None else {"renderOpts": {"pretty": False}})}
    keys = _keys(obj)
    if len(keys) == 1 and options["rootName"] == "root":
        root_name, obj = keys[0], _item(obj, keys[0])
    else:
        root_name = options["rootName"]
    if root_name is None:
        raise XmlBuildError("Root element needs a name.")
    create: dict[str, Any] = {}
    for source in (options["xmldec"], options["doctype"]):
        if isinstance(source, dict):
            create.update(source)
    doc = _Document(create)
    root = _Element(doc, None, root_name)
    doc.nodes.append(root)
    if not js_truthy(options["headless"]):
        doc.nodes.insert(0, _declaration(doc, create))
        if create.get("pubID") is not None or create.get("sysID") is not None:
            doc.nodes.insert(1, _doctype(doc, create, root.name))
    _Render(options).render(root, obj)
    render_opts = options["renderOpts"]
    if js_truthy(render_opts) and not isinstance(render_opts, dict):
        raise XmlBuildError("TypeError: writer.document is not a function")
    return write_document(doc.nodes, WriteOptions.from_js(render_opts if isinstance(render_opts, dict) else {}))

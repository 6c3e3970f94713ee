"""XML text -> the object xml2js 0.6 builds (``parseString`` with Node-RED's options).

The shape: ``{root: {"$": {attributes}, "_": text, child: [ ... ]}}``; every child element is an
array (``explicitArray``), an element with only text is that text, an empty one ``""`` (or the
whitespace it held), numbers stay strings. The xml2js options a flow can send in ``msg.options``
as JSON are honoured: ``attrkey``, ``charkey``, ``explicitCharkey``, ``trim``, ``normalize``,
``normalizeTags``, ``explicitArray``, ``ignoreAttrs``, ``mergeAttrs``, ``explicitRoot``,
``emptyTag``, ``xmlns``, ``explicitChildren``, ``preserveChildrenOrder``, ``childkey``,
``charsAsChildren``, ``includeWhiteChars`` and ``strict`` (false: sax's lenient mode, names
upper-cased, see _xml_sax_loose.py). Function-valued options (validators, processors) cannot come
from a flow.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from flowengine.jsutil import js_truthy

from ._xml_sax import Tag, scan
from ._xml_sax_loose import scan_loose

__all__ = ["ParseOptions", "parse_xml"]

# JavaScript's \s, which String.prototype.trim removes too
_JS_WS = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
_ALL_WS = re.compile(f"[{_JS_WS}]*")
_WS_RUNS = re.compile(f"[{_JS_WS}]{{2,}}")


def js_trim(text: str) -> str:
    """``String.prototype.trim``."""
    return text.strip(_JS_WS)


@dataclass(frozen=True)
class ParseOptions:
    """xml2js parser options (its 0.2 defaults), read with JavaScript truthiness."""

    attrkey: str = "$"
    charkey: str = "_"
    explicit_charkey: bool = False
    trim: bool = False
    normalize: bool = False
    normalize_tags: bool = False
    explicit_array: bool = True
    ignore_attrs: bool = False
    merge_attrs: bool = False
    explicit_root: bool = True
    empty_tag: Any = ""
    xmlns: bool = False
    explicit_children: bool = False
    preserve_children_order: bool = False
    childkey: str = "$$"
    chars_as_children: bool = False
    include_white_chars: bool = False
    strict: bool = True

    @classmethod
    def from_js(cls, options: dict[str, Any]) -> ParseOptions:
        """Options from a ``msg.options`` object (already holding Node-RED's attrkey/charkey)."""
        def flag(name: str, default: bool) -> bool:
            return js_truthy(options[name]) if name in options else default

        def key(name: str, default: str) -> str:
            value = options.get(name, default)
            return value if isinstance(value, str) else str(value)

        return cls(
            attrkey=key("attrkey", "$"), charkey=key("charkey", "_"),
            explicit_charkey=flag("explicitCharkey", False), trim=flag("trim", False),
            normalize=flag("normalize", False), normalize_tags=flag("normalizeTags", False),
            explicit_array=flag("explicitArray", True), ignore_attrs=flag("ignoreAttrs", False),
            merge_attrs=flag("mergeAttrs", False), explicit_root=flag("explicitRoot", True),
            empty_tag=options.get("emptyTag", ""), xmlns=flag("xmlns", False),
            explicit_children=flag("explicitChildren", False),
            preserve_children_order=flag("preserveChildrenOrder", False),
            childkey=key("childkey", "$$"), chars_as_children=flag("charsAsChildren", False),
            include_white_chars=flag("includeWhiteChars", False), strict=flag("strict", True),
        )


class _Builder:
    """xml2js's ``onopentag`` / ``onclosetag`` / ``ontext`` handlers, as a sax sink."""

    def __init__(self, options: ParseOptions) -> None:
        self.o = options
        self.stack: list[dict[str, Any]] = []
        self.result: Any = None

    def assign_or_push(self, obj: dict[str, Any], key: str, value: Any) -> None:
        if key not in obj:
            obj[key] = [value] if self.o.explicit_array else value
        else:
            if not isinstance(obj[key], list):
                obj[key] = [obj[key]]
            obj[key].append(value)

    def open_tag(self, tag: Tag) -> None:
        o = self.o
        obj: dict[str, Any] = {o.charkey: ""}
        if not o.ignore_attrs:
            for name, value in tag.attributes.items():
                if o.merge_attrs:
                    self.assign_or_push(obj, name, value)
                else:
                    obj.setdefault(o.attrkey, {})[name] = value
        obj["#name"] = tag.name.lower() if o.normalize_tags else tag.name
        if o.xmlns:
            obj[o.attrkey + "ns"] = {"uri": tag.uri, "local": tag.local}
        self.stack.append(obj)

    def text(self, data: str) -> None:
        if not self.stack:
            return
        o, top = self.o, self.stack[-1]
        top[o.charkey] += data
        if (o.explicit_children and o.preserve_children_order and o.chars_as_children
                and (o.include_white_chars or js_trim(data.replace("\\n", "")) != "")):
            # xml2js tests for a literal backslash-n here; copied as it is
            child = {"#name": "__text__", o.charkey: data}
            if o.normalize:
                child[o.charkey] = js_trim(_WS_RUNS.sub(" ", data))
            top.setdefault(o.childkey, []).append(child)

    def cdata(self, data: str) -> None:
        self.text(data)
        if self.stack:
            self.stack[-1]["cdata"] = True

    def close_tag(self) -> bool:
        o = self.o
        obj: Any = self.stack.pop()
        node_name = obj["#name"]
        if not o.explicit_children or not o.preserve_children_order:
            del obj["#name"]
        cdata = obj.get("cdata") is True
        if cdata:
            del obj["cdata"]
        parent = self.stack[-1] if self.stack else None
        empty_str = ""
        if _ALL_WS.fullmatch(obj[o.charkey]) and not cdata:
            empty_str = obj.pop(o.charkey)
        else:
            if o.trim:
                obj[o.charkey] = js_trim(obj[o.charkey])
            if o.normalize:
                obj[o.charkey] = js_trim(_WS_RUNS.sub(" ", obj[o.charkey]))
            if len(obj) == 1 and o.charkey in obj and not o.explicit_charkey:
                obj = obj[o.charkey]
        if isinstance(obj, dict) and not obj:
            obj = copy.deepcopy(o.empty_tag) if o.empty_tag != "" else empty_str
        if o.explicit_children and not o.merge_attrs and isinstance(obj, dict):
            obj = self._explicit_children(obj, parent)
        if parent is not None:
            self.assign_or_push(parent, node_name, obj)
            return False
        self.result = {node_name: obj} if o.explicit_root else obj
        return True

    def _explicit_children(self, obj: dict[str, Any], parent: dict[str, Any] | None) -> Any:
        o = self.o
        if not o.preserve_children_order:
            node: dict[str, Any] = {}
            if o.attrkey in obj:
                node[o.attrkey] = obj.pop(o.attrkey)
            if not o.chars_as_children and o.charkey in obj:
                node[o.charkey] = obj.pop(o.charkey)
            if obj:
                node[o.childkey] = obj
            return node
        if parent is not None:
            parent.setdefault(o.childkey, []).append(dict(obj))
            obj.pop("#name", None)
            if len(obj) == 1 and o.charkey in obj and not o.explicit_charkey:
                return obj[o.charkey]
        return obj


def parse_xml(text: str, options: ParseOptions) -> Any:
    """The xml2js object for ``text`` (None for blank text or a document without an element).

    Raises ``XmlSyntaxError`` with sax's message for text that is not XML."""
    if js_trim(text) == "":
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    builder = _Builder(options)
    if options.strict:
        scan(text, builder, xmlns=options.xmlns)
    else:
        scan_loose(text, builder, xmlns=options.xmlns)
    return builder.result

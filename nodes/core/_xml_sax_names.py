"""Names, entities, errors and events of the sax-js-compatible XML scanner (``_xml_sax``)."""

from __future__ import annotations

import html.entities
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from flowengine.jsutil import utf16_len

__all__ = ["XMLNS_NS", "XML_NS", "Sink", "Tag", "XmlSyntaxError", "entity", "qname"]

XML_NS = "http://www.w3.org/XML/1998/namespace"
XMLNS_NS = "http://www.w3.org/2000/xmlns/"

_START = (":_A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
          "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd")
_BODY = _START + "\u00b7\u0300-\u036f\u203f-\u2040.0-9-"
NAME_START = re.compile(f"[{_START}]")
BODY_RUN = re.compile(f"[{_BODY}]*")
ENTITY_START = re.compile(f"[#{_START}]")
ENTITY_BODY = re.compile(f"[#{_BODY}]")
TEXT_RUN = re.compile(r"[^<&]*")
QUOTED_RUN = {'"': re.compile(r'[^"&]*'), "'": re.compile(r"[^'&]*")}
CDATA_OPEN = re.compile(r"\[CDATA\[", re.IGNORECASE)
WS = " \n\r\t"
_ENTITIES = {**{k: chr(v) for k, v in html.entities.name2codepoint.items()}, "apos": "'"}

class XmlSyntaxError(ValueError):
    """The text is not XML as sax-js reads it; the message is sax's, with its position."""

    def __init__(self, reason: str, text: str, pos: int) -> None:
        char = text[pos] if pos < len(text) else ""
        upto = text[: pos + 1]
        line = upto.count("\n")
        column = 0 if char == "\n" else utf16_len(upto[upto.rfind("\n") + 1:])
        super().__init__(f"{reason}\nLine: {line}\nColumn: {column}\nChar: {char}")


@dataclass
class Tag:
    """An open element. In ``xmlns`` mode attribute values are sax's ``{name, value, prefix,
    local, uri}`` objects and ``uri``/``local`` are set."""

    name: str
    attributes: dict[str, Any] = field(default_factory=dict)
    ns: dict[str, str] = field(default_factory=dict)
    uri: str = ""
    local: str = ""


class Sink(Protocol):
    def open_tag(self, tag: Tag) -> None: ...
    def close_tag(self) -> bool:
        """Return True to stop reading (the root element is complete)."""
    def text(self, data: str) -> None: ...
    def cdata(self, data: str) -> None: ...


def qname(name: str, attribute: bool) -> tuple[str, str]:
    if attribute and name == "xmlns":
        return "xmlns", ""
    if ":" not in name:
        return "", name
    parts = name.split(":")
    return parts[0], parts[1]


def entity(name: str) -> str | None:
    """sax's ``parseEntity``: the character, or None when it is not a known entity."""
    if name in _ENTITIES:
        return _ENTITIES[name]
    lower = name.lower()
    if lower in _ENTITIES:
        return _ENTITIES[lower]
    if lower.startswith("#x"):
        digits, base, pattern = lower[2:].lstrip("0"), 16, r"[0-9a-f]+"
    elif lower.startswith("#"):
        digits, base, pattern = lower[1:].lstrip("0"), 10, r"[0-9]+"
    else:
        return None
    if not re.fullmatch(pattern, digits):
        return None
    num = int(digits, base)
    if num in (0x9, 0xA, 0xD) or 0x20 <= num <= 0xD7FF or 0xE000 <= num <= 0xFFFD or 0x10000 <= num <= 0x10FFFF:
        return chr(num)
    return None

"""sax-js out of strict mode (xml2js option ``strict: false``): the same events as the strict
scanner (``_xml_sax``) for well-formed XML, and sax's lenient reading of the rest.

What sax does differently when not strict, copied here:

* element and attribute names are upper-cased (``<root a="1">`` gives ``ROOT`` with ``A``);
* text before the root element is allowed (and ignored by xml2js); a ``<`` not starting a tag,
  ``&`` not starting a known entity, an unmatched or empty end tag are kept as text;
* attributes may be unquoted (``a=1``) or have no value (``<input checked>``: the value is the
  name; before another attribute: ``""``), and need no whitespace between them;
* an end tag closes every element opened after the element it names (``<a><b></a>``);
* ``<script>`` content is raw text up to ``</script>``, reported to no one (xml2js drops it);
* ``<!-- a -- b -->`` is a comment.

The one error left is "Unexpected end" (the text ends inside a tag, comment or declaration). A
document whose root element is not closed gives no object (xml2js's result stays null).
"""

from __future__ import annotations

from ._xml_sax import (
    ATTRIB,
    ATTRIB_NAME,
    ATTRIB_NAME_SAW_WHITE,
    ATTRIB_VALUE,
    ATTRIB_VALUE_CLOSED,
    ATTRIB_VALUE_ENTITY_Q,
    ATTRIB_VALUE_QUOTED,
    BEGIN,
    CDATA,
    CDATA_ENDING,
    CLOSE_TAG,
    CLOSE_TAG_SAW_WHITE,
    COMMENT,
    COMMENT_ENDING,
    MARKUP,
    OPEN_TAG,
    OPEN_TAG_SLASH,
    OPEN_WAKA,
    PROC_INST,
    SGML_DECL,
    TEXT,
    TEXT_ENTITY,
    Scanner,
)
from ._xml_sax_names import BODY_RUN, ENTITY_BODY, ENTITY_START, NAME_START, WS, Sink, entity

__all__ = ["scan_loose"]

# the states only the lenient reading has (the strict scanner numbers its own from 0)
BEGIN_WS, ATTRIB_VALUE_UNQUOTED, ATTRIB_VALUE_ENTITY_U, SCRIPT, SCRIPT_ENDING = range(100, 105)
_ENTITY_RETURN = {TEXT_ENTITY: TEXT, ATTRIB_VALUE_ENTITY_Q: ATTRIB_VALUE_QUOTED,
                  ATTRIB_VALUE_ENTITY_U: ATTRIB_VALUE_UNQUOTED}


def _name_body(c: str) -> bool:
    run = BODY_RUN.match(c)
    return run is not None and run.end() == 1


class _LooseScanner(Scanner):
    """sax's ``write()`` loop with ``strict`` false, one character at a time; declarations,
    comments, CDATA and processing instructions are read by the strict scanner's ``markup_step``."""

    def __init__(self, text: str, sink: Sink, xmlns: bool) -> None:
        super().__init__(text, sink, xmlns, strict=False)
        self.script = ""
        self.waka_at = 0  # where the last "<" was, for sax's padding of an unencoded "<"
        self.done = False

    def run(self) -> None:
        state = BEGIN
        for i, c in enumerate(self.t):
            self.pos = i
            state = self.step(state, c, i)
            if self.done:
                return
        if state not in (BEGIN, BEGIN_WS, TEXT):
            raise self.fail("Unexpected end", len(self.t))
        self.flush()

    def step(self, state: int, c: str, i: int) -> int:
        if state == BEGIN and c == "\ufeff":
            return BEGIN_WS
        if state in (BEGIN, BEGIN_WS):
            if c == "<":
                self.waka_at = i
                return OPEN_WAKA
            if c in WS:
                return BEGIN_WS
            self.text_node = c
            return TEXT
        if state == TEXT:
            if c == "<":
                self.waka_at = i
                return OPEN_WAKA
            if c == "&":
                return self.start_entity(TEXT_ENTITY)
            self.text_node += c
            return TEXT
        if state in _ENTITY_RETURN:
            return self.entity_step(state, c)
        if state == OPEN_WAKA:
            if c == "!":
                self.sgml = ""
                return SGML_DECL
            if c in WS:
                return state
            if NAME_START.match(c):
                self.tag_name = c
                return OPEN_TAG
            if c == "/":
                self.tag_name = ""
                return CLOSE_TAG
            if c == "?":
                self.pi_body = ""
                return PROC_INST
            self.text_node += "<" + " " * max(i - self.waka_at - 1, 0) + c
            return TEXT
        if state in (COMMENT, CDATA):
            if c == ("-" if state == COMMENT else "]"):
                return COMMENT_ENDING if state == COMMENT else CDATA_ENDING
            if state == COMMENT:
                self.comment += c
            else:
                self.cdata += c
            return state
        if state in MARKUP:
            after = self.markup_step(state, c)
            if after == OPEN_WAKA:  # a "<" inside a doctype's internal subset
                self.waka_at = i
            return after
        if state in (SCRIPT, SCRIPT_ENDING):
            if state == SCRIPT_ENDING and c == "/":
                return CLOSE_TAG
            if c == "<" and state == SCRIPT:
                return SCRIPT_ENDING
            self.script += ("<" + c) if state == SCRIPT_ENDING else c
            return SCRIPT
        if state in (CLOSE_TAG, CLOSE_TAG_SAW_WHITE):
            return self.close_step(state, c)
        return self.tag_step(state, c)

    # --- text and entities ---
    def start_entity(self, state: int) -> int:
        self.entity = ""
        return state

    def entity_step(self, state: int, c: str) -> int:
        back = _ENTITY_RETURN[state]
        if c == ";":
            value = entity(self.entity)
            self.add(back, value if value is not None else "&" + self.entity + ";")
            self.entity = ""
            return back
        if (ENTITY_BODY if self.entity else ENTITY_START).match(c):
            self.entity += c
            return state
        self.add(back, "&" + self.entity + c)
        self.entity = ""
        return back

    def add(self, state: int, text: str) -> None:
        if state == TEXT:
            self.text_node += text
        else:
            self.attrib_value += text

    # --- start tags and attributes ---
    def tag_step(self, state: int, c: str) -> int:
        if state == OPEN_TAG:
            if _name_body(c):
                self.tag_name += c
                return state
            self.new_tag()
            if c == ">":
                return self.opened(False)
            return OPEN_TAG_SLASH if c == "/" else ATTRIB
        if state == OPEN_TAG_SLASH:
            if c != ">":
                return ATTRIB
            self.opened(True)
            return self.closed()
        if state in (ATTRIB, ATTRIB_VALUE_CLOSED):
            if c in WS:
                return ATTRIB
            if c == ">":
                return self.opened(False)
            if c == "/":
                return OPEN_TAG_SLASH
            if NAME_START.match(c):
                self.attrib_name, self.attrib_value = c, ""
                return ATTRIB_NAME
            return state
        if state == ATTRIB_NAME:
            if c == "=":
                return ATTRIB_VALUE
            if c == ">":  # <input checked>: the value is the name
                self.attrib_value = self.attrib_name
                self.attrib()
                return self.opened(False)
            if c in WS:
                return ATTRIB_NAME_SAW_WHITE
            if _name_body(c):
                self.attrib_name += c
            return state
        if state == ATTRIB_NAME_SAW_WHITE:
            if c == "=":
                return ATTRIB_VALUE
            if c in WS:
                return state
            assert self.tag is not None
            self.tag.attributes[self.attrib_name] = ""  # sax sets it as written, neither cased nor checked
            self.attrib_name = self.attrib_value = ""
            if c == ">":
                return self.opened(False)
            if NAME_START.match(c):
                self.attrib_name = c
                return ATTRIB_NAME
            return ATTRIB
        if state == ATTRIB_VALUE:
            if c in WS:
                return state
            if c in "\"'":
                self.quote = c
                return ATTRIB_VALUE_QUOTED
            self.attrib_value = c
            return ATTRIB_VALUE_UNQUOTED
        if state == ATTRIB_VALUE_QUOTED:
            if c != self.quote:
                if c == "&":
                    return self.start_entity(ATTRIB_VALUE_ENTITY_Q)
                self.attrib_value += c
                return state
            self.attrib()
            self.quote = ""
            return ATTRIB_VALUE_CLOSED
        # ATTRIB_VALUE_UNQUOTED
        if c != ">" and c not in WS:
            if c == "&":
                return self.start_entity(ATTRIB_VALUE_ENTITY_U)
            self.attrib_value += c
            return state
        self.attrib()
        return self.opened(False) if c == ">" else ATTRIB

    def opened(self, self_closing: bool) -> int:
        name = self.tag_name
        self.open_tag(self_closing)
        if not self_closing and name.lower() == "script":
            return SCRIPT
        return TEXT

    # --- end tags ---
    def close_step(self, state: int, c: str) -> int:
        if state == CLOSE_TAG_SAW_WHITE:
            if c in WS:
                return state
            return self.closed() if c == ">" else state
        if not self.tag_name:
            if c in WS:
                return state
            if not NAME_START.match(c):
                if self.script:
                    self.script += "</" + c
                    return SCRIPT
                return state
            self.tag_name = c
            return state
        if c == ">":
            return self.closed()
        if _name_body(c):
            self.tag_name += c
            return state
        if self.script:
            self.script += "</" + self.tag_name + c
            self.tag_name = ""
            return SCRIPT
        return CLOSE_TAG_SAW_WHITE

    def closed(self) -> int:
        """sax's ``closeTag`` out of strict mode."""
        if not self.tag_name:
            self.text_node += "</>"
            return TEXT
        if self.script:
            if self.tag_name != "script":
                self.script += "</" + self.tag_name + ">"
                self.tag_name = ""
                return SCRIPT
            self.flush()  # the script itself goes to no one
            self.script = ""
        name = self.tag_name.upper()
        depth = next((k for k in range(len(self.tags) - 1, -1, -1) if self.tags[k].name == name), -1)
        if depth < 0:
            self.text_node += "</" + self.tag_name + ">"
            self.tag_name = ""
            return TEXT
        self.flush()
        while len(self.tags) > depth:
            self.tags.pop()
            if self.sink.close_tag():
                self.done = True
                return TEXT
        self.tag_name = ""
        return TEXT


def scan_loose(text: str, sink: Sink, xmlns: bool = False) -> None:
    """Read ``text`` as sax-js does with ``strict`` false, feeding ``sink``; stops after the root."""
    _LooseScanner(text, sink, xmlns).run()

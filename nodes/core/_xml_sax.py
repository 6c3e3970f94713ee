"""A strict XML scanner with the rules of sax-js, the parser under xml2js and so under Node-RED's
xml node: what it accepts, the events it gives and the error texts and positions it reports.

Why not expat: xml2js documents differ from what an XML processor reports. Carriage returns and
tabs/newlines in attribute values are kept, HTML 4 named entities (``&nbsp;``, ``&eacute;``) are
known, the first of two equal attributes wins, ``< a>`` and ``</ a>`` are accepted, and reading
stops at the end of the root element (anything after it is ignored). Errors read
``"Unexpected close tag\\nLine: 0\\nColumn: 8\\nChar: >"``, as users of Node-RED see them.

Safe by construction: nothing is expanded or fetched. A DOCTYPE (internal subset included) is
skipped; an entity reference resolves only against the fixed XML + HTML 4 table or as a character
reference, so an entity the DTD declares (internal or ``SYSTEM``) is refused with sax's
"Invalid character entity" error, which is what Node-RED answers too.

Events go to a :class:`Sink`; the first error raises :class:`XmlSyntaxError` (xml2js reports
only the first one).
"""

from __future__ import annotations

from ._xml_sax_names import (
    BODY_RUN,
    CDATA_OPEN,
    ENTITY_BODY,
    ENTITY_START,
    NAME_START,
    QUOTED_RUN,
    TEXT_RUN,
    WS,
    Sink,
    Tag,
    XmlSyntaxError,
    entity,
)
from ._xml_sax_tags import TEXT as TAG_TEXT
from ._xml_sax_tags import TagScanner

__all__ = ["MARKUP", "Scanner", "Sink", "Tag", "XmlSyntaxError", "scan"]

# states (sax.STATE names)
(BEGIN, TEXT, TEXT_ENTITY, OPEN_WAKA, SGML_DECL, SGML_DECL_QUOTED, DOCTYPE, DOCTYPE_QUOTED,
 DOCTYPE_DTD, DOCTYPE_DTD_QUOTED, COMMENT, COMMENT_ENDING, COMMENT_ENDED, CDATA, CDATA_ENDING,
 CDATA_ENDING_2, PROC_INST, PROC_INST_BODY, PROC_INST_ENDING, OPEN_TAG, OPEN_TAG_SLASH, ATTRIB,
 ATTRIB_NAME, ATTRIB_NAME_SAW_WHITE, ATTRIB_VALUE, ATTRIB_VALUE_QUOTED, ATTRIB_VALUE_CLOSED,
 ATTRIB_VALUE_ENTITY_Q, CLOSE_TAG, CLOSE_TAG_SAW_WHITE) = range(30)
assert TEXT == TAG_TEXT  # the tag side returns this state after a start tag
MARKUP = frozenset({SGML_DECL, SGML_DECL_QUOTED, DOCTYPE, DOCTYPE_QUOTED, DOCTYPE_DTD, DOCTYPE_DTD_QUOTED,
                    COMMENT_ENDING, COMMENT_ENDED, CDATA_ENDING, CDATA_ENDING_2, PROC_INST, PROC_INST_BODY,
                    PROC_INST_ENDING})
"""The states the strict and the loose scanner read alike (``Scanner.markup_step``)."""


class Scanner(TagScanner):
    """sax's ``write()`` loop: the character states."""

    def run(self) -> None:
        t, n, i, state = self.t, len(self.t), 0, BEGIN
        while i < n:
            c = t[i]
            if state == TEXT and self.saw_root:
                run = TEXT_RUN.match(t, i)
                assert run is not None
                self.text_node += run.group()
                i = run.end()
                if i >= n:
                    break
                c = t[i]
                if c == "<":
                    state = OPEN_WAKA
                else:
                    state, self.entity, self.entity_return = TEXT_ENTITY, "", TEXT
            elif state in (BEGIN, TEXT):
                if c == "<":
                    state = OPEN_WAKA
                elif c not in WS:
                    raise self.fail("Non-whitespace before first tag." if state == BEGIN
                                    else "Text data outside of root node.", i)
                elif state == TEXT:
                    self.text_node += c
            elif state == OPEN_WAKA:
                if c == "!":
                    state, self.sgml = SGML_DECL, ""
                elif c in WS:
                    pass
                elif NAME_START.match(c):
                    state, self.tag_name = OPEN_TAG, c
                elif c == "/":
                    state, self.tag_name = CLOSE_TAG, ""
                elif c == "?":
                    state, self.pi_body = PROC_INST, ""
                else:
                    raise self.fail("Unencoded <", i)
            elif state in (OPEN_TAG, ATTRIB_NAME) or (state == CLOSE_TAG and self.tag_name):
                run = BODY_RUN.match(t, i)
                assert run is not None
                if state == ATTRIB_NAME:
                    self.attrib_name += run.group()
                else:
                    self.tag_name += run.group()
                i = run.end()
                if i >= n:
                    break
                self.pos = i
                state = self.after_name(state, t[i], i)
            elif state in (ATTRIB_VALUE_QUOTED, COMMENT, CDATA):
                if state == ATTRIB_VALUE_QUOTED:
                    run = QUOTED_RUN[self.quote].match(t, i)
                    assert run is not None
                    self.attrib_value += run.group()
                    i = run.end()
                else:
                    stop = "-" if state == COMMENT else "]"
                    j = t.find(stop, i)
                    j = n if j < 0 else j
                    if state == COMMENT:
                        self.comment += t[i:j]
                    else:
                        self.cdata += t[i:j]
                    i = j
                if i >= n:
                    break
                self.pos = i
                state = self.after_run(state, t[i])
            else:
                self.pos = i
                state = self.step(state, c, i)
            if state < 0:
                return
            i += 1
        if self.saw_root:
            raise self.fail("Unclosed root tag", n)
        if state not in (BEGIN, TEXT):
            raise self.fail("Unexpected end", n)
        self.flush()

    def after_name(self, state: int, c: str, i: int) -> int:
        if state == OPEN_TAG:
            self.new_tag()
            if c == ">":
                return self.open_tag(False)
            if c == "/":
                return OPEN_TAG_SLASH
            if c not in WS:
                raise self.fail("Invalid character in tag name", i)
            return ATTRIB
        if state == ATTRIB_NAME:
            if c == "=":
                return ATTRIB_VALUE
            if c == ">":
                raise self.fail("Attribute without value", i)
            if c in WS:
                return ATTRIB_NAME_SAW_WHITE
            raise self.fail("Invalid attribute name", i)
        if c == ">":
            return self.close_tag(i)
        if c not in WS:
            raise self.fail("Invalid tagname in closing tag", i)
        return CLOSE_TAG_SAW_WHITE

    def after_run(self, state: int, c: str) -> int:
        if state == ATTRIB_VALUE_QUOTED:
            if c == "&":
                self.entity, self.entity_return = "", ATTRIB_VALUE_QUOTED
                return ATTRIB_VALUE_ENTITY_Q
            self.attrib()
            self.quote = ""
            return ATTRIB_VALUE_CLOSED
        return COMMENT_ENDING if state == COMMENT else CDATA_ENDING

    def step(self, state: int, c: str, i: int) -> int:
        if state in (TEXT_ENTITY, ATTRIB_VALUE_ENTITY_Q):
            if c == ";":
                value = entity(self.entity)
                if value is None:
                    raise self.fail("Invalid character entity", i)
                if state == TEXT_ENTITY:
                    self.text_node += value
                else:
                    self.attrib_value += value
                return self.entity_return
            if (ENTITY_BODY if self.entity else ENTITY_START).match(c):
                self.entity += c
                return state
            raise self.fail("Invalid character in entity name", i)
        if state in MARKUP:
            return self.markup_step(state, c)
        if state == OPEN_TAG_SLASH:
            if c != ">":
                raise self.fail("Forward-slash in opening tag not followed by >", i)
            self.open_tag(True)
            return self.close_tag(i)
        if state in (ATTRIB, ATTRIB_VALUE_CLOSED):
            if c in WS:
                return ATTRIB
            if c == ">":
                return self.open_tag(False)
            if c == "/":
                return OPEN_TAG_SLASH
            if state == ATTRIB and NAME_START.match(c):
                self.attrib_name, self.attrib_value = c, ""
                return ATTRIB_NAME
            if NAME_START.match(c):
                raise self.fail("No whitespace between attributes", i)
            raise self.fail("Invalid attribute name", i)
        if state == ATTRIB_NAME_SAW_WHITE:
            if c == "=":
                return ATTRIB_VALUE
            if c in WS:
                return state
            raise self.fail("Attribute without value", i)
        if state == ATTRIB_VALUE:
            if c in WS:
                return state
            if c in "\"'":
                self.quote = c
                return ATTRIB_VALUE_QUOTED
            raise self.fail("Unquoted attribute value", i)
        if state == CLOSE_TAG:  # no name yet
            if c in WS:
                return state
            if not NAME_START.match(c):
                raise self.fail("Invalid tagname in closing tag.", i)
            self.tag_name = c
            return state
        # CLOSE_TAG_SAW_WHITE
        if c in WS:
            return state
        if c == ">":
            return self.close_tag(i)
        raise self.fail("Invalid characters in closing tag", i)

    def markup_step(self, state: int, c: str) -> int:
        """Declarations, doctype, comment and CDATA ends, processing instructions: the states both
        scanners (strict and loose) read alike."""
        if state == SGML_DECL:
            decl = self.sgml + c
            if decl == "--":
                self.comment = self.sgml = ""
                return COMMENT
            if isinstance(self.doctype, str) and self.doctype and self.sgml:
                self.doctype += "<!" + decl
                self.sgml = ""
                return DOCTYPE_DTD
            if CDATA_OPEN.fullmatch(decl):
                self.flush()
                self.cdata = self.sgml = ""
                return CDATA
            if decl.upper() == "DOCTYPE":
                if self.doctype or self.saw_root:
                    self.strict_fail("Inappropriately located doctype declaration")
                self.doctype = self.sgml = ""
                return DOCTYPE
            if c == ">":
                self.flush()
                self.sgml = ""
                return TEXT
            self.sgml = decl
            return SGML_DECL_QUOTED if c in "\"'" else SGML_DECL
        if state == SGML_DECL_QUOTED:
            # sax never sets the closing quote here, so such a declaration never ends (copied as is)
            self.sgml += c
            return state
        if state in (DOCTYPE, DOCTYPE_QUOTED, DOCTYPE_DTD, DOCTYPE_DTD_QUOTED):
            return self.doctype_step(state, c)
        if state == COMMENT_ENDING:
            if c == "-":
                if self.comment:
                    self.flush()
                self.comment = ""
                return COMMENT_ENDED
            self.comment += "-" + c
            return COMMENT
        if state == COMMENT_ENDED:
            if c != ">":  # out of strict mode "<!-- a -- b -->" is one comment
                self.strict_fail("Malformed comment")
                self.comment += "--" + c
                return COMMENT
            return DOCTYPE_DTD if isinstance(self.doctype, str) and self.doctype else TEXT
        if state == CDATA_ENDING:
            if c == "]":
                return CDATA_ENDING_2
            self.cdata += "]" + c
            return CDATA
        if state == CDATA_ENDING_2:
            if c == ">":
                if self.cdata:
                    self.sink.cdata(self.cdata)
                self.cdata = ""
                return TEXT
            if c == "]":
                self.cdata += "]"
                return state
            self.cdata += "]]" + c
            return CDATA
        if state in (PROC_INST, PROC_INST_BODY, PROC_INST_ENDING):
            return self.pi_step(state, c)
        raise AssertionError(f"not a markup state: {state}")

    def doctype_step(self, state: int, c: str) -> int:
        doctype = self.doctype if isinstance(self.doctype, str) else ""
        if state == DOCTYPE:
            if c == ">":
                self.flush()
                self.doctype = True
                return TEXT
            self.doctype = doctype + c
            if c == "[":
                return DOCTYPE_DTD
            if c in "\"'":
                self.quote = c
                return DOCTYPE_QUOTED
            return state
        if state == DOCTYPE_DTD:
            if c == "<":
                return OPEN_WAKA
            self.doctype = doctype + c
            if c == "]":
                return DOCTYPE
            if c in "\"'":
                self.quote = c
                return DOCTYPE_DTD_QUOTED
            return state
        self.doctype = doctype + c
        if c == self.quote:
            self.quote = ""
            return DOCTYPE if state == DOCTYPE_QUOTED else DOCTYPE_DTD
        return state

    def pi_step(self, state: int, c: str) -> int:
        if state == PROC_INST:
            return PROC_INST_ENDING if c == "?" else PROC_INST_BODY if c in WS else state
        if state == PROC_INST_BODY:
            if c == "?":
                return PROC_INST_ENDING
            if self.pi_body or c not in WS:
                self.pi_body += c
            return state
        if c == ">":
            self.flush()
            self.pi_body = ""
            return TEXT
        self.pi_body += "?" + c
        return PROC_INST_BODY

def scan(text: str, sink: Sink, xmlns: bool = False) -> None:
    """Read ``text`` as sax-js does in strict mode, feeding ``sink``; stops after the root element."""
    Scanner(text, sink, xmlns).run()

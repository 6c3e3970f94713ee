"""CSS selection over a lexbor document, with the jQuery extensions cheerio-select adds.

lexbor's selector engine covers CSS selectors level 4 (``:has``, ``:is``, ``:not``,
``:nth-child(An+B of S)``, attribute operators...). On top of it, as cheerio does:

* ``:contains(text)`` / ``:icontains(text)``: the element's text (all descendants, script
  included) holds ``text``. lexbor's own ``:lexbor-contains`` reads only direct text, so the
  matching elements are marked with a temporary attribute that the selector then names;
* the set filters ``:first``, ``:last``, ``:eq(n)``, ``:nth(n)``, ``:gt(n)``, ``:lt(n)``,
  ``:even``, ``:odd`` at the end of a selector. Followed by more selector text they match
  nothing, as in cheerio-select 1.6 (``ul:first li`` gives ``[]`` in Node-RED);
* the form and heading shorthands ``:header``, ``:button``, ``:input``, ``:text``, ``:checkbox``,
  ``:radio``, ``:file``, ``:password``, ``:submit``, ``:reset``, ``:image``, ``:parent``,
  ``:selected``.

The result is every element once, in document order. Elements inside ``<template>`` content are
searched too, as cheerio does (lexbor keeps them in a separate fragment: each fragment is searched
on its own, so a combinator does not reach from a template's content to the elements around it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowengine.lazy_module import lazy_module

from ._html_render import children

if TYPE_CHECKING:
    from selectolax import lexbor
else:
    lexbor = lazy_module("selectolax.lexbor")  # loaded by the first document parsed (flowengine.lazy_module)

__all__ = ["SelectorError", "scopes", "select"]

_ALIASES = {
    "header": ":is(h1, h2, h3, h4, h5, h6)",
    "button": ":is(button, input[type=button])",
    "input": ":is(input, textarea, select, button)",
    "text": ":is(input:not([type]), input[type=''], input[type=text])",
    "checkbox": "[type=checkbox]", "radio": "[type=radio]", "file": "[type=file]",
    "password": "[type=password]", "submit": "[type=submit]", "reset": "[type=reset]",
    "image": "[type=image]", "parent": ":not(:empty)", "selected": ":is(option[selected])",
}
_MARK = "data-flowengine-contains-"
_NESTING = ("not", "is", "has", "where", "matches")
_POSITIONAL = ("first", "last", "eq", "nth", "gt", "lt", "even", "odd")
# a pseudo-class (with its argument), or anything the scanner must step over whole
_TOKEN = re.compile(r"""\\.|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\[[^\]]*\]|:([\w-]+)(\()?|[(),]|\s*[>+~]\s*|\s+""")


class SelectorError(ValueError):
    """The selector cannot be used."""


def _argument(text: str, start: int) -> tuple[str, int]:
    """The text inside the parentheses opening at ``start``, and the index after the ``)``."""
    depth, i = 1, start
    while i < len(text):
        c = text[i]
        if c in "\"'":
            end = text.find(c, i + 1)
            i = len(text) if end < 0 else end
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return text[start:i], i + 1
        i += 1
    raise SelectorError("Parenthesis not matched")


def _unquote(arg: str) -> str:
    arg = arg.strip()
    if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "\"'":
        return arg[1:-1]
    return arg


@dataclass
class _Group:
    """One comma-separated selector: lexbor's part, then the set filters at its end."""

    css: str = ""
    filters: list[tuple[str, str]] = field(default_factory=list)
    dead: bool = False  # a set filter followed by more selector: cheerio-select matches nothing


def _parse(selector: str, needles: list[tuple[str, bool]]) -> list[_Group]:
    """Split ``selector`` into groups, translating the extensions; ``:contains`` arguments are
    appended to ``needles`` and become ``[data-flowengine-contains-N]``."""
    groups = [_Group()]
    i = 0
    while i < len(selector):
        group = groups[-1]
        m = _TOKEN.match(selector, i)
        token, name = (m.group(), m.group(1)) if m else (selector[i], None)
        i = m.end() if m else i + 1
        arg = ""
        if m and m.group(2):
            arg, i = _argument(selector, i)
        if token == ",":
            groups.append(_Group())
        elif name is not None and name.lower() in _POSITIONAL:
            group.filters.append((name.lower(), arg))
        elif group.filters and not token.isspace():
            group.dead = True
        elif name is not None and name.lower() in ("contains", "icontains"):
            needles.append((_unquote(arg), name.lower() == "icontains"))
            group.css += f"[{_MARK}{len(needles) - 1}]"
        elif name is not None and name.lower() in _ALIASES and not m.group(2):  # type: ignore[union-attr]
            group.css += _ALIASES[name.lower()]
        elif not group.filters:
            if name is not None and name.lower() in _NESTING and m and m.group(2):
                inner = _parse(arg, needles)
                if any(g.filters or g.dead for g in inner):
                    raise SelectorError(f":{name}() cannot hold :first, :eq() and the like")
                arg = ", ".join(g.css for g in inner)
            group.css += token + (arg + ")" if m and m.group(2) else "")
    return groups


def _filter(nodes: list[Any], name: str, arg: str) -> list[Any]:
    """cheerio-select's set filters."""
    if name == "first":
        return nodes[:1]
    if name == "last":
        return nodes[-1:]
    if name in ("even", "odd"):
        return nodes[name == "odd"::2]
    try:
        num = int(arg.strip())
    except ValueError:
        raise SelectorError(f":{name} needs a whole number, not {arg!r}") from None
    if num < 0:
        num += len(nodes)
    if name in ("eq", "nth"):
        return [nodes[num]] if 0 <= num < len(nodes) else []
    if name == "gt":
        return nodes[max(num + 1, 0):]
    return nodes[:max(num, 0)]


def _unique(nodes: list[Any]) -> list[Any]:
    seen: set[int] = set()
    out = []
    for node in nodes:
        if node.mem_id not in seen:
            seen.add(node.mem_id)
            out.append(node)
    return out


def _css(document: Any, css: str) -> list[Any]:
    """The matches in the document and in every template's content, each once, in document order."""
    where = scopes(document)
    try:
        found = [node for scope in where for node in scope.css(css.strip() or "*")]
    except lexbor.SelectolaxError:
        raise SelectorError(f"Invalid CSS selector: {css.strip()}") from None
    if len(where) == 1:
        return _unique(found)
    order = {n.mem_id: i for i, n in enumerate(_walk(document.root))}
    return sorted(_unique(found), key=lambda n: order.get(n.mem_id, 0))


def scopes(document: Any) -> list[Any]:
    """The document and the content fragment of every template in it (nested ones too)."""
    scopes = [document]
    stack = list(document.css("template"))
    while stack:
        for fragment in stack.pop().template_fragments()[:1]:
            scopes.append(fragment)
            stack.extend(fragment.css("template"))
    return scopes


def _walk(node: Any) -> list[Any]:
    """Every element under ``node`` in document order, template contents included."""
    out: list[Any] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(k for k in reversed(list(children(current))) if k.is_element_node)
    return out


def _mark(document: Any, needles: list[tuple[str, bool]]) -> list[tuple[Any, str]]:
    """Give every element whose text holds a needle that needle's attribute (css-select's
    ``:contains`` reads the whole descendant text)."""
    marked: list[tuple[Any, str]] = []
    texts: dict[int, str] = {}
    stack: list[tuple[Any, bool]] = [(document.root, False)]
    while stack:
        node, done = stack.pop()
        kids = list(children(node))
        if not done:
            stack.append((node, True))
            stack.extend((k, False) for k in kids if k.is_element_node)
            continue
        text = "".join(texts.pop(k.mem_id, "") if k.is_element_node else (k.text_content or "")
                       for k in kids if not k.is_comment_node)
        texts[node.mem_id] = text
        for index, (needle, fold) in enumerate(needles):
            if needle.lower() in text.lower() if fold else needle in text:
                node.attrs[f"{_MARK}{index}"] = ""
                marked.append((node, f"{_MARK}{index}"))
    return marked


def select(document: Any, selector: str) -> list[Any]:
    """The elements of ``document`` (a ``LexborHTMLParser``) that ``selector`` matches."""
    if not selector.strip():
        return []
    needles: list[tuple[str, bool]] = []
    groups = _parse(selector, needles)
    marked = _mark(document, needles) if needles else []
    try:
        if not any(g.filters or g.dead for g in groups):
            return _css(document, ", ".join(g.css for g in groups))
        found: list[Any] = []
        for group in groups:
            if group.dead:
                continue
            nodes = _css(document, group.css)
            for name, arg in group.filters:
                nodes = _filter(nodes, name, arg)
            found.extend(nodes)
        order = {n.mem_id: i for i, n in enumerate(_walk(document.root))}
        return sorted(_unique(found), key=lambda n: order.get(n.mem_id, 0))
    finally:
        for node, attr in marked:
            del node.attrs[attr]

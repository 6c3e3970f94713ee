"""HTML source as cheerio's parser (parse5, scripting enabled) reads ``<noscript>``.

With scripting enabled, parse5 reads a ``<noscript>`` element's content as raw text: cheerio's
``$('noscript').text()`` is its markup as written, and nothing inside it is an element that a
selector finds. lexbor parses with scripting disabled (the content becomes elements, and in
``<head>`` text moves out into the body) and has no switch for it. So ``lift_noscript`` takes that
content out of the source, leaving each ``<noscript>`` empty with a numbered marker attribute, and
``restore_noscript`` puts it back into the parsed tree as one text node.

The scan steps over comments and over the content of the elements whose text is never markup
(script, style, textarea, title...), so a ``<noscript>`` written inside those stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["lift_noscript", "restore_noscript"]

MARK = "data-flowengine-noscript"
_RAW = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript")
_OPEN = re.compile(r"<!--|<(" + "|".join(_RAW) + r")(?=[\s/>])", re.IGNORECASE)
_TAG_END = re.compile(r"""(?:"[^"]*"|'[^']*'|[^'">])*>""")


def lift_noscript(source: str) -> tuple[str, list[str]]:
    """``source`` with every ``<noscript>`` emptied and marked, and the contents taken out."""
    if "noscript" not in source.lower():
        return source, []
    out: list[str] = []
    lifted: list[str] = []
    pos = 0
    while (m := _OPEN.search(source, pos)) is not None:
        if m.group(0) == "<!--":
            end = source.find("-->", m.end())
            stop = len(source) if end < 0 else end + 3
            out.append(source[pos:stop])
            pos = stop
            continue
        name = m.group(1).lower()
        tag = _TAG_END.match(source, m.end())
        if tag is None:  # an unfinished start tag: the rest is not markup parse5 would read
            break
        start = tag.end()
        close = re.compile(rf"</{name}(?=[\s/>])", re.IGNORECASE).search(source, start)
        end = len(source) if close is None else close.start()
        if name == "noscript":
            head = source[pos:start - 1]
            slash = head.endswith("/")
            out.append(f'{head[:-1] if slash else head} {MARK}="{len(lifted)}"{"/" if slash else ""}>')
            lifted.append(source[start:end])
        else:
            out.append(source[pos:end])
        pos = end
    out.append(source[pos:])
    return "".join(out), lifted


def restore_noscript(scopes: Iterable[Any], lifted: list[str]) -> None:
    """Put each lifted content back as the text of its ``<noscript>`` (in the document and the
    template contents ``scopes``), removing the markers."""
    if not lifted:
        return
    for scope in scopes:
        for node in scope.css(f"noscript[{MARK}]"):
            index = int(node.attrs.get(MARK) or 0)
            del node.attrs[MARK]
            if 0 <= index < len(lifted) and lifted[index]:
                node.insert_child(lifted[index])

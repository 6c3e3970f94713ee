"""JavaScript regular expressions and ``String.prototype.replace`` in Python.

Node-RED's change and switch nodes take JavaScript regex source from the flow file. Python's
``re`` accepts almost all of it; the differences that matter are named groups (``(?<n>..)``,
``\\k<n>``) and the replacement-string syntax (``$&``, ``$1``, ``$<n>``, ``$$``).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["escape_js_regex", "js_regex", "js_replace"]

_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "u": 0, "g": 0, "y": 0, "d": 0}
_SPECIAL = re.compile(r"[-\[\]{}()*+?.,\\^$|#\s]")
_REPL_TOKEN = re.compile(r"\$(\$|&|`|'|\d{1,2}|<[^>]*>)")


def escape_js_regex(text: str) -> str:
    """Escape ``text`` the way the change node escapes a plain-string "from" value."""
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def js_regex(source: str, flags: str = "") -> re.Pattern[str]:
    """Compile JavaScript regex ``source`` with JS ``flags``; raises ``re.error`` when invalid."""
    py_flags = 0
    for f in flags:
        py_flags |= _FLAGS.get(f, 0)
    return re.compile(_translate(source), py_flags)


def _translate(source: str) -> str:
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        c = source[i]
        if c == "\\" and i + 1 < n:
            nxt = source[i + 1]
            if nxt == "k" and i + 2 < n and source[i + 2] == "<":
                end = source.find(">", i + 3)
                if end > 0:
                    out.append(f"(?P={source[i + 3 : end]})")
                    i = end + 1
                    continue
            if nxt == "d" and not in_class:
                out.append("[0-9]")
            elif nxt == "/":
                out.append("/")
            else:
                out.append(source[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            out.append(c)
        elif c == "[":
            in_class = True
            out.append(c)
        elif c == "(" and source.startswith("(?<", i) and i + 3 < n and source[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def js_replace(pattern: re.Pattern[str], text: str, replacement: str, count: int = 0) -> str:
    """``text.replace(/pattern/g, replacement)`` with JS replacement tokens (count 0 = all)."""
    if "$" not in replacement:
        return pattern.sub(lambda _m: replacement, text, count=count)

    def expand(m: re.Match[str]) -> str:
        def token(t: re.Match[str]) -> str:
            tok = t.group(1)
            if tok == "$":
                return "$"
            if tok == "&":
                return m.group(0)
            if tok == "`":
                return text[: m.start()]
            if tok == "'":
                return text[m.end() :]
            if tok.startswith("<"):
                name = tok[1:-1]
                if name in pattern.groupindex:
                    return m.group(name) or ""
                return t.group(0)
            idx = int(tok)
            if 0 < idx <= pattern.groups:
                return m.group(idx) or ""
            if len(tok) == 2 and 0 < int(tok[0]) <= pattern.groups:
                return (m.group(int(tok[0])) or "") + tok[1]
            return t.group(0)

        return _REPL_TOKEN.sub(token, replacement)

    return pattern.sub(expand, text, count=count)


def js_match(pattern: re.Pattern[str], value: Any) -> bool:
    """``String(value).match(re)`` truthiness, for already-stringified values."""
    return pattern.search(value) is not None

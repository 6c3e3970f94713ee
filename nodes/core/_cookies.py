"""Cookie text the way Node-RED's HTTP nodes read and write it (the npm ``cookie`` module).

``parse_cookie`` is ``cookie.parse``; ``response_cookies`` is the http request node's
``extractCookies`` (``msg.responseCookies`` / ``msg.redirectList[].cookies``); ``encode_value`` is
``encodeURIComponent``, the default encoder of ``cookie.serialize``; ``msg_cookies`` and
``request_jar`` give the http request node's cookies (``msg.cookies``) a per-request jar.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

import httpx

from flowengine.jsutil import js_string
from flowengine.types import UNDEFINED

__all__ = ["encode_value", "msg_cookies", "parse_cookie", "request_jar", "response_cookies"]


def encode_value(value: str) -> str:
    """JavaScript ``encodeURIComponent``."""
    return quote(value, safe="-_.!~*'()")


def parse_cookie(text: str) -> dict[str, str]:
    """``cookie.parse``: ``name=value`` pairs split on ``;`` (first one wins, quotes stripped,
    ``%XX`` decoded); parts without ``=`` (``HttpOnly``, ``Secure``) are left out."""
    out: dict[str, str] = {}
    for pair in text.split(";"):
        eq = pair.find("=")
        if eq < 0:
            continue
        key = pair[:eq].strip()
        if key in out:
            continue
        value = pair[eq + 1:].strip()
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        out[key] = _decode(value) if "%" in value else value
    return out


def _decode(value: str) -> str:
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:  # decodeURIComponent throws on bad UTF-8 and cookie.parse keeps the raw text
        return value


def response_cookies(set_cookie: list[str]) -> dict[str, dict[str, Any]]:
    """``{name: {<attribute>: value..., "value": value}}`` from ``Set-Cookie`` header values."""
    cookies: dict[str, dict[str, Any]] = {}
    for header in set_cookie:
        eq = header.find("=")
        if eq < 0:
            continue
        name = header[:eq].strip()
        parsed: dict[str, Any] = dict(parse_cookie(header))
        value = parsed.pop(name, None)
        parsed["value"] = value
        cookies[name] = parsed
    return cookies


def msg_cookies(cookies: Any) -> list[tuple[str, str]]:
    """``msg.cookies`` as name/value pairs to send: ``{name: value}`` or ``{name: {value, encode}}``
    (values URI-encoded unless ``encode`` is false); null entries (which clear a cookie in an
    http response) are skipped."""
    if not isinstance(cookies, dict):
        return []
    out: list[tuple[str, str]] = []
    for name, spec in cookies.items():
        if spec is None or spec is UNDEFINED:
            continue
        if isinstance(spec, dict):
            value = spec.get("value")
            if value is None or value is UNDEFINED:
                continue
            text = js_string(value)
            out.append((str(name), text if spec.get("encode") is False else encode_value(text)))
        else:
            out.append((str(name), encode_value(js_string(spec))))
    return out


def request_jar(request: httpx.Request, pairs: list[tuple[str, str]]) -> httpx.Cookies:
    """A fresh cookie jar holding the request's cookies for its URL (as if that URL had set them,
    so they follow redirects to the same host and path as tough-cookie's jar does); the
    request's ``Cookie`` header is set from it."""
    jar = httpx.Cookies()
    if pairs:
        probe = httpx.Response(200, headers=[("set-cookie", f"{k}={v}") for k, v in pairs],
                               request=httpx.Request("GET", request.url))
        jar.extract_cookies(probe)
        jar.set_cookie_header(request)
    return jar

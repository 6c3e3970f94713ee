"""Cookie text the way Node-RED's HTTP nodes read and write it (the npm ``cookie`` module).

``parse_cookie`` is ``cookie.parse``; ``response_cookies`` is the http request node's
``extractCookies`` (``msg.responseCookies`` / ``msg.redirectList[].cookies``); ``encode_value`` is
``encodeURIComponent``, the default encoder of ``cookie.serialize``; ``msg_cookies`` and
``request_jar`` give the http request node's cookies (``msg.cookies``) a per-request jar;
``set_cookie_headers`` is the http response node's ``msg.cookies`` through Express's
``res.cookie`` / ``res.clearCookie`` (same options, same header text, same errors).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from flowengine.encoding import to_json_text
from flowengine.jsutil import js_string, js_truthy, to_number
from flowengine.lazy_module import lazy_module
from flowengine.types import UNDEFINED

if TYPE_CHECKING:
    import httpx
else:
    httpx = lazy_module("httpx")  # only the http request node's jar needs it (flowengine.lazy_module)

__all__ = ["encode_value", "msg_cookies", "parse_cookie", "request_jar", "response_cookies", "set_cookie_headers"]

# The npm cookie module's checks (cookie 0.7, used by Express 4).
_FIELD = re.compile(r"^[\u0009\u0020-\u007e\u0080-\u00ff]+$")
_DOMAIN = re.compile(r"^\.?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$", re.I)
_PATH = re.compile(r"^[\u0020-\u003a\u003d-\u007e]*$")
_SAME_SITE = {"lax": "Lax", "strict": "Strict", "none": "None"}
_PRIORITY = {"low": "Low", "medium": "Medium", "high": "High"}
_CLEARED = _dt.datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=_dt.UTC)  # clearCookie's new Date(1)


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


def set_cookie_headers(cookies: dict[str, Any], now: _dt.datetime | None = None) -> list[str]:
    """``Set-Cookie`` values for an http response's ``msg.cookies``: ``{name: value}`` or ``{name:
    {value, maxAge (ms), expires (datetime), path, domain, secure, httpOnly, sameSite, priority,
    partitioned, encode}}`` set a cookie; ``null`` (or ``value: null``, keeping its path/domain)
    clears it. Raises ``TypeError`` (Express's text, naming the cookie) for an invalid option."""
    now = now or _dt.datetime.now(_dt.UTC)
    out: list[str] = []
    for name, spec in cookies.items():
        if spec is None or spec is UNDEFINED:
            out.append(express_cookie(str(name), "", {"expires": _CLEARED, "path": "/"}, now))
        elif isinstance(spec, dict) and spec.get("value", UNDEFINED) is None:
            out.append(express_cookie(str(name), "", {"expires": _CLEARED, "path": "/", **spec}, now))
        elif isinstance(spec, dict):
            out.append(express_cookie(str(name), spec.get("value", UNDEFINED), spec, now))
        else:
            out.append(express_cookie(str(name), spec, {}, now))
    return out


def express_cookie(name: str, value: Any, options: dict[str, Any], now: _dt.datetime) -> str:
    """Express's ``res.cookie(name, value, options)``: the ``Set-Cookie`` header value."""
    opts = dict(options)
    if js_truthy(opts.get("signed")):
        raise TypeError(f"cookie {name!r}: signed cookies need a cookie secret, which http in does not have")
    text = "j:" + to_json_text(value) if isinstance(value, (dict, list, bytes, bytearray)) else js_string(value)
    max_age = opts.get("maxAge")
    if max_age is not None and max_age is not UNDEFINED:
        ms = to_number(max_age)
        if not math.isfinite(ms):
            raise TypeError(f"cookie {name!r}: option maxAge is invalid ({js_string(max_age)}): give milliseconds")
        opts["expires"] = now + _dt.timedelta(milliseconds=ms)
        opts["maxAge"] = math.floor(ms / 1000)
    if opts.get("path") is None or opts.get("path") is UNDEFINED:
        opts["path"] = "/"
    return _serialize(name, text, opts)


def _serialize(name: str, value: str, opts: dict[str, Any]) -> str:
    """The npm cookie module's ``serialize``."""
    encode = opts.get("encode")
    if not js_truthy(encode):
        encode = encode_value
    elif not callable(encode):
        raise TypeError(f"cookie {name!r}: option encode is invalid (a function, or leave it out)")
    if not _FIELD.match(name):
        raise TypeError(f"cookie {name!r}: argument name is invalid")
    encoded = str(encode(value))
    if encoded and not _FIELD.match(encoded):
        raise TypeError(f"cookie {name!r}: argument val is invalid")
    parts = [f"{name}={encoded}"]
    if opts.get("maxAge") is not None and opts.get("maxAge") is not UNDEFINED:
        parts.append(f"Max-Age={math.floor(opts['maxAge'])}")
    for option, attribute, pattern in (("domain", "Domain", _DOMAIN), ("path", "Path", _PATH)):
        if js_truthy(opts.get(option)):
            text = js_string(opts[option])
            if not pattern.match(text):
                raise TypeError(f"cookie {name!r}: option {option} is invalid ({text!r})")
            parts.append(f"{attribute}={text}")
    expires = opts.get("expires")
    if js_truthy(expires):
        if not isinstance(expires, _dt.datetime):
            raise TypeError(f"cookie {name!r}: option expires is invalid ({js_string(expires)!r}): give a "
                            "datetime, or maxAge in milliseconds")
        when = expires if expires.tzinfo is not None else expires.replace(tzinfo=_dt.UTC)
        parts.append("Expires=" + format_datetime(when.astimezone(_dt.UTC), usegmt=True))
    for option, attribute in (("httpOnly", "HttpOnly"), ("secure", "Secure"), ("partitioned", "Partitioned")):
        if js_truthy(opts.get(option)):
            parts.append(attribute)
    for option, names in (("priority", _PRIORITY), ("sameSite", _SAME_SITE)):
        raw = opts.get(option)
        if not js_truthy(raw):
            continue
        if option == "sameSite" and raw is True:
            parts.append("SameSite=Strict")
            continue
        picked = names.get(raw.lower()) if isinstance(raw, str) else None
        if picked is None:
            allowed = ", ".join(repr(n) for n in names) + (" or true" if option == "sameSite" else "")
            raise TypeError(f"cookie {name!r}: option {option} is invalid ({js_string(raw)!r}): use {allowed}")
        parts.append(f"{'SameSite' if option == 'sameSite' else 'Priority'}={picked}")
    return "; ".join(parts)

"""The ``http request`` node: an HTTP client (httpx) with Node-RED's message contract.

Input: ``msg.url`` (when the node has none; the node's URL may hold mustache tags like
``{{{payload.id}}}``), ``msg.method`` (when the node's method is "use"), ``msg.headers``,
``msg.payload`` (body, or query parameters with *paytoqs* "query"), ``msg.requestTimeout`` (ms),
``msg.rejectUnauthorized``, ``msg.followRedirects``, ``msg.cookies``.
Output: ``msg.payload`` as text / bytes / parsed JSON (*ret* txt, bin, obj), ``msg.statusCode``,
``msg.headers``, ``msg.responseUrl``, ``msg.redirectList``, ``msg.responseCookies``.

Connections: one httpx transport (connection pool) per TLS setting and proxy, owned by the node
and closed with it; each request gets its own short-lived client around it, so cookies live for
one request and its redirects only (Node-RED's fresh cookie jar per request). *persist* keeps
connections open between requests; without it every request says ``Connection: close``.

Tests (and embedders) can route every request through their own transport by putting an
``httpx.AsyncBaseTransport`` in ``settings.extra["http_request_transport"]``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import socket
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flowengine.encoding import to_json_text
from flowengine.jsutil import js_string, js_truthy, to_number
from flowengine.lazy_module import lazy_module
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._cookies import msg_cookies, parse_cookie, request_jar, response_cookies
from ._help import node_help
from ._mustache import render
from ._request_headers import header_rows, node_headers, update_header
from ._tls_proxy import HttpProxy, TlsConfig, proxy_for_url
from .http_in import REQUEST_NODE_HEADER, headers_hash

if TYPE_CHECKING:
    import httpx
else:
    httpx = lazy_module("httpx")  # loaded by the first request a node sends (flowengine.lazy_module)

__all__ = ["NODES", "TRANSPORT_KEY", "HttpProxy", "HttpRequest", "TlsConfig"]

TRANSPORT_KEY = "http_request_transport"
DEFAULT_TIMEOUT_MS = 120000
MAX_REDIRECTS = 21  # got's maxRedirects in Node-RED
METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS")
# Why a TLS handshake failed, under the error codes Node.js gives them (msg.statusCode).
TLS_CODES = {10: "CERT_HAS_EXPIRED", 18: "DEPTH_ZERO_SELF_SIGNED_CERT", 19: "SELF_SIGNED_CERT_IN_CHAIN",
             20: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", 21: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
             62: "ERR_TLS_CERT_ALTNAME_INVALID", 64: "ERR_TLS_CERT_ALTNAME_INVALID"}


def _lent(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
    """A node's transport lent to a one-request client: closing that client leaves the pool open."""
    return _lent_class()(inner)


@functools.cache
def _lent_class() -> Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]:
    # Made on first use: subclassing httpx's class here at import would load httpx at every start.
    class Lent(httpx.AsyncBaseTransport):
        def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
            self.inner = inner

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await self.inner.handle_async_request(request)

        async def aclose(self) -> None:
            return None

    return Lent


class HttpRequest(Node):
    type = "http request"
    category = "network"
    label = "http request"
    color = "rgb(231, 231, 174)"
    icon = "white-globe.svg"
    inputs = 1
    outputs = 1
    credentials_schema = {"user": "text", "password": "password"}
    schema = {
        "type": "object",
        "properties": {
            "method": {"type": "string", "enum": ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS",
                                                   "use"], "default": "GET"},
            "ret": {"type": "string", "enum": ["txt", "bin", "obj"], "default": "txt"},
            "paytoqs": {"type": ["string", "boolean"], "enum": ["ignore", "query", "body", True, False],
                        "default": "ignore"},
            "url": {"type": "string", "default": ""},
            "tls": {"type": "string", "default": "", "x-config-type": "tls-config"},
            "persist": {"type": "boolean", "default": False},
            "proxy": {"type": "string", "default": "", "x-config-type": "http proxy"},
            "authType": {"type": "string", "enum": ["", "basic", "digest", "bearer"], "default": ""},
            "senderr": {"type": "boolean", "default": False},
            "reqTimeout": {"type": ["string", "number"], "default": ""},
            "headers": {
                "title": "headers",
                "description": "Headers to send: rows of keyType/keyValue and valueType/valueValue "
                               "('other' = the text in keyValue/valueValue, 'msg' = a message property, "
                               "else the type is the header name or value itself).",
                "default": [],
                "anyOf": [
                    {"type": "array", "items": {"type": "object"}},
                    # flows hold a JSON string or an object here: Node-RED skips them, so do we
                    {"x-tolerated": True},
                ],
            },
        },
    }
    help = node_help("http request")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.method = str(config.get("method") or "GET")
        self.ret = str(config.get("ret") or "txt")
        paytoqs = config.get("paytoqs", "ignore")
        self.paytoqs = "query" if paytoqs is True else ("ignore" if paytoqs is False else str(paytoqs))
        self.url = str(config.get("url") or "")
        self.auth_type = str(config.get("authType") or "")
        self.senderr = bool(config.get("senderr"))
        self.persist = config.get("persist") in (True, "true")
        self.header_rows = header_rows(config.get("headers"))
        self.timeout_ms = _float(config.get("reqTimeout")) or _float(
            (getattr(host.settings, "extra", None) or {}).get("httpRequestTimeout")) or DEFAULT_TIMEOUT_MS
        self._transports: dict[tuple[bool, str | None], httpx.AsyncBaseTransport] = {}

    def _tls(self) -> TlsConfig | None:
        tls = self.config_node(self.config.get("tls"))
        return tls if isinstance(tls, TlsConfig) else None

    def _transport(self, url: httpx.URL, msg: Msg) -> httpx.AsyncBaseTransport:
        """The pool a request to ``url`` uses. With a tls-config node its *verifyservercert*
        decides; without one ``msg.rejectUnauthorized`` false accepts any certificate (Node-RED)."""
        injected = (getattr(self.host.settings, "extra", None) or {}).get(TRANSPORT_KEY)
        if isinstance(injected, httpx.AsyncBaseTransport):
            return injected
        tls = self._tls()
        verify = tls.verify if tls is not None else msg.get("rejectUnauthorized") is not False
        proxy_node = self.config_node(self.config.get("proxy"))
        proxy = proxy_for_url(str(url), proxy_node if isinstance(proxy_node, HttpProxy) else None)
        key = (verify, proxy)
        transport = self._transports.get(key)
        if transport is None:
            context: ssl.SSLContext | bool = tls.ssl_context(verify) if tls is not None else verify
            transport = httpx.AsyncHTTPTransport(verify=context, proxy=proxy, retries=0)
            self._transports[key] = transport
        return transport

    async def on_close(self, removed: bool) -> None:
        transports = list(self._transports.values())
        self._transports.clear()
        for transport in transports:
            await transport.aclose()

    async def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        try:
            request, cookies = self._build(msg)
            transport = self._transport(request.url, msg)
        except ValueError as exc:
            self.status(fill="red", shape="ring", text="invalid request")
            done(str(exc))
            return
        timeout_ms = self._timeout_ms(msg)
        timeout = httpx.Timeout(timeout_ms / 1000.0)
        request.extensions["timeout"] = timeout.as_dict()
        tls = self._tls()
        if tls is not None and tls.servername and request.url.scheme == "https":
            request.extensions["sni_hostname"] = tls.servername
        follow = js_truthy(msg["followRedirects"]) if "followRedirects" in msg else True
        self.status(fill="blue", shape="dot", text="requesting")
        try:
            # The client lives for this request (and its redirects): its cookie jar starts from
            # the request's cookies and collects what the redirects set.
            async with httpx.AsyncClient(transport=_lent(transport), cookies=request_jar(request, cookies),
                                         timeout=timeout,
                                         max_redirects=MAX_REDIRECTS, trust_env=False) as client:
                response = await asyncio.wait_for(
                    client.send(request, follow_redirects=follow, auth=self._auth()), timeout_ms / 1000.0)
        except (TimeoutError, httpx.TimeoutException):
            self.status(fill="red", shape="ring", text="timeout")
            self._failed(msg, send, done, request.url, "ETIMEDOUT", "RequestError: request timed out",
                         f"no response from {request.url} within {timeout_ms:g} ms (msg.requestTimeout / reqTimeout)")
            return
        except httpx.HTTPError as exc:
            code = _error_code(exc)
            self.status(fill="red", shape="ring", text=code)
            self._failed(msg, send, done, request.url, code, f"RequestError: {exc}",
                         f"request to {request.url} failed: {_explain(exc, code, tls is not None)}")
            return
        self._fill(msg, response)
        self.status({})
        if self.senderr and response.status_code >= 400:
            done(f"HTTP request to {request.url} failed with status code {response.status_code}")
            return
        send(msg)
        done()

    def _failed(self, msg: Msg, send: Send, done: Done, url: httpx.URL, code: str, payload: str,
                error: str) -> None:
        """A request that got no response, as Node-RED handles it: the error (with the msg as it came
        in) goes to catch nodes, then, unless ``senderr`` is set, the msg also goes on with
        ``payload = "<error> : <url>"`` and ``statusCode`` = the error code (legacy behaviour kept
        by Node-RED since 2.1 so flows that test msg.statusCode keep working)."""
        self.error(error, msg)
        msg["payload"] = f"{payload} : {url}"
        msg["statusCode"] = code
        if not self.senderr:
            send(msg)
        done()

    def _timeout_ms(self, msg: Msg) -> float:
        """``msg.requestTimeout`` when it is a number >= 1 (ms), else the node's timeout (Node-RED's rule)."""
        raw = msg.get("requestTimeout", UNDEFINED)
        if raw is UNDEFINED:
            return self.timeout_ms
        value = to_number(raw)
        if value != value:
            self.warn(f"msg.requestTimeout {js_string(raw)!r} is not a valid number: using {self.timeout_ms:g} ms",
                      msg)
        elif value < 1:
            self.warn(f"msg.requestTimeout {js_string(raw)} is less than 1 ms: using {self.timeout_ms:g} ms", msg)
        else:
            return float(value)
        return self.timeout_ms

    def _build(self, msg: Msg) -> tuple[httpx.Request, list[tuple[str, str]]]:
        """The request for ``msg`` and the cookies (name, encoded value) it carries."""
        url = self.url
        if url:
            url = render(url, msg) if "{{" in url else url
        else:
            raw = msg.get("url")
            url = js_string(raw) if raw not in (None, UNDEFINED) else ""
        if not url:
            raise ValueError("no url: set the node's property 'url' or msg.url")
        if "://" in url and not url.startswith("http"):
            raise ValueError(f"invalid transport in {url!r}: the url must start with http:// or https://")
        if "://" not in url:
            url = ("https://" if self._tls() is not None else "http://") + url
        method = self.method
        if method == "use":
            method = js_string(msg.get("method") or "GET")
        method = method.upper()
        headers: dict[str, str] = {}
        msg_headers = msg.get("headers")
        if isinstance(msg_headers, dict):
            msg_headers = dict(msg_headers)
            marker = msg_headers.pop(REQUEST_NODE_HEADER, None)
            if marker is None or marker != headers_hash(msg_headers):
                for k, v in msg_headers.items():
                    update_header(headers, str(k), v)
        for name, value in node_headers(self, self.header_rows, msg):  # the node's rows win over msg.headers
            update_header(headers, name, value)
        if self.auth_type == "bearer" and self.credentials.get("password"):
            headers["authorization"] = f"Bearer {self.credentials['password']}"
        if not self.persist and "connection" not in headers:
            headers["connection"] = "close"
        cookies = list(parse_cookie(headers.pop("cookie", "")).items()) + msg_cookies(msg.get("cookies"))
        payload = msg.get("payload", UNDEFINED)
        params: dict[str, Any] | None = None
        content: bytes | None = None
        has_payload = payload is not UNDEFINED and payload is not None
        if method == "GET" and self.paytoqs == "query" and has_payload:
            if not isinstance(payload, dict):
                raise ValueError("msg.payload must be an object to append it to the query string (paytoqs)")
            params = {k: js_string(v) for k, v in payload.items()}
        elif has_payload and (method not in ("GET", "HEAD") or (method == "GET" and self.paytoqs == "body")):
            content = _body(payload, headers)
        return httpx.Request(method, url, headers=headers, params=params, content=content), cookies

    def _auth(self) -> httpx.Auth | None:
        user = self.credentials.get("user") or ""
        password = self.credentials.get("password") or ""
        if self.auth_type == "basic" and (user or password):
            return httpx.BasicAuth(user, password)
        if self.auth_type == "digest" and (user or password):
            return httpx.DigestAuth(user, password)
        return None

    def _fill(self, msg: Msg, response: httpx.Response) -> None:
        headers = {k.lower(): v for k, v in response.headers.items()}
        set_cookies = response.headers.get_list("set-cookie")
        if set_cookies:
            headers["set-cookie"] = set_cookies  # type: ignore[assignment]
        headers[REQUEST_NODE_HEADER] = headers_hash({k: v for k, v in headers.items()})
        msg["statusCode"] = response.status_code
        msg["headers"] = headers
        msg["responseUrl"] = str(response.url)
        msg["redirectList"] = [_redirect(r) for r in response.history]
        msg["retry"] = 0
        if set_cookies:
            msg["responseCookies"] = response_cookies(set_cookies)
        if self.ret == "bin":
            msg["payload"] = response.content
        elif self.ret == "obj":
            text = "{}" if response.status_code == 204 else response.text
            try:
                msg["payload"] = json.loads(text)
            except ValueError:
                msg["payload"] = text
                self.warn("JSON parse error: the response is not JSON (property 'ret' is 'obj')", msg)
        else:
            msg["payload"] = response.text


def _redirect(response: httpx.Response) -> dict[str, Any]:
    entry: dict[str, Any] = {"location": response.headers.get("location", "")}
    set_cookies = response.headers.get_list("set-cookie")
    if set_cookies:
        entry["cookies"] = response_cookies(set_cookies)
    return entry


def _body(payload: Any, headers: dict[str, str]) -> bytes:
    ctype = headers.get("content-type", "")
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, (dict, list)):
        if "application/x-www-form-urlencoded" in ctype and isinstance(payload, dict):
            return urlencode({k: js_string(v) for k, v in payload.items()}).encode("ascii")
        if not ctype:
            headers["content-type"] = "application/json"
        return to_json_text(payload).encode("utf-8")
    return js_string(payload).encode("utf-8")


def _float(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if number > 0 else 0.0


def _error_code(exc: httpx.HTTPError) -> str:
    """Node.js's error code for a failed request (``msg.statusCode``)."""
    if isinstance(exc, httpx.TimeoutException):
        return "ETIMEDOUT"
    cause = _cause(exc)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return TLS_CODES.get(cause.verify_code, "CERT_VERIFY_FAILED")
    if isinstance(cause, ssl.SSLError):
        return "EPROTO"
    if isinstance(cause, socket.gaierror):
        return "ENOTFOUND"
    if isinstance(exc, httpx.ConnectError):
        return "ECONNREFUSED"
    return type(exc).__name__


def _cause(exc: BaseException) -> BaseException | None:
    """The deepest exception under ``exc`` (httpx wraps httpcore, which wraps ssl/socket errors)."""
    seen: set[int] = set()
    inner: BaseException | None = None
    current = exc.__cause__ or exc.__context__
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        inner = current
        current = current.__cause__ or current.__context__
    return inner


def _explain(exc: httpx.HTTPError, code: str, has_tls: bool) -> str:
    """The error text; a certificate the client does not trust says how to fix it."""
    cause = _cause(exc)
    if not isinstance(cause, ssl.SSLCertVerificationError):
        return str(exc)
    fix = ("check the CA of the tls-config node (property 'tls'), its 'servername', or turn off its "
           "'verifyservercert'") if has_tls else ("set a tls-config node with the server's CA (property 'tls'), "
                                                   "or send msg.rejectUnauthorized = false")
    return f"the server's TLS certificate is not trusted ({code}: {cause.verify_message}): {fix}"


NODES: list[type[Node]] = [HttpRequest, TlsConfig, HttpProxy]

"""The ``http request`` node: an HTTP client (httpx) with Node-RED's message contract.

Input: ``msg.url`` (when the node has none; the node's URL may hold mustache tags like
``{{{payload.id}}}``), ``msg.method`` (when the node's method is "use"), ``msg.headers``,
``msg.payload`` (body, or query parameters with *paytoqs* "query"), ``msg.requestTimeout`` (ms),
``msg.rejectUnauthorized``, ``msg.followRedirects``, ``msg.cookies``.
Output: ``msg.payload`` as text / bytes / parsed JSON (*ret* txt, bin, obj), ``msg.statusCode``,
``msg.headers``, ``msg.responseUrl``, ``msg.redirectList``, ``msg.responseCookies``.

Tests (and embedders) can route every request through their own transport by putting an
``httpx.AsyncBaseTransport`` in ``settings.extra["http_request_transport"]``.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from flowengine.encoding import to_json_text
from flowengine.jsutil import js_string, to_number
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._mustache import render
from .http_in import REQUEST_NODE_HEADER, headers_hash

__all__ = ["NODES", "TRANSPORT_KEY", "HttpProxy", "HttpRequest", "TlsConfig"]

TRANSPORT_KEY = "http_request_transport"
DEFAULT_TIMEOUT_MS = 120000
METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS")


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
            "tls": {"type": "string", "default": ""},
            "persist": {"type": "boolean", "default": False},
            "proxy": {"type": "string", "default": ""},
            "authType": {"type": "string", "enum": ["", "basic", "digest", "bearer"], "default": ""},
            "senderr": {"type": "boolean", "default": False},
            "reqTimeout": {"type": ["string", "number"], "default": ""},
            "headers": {"type": "array", "default": []},
        },
    }
    help = (
        "Sends an HTTP request and outputs the response. The URL comes from the node (mustache tags "
        "such as `{{{payload.id}}}` allowed) or `msg.url`; the method from the node or `msg.method` "
        "(method *use*). `msg.payload` is the body (objects as JSON or as a form when the "
        "content type says so), or the query string with *paytoqs*. The response is in "
        "`msg.payload` (text, bytes or parsed JSON), `msg.statusCode`, `msg.headers` and "
        "`msg.responseUrl`. `msg.requestTimeout` (ms) bounds the request."
    )

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.method = str(config.get("method") or "GET")
        self.ret = str(config.get("ret") or "txt")
        paytoqs = config.get("paytoqs", "ignore")
        self.paytoqs = "query" if paytoqs is True else ("ignore" if paytoqs is False else str(paytoqs))
        self.url = str(config.get("url") or "")
        self.auth_type = str(config.get("authType") or "")
        self.senderr = bool(config.get("senderr"))
        self.fixed_headers = _node_headers(config.get("headers"))
        self.timeout_ms = _float(config.get("reqTimeout")) or _float(
            (getattr(host.settings, "extra", None) or {}).get("httpRequestTimeout")) or DEFAULT_TIMEOUT_MS
        self._clients: dict[bool, httpx.AsyncClient] = {}

    def _client(self, verify: bool) -> httpx.AsyncClient:
        client = self._clients.get(verify)
        if client is None:
            transport = (getattr(self.host.settings, "extra", None) or {}).get(TRANSPORT_KEY)
            # The client's timeout is the node's, so no request falls back to httpx's 5 s default.
            timeout = httpx.Timeout(self.timeout_ms / 1000.0)
            if isinstance(transport, httpx.AsyncBaseTransport):
                client = httpx.AsyncClient(transport=transport, timeout=timeout)
            else:
                proxy = self.config_node(self.config.get("proxy"))
                client = httpx.AsyncClient(verify=self._ssl_context(verify), timeout=timeout,
                                           proxy=proxy.proxy_url() if isinstance(proxy, HttpProxy) else None)
            self._clients[verify] = client
        return client

    def _ssl_context(self, verify: bool) -> ssl.SSLContext | bool:
        tls = self.config_node(self.config.get("tls"))
        if not isinstance(tls, TlsConfig):
            return verify
        return tls.ssl_context(verify)

    async def on_close(self, removed: bool) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await client.aclose()

    async def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        try:
            request = self._build(msg)
        except ValueError as exc:
            self.status(fill="red", shape="ring", text="invalid url")
            done(str(exc))
            return
        verify = msg.get("rejectUnauthorized") is not False
        timeout_ms = self._timeout_ms(msg)
        request.extensions["timeout"] = httpx.Timeout(timeout_ms / 1000.0).as_dict()
        follow = msg.get("followRedirects") is not False
        self.status(fill="blue", shape="dot", text="requesting")
        try:
            response = await asyncio.wait_for(
                self._client(verify).send(request, follow_redirects=follow, auth=self._auth()),
                timeout_ms / 1000.0)
        except (TimeoutError, httpx.TimeoutException):
            self.status(fill="red", shape="ring", text="timeout")
            msg["payload"] = "RequestError: request timed out"
            msg["statusCode"] = "ETIMEDOUT"
            done(f"no response from {request.url} within {timeout_ms:g} ms (msg.requestTimeout / reqTimeout)")
            return
        except httpx.HTTPError as exc:
            code = _error_code(exc)
            self.status(fill="red", shape="ring", text=code)
            msg["payload"] = f"RequestError: {exc}"
            msg["statusCode"] = code
            done(f"request to {request.url} failed: {exc}")
            return
        self._fill(msg, response)
        self.status({})
        if self.senderr and response.status_code >= 400:
            done(f"HTTP request to {request.url} failed with status code {response.status_code}")
            return
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

    def _build(self, msg: Msg) -> httpx.Request:
        url = self.url
        if url:
            url = render(url, msg) if "{{" in url else url
        else:
            raw = msg.get("url")
            url = js_string(raw) if raw not in (None, UNDEFINED) else ""
        if not url:
            raise ValueError("no url: set the node's property 'url' or msg.url")
        if "://" not in url:
            url = ("https://" if url.startswith("https") else "http://") + url
        method = self.method
        if method == "use":
            method = js_string(msg.get("method") or "GET")
        method = method.upper()
        headers = dict(self.fixed_headers)
        msg_headers = msg.get("headers")
        if isinstance(msg_headers, dict):
            msg_headers = dict(msg_headers)
            marker = msg_headers.pop(REQUEST_NODE_HEADER, None)
            if marker is None or marker != headers_hash(msg_headers):
                for k, v in msg_headers.items():
                    if v is not None and v is not UNDEFINED:
                        headers[str(k).lower()] = js_string(v)
        if self.auth_type == "bearer" and self.credentials.get("password"):
            headers["authorization"] = f"Bearer {self.credentials['password']}"
        cookies = msg.get("cookies")
        if isinstance(cookies, dict) and cookies:
            pairs = [f"{k}={js_string(v.get('value') if isinstance(v, dict) else v)}" for k, v in cookies.items()
                     if v is not None]
            headers["cookie"] = "; ".join(pairs)
        payload = msg.get("payload", UNDEFINED)
        params: dict[str, Any] | None = None
        content: bytes | None = None
        carries_body = method not in ("GET", "HEAD", "OPTIONS") or self.paytoqs == "body"
        if self.paytoqs == "query" and method in ("GET", "HEAD", "OPTIONS", "DELETE") and isinstance(payload, dict):
            params = {k: js_string(v) for k, v in payload.items()}
            carries_body = False
        if carries_body and payload is not UNDEFINED and payload is not None:
            content = _body(payload, headers)
        return httpx.Request(method, url, headers=headers, params=params, content=content)

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
        msg["redirectList"] = [{"location": str(r.headers.get("location", "")), "cookies": {}}
                               for r in response.history]
        msg["responseCookies"] = {c.name: {"value": c.value} for c in response.cookies.jar}
        if self.ret == "bin":
            msg["payload"] = response.content
        elif self.ret == "obj":
            text = response.text
            try:
                msg["payload"] = json.loads(text)
            except ValueError:
                msg["payload"] = text
                self.warn("JSON parse error: the response is not JSON (property 'ret' is 'obj')", msg)
        else:
            msg["payload"] = response.text


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


def _node_headers(value: Any) -> dict[str, str]:
    """The node's header list ``[{keyType, keyValue, valueType, valueValue}]`` as a dict."""
    out: dict[str, str] = {}
    if not isinstance(value, list):
        return out
    for h in value:
        if not isinstance(h, dict):
            continue
        key = h.get("keyValue") if h.get("keyType") in ("other", None) else h.get("keyType")
        val = h.get("valueValue") if h.get("valueType") in ("other", None) else h.get("valueType")
        if key:
            out[str(key).lower()] = str(val or "")
    return out


def _float(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if number > 0 else 0.0


def _error_code(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "ECONNREFUSED"
    if isinstance(exc, httpx.TimeoutException):
        return "ETIMEDOUT"
    return type(exc).__name__


class TlsConfig(Node):
    """``tls-config``: certificates for http request and websocket-client (files or pasted PEM)."""

    type = "tls-config"
    category = "config"
    label = "TLS configuration"
    is_config = True
    inputs = 0
    outputs = 0
    credentials_schema = {"certdata": "text", "keydata": "text", "cadata": "text", "passphrase": "password"}
    schema = {
        "type": "object",
        "properties": {
            "cert": {"type": "string", "default": ""},
            "key": {"type": "string", "default": ""},
            "ca": {"type": "string", "default": ""},
            "servername": {"type": "string", "default": ""},
            "verifyservercert": {"type": ["boolean", "string"], "default": True},
        },
    }
    help = "Client certificate, key and CA for TLS connections; *verifyservercert* off accepts any server."

    def ssl_context(self, verify: bool = True) -> ssl.SSLContext:
        """An SSL context from the configured files and/or PEM data."""
        cfg = self.config
        creds = self.credentials
        context = ssl.create_default_context(cafile=cfg.get("ca") or None, cadata=creds.get("cadata") or None)
        if cfg.get("cert") and cfg.get("key"):
            context.load_cert_chain(cfg["cert"], cfg["key"], password=creds.get("passphrase") or None)
        elif creds.get("certdata") and creds.get("keydata"):
            self._load_pem_chain(context, str(creds["certdata"]), str(creds["keydata"]))
        if not verify or cfg.get("verifyservercert") in (False, "false"):
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _load_pem_chain(self, context: ssl.SSLContext, cert: str, key: str) -> None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="flowengine-tls-") as tmp:
            cert_path, key_path = f"{tmp}/cert.pem", f"{tmp}/key.pem"
            with open(cert_path, "w", encoding="utf-8") as fh:
                fh.write(cert)
            with open(key_path, "w", encoding="utf-8") as fh:
                fh.write(key)
            context.load_cert_chain(cert_path, key_path, password=self.credentials.get("passphrase") or None)


class HttpProxy(Node):
    """``http proxy``: a proxy URL (with optional user/password) for http request nodes."""

    type = "http proxy"
    category = "config"
    label = "HTTP proxy"
    is_config = True
    inputs = 0
    outputs = 0
    credentials_schema = {"username": "text", "password": "password"}
    schema = {"type": "object", "properties": {"url": {"type": "string", "default": ""},
                                               "noproxy": {"type": "array", "default": []}}}
    help = "An HTTP proxy for http request nodes."

    def proxy_url(self) -> str | None:
        url = str(self.config.get("url") or "")
        if not url:
            return None
        user = self.credentials.get("username")
        if user and "://" in url:
            scheme, rest = url.split("://", 1)
            password = self.credentials.get("password") or ""
            url = f"{scheme}://{quote(str(user), safe='')}:{quote(str(password), safe='')}@{rest}"
        return url


NODES: list[type[Node]] = [HttpRequest, TlsConfig, HttpProxy]

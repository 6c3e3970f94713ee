"""The ``http in`` and ``http response`` nodes: HTTP endpoints under ``httpNodeRoot``.

``http in`` adds its route to the process's HTTP routes (``flowengine.http_routes``, what
``RED.httpNode`` is to Node-RED nodes; the server provides them) when it starts, and removes it
when it closes. Each request becomes a message with ``msg.req`` (method, url, path,
params, query, headers, cookies, body, files, ip...) and ``msg.res`` (the pending response); both
are shared between clones, as in Node-RED. ``msg.payload`` is the query for GET, else the parsed
body (JSON -> object, form -> object, text -> str, binary -> bytes, multipart -> fields with
``msg.req.files`` when *upload* is on). ``http response`` answers with ``msg.payload``; its
configured status code and headers win over ``msg.statusCode`` / ``msg.headers`` (Node-RED's rule).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import weakref
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response

from flowengine.encoding import to_json_text
from flowengine.http_routes import HttpRoutes, http_routes
from flowengine.jsutil import js_string
from flowengine.message import new_msgid
from flowengine.node import Node
from flowengine.types import UNDEFINED, Done, Msg, Send

from ._cookies import set_cookie_headers
from ._help import node_help
from ._http_watch import Watchlist

__all__ = ["NODES", "HttpIn", "HttpRequestInfo", "HttpResponse", "HttpResponseHandle", "headers_hash"]

REQUEST_NODE_HEADER = "x-node-red-request-node"


class HttpRequestInfo(dict[str, Any]):
    """``msg.req``: a plain mapping (JSONata and property paths read it) shared by every clone."""

    def __deepcopy__(self, memo: dict[int, Any]) -> HttpRequestInfo:
        return self

    def __copy__(self) -> HttpRequestInfo:
        return self


class HttpResponseHandle(dict[str, Any]):
    """``msg.res``: the pending HTTP response, shared by every clone; answered once.

    When the last reference to it goes (every message carrying it was dropped: a redeploy or a
    shutdown stopped the node holding it, a flow ended without an ``http response``), nobody can
    answer any more: the request is answered 503 at once instead of waiting for ever.
    """

    def __init__(self, future: asyncio.Future[Response]) -> None:
        super().__init__()
        self._future = future
        weakref.finalize(self, _unreachable, future)

    def __deepcopy__(self, memo: dict[int, Any]) -> HttpResponseHandle:
        return self

    def __copy__(self) -> HttpResponseHandle:
        return self

    @property
    def answered(self) -> bool:
        return self._future.done()

    def respond(self, response: Response) -> bool:
        """Send ``response``; False when this request was already answered (or abandoned)."""
        if self._future.done():
            return False
        self._future.set_result(response)
        return True


DROPPED_TEXT = ("Service Unavailable: the flow dropped this request's message before an http response node "
                "answered it (a redeploy or shutdown stopped the node holding it, or the flow ended)")


def _unreachable(future: asyncio.Future[Response]) -> None:
    if future.done():
        return
    try:
        future.get_loop().call_soon_threadsafe(_answer_dropped, future)
    except RuntimeError:  # the loop is closed: nobody waits for the answer any more
        return


def _answer_dropped(future: asyncio.Future[Response]) -> None:
    if not future.done():
        future.set_result(Response(DROPPED_TEXT, status_code=503, media_type="text/plain"))


def _query(raw: str) -> dict[str, Any]:
    """Express's ``qs`` parsing: repeated keys -> lists, ``a[b]=1`` -> nested, ``a[]=1`` -> list."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        if "[" in key and key.endswith("]"):
            head, _, rest = key.partition("[")
            parts = [head, *rest[:-1].split("][")]
        else:
            parts = [key]
        _qs_set(out, parts, value)
    return out


def _qs_set(target: dict[str, Any], parts: list[str], value: str) -> None:
    key = parts[0]
    if len(parts) == 1:
        if key in target:
            existing = target[key]
            target[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            target[key] = value
        return
    if parts[1] == "":
        existing = target.get(key)
        target[key] = [*existing, value] if isinstance(existing, list) else [value]
        return
    child = target.get(key)
    if not isinstance(child, dict):
        child = target[key] = {}
    _qs_set(child, parts[1:], value)


def _is_text(content_type: str, raw: bytes) -> bool:
    """Node-RED's raw body rule: text/*, xml and (UTF-8) application/* types are text."""
    if not content_type:
        return True
    main, _, sub = content_type.partition("/")
    if main == "text" or sub == "xml" or sub.endswith("+xml"):
        return True
    if main != "application" or sub in ("octet-stream", "cbor", "x-protobuf"):
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class BodyError(Exception):
    """The request body cannot be parsed (answered with 400)."""


_BODYLESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


async def parse_body(request: Request, headers: dict[str, str], upload: bool,
                     skip: bool) -> tuple[Any, list[dict[str, Any]] | None]:
    """(body, files) of a request the way Node-RED's body parsers build ``req.body``; ``headers``
    are the request's, names in lower case."""
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    if (request.method in _BODYLESS and not skip and "content-length" not in headers
            and "transfer-encoding" not in headers and not (upload and ctype == "multipart/form-data")):
        return {}, None  # no body can follow (RFC 9112 6.3): what reading the empty one gives below
    if ctype == "multipart/form-data" and upload and not skip:
        form = await request.form()
        fields: dict[str, Any] = {}
        files: list[dict[str, Any]] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                files.append({"fieldname": name, "originalname": value.filename or "", "encoding": "7bit",
                              "mimetype": value.content_type or "application/octet-stream",
                              "buffer": data, "size": len(data)})
            else:
                _qs_set(fields, [name], value)
        await form.close()
        return fields, files
    raw = await request.body()
    if skip:
        return raw, None
    if ctype == "application/json" or ctype.endswith("+json"):
        if not raw.strip():
            return {}, None
        try:
            return json.loads(raw), None
        except ValueError as exc:
            raise BodyError(f"invalid JSON body: {exc}") from exc
        except RecursionError as exc:
            raise BodyError("JSON body nested too deeply") from exc
    if ctype == "application/x-www-form-urlencoded":
        return _query(raw.decode("utf-8", errors="replace")), None
    if ctype == "multipart/form-data":
        return {}, None
    if not raw and request.method in ("GET", "HEAD", "DELETE", "OPTIONS"):
        return {}, None
    if _is_text(ctype, raw):
        return raw.decode("utf-8", errors="replace"), None
    return raw, None


_PLAIN_HOST = re.compile(r"([A-Za-z0-9.-]+)(?::(\d{1,5}))?")
_PATH_NEEDS_URL = re.compile(r"[?#\\\t\r\n]|^(?!/)|^//")
_QUERY_NEEDS_URL = re.compile(r"[#\t\r\n]")


def url_parts(request: Request, headers: dict[str, str]) -> tuple[str, str, str, str]:
    """(path, query, hostname, scheme) as Starlette's ``request.url`` gives them.

    Read from the scope when none of them needs URL parsing: building and parsing that URL was a
    third of building ``msg.req`` (2026-12-07, cProfile of the http latency benchmark in-process).
    A path or query with characters Starlette escapes or ``urlsplit`` treats apart, or a Host
    header that is not a plain name and port, takes Starlette's way.
    """
    scope = request.scope
    path: str = scope["path"]
    query = scope.get("query_string", b"").decode()
    host = headers.get("host")
    plain = _PLAIN_HOST.fullmatch(host) if host is not None else None
    if (plain is None or (plain.group(2) is not None and int(plain.group(2)) > 65535)
            or _PATH_NEEDS_URL.search(path) or _QUERY_NEEDS_URL.search(query)):
        url = request.url
        return url.path, url.query, url.hostname or "", url.scheme
    return path, query, plain.group(1).lower(), str(scope.get("scheme", "http")).lower()


def build_request(request: Request, headers: dict[str, str], params: dict[str, str], body: Any,
                  files: list[dict[str, Any]] | None) -> HttpRequestInfo:
    """``msg.req`` for one request (``headers``: its headers, names in lower case)."""
    path, query, hostname, scheme = url_parts(request, headers)
    path_qs = path + (f"?{query}" if query else "")
    client = request.scope.get("client")
    req = HttpRequestInfo(
        method=request.method,
        url=path_qs,
        originalUrl=path_qs,
        path=path,
        baseUrl="",
        params=dict(params),
        query=_query(query) if query else {},
        headers=headers,
        cookies=dict(request.cookies) if "cookie" in headers else {},
        body=body,
        ip=client[0] if client else "",
        hostname=hostname,
        protocol=scheme,
    )
    if files is not None:
        req["files"] = files
    return req


class HttpIn(Node):
    type = "http in"
    category = "network"
    label = "http in"
    color = "rgb(231, 231, 174)"
    icon = "white-globe.svg"
    inputs = 0
    outputs = 1
    schema = {
        "type": "object",
        "properties": {
            "url": {"type": "string", "default": ""},
            "method": {"type": "string", "enum": ["get", "post", "put", "delete", "patch"], "default": "get"},
            "upload": {"type": "boolean", "default": False},
            "skipBodyParsing": {"type": "boolean", "default": False},
            "swaggerDoc": {"type": "string", "default": ""},
        },
    }
    help = node_help("http in")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.url = str(config.get("url") or "")
        self.method = str(config.get("method") or "get").lower()
        self.upload = bool(config.get("upload"))
        self.skip = bool(config.get("skipBodyParsing"))
        self._router: HttpRoutes | None = None
        self._remove: Any = None
        self._watchlist = Watchlist()

    def on_start(self) -> None:
        router = http_routes(self.host.settings)
        if router is None:
            return  # no HTTP server in this process (validation, unit tests): the endpoint is idle
        if not self.url:
            self.warn("missing path: property 'url' must name the endpoint, e.g. /hello")
            return
        self._router = router
        self._remove = router.add_route(self.method, self.url, self._handle, owner=self.id)

    def on_close(self, removed: bool) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None

    async def _handle(self, request: Request, params: dict[str, str]) -> Response:
        assert self._router is not None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.scope["headers"]}
        try:
            body, files = await parse_body(request, headers, self.upload, self.skip)
        except BodyError as exc:
            return Response(str(exc), status_code=400, media_type="text/plain")
        except ClientDisconnect:
            return Response(status_code=499)
        future = self._router.expect_response()
        req = build_request(request, headers, params, body, files)
        msg: Msg = {"_msgid": new_msgid(), "req": req, "res": HttpResponseHandle(future),
                    "payload": req["query"] if self.method == "get" else body}
        self.send_now(msg)
        del msg  # from here only the flow holds msg.res: if it drops the message, the answer is a 503
        return await self._watchlist.wait(request, future)


def headers_hash(headers: dict[str, Any]) -> str:
    """Marks response headers an ``http request`` node put in ``msg.headers`` so that an ``http
    response`` node does not send them back (Node-RED's ``x-node-red-request-node``)."""
    text = json.dumps(headers, sort_keys=True, default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class HttpResponse(Node):
    type = "http response"
    category = "network"
    label = "http response"
    color = "rgb(231, 231, 174)"
    icon = "white-globe.svg"
    inputs = 1
    outputs = 0
    schema = {
        "type": "object",
        "properties": {
            "statusCode": {"type": ["string", "integer"], "default": ""},
            "headers": {"type": "object", "default": {}},
        },
    }
    help = node_help("http response")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.status_code = _int(config.get("statusCode"))
        raw_headers = config.get("headers") or {}
        self.headers = {str(k).lower(): str(v) for k, v in raw_headers.items()} if isinstance(
            raw_headers, dict) else {}

    def on_input(self, msg: Msg, send: Send, done: Done) -> None:
        res = msg.get("res")
        if not isinstance(res, HttpResponseHandle):
            self.warn("No response object", msg)
            done()
            return
        try:
            response = self._response(msg)
        except Exception as exc:  # a bad cookie option, status or header: the client gets a 500, the flow an error
            res.respond(PlainTextResponse("Internal Server Error", status_code=500))
            done(exc)
            return
        if not res.respond(response):
            self.warn("the response to this request was already sent", msg)
        done()

    def _response(self, msg: Msg) -> Response:
        headers = dict(self.headers)
        msg_headers = msg.get("headers")
        if isinstance(msg_headers, dict):
            msg_headers = dict(msg_headers)
            marker = msg_headers.pop(REQUEST_NODE_HEADER, None)
            if marker is not None and marker == headers_hash(msg_headers):
                msg_headers = {}
            for k, v in msg_headers.items():
                if k.lower() not in headers and v is not None and v is not UNDEFINED:
                    headers[k.lower()] = js_string(v)
        status = self.status_code or _int(msg.get("statusCode")) or 200
        if not 100 <= status <= 999:
            raise ValueError(f"invalid status code {status}: set msg.statusCode or property 'statusCode' to 100-999")
        response = _response(msg.get("payload", UNDEFINED), status, headers)
        cookies = msg.get("cookies")
        if isinstance(cookies, dict):
            for value in set_cookie_headers(cookies):
                response.raw_headers.append((b"set-cookie", value.encode("latin-1")))
        return response


def _int(value: Any) -> int:
    try:
        return int(str(value).strip()) if value not in (None, "", UNDEFINED) else 0
    except ValueError:
        return 0


def _response(payload: Any, status: int, headers: dict[str, str]) -> Response:
    ctype = headers.pop("content-type", None)
    if payload is UNDEFINED:
        body = b""
    elif isinstance(payload, (bytes, bytearray)):
        body = bytes(payload)
        ctype = ctype or "application/octet-stream"
    elif isinstance(payload, str):
        body = payload.encode("utf-8")
        ctype = ctype or "text/html; charset=utf-8"
    elif isinstance(payload, (int, float)) and not isinstance(payload, bool):
        body = js_string(payload).encode("utf-8")
        ctype = ctype or "text/html; charset=utf-8"
    else:  # objects, arrays, null, booleans: express's res.json
        body = to_json_text(payload).encode("utf-8")
        ctype = ctype or "application/json; charset=utf-8"
    response = Response(body, status_code=status, headers=headers)
    if ctype:
        response.headers["content-type"] = ctype
    return response


NODES: list[type[Node]] = [HttpIn, HttpResponse]

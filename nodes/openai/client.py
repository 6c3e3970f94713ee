"""The HTTP side: one shared ``httpx.AsyncClient`` per config node, retries, a concurrency limit.

``OpenAIClient.send`` performs a prepared request with the SDK's retry policy and returns an
``ApiResponse``; ``OpenAIClient.stream`` yields an open streaming response (retried only before
the first byte). Every I/O seam is injectable: ``transport`` (an ``httpx.AsyncBaseTransport``,
e.g. ``httpx.MockTransport``), ``sleep`` and ``rand`` (retry timing tests).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowengine.lazy_module import lazy_module

from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    OpenAIError,
    redact,
)
from .multipart import encode_multipart
from .request import PreparedRequest
from .retry import RetryPolicy

if TYPE_CHECKING:
    import httpx
else:
    httpx = lazy_module("httpx")  # loaded when a request is first sent (flowengine.lazy_module)

__all__ = ["ApiResponse", "ClientCounters", "ClientOptions", "Limiter", "OpenAIClient", "ratelimit_of",
           "usage_tokens"]

USER_AGENT = "flowengine-openai/0.1"
_RATELIMIT_PREFIX = "x-ratelimit-"
_RATELIMIT_PREFIX_BYTES = _RATELIMIT_PREFIX.encode()


@dataclass(frozen=True)
class ClientOptions:
    """What a config node resolved: base URL, keys, timeouts, retries, concurrency."""

    base_url: str = "https://api.openai.com/v1"
    api_key: str = ""
    admin_key: str = ""
    organization: str = ""
    project: str = ""
    timeout: float = 600.0
    max_retries: int = 2
    max_concurrency: int = 8
    max_queue: int = 10000
    auth_header: str = "Authorization"
    auth_query: str = ""
    auth_scheme: str = "Bearer"
    """Prefix of the key in an ``Authorization`` header; empty sends the key as it is (the seed
    node-red-openai's users typed ``Bearer sk-...`` themselves)."""
    extra_headers: dict[str, str] = field(default_factory=dict)
    extra_query: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # keys never appear in logs or reprs
        return f"ClientOptions(base_url={self.base_url!r}, timeout={self.timeout}, max_retries={self.max_retries})"

    @property
    def secrets(self) -> list[str]:
        """The keys, and a key typed with its scheme (``Bearer sk-...``) also without it."""
        keys = [s for s in (self.api_key, self.admin_key) if s]
        return keys + [k.split(None, 1)[1] for k in keys if len(k.split(None, 1)) == 2]


@dataclass(frozen=True)
class ApiResponse:
    """A decoded 2xx response."""

    status: int
    headers: httpx.Headers
    data: Any
    duration_ms: float
    retries: int

    @property
    def request_id(self) -> str | None:
        value: str | None = self.headers.get("x-request-id")
        return value

    @property
    def ratelimit(self) -> dict[str, str]:
        return ratelimit_of(self.headers)


def ratelimit_of(headers: httpx.Headers) -> dict[str, str]:
    """The ``x-ratelimit-*`` headers, prefix removed; read from the raw pairs (no decoding of the others)."""
    size = len(_RATELIMIT_PREFIX)
    return {k[size:].decode("latin-1").lower(): v.decode("latin-1")
            for k, v in headers.raw if k[:size].lower() == _RATELIMIT_PREFIX_BYTES}


class Limiter:
    """A semaphore that counts who waits: ``in_flight`` and ``queued`` feed node status lines."""

    def __init__(self, limit: int) -> None:
        self._sem = asyncio.Semaphore(max(1, limit))
        self.in_flight = 0
        self.queued = 0

    @asynccontextmanager
    async def slot(self, on_change: Callable[[], None] | None = None) -> AsyncIterator[None]:
        self.queued += 1
        if on_change:
            on_change()
        try:
            await self._sem.acquire()
        finally:
            self.queued -= 1
        self.in_flight += 1
        if on_change:
            on_change()
        try:
            yield
        finally:
            self.in_flight -= 1
            self._sem.release()
            if on_change:
                on_change()


BODY_SAMPLE = 2000
"""How much of an unusable response body an error keeps."""


def decode_body(response: httpx.Response, kind: str) -> Any:
    """JSON -> object, text -> str, binary -> bytes; an empty body is ``{}``.

    A successful response of a JSON operation must be JSON (``text/plain`` stays text: the
    transcription formats text, srt and vtt): a body cut short or an HTML page from a proxy raises
    ``APIResponseValidationError`` rather than reaching the flow as a payload. Error responses
    are decoded leniently (they only feed the error).
    """
    content = response.content
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "binary" and response.is_success:
        return content
    if not content:
        return {}
    strict = kind == "json" and response.is_success
    if ctype.endswith("json") or (strict and not ctype):
        try:
            return json.loads(content)
        except ValueError as exc:
            if strict:
                raise _unusable(response, f"the response body is not valid JSON ({exc}): cut short?") from exc
            return response.text
    if ctype == "text/plain" or ctype == "application/sdp" or (ctype.startswith("text/") and not strict):
        return response.text
    if strict:
        raise _unusable(response, f"expected a JSON response, got {ctype}")
    return content if kind == "binary" or not ctype.endswith("json") else response.text


def _unusable(response: httpx.Response, why: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"{why} (HTTP {response.status_code}, {len(response.content)} bytes)",
        status=response.status_code, type="invalid_response", code="invalid_response",
        body=response.text[:BODY_SAMPLE], request_id=response.headers.get("x-request-id"))


class ParkForRateLimit(Exception):
    """A 429 asked for a wait longer than the policy sleeps inside a request: the caller releases
    the concurrency slot, waits ``delay`` seconds and sends the request again (or fails with
    ``error`` when that is longer than it may wait)."""

    def __init__(self, delay: float, error: Exception) -> None:
        super().__init__(f"rate limited: retry after {delay:g} s")
        self.delay = delay
        self.error = error


def usage_tokens(usage: Any) -> int:
    """Tokens a response's ``usage`` reports: ``total_tokens``, else the sum of its ``*_tokens``."""
    if not isinstance(usage, dict):
        return 0
    total = usage.get("total_tokens")
    if isinstance(total, int) and not isinstance(total, bool):
        return total
    return sum(v for k, v in usage.items() if k.endswith("_tokens") and isinstance(v, int) and not isinstance(v, bool))


class ClientCounters:
    """What one client did, for ``GET /metrics``: HTTP requests sent (retries included), retries,
    429 answers, and tokens the operation nodes read from the responses' ``usage``."""

    __slots__ = ("rate_limited", "requests", "retries", "tokens")

    def __init__(self) -> None:
        self.requests = 0
        self.retries = 0
        self.rate_limited = 0
        self.tokens = 0


class OpenAIClient:
    """One per config node; safe to share between every operation node using that config."""

    def __init__(
        self,
        options: ClientOptions,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        holds: Any = None,
        hold_key: str = "",
    ) -> None:
        self.options = options
        self.holds = holds
        """Rate-limit holds shared with other processes (queue mode: ``settings.extra["openai_holds"]``,
        ``async remaining(key) -> seconds`` and ``async extend(key, seconds)``), or None."""
        self.hold_key = hold_key
        self.policy = RetryPolicy(max_retries=max(0, int(options.max_retries)))
        self.limiter = Limiter(options.max_concurrency)
        self.counters = ClientCounters()
        self._sleep = sleep
        self._rand = rand
        self._clock = clock
        self.limited_until = 0.0
        """While the server rate-limits this key (a 429 asked to wait), new requests wait too (clock time)."""
        base = options.base_url.rstrip("/") + "/"
        timeout = httpx.Timeout(options.timeout, connect=min(5.0, options.timeout))
        # the limiter caps requests in flight at max_concurrency: more pooled connections are never
        # used at once, and httpcore scans every pooled connection on each request
        pool = max(1, options.max_concurrency) + 2  # + the model list and other calls outside the limiter
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        self.http = httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits, transport=transport,
                                      follow_redirects=True)
        self._fixed = {False: self._fixed_headers(admin=False), True: self._fixed_headers(admin=True)}
        self._fixed_query = {False: self._fixed_params(admin=False), True: self._fixed_params(admin=True)}

    async def wait(self, seconds: float) -> None:
        """Sleep with the client's clock (tests replace it)."""
        await self._sleep(seconds)

    async def aclose(self) -> None:
        await self.http.aclose()

    def _key(self, admin: bool) -> str:
        # admin operations use the admin key; without one the normal key is sent (compatible servers)
        return (self.options.admin_key or self.options.api_key) if admin else self.options.api_key

    def _fixed_params(self, admin: bool) -> list[tuple[str, str]]:
        """The query parameters every request carries: ``extra_query`` (e.g. Azure's ``api-version``)
        and, with ``auth_query``, the key (providers that take it in the URL)."""
        params = list(self.options.extra_query.items())
        key = self._key(admin)
        if self.options.auth_query and key:
            params.append((self.options.auth_query, key))
        return params

    def _fixed_headers(self, admin: bool) -> dict[str, str]:
        """The headers every request of one auth kind carries (computed once per client)."""
        key = self._key(admin)
        headers = {"User-Agent": USER_AGENT, **self.options.extra_headers}
        if key and not self.options.auth_query:
            if self.options.auth_header.lower() == "authorization" and self.options.auth_scheme:
                headers["Authorization"] = f"{self.options.auth_scheme} {key}"
            else:
                headers[self.options.auth_header] = key
        if self.options.organization:
            headers["OpenAI-Organization"] = self.options.organization
        if self.options.project:
            headers["OpenAI-Project"] = self.options.project
        return headers

    def _headers(self, req: PreparedRequest, attempt: int) -> dict[str, str]:
        headers = {**self._fixed[req.admin], "x-stainless-retry-count": str(attempt)}
        headers["Accept"] = "text/event-stream" if req.stream else (
            "application/octet-stream" if req.response_kind == "binary" else "application/json")
        headers.update(req.headers)
        return headers

    def _build(self, req: PreparedRequest, attempt: int) -> httpx.Request:
        fixed = self._fixed_query[req.admin]
        query = [*fixed, *req.query] if fixed else req.query
        kwargs: dict[str, Any] = {"params": query or None, "headers": self._headers(req, attempt)}
        if req.files is not None:
            ctype, content = encode_multipart(req.form or [], req.files)
            kwargs["headers"]["Content-Type"] = ctype
            kwargs["content"] = content
        elif req.json is not None:
            kwargs["json"] = req.json
        return self.http.build_request(req.method, req.path.lstrip("/"), **kwargs)

    async def _attempt(self, req: PreparedRequest, stream: bool) -> tuple[httpx.Response, int]:
        """Send with retries; returns an (open, when streaming) 2xx response and the retry count."""
        retries = 0
        wait = self.limited_until - self._clock()
        if self.holds is not None:  # a 429 another process of the deployment got for this key
            wait = max(wait, await self.holds.remaining(self.hold_key))
        if wait > self.policy.max_retry_after:  # a long wait is spent parked, not holding a slot
            raise ParkForRateLimit(wait, OpenAIError(
                f"rate limited: the server asked this key to wait {wait:.0f} s more", status=429,
                type="rate_limit_exceeded"))
        if wait > 0:  # another request of this key got a 429: sending now would only earn another
            await self._sleep(wait)
        counters = self.counters
        for attempt in range(self.policy.max_retries + 1):
            counters.requests += 1
            try:
                response = await self.http.send(self._build(req, attempt), stream=stream)
            except httpx.TimeoutException as exc:
                error: Exception = APITimeoutError()
                headers: httpx.Headers | None = None
                cause: Exception = exc
            except httpx.TransportError as exc:
                error = APIConnectionError(redact(f"Connection error: {exc}", self.options.secrets))
                headers, cause = None, exc
            except (httpx.HTTPError, httpx.InvalidURL) as exc:  # not worth a retry: bad URL, body, redirects
                text = redact(f"Request failed: {type(exc).__name__}: {exc}", self.options.secrets)
                raise APIConnectionError(text) from exc
            else:
                if response.is_success:
                    return response, retries
                if stream:
                    await response.aread()
                    await response.aclose()
                headers = response.headers
                if response.status_code == 429:
                    counters.rate_limited += 1
                body = decode_body(response, "json")
                error = APIStatusError.from_response(response.status_code, body, headers.get("x-request-id"),
                                                     dict(headers.items()))
                cause = error
                if not self.policy.should_retry(response.status_code, headers):
                    raise error
            delay = self.policy.delay(retries, headers, self._rand)
            if delay is None:
                raise error from (cause if cause is not error else None)
            if isinstance(error, APIStatusError) and error.status == 429:
                self.limited_until = max(self.limited_until, self._clock() + delay)
                if self.holds is not None:
                    await self.holds.extend(self.hold_key, delay)
            if delay > self.policy.max_retry_after:
                raise ParkForRateLimit(delay, error)
            retries += 1
            counters.retries += 1
            await self._sleep(delay)
        raise AssertionError("unreachable: the retry loop always returns or raises")

    async def send(self, req: PreparedRequest) -> ApiResponse:
        """Perform ``req`` (not streaming) and decode the body by the operation's response kind."""
        start = time.perf_counter()
        response, retries = await self._attempt(req, stream=False)
        data = decode_body(response, req.response_kind)
        if isinstance(data, dict) and "usage" in data:
            self.counters.tokens += usage_tokens(data["usage"])
        return ApiResponse(response.status_code, response.headers, data,
                           (time.perf_counter() - start) * 1000.0, retries)

    @asynccontextmanager
    async def stream(self, req: PreparedRequest) -> AsyncIterator[httpx.Response]:
        """An open 2xx response whose body is read by the caller (SSE); closed on exit."""
        response, _ = await self._attempt(req, stream=True)
        try:
            yield response
        finally:
            await response.aclose()

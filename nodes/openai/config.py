"""The ``openai-config`` node: connection settings and keys shared by every operation node.

Properties ``base_url``, ``organization``, ``project``, ``timeout`` (s), ``max_retries``,
``max_concurrency``, ``max_queue`` (messages waiting beyond it fail with a catchable
``queue_full`` error), ``auth_header`` (empty: ``Authorization: Bearer <key>``; another name, e.g.
``api-key``, sends the bare key in that header, for compatible servers), ``auth_query`` (a query
parameter name, e.g. ``key``: the key goes in the URL instead of a header, for providers that
want it there), ``headers`` and ``query`` (extra request headers / query parameters on every
request, e.g. Azure's ``api-version``; no secrets: they are plain properties); credentials ``api_key`` and
``admin_key`` (admin operations). Empty values fall back to the environment:
``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``OPENAI_ADMIN_KEY``, ``OPENAI_ORG_ID``,
``OPENAI_PROJECT_ID``. One ``httpx.AsyncClient`` is created on first use and closed with the node.

Per-message keys: with ``api_key_type`` ``env``/``flow``/``global`` the key is read, for each
message, from the environment variable or context key named by ``api_key_ref``; with
``base_url_type`` ``env``/``flow``/``global`` the base URL is read the same way from ``base_url``
(context as seen from the operation node's flow). One config then serves several tenants: each
distinct (base URL, key) gets its own client (at most ``MAX_CLIENTS``), all closed with the node.
The key is only ever sent: it is not put in the message, and errors and logs name where it was
read, never its value.

Test seams: ``settings.extra["openai_transport"]`` (or the class attribute ``transport``) is an
``httpx.AsyncBaseTransport`` used instead of the network, e.g. ``httpx.MockTransport(handler)``;
``settings.extra["openai_sleep"]`` replaces ``asyncio.sleep`` between retries;
``settings.extra["openai_clock"]`` replaces ``time.monotonic`` for the model-list cache.
``settings.extra["openai_holds"]`` (queue mode sets it on workers) shares the wait a 429 asks for
with every process using the same base URL and key (keyed by a hash, never the key).
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from flowengine.node import Node
from flowengine.types import UNDEFINED, Msg

from .client import ClientOptions, OpenAIClient
from .errors import OpenAIError
from .help_pages import node_help
from .model_list import ModelListCache

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_CLIENTS", "ConfigNodeClosed", "OpenAIConfig"]


class ConfigNodeClosed(Exception):
    """The config node closed (a deploy replaced it) while a caller was using its client: ask the
    runtime for the node running now."""

    def __init__(self, node_id: str) -> None:
        super().__init__(f"openai-config node {node_id} was closed (redeployed) while in use")


DEFAULT_BASE_URL = "https://api.openai.com/v1"
MAX_CLIENTS = 32
"""Clients one config node keeps for per-message connections (base URL, key...)."""
_SOURCES = ["env", "flow", "global"]


class OpenAIConfig(Node):
    """Config node holding the shared client of every OpenAI operation node that names it."""

    type = "openai-config"
    category = "config"
    label = "OpenAI"
    color = "#74aa9c"
    inputs = 0
    outputs = 0
    is_config = True
    schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "base_url": {"type": "string", "default": DEFAULT_BASE_URL},
            "base_url_type": {"type": "string", "enum": ["str", *_SOURCES], "default": "str",
                              "title": "Base URL from",
                              "description": "str: base_url is the URL; env/flow/global: base_url names the "
                                             "variable or context key holding it, read for each message."},
            "api_key_type": {"type": "string", "enum": ["cred", *_SOURCES], "default": "cred",
                             "title": "API key from",
                             "description": "cred: the api_key credential; env/flow/global: the variable or "
                                            "context key named by api_key_ref, read for each message."},
            "api_key_ref": {"type": "string", "title": "API key variable or context key"},
            "organization": {"type": "string"},
            "project": {"type": "string"},
            "timeout": {"type": ["number", "string"], "default": 600},
            "max_retries": {"type": ["integer", "string"], "default": 2},
            "max_concurrency": {"type": ["integer", "string"], "default": 8},
            "max_queue": {"type": ["integer", "string"], "default": 10000},
            "auth_header": {"type": "string", "x-default": "Authorization"},
            "auth_query": {"type": "string"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "query": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    credentials_schema: ClassVar[dict[str, str]] = {"api_key": "password", "admin_key": "password"}
    help = node_help("openai-config")
    transport: ClassVar[httpx.AsyncBaseTransport | None] = None
    """Test hook: a transport every config node uses (``settings.extra['openai_transport']`` wins)."""

    _client: OpenAIClient | None = None
    _clients: dict[tuple[str, ...], OpenAIClient] | None = None
    _models: ModelListCache | None = None
    closed: bool = False
    """True once the node is closing (redeployed or stopped): its client is closed or about to be."""

    def _setting(self, prop: str, env: str, default: str = "") -> str:
        value = self.config.get(prop)
        if value is None or value == "":
            value = self.credentials.get(prop) if prop in self.credentials_schema else None
        if value is None or value == "":
            found = self.env(env)
            value = found if isinstance(found, str) and found else default
        return str(value)

    def _base_url(self) -> str:
        if (self.config.get("base_url_type") or "str") == "str":
            return self._setting("base_url", "OPENAI_BASE_URL", DEFAULT_BASE_URL)
        # base_url names where the per-message URL is: the shared client (the model list) uses the default
        found = self.env("OPENAI_BASE_URL")
        return found if isinstance(found, str) and found else DEFAULT_BASE_URL

    def _number(self, prop: str, default: float) -> float:
        value = self.config.get(prop)
        try:
            return float(value) if value not in (None, "") else default
        except (TypeError, ValueError):
            self.warn(f"openai-config {self.id}: property '{prop}' is not a number; using {default}")
            return default

    def options(self) -> ClientOptions:
        """The resolved connection options (keys included; never log them)."""
        return ClientOptions(
            base_url=self._base_url(),
            api_key=self._setting("api_key", "OPENAI_API_KEY"),
            admin_key=self._setting("admin_key", "OPENAI_ADMIN_KEY"),
            organization=self._setting("organization", "OPENAI_ORG_ID"),
            project=self._setting("project", "OPENAI_PROJECT_ID"),
            timeout=max(0.001, self._number("timeout", 600.0)),
            max_retries=max(0, int(self._number("max_retries", 2))),
            max_concurrency=max(1, int(self._number("max_concurrency", 8))),
            max_queue=max(0, int(self._number("max_queue", 10000))),
            auth_header=str(self.config.get("auth_header") or "Authorization"),
            auth_query=str(self.config.get("auth_query") or ""),
            extra_headers=self._strings("headers"),
            extra_query=self._strings("query"),
        )

    def _strings(self, prop: str) -> dict[str, str]:
        value = self.config.get(prop)
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    def client(self) -> OpenAIClient:
        """The shared client, created on first use."""
        if self._client is None:
            self._client = self.new_client(self.options())
        return self._client

    @property
    def per_message(self) -> bool:
        """True when the key or the base URL is read for each message."""
        return (self.config.get("api_key_type") or "cred") != "cred" or (self.config.get("base_url_type")
                                                                         or "str") != "str"

    def _read(self, node: Node, ref: Any, source: str, what: str, msg: Msg) -> str:
        value = node.evaluate(ref, source, msg)
        if value is None or value is UNDEFINED or value == "":
            raise OpenAIError(f"openai-config {self.id}: the {what} from {source} {ref!r} is empty "
                              f"(for node {node.id})", type="configuration_error")
        if not isinstance(value, str):
            raise OpenAIError(f"openai-config {self.id}: the {what} from {source} {ref!r} must be a string",
                              type="configuration_error")
        return value.strip()

    def options_for(self, node: Node, msg: Msg) -> ClientOptions:
        """The connection options for ``msg`` (keys included; never log them)."""
        options = self.options()
        key_source = str(self.config.get("api_key_type") or "cred")
        url_source = str(self.config.get("base_url_type") or "str")
        api_key = options.api_key if key_source == "cred" else self._read(
            node, self.config.get("api_key_ref"), key_source, "API key", msg)
        base_url = options.base_url if url_source == "str" else self._read(
            node, self.config.get("base_url"), url_source, "base URL", msg)
        return dataclasses.replace(options, api_key=api_key, base_url=base_url)

    def client_for(self, node: Node, msg: Msg) -> OpenAIClient:
        """The client for ``msg``: the shared one, or with per-message keys the one of its connection."""
        return self.cached_client(self.options_for(node, msg)) if self.per_message else self.client()

    def cached_client(self, options: ClientOptions) -> OpenAIClient:
        """One client per distinct connection, shared by every message asking for it."""
        ident = (options.base_url, options.api_key, options.admin_key, options.organization, options.project,
                 options.auth_header, options.auth_query)
        if self._clients is None:
            self._clients = {}
        client = self._clients.get(ident)
        if client is None:
            if len(self._clients) >= MAX_CLIENTS:
                raise OpenAIError(f"{self.type} {self.id}: more than {MAX_CLIENTS} different connections "
                                  "(base URL, key, organization); each keeps its own client",
                                  type="configuration_error")
            client = self._clients[ident] = self.new_client(options)
        return client

    def new_client(self, options: ClientOptions) -> OpenAIClient:
        """A client for ``options`` with this runtime's test seams (transport, sleep); the caller closes it."""
        extra = self._extra()
        transport = extra.get("openai_transport") or type(self).transport
        kwargs: dict[str, Any] = {"transport": transport}
        if extra.get("openai_sleep") is not None:
            kwargs["sleep"] = extra["openai_sleep"]
        if extra.get("openai_holds") is not None:  # queue mode: 429 holds shared by every worker
            kwargs["holds"] = extra["openai_holds"]
            key = f"{options.base_url}\0{options.api_key}".encode()
            kwargs["hold_key"] = hashlib.sha256(key).hexdigest()[:24]  # never the key itself
        return OpenAIClient(options, **kwargs)

    async def model_ids(self) -> list[str]:
        """The ids ``GET /models`` lists for this connection, cached ``MODEL_LIST_TTL`` seconds.

        The cache lives with this node: redeploying a changed config node starts an empty one.
        """
        if self._models is None:
            clock = self._extra().get("openai_clock")
            self._models = ModelListCache(clock=clock) if clock is not None else ModelListCache()
        if self.closed:
            raise ConfigNodeClosed(self.id)
        try:
            return await self._models.get(self.client())
        except RuntimeError as exc:  # httpx: "Cannot send a request, as the client has been closed."
            if self.closed:
                raise ConfigNodeClosed(self.id) from exc
            raise

    def _extra(self) -> dict[str, Any]:
        extra = self.host.settings.extra
        return extra if isinstance(extra, dict) else {}

    def files_root(self) -> Path:
        """``file_dir`` as a callable: request building asks only when a file is given by path."""
        return self.file_dir

    @property
    def file_dir(self) -> Path:
        """Where file fields given as paths are read from: ``settings.fileDirectory``, a relative one
        taken from the user directory (as ``flowFile`` is), not from the process's working directory;
        default ``<user_dir>/files``."""
        settings = self.host.settings
        user_dir = Path(settings.user_dir)
        configured = settings.fileDirectory
        if not configured:
            return user_dir / "files"
        path = Path(configured).expanduser()
        return path if path.is_absolute() else user_dir / path

    def clients(self) -> list[OpenAIClient]:
        """The clients this node has created so far: the shared one, and one per connection that
        messages asked for (``per_message``)."""
        return [*([self._client] if self._client is not None else []), *(self._clients or {}).values()]

    def metrics(self) -> dict[str, float]:
        """Requests, retries, 429s and tokens of this connection, requests queued and in flight."""
        clients = self.clients()
        return {
            "openai_requests_total": sum(c.counters.requests for c in clients),
            "openai_retries_total": sum(c.counters.retries for c in clients),
            "openai_rate_limited_total": sum(c.counters.rate_limited for c in clients),
            "openai_tokens_total": sum(c.counters.tokens for c in clients),
            "openai_queued": sum(c.limiter.queued for c in clients),
            "openai_in_flight": sum(c.limiter.in_flight for c in clients),
        }

    async def on_close(self, removed: bool) -> None:
        self.closed = True
        client, self._client = self._client, None
        clients, self._clients = self._clients or {}, None
        for each in [*([client] if client is not None else []), *clients.values()]:
            await each.aclose()

"""The model ids a server lists (``GET /models``), kept briefly so the editor's picker is cheap.

A ``ModelListCache`` belongs to one running ``openai-config`` node: a redeploy that changes the
node builds a new node and so a new, empty cache. Entries are keyed by the connection identity
(base URL, auth header, organization, project and a SHA-256 fingerprint of the key, never the key
itself) and live ``ttl`` seconds by an injectable ``clock``. Only successful lists are kept;
concurrent misses share one upstream request.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable

from .client import ClientOptions, OpenAIClient
from .request import PreparedRequest

__all__ = ["MODEL_LIST_TTL", "ModelListCache", "connection_key", "fetch_model_ids"]

MODEL_LIST_TTL = 60.0

ConnectionKey = tuple[str, str, str, str, str, str, tuple[tuple[str, str], ...]]


def connection_key(options: ClientOptions) -> ConnectionKey:
    """What identifies the list a server gives: the key only as a fingerprint."""
    fingerprint = hashlib.sha256(options.api_key.encode()).hexdigest()[:16] if options.api_key else ""
    return (options.base_url.rstrip("/"), options.auth_header.lower(), options.organization, options.project,
            fingerprint, options.auth_query, tuple(sorted(options.extra_query.items())))


async def fetch_model_ids(client: OpenAIClient) -> list[str]:
    """The sorted model ids of ``client``'s server (raises ``OpenAIError``)."""
    response = await client.send(PreparedRequest("listModels", "GET", "/models"))
    data = response.data if isinstance(response.data, dict) else {}
    return sorted(str(m["id"]) for m in data.get("data") or [] if isinstance(m, dict) and m.get("id"))


class ModelListCache:
    """Model ids per connection identity, each kept ``ttl`` seconds."""

    def __init__(self, ttl: float = MODEL_LIST_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self.fetches = 0  # upstream requests made (introspection, tests)
        self._entries: dict[ConnectionKey, tuple[float, list[str]]] = {}
        self._lock = asyncio.Lock()

    async def get(self, client: OpenAIClient) -> list[str]:
        """The ids for ``client``'s connection: cached when younger than ``ttl``, else fetched."""
        key = connection_key(client.options)
        async with self._lock:  # a second caller waits for the first fetch instead of repeating it
            found = self._entries.get(key)
            if found is not None and self.clock() - found[0] < self.ttl:
                return list(found[1])
            self.fetches += 1
            ids = await fetch_model_ids(client)
            self._entries = {k: v for k, v in self._entries.items() if self.clock() - v[0] < self.ttl}
            self._entries[key] = (self.clock(), ids)
            return list(ids)

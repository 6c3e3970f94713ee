"""``QueueConfig``: queue mode's settings (``[queue]`` in settings.toml, overridden by the command line).

::

    [queue]
    url = "redis://127.0.0.1:6379/0"   # the Redis (or Valkey) every process of the deployment shares
    boundary = ["http request"]        # node types run on workers, besides every OpenAI node
    concurrency = 10                   # hops one worker runs at once
    lease = 30                         # seconds a worker may stay silent before its entries are reclaimed
    max_deliver = 5                    # deliveries before an entry goes to the dead-letter stream
    prefix = "flowengine"              # key prefix: several deployments can share one Redis
    high_water = 10000                 # waiting entries above which triggers pause, HTTP-in answers 503
    hop_timeout = 3600                 # seconds after which a hop whose nodes never call done() ends
    trim_every = 60                    # seconds between removals of acknowledged stream history
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..errors import SettingsError
from ..settings import Settings

__all__ = ["QueueConfig"]

OPENAI_MODULE = "openai"
"""Registry module whose node types are boundaries by default."""


@dataclass(frozen=True)
class QueueConfig:
    """Queue mode settings; ``url`` None = single-process mode."""

    url: str | None = None
    boundary: tuple[str, ...] = ()
    concurrency: int = 10
    lease: float = 30.0
    max_deliver: int = 5
    prefix: str = "flowengine"
    high_water: int = 10_000
    hop_timeout: float = 3600.0
    trim_every: float = 60.0
    reclaim: bool = True
    """Take over entries of workers that stopped renewing their lease. Off only to show, in tests,
    what is lost without it (Redis never redelivers an entry by itself)."""

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> QueueConfig:
        """The ``[queue]`` table of ``settings``, then the non-None ``overrides`` (command line)."""
        table = settings.extra.get("queue") or {}
        if not isinstance(table, dict):
            raise SettingsError("setting queue must be a table ([queue] in settings.toml)")
        unknown = set(table) - {"url", "boundary", "concurrency", "lease", "max_deliver", "prefix", "high_water",
                             "hop_timeout", "trim_every", "reclaim"}
        if unknown:
            raise SettingsError(f"[queue] has unknown settings: {', '.join(sorted(unknown))}")
        values = {**table, **{k: v for k, v in overrides.items() if v is not None}}
        boundary = values.get("boundary", ())
        if isinstance(boundary, str) or not all(isinstance(t, str) for t in boundary):
            raise SettingsError('[queue] boundary must be a list of node type names, e.g. ["http request"]')
        config = cls(
            url=str(values["url"]) if values.get("url") else None,
            boundary=tuple(boundary),
            concurrency=_number(values, "concurrency", 10, int),
            lease=_number(values, "lease", 30.0, float),
            max_deliver=_number(values, "max_deliver", 5, int),
            prefix=str(values.get("prefix") or "flowengine"),
            high_water=_number(values, "high_water", 10_000, int),
            hop_timeout=_number(values, "hop_timeout", 3600.0, float),
            trim_every=_number(values, "trim_every", 60.0, float),
            reclaim=bool(values.get("reclaim", True)),
        )
        if config.url is not None and not config.url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError(f"[queue] url must be redis://HOST:PORT/DB (or rediss://, unix://), got {config.url!r}")
        return config

    def with_url(self, url: str) -> QueueConfig:
        return replace(self, url=url)

    def share_context(self, settings: Settings) -> None:
        """Without ``contextStorage`` in the settings, keep all context in this Redis (``redis``
        store), so every process of the deployment sees the same flow and global context."""
        if settings.contextStorage is None and self.url is not None:
            settings.contextStorage = {"default": {"module": "redis", "config": {"url": self.url,
                                                                                "prefix": self.prefix}}}


def _number(values: dict[str, Any], key: str, default: Any, kind: type) -> Any:
    value = values.get(key, default)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise SettingsError(f"[queue] {key} must be a number, got {value!r}") from None
    if number <= 0:
        raise SettingsError(f"[queue] {key} must be greater than 0, got {value!r}")
    return number

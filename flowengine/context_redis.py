"""``RedisStore``: a context store in Redis (``[contextStorage.<name>] module = "redis"``), shared by
every process that names the same Redis - queue mode uses it for all context by default.

Each scope is a hash ``<prefix>:ctx:<scope id>``; a top-level key is a field holding its value as
JSON (buffers as Node's ``{"type": "Buffer", "data": [...]}``). Reads and writes go to Redis at
once (a short blocking round trip: the context API is synchronous, as Node-RED's default is); a
nested write (``flow.set("a.b", 1)``) is an optimistic ``WATCH`` transaction on its top-level key,
so concurrent writers never lose each other's updates. ``incr`` and ``compare_and_set`` are atomic
across processes. ``functionGlobalContext`` values stay in each process (they are often modules).

A deploy removes the node and flow scopes of nodes and flows it deleted (``ContextManager.clean``,
as the memory and file stores): every scope under the prefix is listed (``SCAN``), so processes
that share a prefix must run the same flows - queue mode's do; only a deploy cleans, never a start,
and queue workers never deploy. Set ``clean = false`` for a store shared by instances running
different flows.

Config: ``url`` (default: ``[queue] url``), ``prefix`` (default ``flowengine``), ``clean``
(default true).
"""

from __future__ import annotations

import json
from typing import Any

from .context_store import PendingWrite, from_disk, to_disk
from .errors import SettingsError
from .message import delete_property, get_property, set_property
from .types import UNDEFINED

__all__ = ["RedisStore"]

CAS = """local current = redis.call('hget', KEYS[1], ARGV[1])
if (ARGV[2] == '' and not current) or current == ARGV[3] then
  if ARGV[4] == '' then redis.call('hdel', KEYS[1], ARGV[1]) else redis.call('hset', KEYS[1], ARGV[1], ARGV[5]) end
  return 1
end
return 0"""


def _encode(value: Any) -> str:
    return json.dumps(to_disk(value), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _decode(raw: Any) -> Any:
    return from_disk(json.loads(raw))


class RedisStore:
    """A context store whose scopes live in Redis hashes (see the module docstring)."""

    keyed = True
    """``ContextScope`` reads and writes single keys through ``get_value``/``set_value``."""

    def __init__(self, name: str, url: str | None, prefix: str = "flowengine", client: Any = None,
                 clean: bool = True) -> None:
        if client is None:
            if not url:
                raise SettingsError(f"contextStorage.{name}: the redis module needs config.url "
                                    "(redis://HOST:PORT/DB) or [queue] url")
            import redis

            client = redis.Redis.from_url(url, socket_timeout=10)
        self.name = name
        self.prefix = prefix
        self.client = client
        self.clean = clean
        self._local: dict[str, dict[str, Any]] = {}

    def _key(self, scope: str) -> str:
        return f"{self.prefix}:ctx:{scope}"

    # --- single keys (what ContextScope uses) ---
    def get_value(self, scope: str, path: tuple[str | int, ...]) -> Any:
        if not path:
            return UNDEFINED
        raw = self.client.hget(self._key(scope), str(path[0]))
        if raw is None:
            local = self._local.get(scope, {})
            return get_property(local, path) if str(path[0]) in local else UNDEFINED
        value = _decode(raw)
        return get_property(value, path[1:]) if len(path) > 1 else value

    def set_value(self, scope: str, path: tuple[str | int, ...], value: Any) -> None:
        key, top = self._key(scope), str(path[0])
        if len(path) == 1:
            if value is UNDEFINED:
                self.client.hdel(key, top)
            else:
                self.client.hset(key, top, _encode(value))
            return
        self._update(key, top, lambda obj: set_property(obj, path[1:], value))

    def delete_value(self, scope: str, path: tuple[str | int, ...]) -> None:
        key, top = self._key(scope), str(path[0])
        if len(path) == 1:
            self.client.hdel(key, top)
        else:
            self._update(key, top, lambda obj: delete_property(obj, path[1:]))

    def keys_of(self, scope: str) -> list[str]:
        names = [k.decode() if isinstance(k, bytes) else str(k) for k in self.client.hkeys(self._key(scope))]
        return names + [k for k in self._local.get(scope, {}) if k not in names]

    def incr(self, scope: str, key: str, by: int | float = 1) -> int | float:
        """Add ``by`` to the number at top-level ``key`` (missing = 0) atomically; the new value."""
        if isinstance(by, int) and not isinstance(by, bool):
            return int(self.client.hincrby(self._key(scope), key, by))
        return float(self.client.hincrbyfloat(self._key(scope), key, by))

    def compare_and_set(self, scope: str, key: str, expected: Any, value: Any) -> bool:
        """Set top-level ``key`` to ``value`` (``UNDEFINED`` deletes) only if it holds ``expected``."""
        args = [key, "" if expected is UNDEFINED else "1", "" if expected is UNDEFINED else _encode(expected),
                "" if value is UNDEFINED else "1", "" if value is UNDEFINED else _encode(value)]
        return bool(self.client.eval(CAS, 1, self._key(scope), *args))

    def _update(self, key: str, top: str, change: Any) -> None:
        from redis.exceptions import WatchError

        with self.client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.hget(key, top)
                    obj = _decode(raw) if raw is not None else {}
                    change(obj)
                    pipe.multi()
                    pipe.hset(key, top, _encode(obj))
                    pipe.execute()
                    return
                except WatchError:
                    continue  # another writer changed the key: read it again

    # --- the ContextStore protocol (whole scopes) ---
    def data(self, scope: str, create: bool = True) -> dict[str, Any] | None:
        """Values kept in this process only (``functionGlobalContext``); the shared ones are read
        and written per key."""
        found = self._local.get(scope)
        if found is None and create:
            found = self._local[scope] = {}
        return found

    def touch(self, scope: str) -> None:
        return None

    def scopes(self) -> list[str]:
        """Every scope in Redis under the prefix (what a deploy's clean looks at); none with ``clean = false``."""
        if not self.clean:
            return []
        head = f"{self.prefix}:ctx:"
        pattern = "".join(f"\\{c}" if c in "*?[]\\" else c for c in head) + "*"
        found = {(k.decode() if isinstance(k, bytes) else str(k))[len(head):]
                 for k in self.client.scan_iter(match=pattern, count=1000)}
        return sorted(found | set(self._local))

    def delete_scope(self, scope: str) -> None:
        self._local.pop(scope, None)
        self.client.delete(self._key(scope))

    def flush(self) -> list[PendingWrite]:
        return []

    def close(self) -> None:
        self.client.close()

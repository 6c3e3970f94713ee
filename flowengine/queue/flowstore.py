"""Deployed flows in Redis, by rev, and the part of them a worker runs.

The coordinator publishes every deployed configuration under its rev (flows JSON + credentials
sealed with the deployment's ``credentialSecret``, never in clear) and keeps the last ``KEEP_REVS``;
entries name the rev that produced them, so a worker finishes in-flight messages on their own
flows while new ones use the new rev. ``worker_view`` disables what a worker must not run: every
node that is not a boundary node, downstream of one, or a catch/status/complete node (or downstream
of one) - so trigger nodes (inject, mqtt in, http in...) run only on coordinators.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from ..credentials import seal, unseal
from ..errors import CredentialsError, FlowEngineError
from .keys import Keys

__all__ = ["KEEP_REVS", "FlowStore", "worker_view"]

KEEP_REVS = 10
WATCHERS = frozenset({"catch", "status", "complete"})


class FlowStore:
    """Publish and load flows by rev. ``redis`` is a ``redis.asyncio.Redis``."""

    def __init__(self, redis: Any, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def publish(self, rev: str, flows: list[Any], credentials: dict[str, dict[str, Any]],
                      secret: str | None) -> None:
        """Store ``flows`` (+ sealed ``credentials``) under ``rev`` and make it current."""
        if credentials and not secret:
            raise CredentialsError("queue mode needs credentialSecret in the settings (the same on every "
                                   "process): the flows have credentials, and they never go to Redis in clear")
        sealed = json.dumps(seal(credentials, secret)) if credentials and secret else ""
        keys = self.keys
        old = [r.decode() if isinstance(r, bytes) else str(r) for r in await self.redis.lrange(keys.revs, 0, -1)]
        stale = [r for r in old if r != rev][KEEP_REVS - 1:]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.flows(rev), mapping={"flows": json.dumps(flows, separators=(",", ":")),
                                                "credentials": sealed})
            pipe.lrem(keys.revs, 0, rev)
            pipe.lpush(keys.revs, rev)
            pipe.ltrim(keys.revs, 0, KEEP_REVS - 1)
            pipe.set(keys.current, rev)
            for r in stale:
                pipe.delete(keys.flows(r))
            await pipe.execute()

    async def current(self) -> str | None:
        value = await self.redis.get(self.keys.current)
        return value.decode() if isinstance(value, bytes) else value

    async def load(self, rev: str, secret: str | None) -> list[Any] | None:
        """The flows of ``rev`` with each node's ``credentials`` put back; None when not stored."""
        data = await self.redis.hgetall(self.keys.flows(rev))
        if not data:
            return None
        fields = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
                  for k, v in data.items()}
        flows = json.loads(fields.get("flows") or "[]")
        if not isinstance(flows, list):
            raise FlowEngineError(f"flows of rev {rev} in Redis are not a JSON array")
        sealed = fields.get("credentials") or ""
        if sealed:
            if not secret:
                raise CredentialsError("the deployed flows have credentials: set credentialSecret in this "
                                       "worker's settings (the coordinator's secret)")
            creds = unseal(json.loads(sealed), secret, f"flows rev {rev[:12]} from Redis")
            flows = [dict(n, credentials=creds[n["id"]]) if isinstance(n, dict) and n.get("id") in creds else n
                     for n in flows]
        return flows


def worker_view(flows: list[Any], is_boundary: Callable[[str], bool]) -> list[Any]:
    """``flows`` with every flow node a worker must not run marked disabled (``"d": true``)."""
    nodes = {n["id"]: n for n in flows if isinstance(n, dict) and isinstance(n.get("id"), str)}
    templates = {i for i, n in nodes.items() if n.get("type") == "subflow"}
    seeds = [i for i, n in nodes.items() if "wires" in n and not n.get("d")
             and (is_boundary(str(n.get("type"))) or n.get("type") in WATCHERS)]
    keep: set[str] = set()
    todo = list(seeds)
    while todo:
        nid = todo.pop()
        if nid in keep or nid not in nodes:
            continue
        keep.add(nid)
        todo.extend(_next(nodes[nid]))
    out: list[Any] = []
    for n in flows:
        if (isinstance(n, dict) and "wires" in n and n.get("id") not in keep and not n.get("d")
                and n.get("z") not in templates):
            n = dict(n, d=True)
        out.append(n)
    return out


def _next(node: dict[str, Any]) -> Iterable[str]:
    for port in node.get("wires") or []:
        if isinstance(port, list):
            yield from (t for t in port if isinstance(t, str))
    if node.get("type") in ("link out", "link call"):
        links = node.get("links")
        if isinstance(links, list):
            yield from (t for t in links if isinstance(t, str))

"""``Keys``: the Redis keys of one queue-mode deployment (all under ``[queue] prefix``).

- ``<p>:work``: the stream of messages into boundary nodes; consumer group ``workers``.
- ``<p>:delayed``: a sorted set of parked entries (rate-limited calls) by due time (parking.py).
- ``<p>:dead``: entries delivered more than ``max_deliver`` times (dead letters), with the reason.
- ``<p>:flows:<rev>``: a hash ``flows`` (JSON) + ``credentials`` (encrypted); ``<p>:flows:current``
  names the current rev, ``<p>:flows:revs`` lists the kept ones, newest first.
- ``<p>:res:<entry>:<node>``: a boundary node's finished result until its hop is acknowledged,
  keyed by the stream entry's id (which a reclaim keeps): the message's ``_msgid`` is not unique
  (Node-RED's split and a function returning several messages keep the input's ``_msgid``).
- ``<p>:events``: workers' debug and status events for the coordinators' editors (capped).
- ``<p>:leader`` / ``<p>:leader:term``: the coordinators' trigger lease and its fencing counter.
- ``<p>:replies:<coordinator>``: messages for a coordinator's ``http response`` nodes (replies.py).
- ``<p>:hold:<hash>``: a rate-limit wait shared by every worker using one OpenAI key (holds.py).
- ``<p>:workers``: a hash worker id -> JSON heartbeat (load, last seen), for status pages.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GROUP", "Keys"]

GROUP = "workers"


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix."""

    prefix: str = "flowengine"

    @property
    def work(self) -> str:
        return f"{self.prefix}:work"

    @property
    def dead(self) -> str:
        return f"{self.prefix}:dead"

    @property
    def delayed(self) -> str:
        return f"{self.prefix}:delayed"

    @property
    def current(self) -> str:
        return f"{self.prefix}:flows:current"

    @property
    def revs(self) -> str:
        return f"{self.prefix}:flows:revs"

    @property
    def events(self) -> str:
        return f"{self.prefix}:events"

    @property
    def leader(self) -> str:
        return f"{self.prefix}:leader"

    @property
    def term(self) -> str:
        return f"{self.prefix}:leader:term"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    def flows(self, rev: str) -> str:
        return f"{self.prefix}:flows:{rev}"

    def replies(self, coordinator: str) -> str:
        return f"{self.prefix}:replies:{coordinator}"

    def result(self, entry_id: str, node_id: str) -> str:
        return f"{self.prefix}:res:{entry_id}:{node_id}"

"""A topic bus: the runtime publishes, the comms websocket (and tests) listen.

Topics follow the comms protocol: ``debug``, ``status/<id>``, ``notification/runtime-state``,
``notification/runtime-deploy``... Retained topics keep their last value and are replayed to new
comms subscribers whose pattern matches (``+`` one level, trailing ``/#`` any suffix).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

__all__ = ["EventBus", "topic_matches"]

Listener = Callable[[str, Any], None]
log = logging.getLogger("flowengine.events")


class EventBus:
    """Synchronous fan-out to listeners. Listeners must be fast and never block (queue and return)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._retained: dict[str, Any] = {}

    def publish(self, topic: str, data: Any, retain: bool = False) -> None:
        if retain:
            if data == {} or data is None:
                self._retained.pop(topic, None)
            else:
                self._retained[topic] = data
        for listener in tuple(self._listeners):
            try:
                listener(topic, data)
            except Exception:  # one broken listener must not stop the runtime or other listeners
                log.exception("event listener failed on topic %s", topic)

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns a function that removes it."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def retained(self, pattern: str) -> list[tuple[str, Any]]:
        """Retained (topic, data) pairs whose topic matches ``pattern``."""
        return [(t, d) for t, d in self._retained.items() if topic_matches(pattern, t)]

    def clear_retained(self, prefix: str) -> None:
        for t in [t for t in self._retained if t.startswith(prefix)]:
            del self._retained[t]


def topic_matches(pattern: str, topic: str) -> bool:
    """MQTT-style match used by comms subscriptions. A bare ``#`` matches nothing (Node-RED quirk)."""
    if pattern == "#":
        return False
    if pattern == topic:
        return True
    pparts = pattern.split("/")
    tparts = topic.split("/")
    for i, p in enumerate(pparts):
        if p == "#" and i == len(pparts) - 1:
            return len(tparts) >= i
        if i >= len(tparts):
            return False
        if p != "+" and p != tparts[i]:
            return False
    return len(pparts) == len(tparts)

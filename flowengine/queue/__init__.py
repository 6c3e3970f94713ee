"""Queue mode: flows across processes and machines on Redis Streams (DESIGN §10).

Single-process mode never imports this package (nor redis). Layout, bottom up:
``config`` (``[queue]`` settings), ``keys`` (Redis key names), ``envelope`` (a message as a stream
entry), ``redis_client`` (connection, consumer group), ``flowstore`` (flows by rev, ``worker_view``),
``boundary`` (which types are boundaries), ``publisher`` (buffered XADD), ``hop`` (one entry's
in-process run), ``revisions`` (a worker's runtimes by rev), ``coordinator`` (``serve --queue``),
``worker`` (``flowengine worker``), ``status`` (what the admin API shows).

The engine knows only ``Runtime.boundary``: a function that gives a boundary node's route a
handoff (``Route.handoff``), which the dispatcher calls instead of the node's input handler.
"""

from __future__ import annotations

from .config import QueueConfig
from .coordinator import Coordinator
from .worker import Worker

__all__ = ["Coordinator", "QueueConfig", "Worker"]

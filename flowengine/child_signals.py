"""Commands the runtime starts get every signal's default action, as Node.js starts them.

A POSIX process keeps an ignored signal ignored across ``exec``, while a caught one goes back to
its default. ``nohup flowengine serve`` ignores SIGHUP, and a shell without job control starts a
background job with SIGINT and SIGQUIT ignored: an exec node's command would inherit that, and
``msg.kill = "SIGHUP"`` would not end it. Node.js (libuv) resets every signal in a child it
spawns, so Node-RED's exec node never meets this.

``catch_ignored()`` gives each ignored signal a handler that does nothing: the runtime goes on when
one arrives, exactly as while it was ignored, and the commands it starts begin with the default
action. Python's ``subprocess`` could only reset them in the child through ``preexec_fn``, which is
unsafe with the watchdog's thread.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

__all__ = ["RESET", "catch_ignored"]

RESET = tuple(getattr(signal, name) for name in (
    "SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGTSTP", "SIGTTIN", "SIGTTOU")
    if hasattr(signal, name))
"""The signals handled so (SIGPIPE and SIGXFSZ: ``subprocess`` restores them itself; SIGCHLD's
ignored disposition means something else)."""


def _carry_on(signum: int, frame: Any) -> None:
    """The handler of a signal the process was started ignoring: it still changes nothing."""


def catch_ignored() -> list[signal.Signals]:
    """Catch, with a handler that does nothing, each signal of ``RESET`` this process ignores;
    returns them. Only the main thread may set handlers: elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        return []
    caught = []
    for sig in RESET:
        if signal.getsignal(sig) is signal.SIG_IGN:
            signal.signal(sig, _carry_on)
            caught.append(signal.Signals(sig))
    return caught

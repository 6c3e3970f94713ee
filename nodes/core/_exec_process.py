"""Child processes of the exec node: start, read, signal and stop them.

Each child is started in a session of its own (``start_new_session``), so it leads a process
group: a kill (``msg.kill``, the timeout, closing the node) reaches the command *and* whatever it
started (the shell's own children in exec mode), and nothing is left running after a redeploy.
Node-RED only signals its direct child; signalling the group is what its users expect from
"kill", and exec mode's ``bash -c`` makes the two differ only for compound commands.

The child's stdin is ``/dev/null``: Node-RED leaves a pipe open that nothing can write to, so a
command that reads stdin (``cat``) would wait forever there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import Callable

from flowengine.child_signals import catch_ignored
from flowengine.errors import NodeError

__all__ = ["CHUNK", "SHELL", "Child", "Collected", "as_payload", "signal_named", "split_command_line"]

CHUNK = 65536
"""Bytes read at a time: Node.js's pipe chunk size, so spawn mode streams similar pieces."""

# Node-RED (Linux) runs exec mode through /bin/bash when it exists, else Node's default /bin/sh.
SHELL = "/bin/bash" if sys.platform.startswith("linux") and os.path.exists("/bin/bash") else "/bin/sh"

_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"  # JS's \s
_ARG = re.compile(f'(?:[^{_JS_SPACE}"]+|"[^"]*")+')
_QUOTED = re.compile('".*"')  # JS /^".*"$/: "." stops at a newline, so such a token keeps its quotes


def split_command_line(line: str) -> list[str]:
    """Spawn mode's argv, split as Node-RED splits it (no shell).

    Runs of non-space characters and double-quoted strings form one argument; an argument that is
    wholly in double quotes loses them (``sh -c "echo a; exit 3"`` -> ``sh``, ``-c``, ``echo a;
    exit 3``). Single quotes are ordinary characters and an unpaired ``"`` is dropped.
    """
    return [t[1:-1] if _QUOTED.fullmatch(t) else t for t in _ARG.findall(line)]


def as_payload(data: bytes) -> str | bytes:
    """Output as Node-RED sends it: text when it is valid UTF-8, else the bytes (a Buffer)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def signal_named(name: str) -> signal.Signals:
    """The signal called ``name`` (``SIGINT``...); Node.js's error text for an unknown one."""
    try:
        return signal.Signals[name]
    except KeyError:
        raise NodeError(f"Unknown signal: {name}") from None


class Collected:
    """Everything exec mode read from a child, bounded by ``limit`` bytes per stream.

    Past the limit (Node-RED's ``execMaxBufferSize``) the stream is cut at the limit, ``overflow``
    names it (``"stdout"``/``"stderr"``) and ``on_overflow`` kills the child; the rest of the
    output is read and dropped so the pipes reach their end.
    """

    def __init__(self, limit: int, on_overflow: Callable[[], None]) -> None:
        self.limit = limit
        self.on_overflow = on_overflow
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.overflow: str | None = None

    async def read(self, stream: asyncio.StreamReader, name: str) -> None:
        buf = self.stdout if name == "stdout" else self.stderr
        while chunk := await stream.read(CHUNK):
            if self.overflow is not None:
                continue  # Node.js stops collecting both streams once one overflowed
            if len(buf) + len(chunk) > self.limit:
                buf += chunk[: self.limit - len(buf)]
                self.overflow = name
                self.on_overflow()
            else:
                buf += chunk


class Child:
    """One running child of an exec node: the leader of its own process group."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.finished = asyncio.Event()
        """Set once the child exited and its pipes were read to the end (the node's close waits)."""

    @classmethod
    async def start(cls, argv: list[str]) -> Child:
        """Start ``argv`` with piped stdout/stderr. Raises OSError when it cannot be started."""
        catch_ignored()  # the command starts with every signal's default action, as Node.js starts it
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        return cls(proc)

    @property
    def stdout(self) -> asyncio.StreamReader:
        assert self.proc.stdout is not None  # started with stdout=PIPE
        return self.proc.stdout

    @property
    def stderr(self) -> asyncio.StreamReader:
        assert self.proc.stderr is not None  # started with stderr=PIPE
        return self.proc.stderr

    def kill(self, sig: int = signal.SIGTERM) -> None:
        """Send ``sig`` to the child's process group."""
        # The group is gone when the child and everything it started have exited: nothing to do.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)

    def exit_status(self) -> tuple[int | None, str | None]:
        """(code, signal name) as Node.js reports them: a signalled child has code None."""
        rc = self.proc.returncode
        if rc is None or rc >= 0:
            return rc, None
        try:
            return None, signal.Signals(-rc).name
        except ValueError:
            return None, f"SIG{-rc}"

    async def stop(self, grace: float) -> bool:
        """SIGTERM the group, give it ``grace`` seconds to finish, then SIGKILL it.

        True when the child finished; False when its pipes stayed open ``grace`` seconds after
        the SIGKILL (held by a process that left the group).
        """
        self.kill(signal.SIGTERM)
        for last in (False, True):
            try:
                await asyncio.wait_for(self.finished.wait(), grace)
                return True
            except TimeoutError:
                if last:
                    return False
                self.kill(signal.SIGKILL)
        return False

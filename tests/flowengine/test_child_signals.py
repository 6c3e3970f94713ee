"""A process started with signals ignored (nohup, a shell's background job) starts its commands
with the default actions once ``catch_ignored`` ran, and still goes on itself when one arrives.
Each case runs in a fresh Python, so pytest's own handlers are never touched."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from flowengine.child_signals import RESET

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

PROGRAM = textwrap.dedent("""
    import os, signal, subprocess, sys
    from flowengine.child_signals import RESET, catch_ignored
    for s in RESET:                                # whatever this test's own process was started with
        signal.signal(s, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)   # as nohup starts it
    signal.signal(signal.SIGQUIT, signal.SIG_IGN)  # as a shell starts a background job
    if sys.argv[1] == "catch":
        print(sorted(s.name for s in catch_ignored()))
    os.kill(os.getpid(), signal.SIGHUP)            # the process itself goes on either way
    child = subprocess.run(["sh", "-c", "kill -HUP $$; echo survived"], capture_output=True, text=True)
    print(child.returncode, child.stdout.strip())
""")


def run(mode: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_commands_start_with_the_default_action_of_signals_the_runtime_ignores() -> None:
    assert run("catch") == ["['SIGHUP', 'SIGQUIT']", f"{-signal.SIGHUP} "]


def test_without_it_commands_inherit_the_ignored_signal() -> None:
    # the control: what the exec node's command met under nohup before (Node.js resets it)
    assert run("leave") == ["0 survived"]


def test_nothing_changes_for_signals_the_process_handles_or_leaves_default() -> None:
    program = textwrap.dedent("""
        import signal
        from flowengine.child_signals import RESET, catch_ignored
        for s in RESET:  # whatever this test's own process was started with
            signal.signal(s, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        before = {s: signal.getsignal(s) for s in RESET}
        assert catch_ignored() == []
        assert before == {s: signal.getsignal(s) for s in RESET}
        print("same")
    """)
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "same", out.stderr
    assert signal.SIGHUP in RESET and signal.SIGPIPE not in RESET

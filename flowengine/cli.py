"""The ``flowengine`` command: ``run``, ``serve``, ``worker``, ``validate``, ``test``, ``nodes``, ``hash-password``.

``run FLOWS`` is the headless daemon (logs to stdout; SIGTERM/SIGINT close the nodes within
``nodeCloseTimeout``, flush context and exit 0). Flows with HTTP or websocket endpoints (or
``--admin``) run behind the HTTP server without the editor. ``serve`` starts runtime + admin API +
comms + editor (``--queue URL``: as queue mode's coordinator). ``worker --queue URL`` runs queue
mode's boundary nodes (flowengine/queue/). ``validate FLOWS`` prints problems keyed by node and exits 1 when invalid.
``test [FILES...]`` runs flow test files (flowtest/) with a pytest-like report.
``run`` and ``serve`` hold the user directory's ``UserDirLock`` while they run: a second one on the
same directory exits 1 naming the other process (``validate`` only reads and takes no lock).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import getpass
import json
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import __version__
from .errors import CorruptFlowsError, CredentialsError, FlowEngineError, FlowProblem, SettingsError, StorageError
from .logformat import LOG_FORMATS, configure_logging
from .registry import Registry
from .settings import Settings
from .storage import UserDirLock, backup_path

__all__ = ["main"]

log = logging.getLogger("flowengine.cli")
HTTP_TYPES = frozenset({"http in", "websocket in", "websocket out", "websocket-listener"})


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="flowengine", description="A Node-RED-style flow runtime in Python.")
    ap.add_argument("--version", action="version", version=f"flowengine {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)

    def server_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, help="port to listen on (default 1880)")
        p.add_argument("--user-dir", help="user directory (default ~/.flowengine)")
        p.add_argument("--settings", help="settings file (TOML or JSON)")
        p.add_argument("--safe", action="store_true", help="load the flows without starting them")
        p.add_argument("--log-format", choices=LOG_FORMATS, default="text",
                       help="text (default) or json: one JSON object a line with time, level, node and flow")

    run = sub.add_parser("run", help="run flows headless (no editor)")
    run.add_argument("flows", help="flows file (Node-RED flow JSON)")
    server_opts(run)
    run.add_argument("--admin", action="store_true", help="also serve the admin HTTP API")
    serve = sub.add_parser("serve", help="runtime + admin API + editor")
    serve.add_argument("flows", nargs="?", help="flows file (default <user dir>/flows.json)")
    server_opts(serve)
    serve.add_argument("--queue", metavar="URL", help="queue mode coordinator on Redis: redis://HOST:PORT/DB "
                       "(default: settings [queue] url; none = single process)")
    worker = sub.add_parser("worker", help="queue mode worker: runs boundary nodes from Redis")
    worker.add_argument("--queue", metavar="URL", help="redis://HOST:PORT/DB (default: settings [queue] url)")
    worker.add_argument("--user-dir", help="user directory (settings.toml; default ~/.flowengine)")
    worker.add_argument("--settings", help="settings file (TOML or JSON)")
    worker.add_argument("--concurrency", type=int, help="hops run at once (default: settings [queue] "
                        "concurrency, 10)")
    val = sub.add_parser("validate", help="check a flows file; exit 1 when invalid")
    val.add_argument("flows")
    val.add_argument("--settings")
    val.add_argument("--user-dir")
    tst = sub.add_parser("test", help="run flow test files headless; exit 1 when a case fails")
    tst.add_argument("paths", nargs="*", metavar="FILES",
                     help="test files (*.test.json, *.test.yaml) or folders to search (default: .)")
    tst.add_argument("-v", "--verbose", action="store_true", help="one line per case")
    sub.add_parser("nodes", help="list the registered node types (exit 1 when a node package failed to load)")
    hp = sub.add_parser("hash-password", help="print a bcrypt hash for adminAuth")
    hp.add_argument("password", nargs="?", help="the password (read from stdin / prompt when omitted)")
    return ap


def _settings(args: argparse.Namespace, flows: str | None = None) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "host", None):
        overrides["uiHost"] = args.host
    if getattr(args, "port", None):
        overrides["uiPort"] = args.port
    if flows:
        overrides["flowFile"] = str(Path(flows).resolve())
    if getattr(args, "safe", False):
        overrides["safeMode"] = True
    return Settings.load(getattr(args, "settings", None), getattr(args, "user_dir", None), **overrides)


def _read_flows(path: str) -> list[Any]:
    """The nodes in flows file ``path``; ``CorruptFlowsError`` (naming ``.<name>.backup`` when there is
    one, as the runtime's storage does) when it is not a flow. Reads only: nothing is ever rewritten."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot read flows file {path}: {exc}") from exc
    backup = backup_path(file)
    backup_name = str(backup) if backup.exists() else None
    if not raw.strip():
        raise CorruptFlowsError(path, "the file is empty", backup_name)
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise CorruptFlowsError(path, f"invalid JSON ({exc})", backup_name) from exc
    if isinstance(data, dict) and isinstance(data.get("flows"), list):
        data = data["flows"]
    if not isinstance(data, list):
        raise CorruptFlowsError(path, f"expected a JSON array of nodes, got {type(data).__name__}", backup_name)
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _print_problems(problems: list[FlowProblem], out: Any, flows: list[Any] | None = None) -> None:
    """Problems grouped by node: ``id "name" (type):`` (the name as the editor shows it, when set)."""
    names = {n["id"]: n["name"] for n in flows or [] if isinstance(n, dict) and isinstance(n.get("id"), str)
             and isinstance(n.get("name"), str) and n["name"]}
    by_node: dict[str, list[FlowProblem]] = {}
    for p in problems:
        name = f" {json.dumps(names[p.node_id], ensure_ascii=False)}" if p.node_id in names else ""
        key = f"{p.node_id}{name} ({p.node_type})" if p.node_id else "(flows)"
        by_node.setdefault(key, []).append(p)
    for key, items in by_node.items():
        print(f"{key}:", file=out)
        for p in items:
            where = f"{p.property}: " if p.property else ""
            print(f"  {p.level}: {where}{p.message}", file=out)


def cmd_validate(args: argparse.Namespace) -> int:
    from .runtime import Runtime

    flows = _read_flows(args.flows)
    settings = Settings.load(args.settings, args.user_dir)
    runtime = Runtime(Registry.default(), settings, persist=False)
    problems = [p for p in runtime.check(flows) if p.level != "info"]
    errors = [p for p in problems if p.level == "error"]
    _print_problems(problems, sys.stdout, flows)
    nodes = sum(1 for n in flows if isinstance(n, dict))
    print(f"{args.flows}: {nodes} objects, {len(errors)} errors, {len(problems) - len(errors)} warnings")
    return 1 if errors else 0


def cmd_nodes(args: argparse.Namespace) -> int:
    registry = Registry.default()
    for t in sorted(registry.types()):
        cls = registry.get(t)
        assert cls is not None
        print(f"{t:40s} {registry.module_of(t):10s} {cls.category}")
    for name, error in registry.failed.items():
        print(f"node package {name} failed to load: {error}", file=sys.stderr)
    return 1 if registry.failed else 0


def cmd_hash_password(args: argparse.Namespace) -> int:
    from .server.auth import hash_password

    password = args.password
    if password is None:
        password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not password:
        print("error: empty password", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from .flowtest import run_tests

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.CRITICAL)  # the report shows each failed case's node logs, not the log stream
    try:
        return asyncio.run(run_tests(args.paths, sys.stdout, verbose=args.verbose))
    finally:
        root.setLevel(level)


def _queue_config(args: argparse.Namespace, settings: Settings) -> Any:
    """The ``QueueConfig`` when queue mode is asked for (``--queue`` or ``[queue] url``), else None;
    single-process mode imports nothing of the queue package (nor redis)."""
    table = settings.extra.get("queue")
    if not getattr(args, "queue", None) and not (isinstance(table, dict) and table.get("url")):
        return None
    from .queue.config import QueueConfig

    return QueueConfig.from_settings(settings, url=args.queue, concurrency=getattr(args, "concurrency", None))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic GC off while the server starts; ``serve`` turns it back on once it has frozen
    what start-up allocated (this turns it on again if ``serve`` returns before that).

    Start-up (FastAPI, pydantic, uvicorn, the node packages) allocates ~90,000 objects that all live
    as long as the process: with the collector on, 180 young and 16 middle collections plus one full
    one traversed them for nothing, ~110 ms of a ~900 ms start (gc callbacks, 2026-12-07); the
    cycles it would have freed are ~2,400 objects."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def cmd_serve(args: argparse.Namespace) -> int:
    with _collector_paused():
        from .server import serve

        settings = _settings(args)
        return serve(settings, args.flows, editor=True, admin=True, queue=_queue_config(args, settings))


def cmd_worker(args: argparse.Namespace) -> int:
    from .bounded import run_bounded

    settings = _settings(args)
    config = _queue_config(args, settings)
    if config is None:
        print("error: flowengine worker needs --queue redis://HOST:PORT/DB (or [queue] url in the settings)",
              file=sys.stderr)
        return 2
    return run_bounded(run_worker(settings, config))


async def run_worker(settings: Settings, config: Any, stop: asyncio.Event | None = None) -> int:
    """A queue-mode worker until SIGTERM/SIGINT (or ``stop``); returns the exit code."""
    from .queue import Worker

    worker = Worker(Registry.default(), settings, config)
    if stop is not None:
        worker.stop = stop
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, worker.stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread (tests): rely on ``stop``
            log.debug("signal %s not handled here", sig)
    try:
        await worker.run()
    except FlowEngineError as exc:  # Redis unreachable at the start, say
        await worker.redis.aclose()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    flows = _read_flows(args.flows)
    settings = _settings(args, args.flows)
    needs_http = any(isinstance(n, dict) and n.get("type") in HTTP_TYPES and not n.get("d") for n in flows)
    if needs_http or args.admin or settings.metricsPort:
        with _collector_paused():
            from .server import serve

            return serve(settings, args.flows, editor=False, admin=bool(args.admin))
    from .bounded import run_bounded

    return run_bounded(run_headless(settings))


async def run_headless(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run the runtime alone until SIGTERM/SIGINT (or ``stop`` is set); returns the exit code.

    Holds the user directory's ``UserDirLock`` throughout; ``StorageError`` (naming the directory and
    the other process) when another runtime holds it.
    """
    with UserDirLock(settings.user_dir):
        return await _run_locked(settings, stop)


async def _run_locked(settings: Settings, stop: asyncio.Event | None) -> int:
    from .runtime import Runtime

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread (tests): rely on ``stop``
            log.debug("signal %s not handled here", sig)
    runtime = Runtime(Registry.default(), settings)
    try:
        log.info("flows file %s", settings.flows_path)
        await runtime.start()
        blocking = [p for p in runtime.problems if p.level == "error"]
        if runtime.missing_types or (blocking and runtime.state != "start"):
            _print_problems(blocking, sys.stderr, runtime.get_flows())
            if runtime.missing_types:
                print("missing node types: " + ", ".join(runtime.missing_types), file=sys.stderr)
                for name, error in runtime.registry.failed.items():
                    print(f"node package {name} failed to load: {error}", file=sys.stderr)
            return 1
        log.info("started flows (%d nodes)", len(runtime.routes))
        await stop.wait()
        log.info("stopping flows")
        await runtime.drain(settings.shutdownDrainTimeout / 1000.0)
    finally:
        await runtime.close()
        for sig in installed:
            loop.remove_signal_handler(sig)
        log.info("stopped")
    return 1 if runtime.left_running else 0  # what ignored cancellation was logged, by node


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``flowengine`` console script."""
    args = _parser().parse_args(argv)
    configure_logging(getattr(args, "log_format", "text"))
    commands = {"run": cmd_run, "serve": cmd_serve, "worker": cmd_worker, "validate": cmd_validate,
                "nodes": cmd_nodes, "hash-password": cmd_hash_password, "test": cmd_test}
    try:
        return commands[args.command](args)
    except (StorageError, SettingsError, CredentialsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

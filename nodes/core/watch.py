"""The ``watch`` node: one message per change of a watched file or directory.

``files`` is a comma-separated list of files and directories; ``recursive`` also watches every
sub-directory. Each change sends ``{payload: path, topic, file, filename: path, event, size, type}``
as Node-RED (node-watch) does: ``topic`` is the watched path, or the JSON list of them when there
are several; ``event`` is "update" when the path exists after the change and "remove" when it does
not; ``type`` is file / directory / ... or "none" for a removed path; ``size`` is only set for
files. Paths keep the form they were given in (relative names stay relative to the working
directory). A path that does not exist is an error ("Error: /x does not exist.", catchable).

Changes come from the ``watchfiles`` library (inotify and friends through Rust's ``notify``), in a
task the node owns and stops on close. A file is watched through its folder, so a file replaced by
an editor's "save as new file and rename" keeps being watched. Changes arriving within about 0.1 s
of each other are reported together, one message per path.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
from typing import Any

import watchfiles

from flowengine.jsutil import js_truthy
from flowengine.node import Node
from flowengine.types import Msg

from ._help import node_help

STEP_MS = 100
"""Quiet time that ends a batch of changes (node-watch merges changes within 200 ms)."""
DEBOUNCE_MS = 400
"""Longest time changes are gathered before they are sent."""
_KINDS = ((stat.S_ISREG, "file"), (stat.S_ISBLK, "blockdevice"), (stat.S_ISCHR, "characterdevice"),
          (stat.S_ISSOCK, "socket"), (stat.S_ISFIFO, "fifo"), (stat.S_ISDIR, "directory"))


class WatchNode(Node):
    """Watch files and directories for changes."""

    type = "watch"
    category = "storage"
    color = "BurlyWood"
    icon = "watch.svg"
    inputs = 0
    outputs = 1
    schema = {
        "type": "object",
        "properties": {
            "files": {"type": "string", "default": "", "title": "File(s)",
                      "description": "Comma-separated list of files and/or directories to watch."},
            "recursive": {"type": ["boolean", "string"], "default": "",
                          "title": "Watch sub-directories recursively"},
        },
    }
    help = node_help("watch")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.files = [f.strip() for f in str(config.get("files") or "").split(",")]
        self.topic = self.files[0] if len(self.files) == 1 else json.dumps(self.files, separators=(",", ":"),
                                                                           ensure_ascii=False)
        self.recursive = js_truthy(config.get("recursive"))
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def on_start(self) -> None:
        quiet = logging.getLogger("watchfiles")
        if quiet.level == logging.NOTSET:  # it logs every batch at INFO; the messages say it already
            quiet.setLevel(logging.WARNING)
        self._task = self.spawn(self._run())

    def on_drain(self) -> None:
        self._stop.set()  # a shutdown: no new change starts a message; the ones sent already drain

    async def on_close(self, removed: bool) -> None:
        self._stop.set()
        if self._task is not None and not self._task.done():
            await asyncio.wait([self._task])  # the watcher thread sees the stop within one step

    async def _run(self) -> None:
        dirs: dict[str, str] = {}  # absolute path -> the path as given
        files: dict[str, str] = {}
        for path in self.files:
            if not path:
                self.error("no files to watch: set the node's 'files' property", {"payload": ""})
            elif os.path.isdir(path):
                dirs[os.path.abspath(path)] = path
            elif os.path.exists(path):
                files[os.path.abspath(path)] = path
            else:
                self.error(f"Error: {path} does not exist.", {"payload": ""})
        async with asyncio.TaskGroup() as group:
            if dirs:
                group.create_task(self._watch(list(dirs), self.recursive, lambda p: _given(p, dirs)))
            if files:
                parents = sorted({os.path.dirname(f) for f in files})
                group.create_task(self._watch(parents, False, lambda p: os.path.normpath(files[p])
                                              if p in files else None))

    async def _watch(self, roots: list[str], recursive: bool, given: Any) -> None:
        """Report the changes under ``roots``; ``given`` maps a changed path to the path reported
        (or None to skip it)."""
        try:
            async for changes in watchfiles.awatch(*roots, watch_filter=None, debounce=DEBOUNCE_MS, step=STEP_MS,
                                                   stop_event=self._stop, recursive=recursive):
                paths = sorted({p for p in (given(path) for _, path in changes) if p is not None})
                for msg in await asyncio.to_thread(self._messages, paths):
                    self.send(msg)
        except OSError as exc:  # the watch could not be set up (permissions, inotify limits)
            self.error(f"Error: cannot watch {', '.join(roots)}: {exc}", {"payload": ""})

    def _messages(self, paths: list[str]) -> list[Msg]:
        out = []
        for path in paths:
            try:
                info: os.stat_result | None = os.stat(path)
            except OSError:
                info = None
            msg: Msg = {"payload": path, "topic": self.topic, "file": os.path.basename(path), "filename": path,
                        "event": "update" if info is not None else "remove"}
            kind = "none"
            if info is not None:
                kind = next((name for test, name in _KINDS if test(info.st_mode)), "n/a")
                if kind == "file":
                    msg["size"] = info.st_size
            msg["type"] = kind
            out.append(msg)
        return out


def _given(path: str, roots: dict[str, str]) -> str | None:
    """``path`` (absolute, under one of ``roots``) written from the root as the user gave it."""
    best = max((r for r in roots if path == r or path.startswith(r.rstrip(os.sep) + os.sep)), key=len, default=None)
    if best is None:
        return None
    return os.path.normpath(os.path.join(roots[best], os.path.relpath(path, best)))


NODES: list[type[Node]] = [WatchNode]

"""watch node: real file-system changes in tmp_path, one message per changed path.

The watcher starts asynchronously after deploy, so a test repeats its first change until a message
arrives (polling with a generous timeout); nothing asserts on timing.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flowengine.nodes.core.watch import WatchNode

from flowengine.testing import FlowHarness


def flow(files: str, recursive: bool = False) -> list[dict[str, Any]]:
    return [{"id": "w", "type": "watch", "files": files, "recursive": recursive, "wires": [["out"]]},
            {"id": "out", "type": "test-sink"},
            {"id": "c", "type": "catch", "scope": None, "wires": [["err"]]}, {"id": "err", "type": "test-sink"}]


async def until(h: FlowHarness, change: Callable[[], None], accept: Callable[[dict[str, Any]], bool],
                timeout: float = 15.0) -> dict[str, Any]:
    """Make ``change`` (again, while the watcher may still be starting) until an accepted message came."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        change()
        try:
            return await h.wait_until("out", accept, timeout=0.25)
        except TimeoutError:
            if loop.time() > end:
                raise


async def wait_for(h: FlowHarness, accept: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return await h.wait_until("out", accept, timeout=15.0)


async def test_directory_changes_update_and_remove(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    async with FlowHarness(flow(str(tmp_path))) as h:
        m = await until(h, lambda: target.write_text("hello"), lambda m: m["payload"] == str(target))
        assert m == {"_msgid": m["_msgid"], "payload": str(target), "topic": str(tmp_path), "file": "a.txt",
                     "filename": str(target), "event": "update", "size": 5, "type": "file"}
        target.unlink()
        gone = await wait_for(h, lambda m: m["event"] == "remove")
        assert gone["payload"] == str(target) and gone["type"] == "none" and "size" not in gone
        (tmp_path / "sub").mkdir()
        sub = await wait_for(h, lambda m: m["file"] == "sub")
        assert sub["type"] == "directory" and sub["event"] == "update"


async def test_single_file_and_topic_of_a_list(tmp_path: Path) -> None:
    watched = tmp_path / "watched.txt"
    other = tmp_path / "other.txt"
    watched.write_text("")
    folder = tmp_path / "folder"
    folder.mkdir()
    files = f"{watched}, {folder}"
    async with FlowHarness(flow(files)) as h:
        m = await until(h, lambda: watched.write_text("xx"), lambda m: m["payload"] == str(watched))
        assert m["topic"] == json.dumps([str(watched), str(folder)]).replace(", ", ",")
        assert m["size"] == 2
        other.write_text("not watched")
        (folder / "in.txt").write_text("watched folder")
        await wait_for(h, lambda m: m["file"] == "in.txt")
    assert all(m["payload"] != str(other) for m in h.received("out"))


async def test_recursive_reaches_sub_directories(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    async with FlowHarness(flow(str(tmp_path), recursive=True)) as h:
        await until(h, lambda: (deep / "x.txt").write_text("x"), lambda m: m["payload"] == str(deep / "x.txt"))


async def test_not_recursive_ignores_sub_directories(tmp_path: Path) -> None:
    deep = tmp_path / "a"
    deep.mkdir()
    async with FlowHarness(flow(str(tmp_path))) as h:
        await until(h, lambda: (tmp_path / "ready.txt").write_text("x"), lambda m: m["file"] == "ready.txt")
        (deep / "hidden.txt").write_text("x")
        (tmp_path / "after.txt").write_text("x")  # reported after the deep change would have been
        await wait_for(h, lambda m: m["file"] == "after.txt")
    assert all(m["file"] != "hidden.txt" for m in h.received("out"))


async def test_relative_paths_stay_relative(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rel").mkdir()
    async with FlowHarness(flow("rel")) as h:
        m = await until(h, lambda: (tmp_path / "rel" / "f.txt").write_text("x"), lambda m: m["file"] == "f.txt")
    assert m["payload"] == m["filename"] == os.path.join("rel", "f.txt") and m["topic"] == "rel"


async def test_missing_path_is_a_catchable_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    async with FlowHarness(flow(f"{missing},{tmp_path}")) as h:
        [e] = await h.wait_for("err")
        assert e["error"]["message"] == f"Error: {missing} does not exist." and e["payload"] == ""
        await until(h, lambda: (tmp_path / "still.txt").write_text("x"), lambda m: m["file"] == "still.txt")
        node = h.node("w")
    assert isinstance(node, WatchNode) and node._task is not None and node._task.done()  # stopped on close


async def test_a_shutdown_drain_stops_the_watcher_first(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    async with FlowHarness(flow(str(tmp_path))) as h:
        await until(h, lambda: target.write_text("one"), lambda m: m["payload"] == str(target))
        node = h.runtime.node("w")
        assert isinstance(node, WatchNode) and node._task is not None
        assert await h.runtime.drain(5.0) == 0
        await asyncio.wait_for(asyncio.wait([node._task]), 15.0)  # the watcher has stopped: it sends no more
        seen = len(h.received("out"))
        (tmp_path / "b.txt").write_text("two")
        await asyncio.sleep(0.3)
        assert len(h.received("out")) == seen

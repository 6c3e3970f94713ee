"""atomic_write's backup: the previous file under ``.<name>.backup``, never following later edits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowengine import atomic
from flowengine.atomic import atomic_write, backup_path, keep_as_backup


def test_the_backup_is_the_previous_file_and_each_name_has_its_own_file(tmp_path: Path) -> None:
    target = tmp_path / "flows.json"
    atomic_write(target, b"first")
    first = os.stat(target).st_ino
    atomic_write(target, b"second")
    backup = backup_path(target)
    assert backup.read_bytes() == b"first" and target.read_bytes() == b"second"
    assert os.stat(backup).st_ino == first  # the old file itself, not a copy of it
    assert os.stat(target).st_nlink == 1 and os.stat(backup).st_nlink == 1
    atomic_write(target, b"third")
    assert backup.read_bytes() == b"second" and target.read_bytes() == b"third"
    with open(target, "r+b") as fh:  # an editor that writes the file in place
        fh.write(b"THIRD")
    assert backup.read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".flows.json.backup", "flows.json"]


def test_a_file_with_another_name_is_copied_so_the_backup_does_not_follow_it(tmp_path: Path) -> None:
    target = tmp_path / "flows.json"
    atomic_write(target, b"first")
    mine = tmp_path / "my-link.json"
    os.link(target, mine)  # the user's own second name for the file
    keep_as_backup(target)
    backup = backup_path(target)
    assert backup.read_bytes() == b"first"
    assert os.stat(backup).st_ino != os.stat(target).st_ino
    with open(mine, "r+b") as fh:
        fh.write(b"FIRST")
    assert backup.read_bytes() == b"first"


def test_a_filesystem_without_hard_links_gets_a_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    target = tmp_path / "flows.json"
    atomic_write(target, b"first")
    monkeypatch.setattr(atomic.os, "link", refused)
    atomic_write(target, b"second")
    assert backup_path(target).read_bytes() == b"first" and target.read_bytes() == b"second"
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_no_file_no_backup(tmp_path: Path) -> None:
    keep_as_backup(tmp_path / "flows.json")
    assert list(tmp_path.iterdir()) == []


def test_a_backup_rename_that_fails_leaves_no_temporary_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "flows.json"
    atomic_write(target, b"first")
    real = os.replace

    def failing(src: object, dst: object) -> None:
        if str(dst).endswith(".backup"):
            raise OSError(28, "No space left on device")
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(atomic.os, "replace", failing)
    with pytest.raises(OSError):
        keep_as_backup(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flows.json"]
    assert os.stat(target).st_nlink == 1


def test_what_a_crash_between_link_and_rename_left_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "flows.json"
    atomic_write(target, b"first")
    os.link(target, tmp_path / f".{backup_path(target).name}.0a1b2c3d4e5f.tmp")  # as keep_as_backup names it
    assert atomic.remove_stale_temp_files(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flows.json"]

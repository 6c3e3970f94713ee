"""Atomic file writes in the user directory: temp file + fsync + rename + fsync of the directory.

A crash or a full disk leaves either the old or the new file, never a truncated one. The previous
version is kept as ``.<name>.backup`` (Node-RED's naming). ``journal.py`` builds joint saves of
several files on these.
"""

from __future__ import annotations

import glob
import os
import secrets
import tempfile
from pathlib import Path

from .errors import StorageError

__all__ = ["atomic_write", "backup_path", "copy_durably", "fsync_dir", "keep_as_backup", "remove_stale_temp_files"]


def backup_path(path: Path) -> Path:
    """Where the previous version of ``path`` is kept: ``.<name>.backup`` next to it."""
    return path.with_name(f".{path.name}.backup")


def atomic_write(path: str | Path, data: bytes, backup: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (temp file + fsync + rename + fsync of the directory).

    With ``backup`` the current file is first kept as ``.<name>.backup`` (``keep_as_backup``).
    Raises ``StorageError`` (the original file untouched, the temporary file removed) when
    anything fails, e.g. a full disk.
    """
    target = Path(path)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if backup:
            keep_as_backup(target)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(f"cannot write {target}: {exc}") from exc
    fsync_dir(folder)


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Delete temporary files an interrupted ``atomic_write`` of ``target`` (or of its backup) left.

    Only safe while nothing else writes ``target`` (the runtime lock and ``UserDirLock``).
    """
    removed = []
    for name in (target.name, backup_path(target).name):
        for leftover in target.parent.glob(f".{glob.escape(name)}.*.tmp"):
            if leftover.is_file():
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
    return removed


def keep_as_backup(target: Path) -> None:
    """Make ``.<name>.backup`` hold what ``target`` holds now (nothing when it does not exist).

    The backup is a second name for ``target``'s file, which the write that follows then replaces
    by a new one: the old file lives on under the backup's name alone. Its data is on disk already
    (it was fsynced when written), and the directory's fsync after that write makes the new name
    durable. This costs two renames where a copy cost reading, writing and fsyncing the whole file
    (1.0 ms of a 3.3 ms save of 1,000 nodes).

    A copy is made instead when the file has other names (a link of the user's own, or a crash
    between the link and the write left the backup's): the backup must not follow their edits.
    Also when the filesystem has no hard links.
    """
    try:
        links = os.stat(target).st_nlink
    except FileNotFoundError:
        return
    backup = backup_path(target)
    if links == 1:
        # the name of a temporary file, as remove_stale_temp_files finds them after a crash
        tmp = target.parent / f".{backup.name}.{secrets.token_hex(6)}.tmp"
        try:
            os.link(target, tmp)
        except OSError:
            pass  # no hard links here (FAT, some network filesystems): copied below
        else:
            try:
                os.replace(tmp, backup)
            except OSError:
                tmp.unlink(missing_ok=True)
                raise
            return
    copy_durably(target, backup)


def copy_durably(source: Path, dest: Path) -> None:
    """Copy ``source`` to ``dest`` atomically and durably (``dest`` is the old or the new copy)."""
    data = source.read_bytes()
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def fsync_dir(folder: Path) -> None:
    """Make the renames in ``folder`` durable (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # platforms without directory handles (Windows): the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        return  # some filesystems refuse fsync on directories; nothing more can be done
    finally:
        os.close(fd)

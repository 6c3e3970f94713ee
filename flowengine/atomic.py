"""Atomic file writes in the user directory: temp file + fsync + rename + fsync of the directory.

A crash or a full disk leaves either the old or the new file, never a truncated one. The previous
version is kept as ``.<name>.backup`` (Node-RED's naming). ``journal.py`` builds joint saves of
several files on these.
"""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

from .errors import StorageError

__all__ = ["atomic_write", "backup_path", "copy_durably", "fsync_dir", "remove_stale_temp_files"]


def backup_path(path: Path) -> Path:
    """Where the previous version of ``path`` is kept: ``.<name>.backup`` next to it."""
    return path.with_name(f".{path.name}.backup")


def atomic_write(path: str | Path, data: bytes, backup: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (temp file + fsync + rename + fsync of the directory).

    With ``backup`` the current file is first copied to ``.<name>.backup``. Raises ``StorageError``
    (the original file untouched, the temporary file removed) when anything fails, e.g. a full disk.
    """
    target = Path(path)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if backup and target.exists():
            copy_durably(target, backup_path(target))
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

"""Several files of the user directory replaced as one: the flows file and the credentials file.

Each file alone is written atomically (storage.atomic_write), but a deploy changes both, and a
crash between the two renames left a node in ``flows.json`` whose key was already pruned from, or
not yet written to, ``flows_cred.json``. ``save_together`` makes the pair one commit:

1. every new content goes to ``.<name>.pending`` next to its target and is fsynced;
2. the previous files are copied to their backups;
3. the commit marker ``.<first name>.saving`` (the pending names and their sha256) is written
   atomically: from here on the save counts as done;
4. each pending file is renamed over its target, the directory fsynced, the marker removed.

``recover`` runs before anything reads the files (``Runtime.start``): with a marker it finishes
step 4 (the new pair), without one it deletes pending files (the old pair). So at any kill -9
point the directory holds the old pair or the new pair.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_write, fsync_dir, keep_as_backup, remove_stale_temp_files
from .errors import StorageError

__all__ = ["PendingFile", "marker_path", "pending_path", "recover", "save_together"]

log = logging.getLogger("flowengine.storage")


@dataclass(frozen=True)
class PendingFile:
    """One file of a joint save: its target, new content and mode (None: the target's, else 0600)."""

    target: Path
    data: bytes
    mode: int | None = None


def pending_path(target: Path) -> Path:
    """Where ``target``'s new content waits for the commit: ``.<name>.pending``."""
    return target.with_name(f".{target.name}.pending")


def marker_path(first: Path) -> Path:
    """The commit marker of joint saves whose first file is ``first``: ``.<name>.saving``."""
    return first.with_name(f".{first.name}.saving")


def save_together(files: Sequence[PendingFile], backup: bool = True) -> None:
    """Replace every ``files`` target as one (see the module docstring); all in one directory.

    Raises ``StorageError``: before the commit the old files are intact and the pending ones
    removed; after it (a rename failed) the save is completed by the next ``recover``.
    """
    targets = [f.target for f in files]
    folder = targets[0].parent
    if any(t.parent != folder for t in targets):
        raise StorageError(f"files saved together must share a directory: {', '.join(map(str, targets))}")
    marker = marker_path(targets[0])
    recover(marker, targets)  # an earlier save of this process that could not finish its renames
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for f in files:
            _write_synced(pending_path(f.target), f.data, f.mode, f.target)
        fsync_dir(folder)
        if backup:
            for t in targets:
                keep_as_backup(t)
        digest = {pending_path(f.target).name: hashlib.sha256(f.data).hexdigest() for f in files}
        commit = json.dumps({"files": [t.name for t in targets], "sha256": digest})
        atomic_write(marker, commit.encode("utf-8"), backup=False)
    except (OSError, StorageError) as exc:
        for t in targets:
            pending_path(t).unlink(missing_ok=True)
        raise StorageError(f"cannot write {', '.join(str(t) for t in targets)}: {exc}") from exc
    try:
        _roll_forward(marker, targets)
    except OSError as exc:
        raise StorageError(f"saving {', '.join(str(t) for t in targets)} stopped half way ({exc}); "
                           "it is completed when the runtime next starts") from exc


def recover(marker: Path, targets: Sequence[Path]) -> str | None:
    """Finish (commit marker present) or undo (absent) a joint save a crash interrupted.

    Returns what was done (``"completed"``, ``"discarded"``) or None when there was nothing to do.
    Raises ``StorageError`` when a pending file does not match the checksum its marker recorded:
    then neither pair can be trusted and the files are left for the user to look at.
    """
    for path in (marker, *targets):  # temporary files of an interrupted marker or backup write
        remove_stale_temp_files(path)
    if marker.exists():
        try:
            commit = json.loads(marker.read_text(encoding="utf-8"))
            sums = dict(commit["sha256"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"commit marker {marker} unreadable ({exc}); remove it to keep "
                               f"{', '.join(str(t) for t in targets)} as they are") from exc
        for t in targets:
            pending = pending_path(t)
            if pending.exists() and hashlib.sha256(pending.read_bytes()).hexdigest() != sums.get(pending.name):
                raise StorageError(f"{pending} does not match its commit marker {marker}: the save it belongs "
                                   f"to cannot be completed; compare it with {t} and remove one")
        try:
            _roll_forward(marker, targets)
        except OSError as exc:
            raise StorageError(f"cannot complete the interrupted save of {targets[0]}: {exc}") from exc
        log.warning("completed a save of %s interrupted by a crash (the new version is kept)",
                    " and ".join(t.name for t in targets))
        return "completed"
    leftovers = [pending_path(t) for t in targets if pending_path(t).exists()]
    for p in leftovers:
        p.unlink()
    if leftovers:
        fsync_dir(marker.parent)
        log.warning("discarded a save of %s interrupted by a crash before it was complete (the previous "
                    "version is kept)", " and ".join(t.name for t in targets))
        return "discarded"
    return None


def _write_synced(path: Path, data: bytes, mode: int | None, target: Path) -> None:
    wanted = mode if mode is not None else (target.stat().st_mode & 0o777 if target.exists() else 0o600)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(path, wanted)
    except OSError:
        path.unlink(missing_ok=True)
        raise


def _roll_forward(marker: Path, targets: Sequence[Path]) -> None:
    for t in targets:
        pending = pending_path(t)
        if pending.exists():
            os.replace(pending, t)
    fsync_dir(marker.parent)
    marker.unlink(missing_ok=True)
    fsync_dir(marker.parent)

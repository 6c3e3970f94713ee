"""Files of the user directory: atomic writes, the flows file and ``.config.runtime.json``.

Every write goes to a temporary file in the same directory, is fsynced, renamed over the target
and the directory fsynced, so a crash or a full disk leaves either the old or the new file, never a
truncated one. The previous version is kept as ``.<name>.backup`` (Node-RED's naming).
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import CorruptFlowsError, StorageError

__all__ = [
    "FlowStorage",
    "MemoryFlowStorage",
    "UserDirLock",
    "atomic_write",
    "backup_path",
    "remove_stale_temp_files",
]


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
            _copy_durably(target, backup_path(target))
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
    _fsync_dir(folder)


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


def _copy_durably(source: Path, dest: Path) -> None:
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


def _fsync_dir(folder: Path) -> None:
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


class FlowStorage:
    """The flows file and the runtime config file of a user directory (``settings.flows_path``)."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.flows_path: Path = Path(settings.flows_path)
        self.runtime_config_path: Path = Path(settings.user_dir) / ".config.runtime.json"

    def load_flows(self) -> list[Any]:
        """The saved flows, ``[]`` when there is no flows file yet.

        Raises ``CorruptFlowsError`` (naming the backup when one exists) when the file is not a JSON
        array: the runtime must then refuse to start the flows rather than start empty and overwrite.
        """
        path = self.flows_path
        remove_stale_temp_files(path)
        remove_stale_temp_files(path.with_name(path.stem + "_cred" + path.suffix))
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StorageError(f"cannot read flows file {path}: {exc}") from exc
        backup = backup_path(path)
        backup_name = str(backup) if backup.exists() else None
        if not raw.strip():
            raise CorruptFlowsError(str(path), "the file is empty", backup_name)
        try:
            flows = json.loads(raw.decode("utf-8-sig"), parse_constant=_refuse_constant)
        except (UnicodeDecodeError, ValueError) as exc:
            raise CorruptFlowsError(str(path), f"invalid JSON ({exc})", backup_name) from exc
        if isinstance(flows, dict) and isinstance(flows.get("flows"), list):
            flows = flows["flows"]  # the v2 {"flows": [...], "rev": ...} shape
        if not isinstance(flows, list):
            raise CorruptFlowsError(str(path), f"expected a JSON array, got {type(flows).__name__}", backup_name)
        return flows

    def save_flows(self, flows: list[Any]) -> None:
        """Write the flows (4-space indented when ``flowFilePretty``), keeping the previous file as backup."""
        pretty = bool(getattr(self.settings, "flowFilePretty", True))
        try:
            text = json.dumps(flows, indent=4 if pretty else None, ensure_ascii=False, allow_nan=False,
                              separators=None if pretty else (",", ":"))
        except (TypeError, ValueError) as exc:
            raise StorageError(f"flows cannot be saved as JSON: {exc}") from exc
        atomic_write(self.flows_path, text.encode("utf-8"), backup=True)

    def load_runtime_config(self) -> dict[str, Any]:
        """``.config.runtime.json`` (``instanceId``, ``_credentialSecret``...), ``{}`` when absent."""
        path = self.runtime_config_path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc}") from exc
        try:
            data = json.loads(raw.decode("utf-8-sig")) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError) as exc:
            raise StorageError(f"{path} is not valid JSON ({exc}); fix or remove it") from exc
        if not isinstance(data, dict):
            raise StorageError(f"{path} must hold a JSON object")
        return data

    def save_runtime_config(self, config: dict[str, Any]) -> None:
        """Write ``.config.runtime.json`` atomically (pretty, like Node-RED)."""
        text = json.dumps(config, indent=4, ensure_ascii=False)
        atomic_write(self.runtime_config_path, text.encode("utf-8"), backup=True)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class MemoryFlowStorage:
    """``FlowStorage`` kept in memory, for tests: same methods, no files."""

    def __init__(self, flows: list[Any] | None = None, runtime_config: dict[str, Any] | None = None) -> None:
        self._flows = json.dumps(flows or [])
        self._runtime = json.dumps(runtime_config or {})
        self.saves = 0

    def load_flows(self) -> list[Any]:
        flows = json.loads(self._flows)
        assert isinstance(flows, list)
        return flows

    def save_flows(self, flows: list[Any]) -> None:
        self._flows = json.dumps(flows, allow_nan=False)
        self.saves += 1

    def load_runtime_config(self) -> dict[str, Any]:
        config = json.loads(self._runtime)
        assert isinstance(config, dict)
        return config

    def save_runtime_config(self, config: dict[str, Any]) -> None:
        self._runtime = json.dumps(config)


class UserDirLock:
    """An exclusive lock on a user directory, so two runtimes never write the same files.

    ``acquire()`` raises ``StorageError`` naming the holder's pid when another process (or another
    ``UserDirLock`` in this process) holds it. Released by ``release()`` or on exit of ``with``.
    """

    def __init__(self, user_dir: str | Path) -> None:
        self.path = Path(user_dir) / ".flowengine.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StorageError(
                f"user directory {self.path.parent} is in use by another flowengine process (pid {holder}); "
                "stop it or choose another user directory"
            ) from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> UserDirLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

"""Files of the user directory: the flows file (saved with the credentials file as one, see
journal.py), ``.config.runtime.json`` and the user directory's lock.

Every write goes to a temporary file in the same directory, is fsynced, renamed over the target
and the directory fsynced (atomic.py), so a crash or a full disk leaves either the old or the new
file, never a truncated one. The previous version is kept as ``.<name>.backup`` (Node-RED's naming).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import TracebackType
from typing import Any

from .atomic import atomic_write, backup_path, remove_stale_temp_files
from .errors import CorruptFlowsError, StorageError
from .journal import PendingFile, marker_path, recover, save_together
from .json_indent import indented

__all__ = [
    "FlowStorage",
    "MemoryFlowStorage",
    "UserDirLock",
    "atomic_write",
    "backup_path",
    "remove_stale_temp_files",
]


class FlowStorage:
    """The flows file and the runtime config file of a user directory (``settings.flows_path``)."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.flows_path: Path = Path(settings.flows_path)
        self.credentials_path: Path = Path(settings.credentials_path)
        self.runtime_config_path: Path = Path(settings.user_dir) / ".config.runtime.json"
        self._pretty: dict[str, str] = {}
        """Each saved node's indented text by its compact text (see ``pretty_json``)."""
        self._settled = False
        """Whether nothing is left to recover: set by ``recover``, cleared by a save that failed.
        Only this object writes these files meanwhile (the user directory's lock), so a save
        need not look again (six directory scans, ~0.5 ms of a one-node deploy)."""

    def recover(self) -> str | None:
        """Finish or undo a save of flows + credentials a crash interrupted (journal.recover);
        call before reading either file. What was done, or None."""
        done = recover(marker_path(self.flows_path), [self.flows_path, self.credentials_path])
        self._settled = True
        return done

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

    def save_flows(self, flows: list[Any], credentials: bytes | None = None, texts: list[str] | None = None) -> None:
        """Write the flows (4-space indented when ``flowFilePretty``), keeping the previous file as backup.
        ``texts``: the flows' ``model.node_texts`` when the caller has them.

        ``credentials``, the new content of the credentials file (None: unchanged), is saved with
        the flows as one (journal.save_together): a crash leaves the old pair or the new pair.
        """
        pretty = bool(getattr(self.settings, "flowFilePretty", True))
        try:
            if pretty:
                text, self._pretty = pretty_json(flows, self._pretty, texts)
            else:
                text = json.dumps(flows, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise StorageError(f"flows cannot be saved as JSON: {exc}") from exc
        if credentials is None:
            # the credentials file stays as it is, so the pair on disk is the old or the new one with
            # the flows file written alone, atomically: no journal (3 fsyncs instead of 7, most of
            # a small deploy's wall time on a busy disk). A joint save left unfinished is finished first.
            if not self._settled:
                self.recover()
            self._settled = False  # until it is written: what a failure left is looked for next time
            atomic_write(self.flows_path, text.encode("utf-8"), backup=True)
            self._settled = True
            return
        self._settled = False
        save_together([PendingFile(self.flows_path, text.encode("utf-8")),
                       PendingFile(self.credentials_path, credentials, 0o600)])
        self._settled = True

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


_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def pretty_json(flows: list[Any], cache: dict[str, str], texts: list[str] | None = None) -> tuple[str, dict[str, str]]:
    """``json.dumps(flows, indent=4, ensure_ascii=False, allow_nan=False)``, and the cache to pass
    next time: each node's indented text by its compact text (``texts``, when the caller has them).

    Python's indenting encoder is pure Python (about 13 us a node, the largest part of a deploy's
    CPU); the compact one is C. A deploy that changes one node of 1,000 indents that node only.
    """
    keys = texts if texts is not None and len(texts) == len(flows) else [_COMPACT(node) for node in flows]
    if not flows:
        return "[]", {}
    used: dict[str, str] = {}
    for key, node in zip(keys, flows, strict=True):
        item = cache.get(key)
        if item is None:
            item = indented(node)  # one level deeper: an item of the array
        used[key] = item
    return "[\n    " + ",\n    ".join(used[k] for k in keys) + "\n]", used


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

    def recover(self) -> str | None:
        return None

    def save_flows(self, flows: list[Any], credentials: bytes | None = None, texts: list[str] | None = None) -> None:
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

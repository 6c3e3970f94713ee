"""Runtime settings, named after Node-RED's where one exists.

Read from ``<user dir>/settings.toml`` (or a ``--settings`` file, TOML or JSON). Unknown keys are
kept in ``extra`` so node packages can read their own. A value written as ``"${NAME}"`` is read
from the environment variable ``NAME`` (e.g. ``credentialSecret = "${FLOWENGINE_SECRET}"``).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import SettingsError

__all__ = ["Settings", "default_user_dir"]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def default_user_dir() -> Path:
    return Path(os.environ.get("FLOWENGINE_USER_DIR") or Path.home() / ".flowengine")


@dataclass
class Settings:
    """Every setting the runtime reads; defaults are the embedded default (no external service)."""

    user_dir: Path = field(default_factory=default_user_dir)
    flowFile: str = "flows.json"
    flowFilePretty: bool = True
    credentialSecret: str | bool | None = None
    uiHost: str = "127.0.0.1"
    uiPort: int = 1880
    httpAdminRoot: str | bool = "/"
    httpNodeRoot: str | bool = "/"
    disableEditor: bool = False
    adminAuth: dict[str, Any] | None = None
    contextStorage: dict[str, Any] | None = None
    nodeCloseTimeout: int = 15000
    """Milliseconds a node's close handler may take on deploy or shutdown."""
    shutdownDrainTimeout: int = 5000
    """Milliseconds a shutdown (SIGTERM) lets queued messages be delivered and nodes finish what
    they hold before closing them; what is left is logged as dropped, by node."""
    debugMaxLength: int = 1000
    debugStatusLength: int = 32
    functionTimeout: float = 10
    """Seconds a function node's code may hold the event loop when the node has no ``timeout``
    (Python: interrupted by the runtime's watchdog; JavaScript: by QuickJS); 0 = no limit."""
    functionIsolation: str = "none"
    """``"process"`` runs Python function code in a worker process per node, which survives
    ``os._exit`` and crashes (the node restarts it); a node's ``isolation`` property overrides it."""
    functionGlobalContext: dict[str, Any] = field(default_factory=dict)
    exportGlobalContextKeys: bool = False
    nodeMessageBufferMaxLength: int = 100_000
    """Messages one delay, join, batch or sort node may hold; beyond, it drops them with an error
    naming the node (Node-RED's default is 0, unlimited: a queue could grow until memory ran out)."""
    maxMessagesInFlight: int = 250_000
    """Messages queued for delivery at once across the runtime; a send beyond fails as the sending
    node's catchable error (a wiring loop that fans out cannot eat the machine)."""
    runtimeState: dict[str, Any] = field(default_factory=lambda: {"enabled": True, "ui": False})
    diagnostics: dict[str, Any] = field(default_factory=lambda: {"enabled": True, "ui": True})
    apiMaxLength: str = "5mb"
    webSocketKeepAliveTime: int = 15000
    commsQueueLimit: int = 10000
    """Events buffered per comms client before it is disconnected (a slow reader never slows flows)."""
    commsQueueLimitBytes: int = 64 * 2**20
    """Bytes (estimated, encoded) buffered per comms client before it is disconnected."""
    fileDirectory: str | None = None
    """Directory from which nodes may read files named by path (OpenAI uploads); None = user dir/files."""
    fileWorkingDirectory: str | None = None
    """Directory that relative file names of the file nodes resolve against (Node-RED's setting);
    None = the process working directory."""
    safeMode: bool = False
    socketListenHost: str | None = None
    """Address the tcp in, udp in and server-mode tcp out nodes listen on; None or "" = every
    interface, as in Node-RED (which has no such setting). "127.0.0.1" keeps them on loopback."""
    socketReconnectTime: int = 10000
    """Milliseconds before a client-mode tcp in / tcp out reconnects after its connection is lost."""
    socketTimeout: int | None = None
    """Milliseconds a server-mode tcp connection may stay idle before it is closed; None = never."""
    tcpMsgQueueSize: int = 1000
    """Messages a tcp request node queues per connection while it connects (the oldest are dropped)."""
    webSocketNodeMaxSessions: int = 1000
    """Clients one websocket-listener serves at once; more are refused (close code 1013)."""
    maxRetryWait: int = 600_000
    """Milliseconds an OpenAI request may wait in all for a rate limit (429 Retry-After) longer
    than the 120 s slept inside the request: the message is parked (no concurrency slot held)
    with status "waiting for rate limit (N s)"; a longer wait fails the message at once."""
    metricsPort: int | None = None
    """A second port serving ``/metrics``, ``/healthz`` and ``/readyz`` without authentication (for a
    Prometheus scraper or load balancer on a private network); None = only ``/metrics`` on the admin
    API, behind adminAuth."""
    metricsHost: str = "127.0.0.1"
    """The address ``metricsPort`` listens on."""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None, user_dir: str | Path | None = None, **overrides: Any) -> Settings:
        """Settings from ``path`` (or ``<user_dir>/settings.toml`` when it exists), then overrides."""
        udir = Path(user_dir) if user_dir else default_user_dir()
        data: dict[str, Any] = {}
        candidate = Path(path) if path else udir / "settings.toml"
        if path and not candidate.exists():
            raise SettingsError(f"settings file {candidate} does not exist")
        if candidate.exists():
            data = _expand_env(_read(candidate), str(candidate))
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {"user_dir": udir}
        extra: dict[str, Any] = {}
        for k, v in {**data, **overrides}.items():
            if k == "user_dir":
                kwargs[k] = Path(v)
            elif k in known:
                kwargs[k] = v
            else:
                extra[k] = v
        kwargs["extra"] = extra
        try:
            return cls(**kwargs)
        except TypeError as exc:  # pragma: no cover - dataclass signature mismatch
            raise SettingsError(str(exc)) from exc

    @property
    def flows_path(self) -> Path:
        p = Path(self.flowFile)
        return p if p.is_absolute() else self.user_dir / p

    @property
    def credentials_path(self) -> Path:
        p = self.flows_path
        return p.with_name(p.stem + "_cred" + p.suffix)

    @property
    def admin_root(self) -> str:
        return _root(self.httpAdminRoot)

    @property
    def node_root(self) -> str:
        return _root(self.httpNodeRoot)

    @property
    def close_timeout_s(self) -> float:
        return self.nodeCloseTimeout / 1000.0


def _root(value: str | bool) -> str:
    if value is False:
        return ""
    s = str(value or "/")
    if not s.startswith("/"):
        s = "/" + s
    return s if s.endswith("/") else s + "/"


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"settings file {path} must hold a table/object")
    return data


def _expand_env(value: Any, where: str, key: str = "") -> Any:
    """A string that is exactly ``${NAME}`` becomes that environment variable (the rule Node-RED
    applies to node properties), so secrets such as ``credentialSecret`` need not sit in the file;
    an unset variable is an error naming the setting."""
    if isinstance(value, dict):
        return {k: _expand_env(v, where, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, where, f"{key}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        match = _ENV_REF.fullmatch(value.strip())
        if match:
            name = match.group(1)
            if name not in os.environ:
                raise SettingsError(f"{where}: setting {key} is ${{{name}}}, but the environment variable "
                                    f"{name} is not set")
            return os.environ[name]
    return value

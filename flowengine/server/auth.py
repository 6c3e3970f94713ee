"""Admin authentication: Node-RED's ``adminAuth`` (type ``credentials``) with bearer tokens.

Users come from ``settings.adminAuth = {"type": "credentials", "users": [{"username", "password"
(bcrypt), "permissions": "*" | "read" | [scopes]}], "default": {"permissions": ...}}``. A login
(``POST /auth/token``) returns an opaque bearer token valid ``sessionExpiryTime`` seconds (7 days by
default). Sessions survive restarts in ``<user dir>/.sessions.json``, which holds only SHA-256
digests of the tokens. Failed logins are throttled per user name (Node-RED: more than 5 attempts
for one name in 10 minutes) and, beyond Node-RED, per client address (one host trying many names).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import bcrypt

from ..errors import SettingsError, StorageError
from ..storage import atomic_write

__all__ = ["LOGIN_LIMIT", "LOGIN_WINDOW_S", "AdminAuth", "LoginThrottle", "Session", "User", "has_permission",
           "hash_password"]

log = logging.getLogger("flowengine.server.auth")

DEFAULT_EXPIRY_S = 604800
CLIENT_IDS = frozenset({"node-red-editor", "node-red-admin"})


def hash_password(password: str, rounds: int = 10) -> str:
    """A bcrypt hash for ``adminAuth.users[].password`` (what ``flowengine hash-password`` prints)."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def has_permission(granted: str | list[str] | tuple[str, ...] | None, needed: str) -> bool:
    """Node-RED's scope rule: ``*`` grants all, ``read`` grants every ``<x>.read``, else exact match.

    ``granted`` may be a list of such scopes; ``needed`` is e.g. ``flows.write``.
    """
    if granted is None:
        return False
    if isinstance(granted, (list, tuple)):
        return any(has_permission(g, needed) for g in granted)
    if granted == "*" or granted == needed:
        return True
    if granted in ("read", "*.read"):
        return needed.endswith(".read")
    resource, _, action = granted.partition(".")
    need_resource, _, need_action = needed.partition(".")
    return resource == need_resource and action == "*" and bool(need_action)


@dataclass(frozen=True)
class User:
    """A configured admin user (or the anonymous ``default`` user)."""

    username: str
    permissions: str | tuple[str, ...]

    def public(self) -> dict[str, Any]:
        perms = list(self.permissions) if isinstance(self.permissions, tuple) else self.permissions
        return {"username": self.username, "permissions": perms}


@dataclass(frozen=True)
class Session:
    """One issued token (stored by digest)."""

    user: str
    permissions: str | tuple[str, ...]
    client: str
    expires: float


LOGIN_WINDOW_S = 600.0
"""Node-RED's ``loginSignInWindow`` (editor-api auth/strategies.js): 10 minutes."""
LOGIN_LIMIT = 5
"""Failed logins per key within the window; the next attempt is refused (Node-RED: ``> 5``)."""


class LoginThrottle:
    """Refuses a key after ``limit`` failures within ``window`` seconds. Bounded memory."""

    def __init__(self, limit: int = LOGIN_LIMIT, window: float = LOGIN_WINDOW_S, clock: Callable[[], float] = time.time,
                 max_keys: int = 10000) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        q = self._failures.get(key)
        if q is None:
            return deque()
        while q and now - q[0] > self.window:
            q.popleft()
        if not q:
            del self._failures[key]
        return q

    def blocked(self, *keys: str) -> bool:
        return any(len(self._recent(k)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        if len(self._failures) >= self.max_keys:
            for k in list(self._failures)[: self.max_keys // 2]:
                del self._failures[k]
        now = self.clock()
        for k in keys:
            q = self._failures.setdefault(k, deque())
            q.append(now)
            while len(q) > self.limit:
                q.popleft()

    def succeeded(self, *keys: str) -> None:
        for k in keys:
            self._failures.pop(k, None)


class AdminAuth:
    """Users, tokens and sessions of the admin API. ``enabled`` is False without ``adminAuth``."""

    def __init__(self, config: dict[str, Any] | None, sessions_path: Path | None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config or None
        self.sessions_path = sessions_path
        self.clock = clock
        self.throttle = LoginThrottle(clock=clock)
        self._users: dict[str, tuple[User, bytes]] = {}
        self._sessions: dict[str, Session] = {}
        self.default_user: User | None = None
        self.expiry_s = DEFAULT_EXPIRY_S
        if self.config is not None:
            self._configure(self.config)
            self._load_sessions()

    @property
    def enabled(self) -> bool:
        return self.config is not None

    def _configure(self, config: dict[str, Any]) -> None:
        kind = config.get("type", "credentials")
        if kind != "credentials":
            raise SettingsError(f"adminAuth type {kind!r} is not supported (use \"credentials\")")
        users = config.get("users") or []
        if not isinstance(users, list):
            raise SettingsError("adminAuth.users must be a list of {username, password, permissions}")
        for i, entry in enumerate(users):
            if not isinstance(entry, dict) or not entry.get("username") or not entry.get("password"):
                raise SettingsError(f"adminAuth.users[{i}] needs a username and a bcrypt password")
            user = User(str(entry["username"]), _perms(entry.get("permissions", "*")))
            self._users[user.username] = (user, str(entry["password"]).encode("utf-8"))
        default = config.get("default")
        if isinstance(default, dict) and default.get("permissions"):
            self.default_user = User("", _perms(default["permissions"]))
        self.expiry_s = int(config.get("sessionExpiryTime", DEFAULT_EXPIRY_S))

    # --- login ---
    def verify(self, username: str, password: str) -> User | None:
        """The user when the password matches its bcrypt hash."""
        found = self._users.get(username)
        if found is None:
            bcrypt.checkpw(b"x", _DUMMY_HASH)  # same cost either way: no user enumeration by timing
            return None
        user, hashed = found
        try:
            ok = bcrypt.checkpw(password.encode("utf-8"), hashed)
        except ValueError:
            log.error("adminAuth user %r has a password that is not a bcrypt hash", username)
            return None
        return user if ok else None

    def issue(self, user: User, client: str) -> dict[str, Any]:
        """A new token for ``user``: the body ``POST /auth/token`` answers."""
        token = base64.b64encode(os.urandom(96)).decode("ascii")
        self._purge()
        self._sessions[_digest(token)] = Session(user.username, user.permissions, client,
                                                 self.clock() + self.expiry_s)
        self._save_sessions()
        return {"access_token": token, "expires_in": self.expiry_s, "token_type": "Bearer"}

    def session(self, token: str | None) -> Session | None:
        """The live session of a bearer token, or None (unknown, revoked or expired)."""
        if not token:
            return None
        key = _digest(token)
        s = self._sessions.get(key)
        if s is None:
            return None
        if s.expires <= self.clock():
            del self._sessions[key]
            self._save_sessions()
            return None
        return s

    def revoke(self, token: str) -> bool:
        removed = self._sessions.pop(_digest(token), None) is not None
        if removed:
            self._save_sessions()
        return removed

    # --- persistence ---
    def _purge(self) -> None:
        now = self.clock()
        for k in [k for k, s in self._sessions.items() if s.expires <= now]:
            del self._sessions[k]

    def _load_sessions(self) -> None:
        path = self.sessions_path
        if path is None or not path.exists():
            return
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            for k, v in raw.get("sessions", {}).items():
                perms = v["permissions"]
                self._sessions[k] = Session(v["user"], tuple(perms) if isinstance(perms, list) else perms,
                                            v.get("client", ""), float(v["expires"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("ignoring unreadable sessions file %s (%s): everyone must log in again", path, exc)
            self._sessions.clear()
        self._purge()

    def _save_sessions(self) -> None:
        if self.sessions_path is None:
            return
        data = {"sessions": {k: _session_json(s) for k, s in self._sessions.items()}}
        try:
            atomic_write(self.sessions_path, json.dumps(data).encode("utf-8"), backup=False)
        except StorageError as exc:
            log.error("cannot save admin sessions: %s (tokens stay valid until restart)", exc)


def _session_json(s: Session) -> dict[str, Any]:
    d = asdict(s)
    if isinstance(s.permissions, tuple):
        d["permissions"] = list(s.permissions)
    return d


def _perms(value: Any) -> str | tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return str(value)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_DUMMY_HASH = bcrypt.hashpw(b"flowengine", bcrypt.gensalt(4))

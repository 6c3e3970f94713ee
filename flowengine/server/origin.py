"""Which browsers may talk to the admin API: the cross-site (``Origin``) and DNS-rebinding (``Host``) checks.

Without adminAuth anyone who can make a request can deploy a function node, that is run code; a
web page the user visits can make such requests too. Browsers always send ``Origin`` on a
cross-origin POST/PUT/DELETE and on every websocket handshake, so a state-changing admin request
or a comms handshake whose ``Origin`` differs from the request's own origin (scheme + ``Host``) is
refused, unless ``httpAdminCors.origin`` lists it. Clients that send no ``Origin`` (curl,
node-red-admin, scripts) and the editor itself (same origin) are unaffected.

DNS rebinding gets around that check: ``evil.example`` re-resolves to 127.0.0.1, so the page and
the API share an origin, but the ``Host`` header still says ``evil.example``. When the server
listens on a loopback address (``serve`` sets ``settings.extra[LOOPBACK_HOSTS_KEY]``), admin
requests and comms handshakes must name a loopback host (``localhost``, ``127.x.x.x``, ``[::1]``)
or the host of an origin listed in ``httpAdminCors``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Scope

from ..errors import SettingsError

__all__ = ["LOOPBACK_HOSTS_KEY", "Origin", "OriginPolicy", "cors_middleware", "header", "is_loopback_name"]

LOOPBACK_HOSTS_KEY = "admin_loopback_hosts_only"
"""``settings.extra`` flag: admin requests must name a loopback host (set by ``serve`` on a loopback bind)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}


@dataclass(frozen=True)
class Origin:
    """``scheme://host:port`` with the port always filled in (``http://a`` == ``http://a:80``)."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if _DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}"

    @classmethod
    def parse(cls, value: str) -> Origin | None:
        """An ``Origin`` header value; None for ``null``, a path-carrying URL or anything unparsable."""
        try:
            parts = urlsplit(value.strip())
            port = parts.port
        except ValueError:
            return None
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
            return None
        return cls(parts.scheme, parts.hostname, port or _DEFAULT_PORTS[parts.scheme])


def header(scope: Scope, name: bytes) -> str | None:
    """The first ``name`` header of an ASGI scope (``name`` lower-case), or None."""
    for k, v in scope.get("headers", ()):
        if k.lower() == name:
            return str(v.decode("latin-1"))
    return None


def _host_port(value: str) -> tuple[str, int | None] | None:
    """``Host`` header -> (lower-case host without brackets, port or None); None when malformed."""
    try:
        parts = urlsplit("//" + value.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.path or parts.username is not None:
        return None
    return parts.hostname, port


def is_loopback_name(host: str) -> bool:
    """``localhost`` or a loopback IP literal (a name a rebinding attacker's page cannot carry)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _request_origin(scope: Scope) -> Origin | None:
    """The origin a same-origin browser page would send: the scope's scheme and its ``Host``."""
    scheme = _SCHEMES.get(str(scope.get("scheme", "http")), "http")
    host = header(scope, b"host")
    if host is None:
        server = scope.get("server")
        return Origin(scheme, str(server[0]).lower(), int(server[1])) if server else None
    parsed = _host_port(host)
    if parsed is None:
        return None
    name, port = parsed
    return Origin(scheme, name, port if port is not None else _DEFAULT_PORTS[scheme])


def _cors_origins(cors: Any) -> tuple[bool, frozenset[Origin]]:
    """``httpAdminCors.origin`` -> (any origin allowed, the listed origins); SettingsError when malformed."""
    if cors is None:
        return False, frozenset()
    if not isinstance(cors, dict):
        raise SettingsError("httpAdminCors must be a table like {origin = [\"https://tool.example\"]}")
    value = cors.get("origin", [])
    if value is True or value == "*":
        return True, frozenset()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list):
        raise SettingsError("httpAdminCors.origin must be an origin, a list of origins or \"*\"")
    origins = set()
    for item in values:
        origin = Origin.parse(item) if isinstance(item, str) else None
        if origin is None:
            raise SettingsError(f"httpAdminCors.origin: {item!r} is not an origin like \"https://tool.example:8443\"")
        origins.add(origin)
    return False, frozenset(origins)


def cors_middleware(app: ASGIApp, cors: dict[str, Any], default_methods: str) -> CORSMiddleware:
    """``app`` behind CORS headers for Node-RED's ``{origin, methods, credentials}`` cors settings."""
    origin = cors.get("origin", "*")
    if origin is True:
        origin = "*"
    origins = [str(o) for o in origin] if isinstance(origin, list) else [str(origin)]
    methods = cors.get("methods", default_methods)
    methods_list = [m.strip().upper() for m in methods.split(",")] if isinstance(methods, str) else list(methods)
    return CORSMiddleware(app, allow_origins=origins, allow_methods=methods_list, allow_headers=["*"],
                          allow_credentials=bool(cors.get("credentials")))


class OriginPolicy:
    """The checks of the module docstring, configured from ``httpAdminCors`` and the loopback flag."""

    def __init__(self, cors: Any = None, *, loopback_hosts_only: bool = False) -> None:
        self.any_origin, self.allowed = _cors_origins(cors)
        self.loopback_hosts_only = loopback_hosts_only

    def refusal(self, scope: Scope, *, state_changing: bool) -> tuple[str, str] | None:
        """(code, message) when the request must be refused with 403, else None."""
        if self.loopback_hosts_only:
            refused = self._host_refusal(scope)
            if refused is not None:
                return refused
        if not state_changing or self.any_origin:
            return None
        sent = header(scope, b"origin")
        if sent is None:
            return None
        origin = Origin.parse(sent)
        own = _request_origin(scope)
        if origin is not None and (origin == own or origin in self.allowed):
            return None
        return ("forbidden_origin",
                f"cross-origin request refused: Origin {sent} is not this server's origin "
                f"({own if own is not None else 'unknown'}); list it in httpAdminCors.origin to allow it")

    def _host_refusal(self, scope: Scope) -> tuple[str, str] | None:
        host = header(scope, b"host")
        own = _request_origin(scope) if host is not None else None
        if own is not None and (is_loopback_name(own.host)
                                or any((o.host, o.port) == (own.host, own.port) for o in self.allowed)):
            return None
        return ("forbidden_host",
                f"Host {host!r} refused: the server listens on a loopback address and answers admin requests "
                "only for localhost, 127.0.0.1 or [::1] (DNS rebinding protection); list other origins "
                "in httpAdminCors.origin")

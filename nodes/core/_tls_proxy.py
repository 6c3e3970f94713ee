"""The ``tls-config`` and ``http proxy`` config nodes, and Node-RED's rule for picking a proxy.

``tls-config`` gives an ``ssl.SSLContext`` (CA / client certificate from files or pasted PEM,
``verifyservercert``) plus ``servername`` (the SNI host name, also the name the certificate must
match) and ``alpnprotocol``. ``http proxy`` gives a proxy URL (credentials added) and a
``noproxy`` host list. ``proxy_for_url`` is Node-RED's ``getProxyForUrl`` ("strict" mode): with a
proxy node its URL and ``noproxy`` list stand in for the ``*_proxy`` / ``no_proxy`` environment
variables, otherwise those variables decide.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
import tempfile
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from flowengine.node import Node

from ._help import node_help

__all__ = ["HttpProxy", "SniContext", "TlsConfig", "proxy_for_url", "should_proxy"]


class SniContext(ssl.SSLContext):
    """A client context that names ``servername`` to the server (SNI) and checks the certificate
    against it, whatever host the connection goes to: Node-RED's ``tls.connect({servername})``.
    Clients that wrap sockets themselves (paho-mqtt under the mqtt nodes) pass the host they
    dialled; this context puts the servername in its place."""

    servername = ""

    def wrap_socket(self, sock: socket.socket, server_side: bool = False, do_handshake_on_connect: bool = True,
                    suppress_ragged_eofs: bool = True, server_hostname: str | bytes | None = None,
                    session: ssl.SSLSession | None = None) -> ssl.SSLSocket:
        return super().wrap_socket(sock, server_side, do_handshake_on_connect, suppress_ragged_eofs,
                                   self.servername or server_hostname, session)

    def wrap_bio(self, incoming: ssl.MemoryBIO, outgoing: ssl.MemoryBIO, server_side: bool = False,
                 server_hostname: str | bytes | None = None, session: ssl.SSLSession | None = None) -> ssl.SSLObject:
        return super().wrap_bio(incoming, outgoing, server_side, self.servername or server_hostname, session)


def _client_context(servername: str, cafile: str | None = None, cadata: str | None = None) -> ssl.SSLContext:
    """``ssl.create_default_context`` (verifying, default CAs unless some are given), as an
    ``SniContext`` when a servername is set."""
    if not servername:
        return ssl.create_default_context(cafile=cafile, cadata=cadata)
    context = SniContext(ssl.PROTOCOL_TLS_CLIENT)
    context.servername = servername
    if cafile or cadata:
        context.load_verify_locations(cafile=cafile, cadata=cadata)
    else:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    return context

DEFAULT_PORTS = {"ftp": 21, "gopher": 70, "http": 80, "https": 443, "ws": 80, "wss": 443}


class TlsConfig(Node):
    """``tls-config``: certificates for http request, websocket-client and the tcp nodes (files or pasted PEM)."""

    type = "tls-config"
    category = "config"
    label = "TLS configuration"
    is_config = True
    inputs = 0
    outputs = 0
    # Certificates are public and echoed to the editor; the private key and its passphrase are
    # "password" credentials, never sent back (a departure: Node-RED declares keydata "text").
    credentials_schema = {"certdata": "text", "keydata": "password", "cadata": "text", "passphrase": "password"}
    schema = {
        "type": "object",
        "properties": {
            "cert": {"type": "string", "default": ""},
            "key": {"type": "string", "default": ""},
            "ca": {"type": "string", "default": ""},
            "servername": {"type": "string", "default": ""},
            "alpnprotocol": {"type": "string", "default": ""},
            "verifyservercert": {"type": ["boolean", "string"], "default": True},
        },
    }
    help = node_help("tls-config")

    def __init__(self, host: Any, config: dict[str, Any], credentials: dict[str, Any] | None = None):
        super().__init__(host, config, credentials)
        self.servername = str(config.get("servername") or "").strip()
        self.alpnprotocol = str(config.get("alpnprotocol") or "").strip()
        self.verify = config.get("verifyservercert") not in (False, "false")

    def ssl_context(self, verify: bool = True) -> ssl.SSLContext:
        """An SSL context from the configured files and/or PEM data; ``verify`` False (or the node's
        *verifyservercert* off) accepts any server certificate. Raises ``ValueError`` naming the
        property at fault when the files or PEM data cannot be used."""
        cfg = {k: str(self.config.get(k) or "").strip() for k in ("cert", "key", "ca")}
        creds = self.credentials
        try:
            if cfg["cert"] or cfg["key"] or cfg["ca"]:
                if bool(cfg["cert"]) != bool(cfg["key"]):
                    raise ValueError("set both properties 'cert' and 'key' (or neither)")
                context = _client_context(self.servername, cafile=cfg["ca"] or None)
                if cfg["cert"]:
                    context.load_cert_chain(cfg["cert"], cfg["key"], password=creds.get("passphrase") or None)
            else:
                certdata, keydata = str(creds.get("certdata") or ""), str(creds.get("keydata") or "")
                if bool(certdata) != bool(keydata):
                    raise ValueError("paste both the certificate and its private key (or neither)")
                context = _client_context(self.servername, cadata=str(creds.get("cadata") or "") or None)
                if certdata:
                    self._load_pem_chain(context, certdata, keydata)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"tls-config {self.id}: cannot load the certificates: {exc}") from exc
        except ValueError as exc:
            raise ValueError(f"tls-config {self.id}: {exc}") from exc
        if self.alpnprotocol:
            context.set_alpn_protocols([self.alpnprotocol])
        if not verify or not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def server_ssl_context(self) -> ssl.SSLContext:
        """A server-side context (tcp in / tcp out listening with TLS): the node's certificate and
        private key, from files or pasted PEM. Clients are not asked for a certificate (Node-RED)."""
        cert, key = str(self.config.get("cert") or "").strip(), str(self.config.get("key") or "").strip()
        certdata, keydata = str(self.credentials.get("certdata") or ""), str(self.credentials.get("keydata") or "")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            if cert and key:
                context.load_cert_chain(cert, key, password=self.credentials.get("passphrase") or None)
            elif certdata and keydata:
                self._load_pem_chain(context, certdata, keydata)
            else:
                raise ValueError("a TLS server needs a certificate and its private key: set properties "
                                 "'cert' and 'key' (or paste both)")
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"tls-config {self.id}: cannot load the certificates: {exc}") from exc
        except ValueError as exc:
            raise ValueError(f"tls-config {self.id}: {exc}") from exc
        if self.alpnprotocol:
            context.set_alpn_protocols([self.alpnprotocol])
        return context

    def _load_pem_chain(self, context: ssl.SSLContext, cert: str, key: str) -> None:
        # ssl loads a chain only from files: a private temporary directory, removed at once
        with tempfile.TemporaryDirectory(prefix="flowengine-tls-") as tmp:
            cert_path, key_path = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            with open(cert_path, "w", encoding="utf-8") as fh:
                fh.write(cert)
            with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "w", encoding="utf-8") as fh:
                fh.write(key)
            context.load_cert_chain(cert_path, key_path, password=self.credentials.get("passphrase") or None)


class HttpProxy(Node):
    """``http proxy``: a proxy URL (with optional user/password) and the hosts that bypass it."""

    type = "http proxy"
    category = "config"
    label = "HTTP proxy"
    is_config = True
    inputs = 0
    outputs = 0
    credentials_schema = {"username": "text", "password": "password"}
    schema = {"type": "object", "properties": {"url": {"type": "string", "default": ""},
                                               "noproxy": {"type": "array", "default": []}}}
    help = node_help("http proxy")

    @property
    def noproxy(self) -> list[str]:
        hosts = self.config.get("noproxy")
        return [str(h) for h in hosts] if isinstance(hosts, list) else []

    def proxy_url(self) -> str | None:
        """The proxy URL with the node's credentials in it, or None when no URL is set."""
        url = str(self.config.get("url") or "")
        if not url:
            return None
        user = self.credentials.get("username")
        password = self.credentials.get("password")
        if (user or password) and "://" in url:
            scheme, rest = url.split("://", 1)
            rest = rest.rsplit("@", 1)[-1]
            url = f"{scheme}://{quote(str(user or ''), safe='')}:{quote(str(password or ''), safe='')}@{rest}"
        return url


def proxy_for_url(url: str, proxy: HttpProxy | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL a request to ``url`` goes through, or None for a direct connection."""
    if proxy is not None:
        proxy_url = proxy.proxy_url() or ""
        env: Mapping[str, str] = {"no_proxy": ",".join(proxy.noproxy), "http_proxy": proxy_url,
                                  "https_proxy": proxy_url}
    else:
        env = os.environ if environ is None else environ
    parts = urlsplit(url)
    proto = parts.scheme.lower()
    if not proto or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    host = re.sub(r":\d*$", "", host)  # keeps an IPv6 address's brackets
    try:
        port = parts.port or DEFAULT_PORTS.get(proto, 0)
    except ValueError:
        return None
    if not should_proxy(host, port, _env(env, "npm_config_no_proxy") or _env(env, "no_proxy")):
        return None
    found = (_env(env, f"npm_config_{proto}_proxy") or _env(env, f"{proto}_proxy")
             or _env(env, "npm_config_proxy") or _env(env, "all_proxy"))
    if not found:
        return None
    return found if "://" in found else f"{proto}://{found}"


def should_proxy(host: str, port: int, no_proxy: str) -> bool:
    """False when ``host:port`` matches an entry of the ``no_proxy`` list (comma or space separated)."""
    no_proxy = no_proxy.lower()
    if not no_proxy:
        return True
    if no_proxy == "*":
        return False
    for entry in re.split(r"[,\s]", no_proxy):
        if not entry:
            continue
        match = re.match(r"^(.+):(\d+)$", entry)
        entry_host = match.group(1) if match else entry
        if match and int(match.group(2)) != port:
            continue
        if entry_host[0] not in ".*":
            if host == entry_host:
                return False
            continue
        if host.endswith(entry_host[1:] if entry_host[0] == "*" else entry_host):
            return False
    return True


def _env(env: Mapping[str, str], key: str) -> str:
    return env.get(key.lower()) or env.get(key.upper()) or ""

"""Node credentials, kept apart from the flows in ``flows_cred.json``, encrypted at rest.

Our format: ``{"$": base64(nonce[12] + ciphertext + tag[16]), "alg": "aes-256-gcm"}`` where the
plaintext is ``{"<node id>": {"<field>": value}}`` as JSON and the key is
``HKDF-SHA256(secret, salt=b"flowengine-credentials", info=b"aes-256-gcm")`` (32 bytes).
Node-RED's file ``{"$": "<32 hex iv><base64 ciphertext>"}`` (aes-256-ctr, key = raw SHA-256 of the
secret) is read too, so a Node-RED user dir can be imported; the next save writes our format.

The secret: ``settings.credentialSecret`` (a string) > ``_credentialSecret`` in
``.config.runtime.json`` (32 random bytes as hex, generated on first save) > plaintext when
``credentialSecret`` is ``False``. A wrong secret raises ``CredentialsError`` and the store then
refuses to save: credentials are never silently reset or overwritten (unlike Node-RED).
"""

from __future__ import annotations

import base64
import binascii
import builtins
import copy
import hashlib
import json
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any, NoReturn, Protocol

from .errors import CredentialsError
from .storage import atomic_write

__all__ = ["PASSWORD_PLACEHOLDER", "CredentialStore", "SecretSource", "derive_key", "seal", "unseal"]

log = logging.getLogger("flowengine.credentials")

PASSWORD_PLACEHOLDER = "__PWRD__"
"""What the editor sends for a password field the user did not change."""

_ALG = "aes-256-gcm"
_SALT = b"flowengine-credentials"
_NODE_RED_IV = re.compile(r"^[0-9a-fA-F]{32}")


def derive_key(secret: str) -> bytes:
    """The AES-256-GCM key for ``secret`` (HKDF-SHA256, fixed salt and info)."""
    # cryptography is imported where it is used (here and below): a runtime without credentials
    # never loads it (6.7 MiB of idle RSS)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_ALG.encode())
    return hkdf.derive(secret.encode("utf-8"))


class RuntimeConfigStorage(Protocol):
    def load_runtime_config(self) -> dict[str, Any]: ...
    def save_runtime_config(self, config: dict[str, Any]) -> None: ...


class SecretSource:
    """Where the credential secret comes from (see the module docstring for the order).

    ``configured`` is ``settings.credentialSecret``; ``storage`` holds ``.config.runtime.json``
    (``FlowStorage``), where a generated secret is kept.
    """

    def __init__(self, configured: str | bool | None, storage: RuntimeConfigStorage | None = None) -> None:
        if configured is True or configured == "":
            configured = None
        self.configured = configured
        self.storage = storage

    @property
    def encrypted(self) -> bool:
        """False when ``credentialSecret`` is ``False`` (credentials stored as plain JSON)."""
        return self.configured is not False

    def candidates(self) -> list[str]:
        """Secrets to try when decrypting, preferred first (the configured one, then a generated one)."""
        found: list[str] = []
        if isinstance(self.configured, str):
            found.append(self.configured)
        generated = self._generated()
        if generated and generated not in found:
            found.append(generated)
        return found

    def obtain(self) -> str:
        """The secret to encrypt with; generates and stores ``_credentialSecret`` when there is none."""
        if isinstance(self.configured, str):
            return self.configured
        generated = self._generated()
        if generated:
            return generated
        if self.storage is None:
            raise CredentialsError("no credentialSecret configured and no place to keep a generated one")
        secret = secrets.token_hex(32)
        config = self.storage.load_runtime_config()
        config["_credentialSecret"] = secret
        self.storage.save_runtime_config(config)
        log.warning(
            "credentials are encrypted with a generated key kept in .config.runtime.json; "
            "set credentialSecret in the settings so that the key does not get lost"
        )
        return secret

    def _generated(self) -> str | None:
        if self.storage is None:
            return None
        value = self.storage.load_runtime_config().get("_credentialSecret")
        return value if isinstance(value, str) and value else None


class CredentialStore:
    """The credentials of every node, by node id. ``path=None`` keeps them in memory only (tests)."""

    def __init__(self, path: str | Path | None, secret_source: SecretSource | str | bool | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.secrets = secret_source if isinstance(secret_source, SecretSource) else SecretSource(secret_source)
        self._creds: dict[str, dict[str, Any]] = {}
        self._locked: str | None = None
        self._loaded_with: str | None = None
        self.dirty = False

    # --- loading ---
    def load(self) -> None:
        """Read and decrypt the credentials file (absent file = no credentials).

        Raises ``CredentialsError`` when it cannot be decrypted; the store then refuses ``save()``.
        """
        self._creds = {}
        self._locked = None
        self.dirty = False
        if self.path is None or not self.path.exists():
            return
        try:
            text = self.path.read_text(encoding="utf-8-sig")
            data = json.loads(text) if text.strip() else {}
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            self._lock(f"credentials file {self.path} cannot be read: {exc}")
        if not isinstance(data, dict):
            self._lock(f"credentials file {self.path} does not hold a JSON object")
        if isinstance(data.get("$"), str):
            self._creds = self._decrypt(data)
        else:
            self._creds = _validated(data, str(self.path))
            if self.secrets.encrypted:
                self.dirty = True  # plaintext file with encryption on: encrypt it on the next save

    def _lock(self, reason: str) -> NoReturn:
        self._locked = reason
        raise CredentialsError(reason)

    def _decrypt(self, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
        candidates = self.secrets.candidates()
        if not candidates:
            self._lock(
                f"credentials file {self.path} is encrypted but no credentialSecret is configured "
                "(set credentialSecret in the settings to the secret used to write it)"
            )
        blob = data["$"]
        node_red = data.get("alg") != _ALG and _NODE_RED_IV.match(blob) is not None
        for i, secret in enumerate(candidates):
            plain = _decrypt_node_red(blob, secret) if node_red else _decrypt_gcm(blob, secret)
            if plain is None:
                continue
            try:
                creds = json.loads(plain.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                continue  # aes-ctr has no integrity check: a wrong key shows up as garbage here
            if not isinstance(creds, dict):
                continue
            self._loaded_with = secret
            if node_red or i > 0:
                self.dirty = True  # re-encrypt with our format / the preferred secret on the next save
            return _validated(creds, str(self.path))
        self._lock(
            f"credentials file {self.path} cannot be decrypted with the configured credentialSecret "
            "(wrong secret?). The file is left untouched; set the secret that was used to write it."
        )

    # --- access ---
    def get(self, node_id: str) -> dict[str, Any]:
        """A copy of the node's credentials (``{}`` when none)."""
        creds = self._creds.get(node_id)
        return copy.deepcopy(creds) if creds else {}

    def ids(self) -> list[str]:
        return list(self._creds)

    def set(self, node_id: str, creds: dict[str, Any]) -> None:
        """Replace the node's credentials entirely (an empty dict removes them)."""
        if creds:
            self._creds[node_id] = copy.deepcopy(creds)
        else:
            self._creds.pop(node_id, None)
        self.dirty = True

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """A copy of every node's credentials, for ``restore`` when a deploy cannot be saved."""
        return copy.deepcopy(self._creds)

    def restore(self, snapshot: dict[str, dict[str, Any]]) -> None:
        """Put back what ``snapshot`` took (the next ``save`` writes it)."""
        self._creds = copy.deepcopy(snapshot)
        self.dirty = True

    def merge(self, updates: dict[str, dict[str, Any]]) -> builtins.set[str]:
        """Apply what the editor sent: per node, only changed fields. ``"__PWRD__"`` keeps the stored
        value, an empty/blank string deletes the field, ``has_<field>`` flags are ignored. Returns the
        ids of the nodes whose credentials changed (a deploy restarts them)."""
        touched: builtins.set[str] = builtins.set()
        for node_id, fields in updates.items():
            if not isinstance(fields, dict):
                continue
            before = self._creds.get(node_id, {})
            current = dict(before)
            for name, value in fields.items():
                if value == PASSWORD_PLACEHOLDER:
                    continue
                if name.startswith("has_") and isinstance(value, bool):
                    continue
                if value is None or (isinstance(value, str) and not value.strip()):
                    if name in current:
                        del current[name]
                        self.dirty = True
                    continue
                if current.get(name, _MISSING) != value:
                    current[name] = copy.deepcopy(value)
                    self.dirty = True
            if current != before:
                touched.add(node_id)
            if current:
                self._creds[node_id] = current
            elif node_id in self._creds:
                del self._creds[node_id]
                self.dirty = True
        return touched

    def prune(self, ids: Any) -> None:
        """Drop the credentials of nodes whose id is not in ``ids`` (nodes deleted by a deploy)."""
        keep = set(ids)
        for node_id in [n for n in self._creds if n not in keep]:
            del self._creds[node_id]
            self.dirty = True

    def public_view(self, node_id: str, schema: dict[str, str]) -> dict[str, Any]:
        """What ``GET /credentials/<type>/<id>`` returns: text fields' values, ``has_<field>`` for passwords."""
        stored = self._creds.get(node_id, {})
        out: dict[str, Any] = {}
        for name, kind in schema.items():
            if kind == "password":
                out[f"has_{name}"] = bool(stored.get(name) not in (None, ""))
            elif name in stored:
                out[name] = stored[name]
        return out

    # --- saving ---
    def encode(self) -> bytes | None:
        """The credentials file's new content (encrypted), or None when there is nothing to write:
        nothing changed since ``load()``/the last save, or no credentials and no file yet. The
        caller writes it (with the flows, ``FlowStorage.save_flows``) and then calls ``saved()``."""
        if self._locked is not None:
            raise CredentialsError(f"refusing to overwrite credentials: {self._locked}")
        if self.path is None:
            return None
        exists = self.path.exists()
        if (not self._creds and not exists) or (not self.dirty and exists):
            return None  # nothing to write (and no key generated for a flow without credentials)
        if self.secrets.encrypted:
            text = json.dumps(seal(self._creds, self.secrets.obtain()))
        else:
            text = json.dumps(self._creds, indent=4, ensure_ascii=False)
        return text.encode("utf-8")

    def saved(self) -> None:
        """What ``encode()`` returned is on disk."""
        self.dirty = False

    def save(self) -> None:
        """Encrypt and write the file alone, atomically (previous version kept as backup; the
        runtime saves it with the flows instead); no-op when ``encode()`` has nothing to write."""
        data = self.encode()
        if data is not None and self.path is not None:
            atomic_write(self.path, data, backup=True)
            try:
                os.chmod(self.path, 0o600)
            except OSError as exc:
                log.warning("cannot restrict permissions of %s: %s", self.path, exc)
        self.saved()


_MISSING = object()


def seal(creds: dict[str, dict[str, Any]], secret: str) -> dict[str, str]:
    """``creds`` encrypted with ``secret`` (AES-256-GCM): the credentials file's JSON object,
    also what queue mode sends through Redis (never the credentials in clear)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # imported where used (start-up)

    plain = json.dumps(creds, ensure_ascii=False, separators=(",", ":"))
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(derive_key(secret)).encrypt(nonce, plain.encode("utf-8"), None)
    return {"$": base64.b64encode(sealed).decode("ascii"), "alg": _ALG}


def unseal(data: dict[str, Any], secret: str, where: str) -> dict[str, dict[str, Any]]:
    """What ``seal`` encrypted; ``CredentialsError`` naming ``where`` when ``secret`` is wrong."""
    blob = data.get("$")
    plain = _decrypt_gcm(blob, secret) if isinstance(blob, str) else None
    if plain is None:
        raise CredentialsError(f"{where}: credentials cannot be decrypted with the configured credentialSecret "
                               "(every process of a deployment needs the same secret)")
    creds = json.loads(plain.decode("utf-8"))
    if not isinstance(creds, dict):
        raise CredentialsError(f"{where}: credentials are not a JSON object")
    return _validated(creds, where)


def _validated(data: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for node_id, fields in data.items():
        if not isinstance(fields, dict):
            raise CredentialsError(f"credentials file {where}: entry {node_id!r} is not an object")
        out[str(node_id)] = fields
    return out


def _decrypt_gcm(blob: str, secret: str) -> bytes | None:
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 12 + 16:
        return None
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(derive_key(secret)).decrypt(raw[:12], raw[12:], None)
    except InvalidTag:
        return None


def _decrypt_node_red(blob: str, secret: str) -> bytes | None:
    try:
        iv = bytes.fromhex(blob[:32])
        body = base64.b64decode(blob[32:])
    except (binascii.Error, ValueError):
        return None
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = hashlib.sha256(secret.encode("utf-8")).digest()
    decryptor = Cipher(algorithms.AES(key), modes.CTR(iv)).decryptor()
    return decryptor.update(body) + decryptor.finalize()

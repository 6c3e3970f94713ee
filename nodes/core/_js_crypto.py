"""The host side of the ``crypto`` module of JavaScript function nodes (``nodes/core/js/crypto.js``).

Function code that lists ``{"var": "crypto", "module": "crypto"}`` in its ``libs`` gets Node's
``crypto`` API; the JavaScript side checks arguments (Node's error texts) and keeps a hash's data,
and this module computes with hashlib, hmac and secrets. Bytes cross the bridge as base64 text
(QuickJS encodes and decodes it natively), one call per digest, never per byte.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["BUILTIN_MODULES", "HASHES", "NodeModule", "crypto_op", "global_module", "js_libs", "libs_problems"]

BUILTIN_MODULES = frozenset({"crypto", "node:crypto"})
"""The Node.js modules a JavaScript function node may name in ``libs``."""


@dataclass(frozen=True)
class NodeModule:
    """A Node.js module as a value: what ``global.get`` gives JavaScript code for a
    ``functionGlobalContext`` entry written ``{module = "crypto"}`` (Node-RED's ``require('crypto')``)."""

    name: str


def global_module(value: Any) -> Any:
    """``value`` read from the global context: a module entry becomes its ``NodeModule``."""
    if isinstance(value, dict) and len(value) == 1 and value.get("module") in BUILTIN_MODULES:
        return NodeModule(value["module"])
    return value


_IDENTIFIER = re.compile(r"^[A-Za-z_$][0-9A-Za-z_$]*$")
# the names Node-RED's function sandbox defines (and `node`): a module may not take them
_SANDBOX_NAMES = frozenset(
    {
        "console",
        "util",
        "Buffer",
        "URL",
        "URLSearchParams",
        "Date",
        "RED",
        "__node__",
        "context",
        "flow",
        "global",
        "env",
        "setTimeout",
        "clearTimeout",
        "setInterval",
        "clearInterval",
        "promisify",
        "node",
    }
)


def js_libs(libs: Any) -> list[dict[str, str]]:
    """The ``libs`` entries a JavaScript function node binds: ``{"var", "module"}`` of available modules."""
    if not isinstance(libs, list):
        return []
    return [
        {"var": lib["var"], "module": lib["module"]}
        for lib in libs
        if isinstance(lib, dict)
        and lib.get("module") in BUILTIN_MODULES
        and isinstance(lib.get("var"), str)
        and _IDENTIFIER.match(lib["var"])
        and lib["var"] not in _SANDBOX_NAMES
    ]


def libs_problems(libs: Any) -> list[str]:
    """What is wrong with a JavaScript function node's ``libs`` (empty when every entry can be bound)."""
    if not libs:
        return []
    if not isinstance(libs, list):
        return ["must be a list of {var, module} entries"]
    problems = []
    missing = []
    for i, lib in enumerate(libs):
        if not isinstance(lib, dict):
            problems.append(f"entry {i} must be an object with var and module")
            continue
        module = lib.get("module")
        if module not in BUILTIN_MODULES:
            missing.append(str(module))
        elif not isinstance(lib.get("var"), str) or not _IDENTIFIER.match(lib["var"]):
            problems.append(f"entry {i} ({module}): var {lib.get('var')!r} is not a JavaScript variable name")
        elif lib["var"] in _SANDBOX_NAMES:
            problems.append(
                f"entry {i} ({module}): var {lib['var']!r} is a name of the function sandbox "
                f"(Node-RED: Invalid module variable name: {lib['var']}); choose another"
            )
    if missing:
        problems.append(
            f"JavaScript modules are not available in flowengine (no npm inside): {', '.join(missing)}; "
            "only Node's crypto is; rewrite without them or use a Python function node"
        )
    return problems


# Node's digest names (as crypto.getHashes() lists them) -> hashlib's. Node matches names in any case.
_DIGESTS = {
    "md5": "md5",
    "sha1": "sha1",
    "sha224": "sha224",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
    "sha512-224": "sha512_224",
    "sha512-256": "sha512_256",
    "sha3-224": "sha3_224",
    "sha3-256": "sha3_256",
    "sha3-384": "sha3_384",
    "sha3-512": "sha3_512",
    "blake2b512": "blake2b",
    "blake2s256": "blake2s",
    "ripemd160": "ripemd160",
    "rmd160": "ripemd160",
    "ripemd": "ripemd160",
    "sm3": "sm3",
    "md5-sha1": "md5-sha1",
    "RSA-MD5": "md5",
    "RSA-SHA1": "sha1",
    "RSA-SHA224": "sha224",
    "RSA-SHA256": "sha256",
    "RSA-SHA384": "sha384",
    "RSA-SHA512": "sha512",
    "RSA-SHA512/224": "sha512_224",
    "RSA-SHA512/256": "sha512_256",
    "RSA-SHA3-224": "sha3_224",
    "RSA-SHA3-256": "sha3_256",
    "RSA-SHA3-384": "sha3_384",
    "RSA-SHA3-512": "sha3_512",
    "RSA-RIPEMD160": "ripemd160",
}
# extendable-output functions: Node's default output length in bytes (hash only, not HMAC)
_XOF = {"shake128": ("shake_128", 16), "shake256": ("shake_256", 32)}

HASHES: tuple[str, ...] = tuple(
    sorted(
        name
        for name, algo in {**_DIGESTS, **{k: v[0] for k, v in _XOF.items()}}.items()
        if algo in hashlib.algorithms_available
    )
)
"""What ``crypto.getHashes()`` answers: the names this Python's hashlib can compute, sorted as Node sorts."""

_BY_LOWER = {name.lower(): name for name in HASHES}


def _algorithm(name: str) -> str:
    canonical = _BY_LOWER.get(name.lower())
    if canonical is None:
        raise ValueError(f"unsupported digest {name!r}")
    return canonical


def _digest(name: str, data_b64: str) -> str:
    canonical = _algorithm(name)
    data = base64.b64decode(data_b64)
    if canonical in _XOF:
        algo, size = _XOF[canonical]
        return base64.b64encode(hashlib.new(algo, data).digest(size)).decode("ascii")  # type: ignore[call-arg]
    return base64.b64encode(hashlib.new(_DIGESTS[canonical], data).digest()).decode("ascii")


def _hmac(name: str, key_b64: str, data_b64: str) -> str:
    canonical = _algorithm(name)
    if canonical in _XOF:
        raise ValueError(f"no HMAC with {canonical}")
    mac = hmac.new(base64.b64decode(key_b64), base64.b64decode(data_b64), _DIGESTS[canonical])
    return base64.b64encode(mac.digest()).decode("ascii")


def _pbkdf2(name: str, password_b64: str, salt_b64: str, iterations: float, keylen: float) -> str:
    canonical = _algorithm(name)
    if canonical in _XOF:
        raise ValueError(f"no PBKDF2 with {canonical}")
    key = hashlib.pbkdf2_hmac(
        _DIGESTS[canonical], base64.b64decode(password_b64), base64.b64decode(salt_b64), int(iterations), int(keylen)
    )
    return base64.b64encode(key).decode("ascii")


def _random(size: int) -> str:
    return base64.b64encode(secrets.token_bytes(int(size))).decode("ascii")


def _random_int(low: float, high: float) -> float:
    # a float: the binding hands a Python int to JavaScript as int32; safe integers are exact floats
    low_int = int(low)
    return float(low_int + secrets.randbelow(int(high) - low_int))


def _uuid4() -> str:
    """A random (version 4) UUID, as Node's randomUUID writes it."""
    raw = bytearray(secrets.token_bytes(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _equal(a_b64: str, b_b64: str) -> bool:
    return hmac.compare_digest(base64.b64decode(a_b64), base64.b64decode(b_b64))


_OPS: dict[str, Callable[..., Any]] = {
    "hashes": lambda: json.dumps(HASHES),
    "hash": _digest,
    "hmac": _hmac,
    "pbkdf2": _pbkdf2,
    "random": _random,
    "int": _random_int,
    "uuid": _uuid4,
    "equal": _equal,
}


def crypto_op(op: str, *args: Any) -> Any:
    """One request of crypto.js: ``op`` names it; bytes come and go as base64 text."""
    fn = _OPS.get(op)
    if fn is None:
        raise ValueError(f"unknown crypto operation {op!r}")
    return fn(*args)

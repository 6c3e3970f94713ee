"""Webhook deliveries signed at run time: an ``http`` step with ``webhook`` carries the Standard
Webhooks headers (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``) of its body, made
with the secret when the case runs, so a test file never holds a signature that expires.

The secret is given as text or as ``${NAME}``, an environment variable read when the request is
made (the test file's ``env`` sets it); by default ``${OPENAI_WEBHOOK_SECRET}``, the variable the
``openai-webhook`` node falls back to.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from ..webhook_signature import WebhookVerificationError, sign

__all__ = ["DEFAULT_SECRET", "SigningError", "WebhookSigning", "request_content", "signed_headers"]

DEFAULT_SECRET = "${OPENAI_WEBHOOK_SECRET}"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SigningError(ValueError):
    """The request cannot be signed (the secret's variable is not set, the secret is not valid)."""


@dataclass(frozen=True)
class WebhookSigning:
    """How an ``http`` step is signed (the ``webhook`` key)."""

    secret: str = DEFAULT_SECRET
    id: str | None = None
    """The ``webhook-id`` (default: a fresh ``msg_...`` for each request)."""
    timestamp: int | None = None
    """The ``webhook-timestamp`` in Unix seconds (default: now, less ``age``)."""
    age: float = 0.0
    """Seconds before now the delivery was signed: ``age: 600`` makes a stale delivery."""
    body: str | None = None
    """The body the signature covers when it is not the one sent: a tampered delivery."""


def _secret(text: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = os.environ.get(name)
        if not found:
            raise SigningError(f"webhook.secret: the environment variable {name} is not set "
                               "(give it in the test file's env)")
        return found

    return _VARIABLE.sub(value, text)


def request_content(json_body: Any, body: str | None, missing: Any) -> tuple[bytes | None, dict[str, str]]:
    """The bytes an ``http`` step sends (its ``json`` serialized, or ``body``) and the content type
    they imply. The signature covers exactly these bytes."""
    if json_body is not missing:
        return json.dumps(json_body, ensure_ascii=False).encode(), {"content-type": "application/json"}
    if body is not None:
        return body.encode(), {}
    return None, {}


def signed_headers(signing: WebhookSigning, content: bytes | None, now: float | None = None) -> dict[str, str]:
    """The three headers of ``content`` delivered under ``signing``. Raises ``SigningError``."""
    signed = signing.body.encode() if signing.body is not None else (content or b"")
    stamp = signing.timestamp if signing.timestamp is not None else int(
        (time.time() if now is None else now) - signing.age)
    webhook_id = signing.id or f"msg_{secrets.token_hex(12)}"
    try:
        return sign(signed, _secret(signing.secret), webhook_id, stamp)
    except WebhookVerificationError as exc:
        raise SigningError(f"webhook.secret: {exc}") from None

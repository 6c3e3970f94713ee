"""Standard Webhooks signatures (the scheme OpenAI signs its webhooks with), without I/O.

A delivery carries ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``
(space-separated ``v1,<base64 HMAC-SHA256>`` values, several while a secret rotates). The HMAC key
is the base64 text after ``whsec_`` (a secret without the prefix is used as UTF-8 bytes, as the
official SDKs do); the signed content is ``<id>.<timestamp>.<raw body>``. A timestamp more than
``tolerance`` seconds away from now, in either direction, is refused; signatures are compared in
constant time. Error texts are the official SDK's.

``sign`` makes the headers of a delivery (``flowengine test``'s signed requests, flows that forward
webhooks). The ``openai-webhook`` node and the @inductiv compatibility node verify with ``verify``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_TOLERANCE_S", "WebhookVerificationError", "sign", "verify", "webhook_key"]

DEFAULT_TOLERANCE_S = 300.0


class WebhookVerificationError(ValueError):
    """The delivery is not one OpenAI signed with this secret (or it is too old or too new)."""


def webhook_key(secret: str) -> bytes:
    """The HMAC key of a signing secret."""
    if not secret:
        raise WebhookVerificationError("the webhook secret is not set")
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_"):], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WebhookVerificationError("the webhook secret after 'whsec_' is not base64") from exc
    return secret.encode("utf-8")


def _digest(key: bytes, webhook_id: str, timestamp: str, body: bytes) -> bytes:
    return hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()


def _header(headers: Mapping[str, Any], name: str) -> str:
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value)
    raise WebhookVerificationError(f"Missing required header: {name}")


def verify(body: bytes | str, headers: Mapping[str, Any], secret: str,
           tolerance: float = DEFAULT_TOLERANCE_S, now: float | None = None) -> str:
    """Check one delivery; returns its ``webhook-id``. Raises ``WebhookVerificationError``."""
    key = webhook_key(secret)
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    signatures = _header(headers, "webhook-signature")
    timestamp = _header(headers, "webhook-timestamp")
    webhook_id = _header(headers, "webhook-id")
    try:
        seconds = int(timestamp.strip())
    except ValueError:
        raise WebhookVerificationError("Invalid webhook timestamp format") from None
    current = time.time() if now is None else now
    if current - seconds > tolerance:
        raise WebhookVerificationError("Webhook timestamp is too old")
    if seconds > current + tolerance:
        raise WebhookVerificationError("Webhook timestamp is too new")
    expected = _digest(key, webhook_id, timestamp, raw)
    for part in signatures.split(" "):
        version, _, value = part.partition(",")
        if version != "v1" or not value:
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue  # one malformed signature among several: the others may still match
        if hmac.compare_digest(given, expected):
            return webhook_id
    raise WebhookVerificationError("The given webhook signature does not match the expected signature")


def sign(body: bytes | str, secret: str, webhook_id: str, timestamp: int | None = None) -> dict[str, str]:
    """The three headers of a delivery of ``body`` signed with ``secret``."""
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = base64.b64encode(_digest(webhook_key(secret), webhook_id, stamp, raw)).decode("ascii")
    return {"webhook-id": webhook_id, "webhook-timestamp": stamp, "webhook-signature": f"v1,{signature}"}

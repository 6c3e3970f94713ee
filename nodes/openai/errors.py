"""Errors of the OpenAI nodes. Each carries the fields a flow sees in ``msg.error``.

::

    NodeError (flowengine)
     +-- OpenAIError                 anything an operation node reports; ``details`` -> msg.error
          +-- RequestInvalidError    the request failed validation; nothing was sent
          +-- APIStatusError         the API answered with a non-2xx status
          +-- APIConnectionError     no response (connection refused, reset, DNS)
          |    +-- APITimeoutError   no response within the configured timeout
          +-- StreamError            an SSE stream carried an error or ended before its end
"""

from __future__ import annotations

from typing import Any

from flowengine.errors import NodeError

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "OpenAIError",
    "RequestInvalidError",
    "StreamError",
    "redact",
]

_STATUS_NAMES = {
    400: "bad_request", 401: "authentication_error", 403: "permission_denied", 404: "not_found",
    409: "conflict", 422: "unprocessable_entity", 429: "rate_limit",
}


class OpenAIError(NodeError):
    """Base class; ``details`` is what goes into ``msg.error`` (besides message and source)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        body: Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.body = body
        self.request_id = request_id

    @property
    def details(self) -> dict[str, Any]:
        """``{message, status, type, code, param, body, request_id}`` for ``msg.error``."""
        return {
            "message": self.message,
            "status": self.status,
            "type": self.type,
            "code": self.code,
            "param": self.param,
            "body": self.body,
            "request_id": self.request_id,
        }


class RequestInvalidError(OpenAIError):
    """The assembled request does not match the operation's schema (nothing was sent)."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message, type="invalid_request", code="invalid_request", param=param)


class APIStatusError(OpenAIError):
    """A non-2xx response, mapped like the SDK: the message reads ``Error code: N - <message>``.

    ``headers`` keeps the response headers (lower-case names) for the nodes whose error message
    carried them (the compat nodes' ``msg.headers``); they are not part of ``details``.
    """

    headers: dict[str, str] | None = None

    @classmethod
    def from_response(cls, status: int, body: Any, request_id: str | None,
                      headers: dict[str, str] | None = None) -> APIStatusError:
        err = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), dict) else body
        text = err.get("message") if isinstance(err, dict) else None
        if text is None and isinstance(body, dict) and isinstance(body.get("error"), str):
            text = body["error"]  # some servers (and mocks) send {"error": "text"}
        if text is None and isinstance(body, dict):  # RFC 7807 problem details (proxies, Prism)
            text = body.get("detail") or body.get("title")
        fields = err if isinstance(err, dict) else {}
        message = f"Error code: {status} - {text}" if text else f"Error code: {status}"
        error = cls(
            message,
            status=status,
            type=_str(fields.get("type")) or _STATUS_NAMES.get(status, "server_error" if status >= 500 else None),
            code=_str(fields.get("code")),
            param=_str(fields.get("param")),
            body=body,
            request_id=request_id,
        )
        error.headers = headers
        return error


class APIConnectionError(OpenAIError):
    """No response arrived (connection error)."""

    def __init__(self, message: str = "Connection error.") -> None:
        super().__init__(message, type="connection_error")


class APITimeoutError(APIConnectionError):
    """No response within the timeout."""

    def __init__(self, message: str = "Request timed out.") -> None:
        OpenAIError.__init__(self, message, type="timeout")


class APIResponseValidationError(OpenAIError):
    """A 2xx response whose body is not what the operation returns: JSON cut short, or a page from
    a proxy or captive portal instead of JSON. ``body`` holds the start of what arrived."""


class StreamError(OpenAIError):
    """An SSE stream failed: an error event, or the stream ended before its terminator."""


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every non-empty secret (an API key) replaced by ``***``."""
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, "***")
    return text

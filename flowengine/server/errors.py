"""Admin API errors: every error body is ``{"code", "message"}`` (Node-RED's shape)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["ApiError", "error_response", "install_error_handlers", "needs"]

F = TypeVar("F", bound=Callable[..., Any])

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "not_allowed", 409: "version_mismatch", 413: "payload_too_large", 429: "too_many_requests"}


class ApiError(Exception):
    """Raised by a route handler; becomes ``status`` with ``{"code", "message", **extra}``."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"code": code, "message": message, **extra}, status_code=status, headers=headers)


def needs(permission: str | None) -> Callable[[F], F]:
    """Mark a route endpoint with the admin permission it requires (``None`` = public).

    The admin guard reads the mark before the request body is read or any handler runs; an
    endpoint without a mark requires full (``*``) permission.
    """

    def mark(fn: F) -> F:
        fn.__dict__["permission"] = permission
        return fn

    return mark


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message, **exc.extra)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _CODES.get(exc.status_code, "unexpected_error")
        return error_response(exc.status_code, code, str(exc.detail))

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        parts = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return error_response(400, "invalid_request", "; ".join(parts) or "invalid request")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)

"""``/auth/login``, ``/auth/token`` and ``/auth/revoke`` (Node-RED's admin login API)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute

from .auth import CLIENT_IDS
from .errors import ApiError, needs
from .flows_routes import read_json
from .guard import accepts_form, bearer_token, is_json_type
from .state import server_state

__all__ = ["build_auth_router"]

_PROMPTS = {"type": "credentials", "prompts": [
    {"id": "username", "type": "text", "label": "user.username"},
    {"id": "password", "type": "password", "label": "user.password"},
]}


async def _fields(request: Request) -> dict[str, Any]:
    """The form or JSON body's fields (the guard lets no other non-empty body through)."""
    if is_json_type(request.headers.get("content-type")):
        data = await read_json(request, {})
        return data if isinstance(data, dict) else {}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def build_auth_router(route_class: type[APIRoute] = APIRoute) -> APIRouter:
    router = APIRouter(tags=["auth"], route_class=route_class)

    @router.get("/auth/login", summary="How to log in ({} when adminAuth is off)")
    @needs(None)
    async def login(request: Request) -> dict[str, Any]:
        return dict(_PROMPTS) if server_state(request).auth.enabled else {}

    @router.post("/auth/token", summary="Exchange a user name and password for a bearer token",
                 response_model=None)
    @needs(None)
    @accepts_form
    async def token(request: Request) -> Response | dict[str, Any]:
        auth = server_state(request).auth
        if not auth.enabled:
            raise ApiError(404, "not_found", "adminAuth is not configured")
        data = await _fields(request)
        if data.get("client_id") not in CLIENT_IDS:
            # Node-RED's client-password strategy fails with passport's bare 401: body "Unauthorized"
            # (case test_token_grant_errors).
            return PlainTextResponse("Unauthorized", status_code=401)
        if data.get("grant_type") != "password":
            return _oauth_error(400, "unsupported_grant_type", "grant_type must be 'password'")
        username = str(data.get("username") or "")
        password = str(data.get("password") or "")
        # the user name (Node-RED's key: nobody can guess one user's password from many hosts) and
        # the client address (one host cannot try many user names), each over Node-RED's 10 minutes
        keys = (f"user:{username}", f"ip:{request.client.host if request.client else '?'}")
        if auth.throttle.blocked(*keys):
            return _oauth_error(429, "too_many_requests", "Too many login attempts. Wait 10 minutes and try again")
        user = auth.verify(username, password)
        if user is None:
            auth.throttle.failed(*keys)
            return _oauth_error(403, "invalid_grant", "Invalid resource owner credentials")
        auth.throttle.succeeded(keys[0])
        return auth.issue(user, str(data["client_id"]))

    @router.post("/auth/revoke", summary="Revoke a token (needs a valid bearer token)", response_model=None)
    @needs(None)
    @accepts_form  # Node-RED's editor posts the token as a form; a bearer token is required, so no CSRF
    async def revoke(request: Request) -> Response:
        auth = server_state(request).auth
        if not auth.enabled:
            raise ApiError(404, "not_found", "adminAuth is not configured")
        if auth.session(bearer_token(request.scope)) is None:
            raise ApiError(401, "unauthorized", "Unauthorized")
        data = await _fields(request)
        target = data.get("token")
        if isinstance(target, str) and target:
            auth.revoke(target)
        return Response(status_code=200)

    return router

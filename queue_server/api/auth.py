"""Log in and out; who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from queue_server.api.client_address import came_over_https, client_address
from queue_server.api.deps import SESSION_COOKIE, actor, get_ctx
from queue_server.services import auth
from queue_server.services.context import Actor, Context

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


def _actor_json(who: Actor) -> dict[str, Any]:
    return {"kind": who.kind, "id": who.id, "role": who.role, "site_id": who.site_id, "name": who.name,
            "agency_id": who.agency_id}


@router.post("/login")
async def login(body: LoginBody, request: Request, response: Response,
                ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Throttled per account and per client address (429 with Retry-After); see
    services/login_throttle.py. The hash runs on its own threads, never on the event loop."""
    result = await auth.login_async(ctx, body.username, body.password, client_address(request))
    # Secure when configured, or when this request came over HTTPS (directly, or through a
    # trusted proxy that says so): the cookie then never travels in clear
    secure = ctx.settings.cookie_secure or came_over_https(request)
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, samesite="lax", secure=secure,
                        max_age=ctx.settings.session_hours * 3600, path="/")
    return {"token": result.token, "csrf_token": result.csrf_token, "expires_at": result.expires_at,
            "user": _actor_json(result.actor)}


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> None:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE, "")
    if token:
        auth.logout(ctx, token)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me")
def me(request: Request, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    token = request.cookies.get(SESSION_COOKIE)
    principal = auth.authenticate(ctx, token) if token else None
    return {**_actor_json(who), "csrf_token": principal.csrf_token if principal else None}

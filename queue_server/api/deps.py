"""Request dependencies: the hall context, who is asking (cookie or bearer), CSRF."""

from __future__ import annotations

from fastapi import Depends, Request

from queue_server.services import auth
from queue_server.services.context import ANONYMOUS, Actor, Context
from queue_server.services.errors import Forbidden, Unauthorized

SESSION_COOKIE = "motcua_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_ctx(request: Request) -> Context:
    return request.app.state.ctx


def _principal(request: Request) -> tuple[auth.Principal | None, bool]:
    """The principal and whether it came from the cookie (which needs CSRF checks)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = auth.authenticate(request.app.state.ctx, header[7:].strip())
        if principal is None:
            raise Unauthorized("Mã truy cập không hợp lệ hoặc đã hết hạn.", "Invalid or expired token.")
        return principal, False
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return auth.authenticate(request.app.state.ctx, cookie), True
    return None, False


def optional_actor(request: Request) -> Actor:
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    principal, from_cookie = _principal(request)
    if principal is None:
        request.state.actor = ANONYMOUS
        return ANONYMOUS
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not principal.csrf_token or sent != principal.csrf_token:
            raise Forbidden("Thiếu hoặc sai mã chống giả mạo (CSRF). Hãy tải lại trang.",
                            "Missing or wrong CSRF token; reload the page.")
    request.state.actor = principal.actor
    return principal.actor


def actor(who: Actor = Depends(optional_actor)) -> Actor:
    if who.kind == "anonymous":
        raise Unauthorized("Vui lòng đăng nhập.", "Please log in.")
    return who

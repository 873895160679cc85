"""Request dependencies: the hall context, who is asking (cookie or bearer), CSRF."""

from __future__ import annotations

import hmac
from typing import Annotated

from annotated_types import Ge, Le
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from queue_server.services import auth
from queue_server.services.context import ANONYMOUS, Actor, Context
from queue_server.services.errors import Forbidden, Unauthorized
from queue_server.store.tables import INT4_MAX, INT8_MAX

SESSION_COOKIE = "motcua_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Row ids as the database stores them. A number outside the column's range names no row; it
# is refused as invalid data (422 naming the field) before it reaches the database.
Id = Annotated[int, Ge(1), Le(INT4_MAX)]  # sites, services, counters, users, devices
BigId = Annotated[int, Ge(1), Le(INT8_MAX)]  # tickets, events, dossiers and their steps


# The dependencies are coroutines: a plain `def` dependency costs a hop to the thread
# pool on every request. Only a token this process has not seen for a few seconds needs
# the database, and that read goes to the thread pool.

async def get_ctx(request: Request) -> Context:
    return request.app.state.ctx


async def _authenticate(request: Request, token: str) -> auth.Principal | None:
    known = auth.remembered(request.app.state.ctx, token)
    if known is not auth.MISS:
        return known
    return await run_in_threadpool(auth.authenticate, request.app.state.ctx, token)


def request_token(request: Request) -> str | None:
    """The bearer token or the session cookie a request carries, if any."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(SESSION_COOKIE) or None


async def still_valid(request: Request, token: str) -> bool:
    """Whether `token` still names someone (not logged out, revoked or deactivated)."""
    return await _authenticate(request, token) is not None


async def _principal(request: Request) -> tuple[auth.Principal | None, bool]:
    """The principal and whether it came from the cookie (which needs CSRF checks)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = await _authenticate(request, header[7:].strip())
        if principal is None:
            raise Unauthorized("Mã truy cập không hợp lệ hoặc đã hết hạn.", "Invalid or expired token.")
        return principal, False
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await _authenticate(request, cookie), True
    return None, False


async def optional_actor(request: Request) -> Actor:
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    principal, from_cookie = await _principal(request)
    if principal is None:
        request.state.actor = ANONYMOUS
        return ANONYMOUS
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        # constant time: how much of a guess matches must not show in how long the refusal takes
        if not principal.csrf_token or not hmac.compare_digest(sent.encode(), principal.csrf_token.encode()):
            raise Forbidden("Thiếu hoặc sai mã chống giả mạo (CSRF). Hãy tải lại trang.",
                            "Missing or wrong CSRF token; reload the page.")
    request.state.actor = principal.actor
    return principal.actor


async def actor(request: Request) -> Actor:
    # optional_actor called, not declared as a sub-dependency: one level less for FastAPI
    # to solve on every staff request (it remembers its answer in request.state anyway)
    who = await optional_actor(request)
    if who.kind == "anonymous":
        raise Unauthorized("Vui lòng đăng nhập.", "Please log in.")
    return who

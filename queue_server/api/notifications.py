"""Messages out to a hall's SMS or Zalo gateway (docs/notifications.md).

    PUT  /api/v1/tickets/{id}/messages     {k, phone, ahead?} the citizen's phone page: message
                                           this number when the ticket is called (and when
                                           `ahead` or fewer are before it); phone "" withdraws
    GET  /api/v1/notifications?site=       the newest messages and their delivery attempts
                                           (supervisor+; numbers masked)

A wrong key answers exactly like an unknown ticket (404). When the hall has no webhook, the
phone page does not offer messages and the PUT answers 409 saying so.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from queue_server.api.deps import BigId, actor, get_ctx
from queue_server.api.types import SiteParam, text
from queue_server.services import admin
from queue_server.services.auth import ticket_key
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Conflict, NotFound
from queue_server.services.notifications import delivery, outbox

router = APIRouter(tags=["notifications"])


Phone = text(30)


class MessageWish(BaseModel):
    k: str = Field(default="", max_length=64)
    phone: Phone = ""  # type: ignore[valid-type]
    ahead: int | None = Field(default=None, ge=0, le=outbox.MAX_AHEAD)


@router.put("/api/v1/tickets/{ticket_id}/messages")
def set_messages(ticket_id: BigId, wish: MessageWish, request: Request,
                 ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    if not hmac.compare_digest(wish.k.encode(), ticket_key(request.app.state.secret, ticket_id).encode()):
        raise NotFound("Không tìm thấy số này.", "Ticket not found.")
    if not ctx.settings.webhook_url:
        raise Conflict("Sảnh này chưa bật nhắn tin cho người dân.", "This hall does not send messages to citizens.")
    return outbox.set_contact(ctx, ticket_id, wish.phone, wish.ahead)


@router.get("/api/v1/notifications")
def list_notifications(site: SiteParam = None, limit: int = Query(default=100, ge=1, le=500),
                       who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    admin.require(who, "supervisor")
    chosen = admin.resolve_site(ctx, who.site_id if site in (None, "") and who.site_id is not None else site)
    admin.require(who, "supervisor", chosen.id)
    return {"enabled": bool(ctx.settings.webhook_url), "messages": delivery.recent(ctx, chosen.id, limit=limit)}

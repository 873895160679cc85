"""Kiosk feedback: ratings and failed slip prints, stored as events.

    GET  /api/v1/ratings/options        levels and reasons with labels (public)
    POST /api/v1/ratings                {ticket_id?, counter_number?, level, reasons[], comment}
    POST /api/v1/kiosk/print-failures   {ticket_id, reason}
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from queue_server.api.deps import BigId, actor, get_ctx
from queue_server.api.types import text
from queue_server.services import feedback
from queue_server.services.context import Actor, Context

router = APIRouter(prefix="/api/v1", tags=["feedback"])


class RatingBody(BaseModel):
    ticket_id: BigId | None = None
    counter_number: int | None = Field(default=None, ge=1, le=9999)
    level: Literal["very_satisfied", "satisfied", "unsatisfied"]
    reasons: list[text(60)] = Field(default_factory=list, max_length=10)
    comment: text(2000) = ""


class PrintFailureBody(BaseModel):
    ticket_id: BigId
    reason: text(400, min_length=1)


@router.get("/ratings/options")
def rating_options() -> dict[str, Any]:
    return feedback.rating_options()


@router.post("/ratings", status_code=201)
def give_rating(body: RatingBody, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return feedback.give_rating(ctx, who, level=body.level, reasons=body.reasons, comment=body.comment,
                                ticket_id=body.ticket_id, counter_number=body.counter_number)


@router.post("/kiosk/print-failures", status_code=201)
def print_failure(body: PrintFailureBody, who: Actor = Depends(actor),
                  ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return feedback.report_print_failure(ctx, who, ticket_id=body.ticket_id, reason=body.reason)

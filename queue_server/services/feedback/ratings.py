"""What citizens tell the hall from the kiosk: ratings, and slips the kiosk could not print.

    give_rating(ctx, actor, level=..., reasons=[...], comment=..., ticket_id=..., counter_number=...)
        -> event `rating.given`
    report_print_failure(ctx, actor, ticket_id=..., reason=...)
        -> event `kiosk.print_failed` (supervisors see it on their stream and can hand
           the citizen a written number; the ticket itself stays valid)

Who may: a kiosk device or staff. Limits: a kiosk gives at most RATINGS_PER_MINUTE
ratings and PRINT_FAILURES_PER_MINUTE failure reports a minute (counted in the event log,
so the limit holds across server processes); a ticket is rated once.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.events import log
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, RateLimited, not_found
from queue_server.store.tables import Counter, Event, Service, Ticket

LEVELS = ("very_satisfied", "satisfied", "unsatisfied")
LEVEL_NAMES = {"very_satisfied": ("Rất hài lòng", "Very satisfied"), "satisfied": ("Hài lòng", "Satisfied"),
               "unsatisfied": ("Không hài lòng", "Not satisfied")}
# Reasons a citizen can tick when unhappy (the kiosk shows these labels).
REASONS = {
    "long_wait": ("Chờ quá lâu", "Waited too long"),
    "staff_attitude": ("Thái độ cán bộ chưa tốt", "Staff were not courteous"),
    "unclear_guidance": ("Hướng dẫn chưa rõ ràng", "Guidance was unclear"),
    "extra_documents": ("Yêu cầu thêm giấy tờ không có trong quy định", "Asked for documents not required"),
    "late_result": ("Trả kết quả trễ hẹn", "Result was late"),
    "facilities": ("Cơ sở vật chất chưa tốt", "Poor facilities"),
    "other": ("Lý do khác", "Other"),
}
COMMENT_MAX = 500
RATINGS_PER_MINUTE = 12
PRINT_FAILURES_PER_MINUTE = 30
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _may_send(actor: Actor) -> None:
    if actor.kind == "system" or actor.has_role("clerk") or (actor.kind == "device" and actor.role == "kiosk"):
        return
    raise Forbidden("Chỉ ki-ốt hoặc cán bộ mới gửi được.", "Only kiosks and staff may send this.")


def _clean(text: str, limit: int, name: str) -> str:
    clean = unicodedata.normalize("NFC", _CONTROL.sub("", text or "")).strip()
    if len(clean) > limit:
        raise InvalidInput(f"{name}: tối đa {limit} ký tự.", f"{name}: at most {limit} characters.", field=name)
    return clean


def _rate_limit(session: Session, actor: Actor, kind: str, per_minute: int, now) -> None:  # noqa: ANN001
    if actor.kind != "device":
        return
    recent = session.scalar(select(func.count()).select_from(Event).where(
        Event.kind == kind, Event.actor == actor.label, Event.at > now - timedelta(minutes=1)))
    if recent >= per_minute:
        raise RateLimited("Ki-ốt đã gửi quá nhiều trong một phút. Vui lòng chờ giây lát.",
                          f"This kiosk sent {per_minute} in the last minute; please wait a moment.", retry_after=15)


def _ticket(session: Session, actor: Actor, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not actor.in_site(ticket.site_id):
        raise not_found("số", "Ticket", ticket_id)
    return ticket


def _site_of(actor: Actor, ticket: Ticket | None, session: Session) -> int:
    if ticket is not None:
        return ticket.site_id
    if actor.site_id is not None:
        return actor.site_id
    from queue_server.store.tables import Site

    first = session.scalars(select(Site.id).order_by(Site.id).limit(1)).first()
    if first is None:
        raise not_found("điểm phục vụ", "Site", "(mặc định/default)")
    return first


def give_rating(ctx: Context, actor: Actor, *, level: str, reasons: list[str] | None = None, comment: str = "",
                ticket_id: int | None = None, counter_number: int | None = None) -> dict[str, Any]:
    """Store a citizen's rating as a `rating.given` event; returns what was stored."""
    _may_send(actor)
    if level not in LEVELS:
        raise InvalidInput(f"Mức đánh giá “{level}” không hợp lệ (chọn: {', '.join(LEVELS)}).",
                           f"Unknown level {level!r} (choose: {', '.join(LEVELS)}).", field="level")
    reasons = list(dict.fromkeys(reasons or []))
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise InvalidInput(f"Lý do không hợp lệ: {', '.join(unknown)}.", f"Unknown reasons: {', '.join(unknown)}.",
                           field="reasons")
    if reasons and level != "unsatisfied":
        raise InvalidInput("Chỉ chọn lý do khi không hài lòng.", "Reasons are for an unsatisfied rating only.",
                           field="reasons")
    comment = _clean(comment, COMMENT_MAX, "comment")

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        ticket = _ticket(session, actor, ticket_id) if ticket_id is not None else None
        site_id = _site_of(actor, ticket, session)
        _rate_limit(session, actor, "rating.given", RATINGS_PER_MINUTE, now)
        counter = None
        if counter_number is not None:
            counter = session.scalars(select(Counter).where(Counter.site_id == site_id,
                                                            Counter.number == counter_number)).one_or_none()
            if counter is None:
                raise not_found("quầy", "Counter", counter_number)
        elif ticket is not None and ticket.counter_id is not None:
            counter = session.get(Counter, ticket.counter_id)
        if ticket is not None:
            already = session.scalar(select(func.count()).select_from(Event).where(
                Event.kind == "rating.given", Event.ticket_id == ticket.id))
            if already:
                raise Conflict(f"Số {ticket.code} đã được đánh giá.", f"Ticket {ticket.code} was already rated.")
        data: dict[str, Any] = {"level": level, "level_vi": LEVEL_NAMES[level][0], "reasons": reasons,
                                "comment": comment, "device": actor.name if actor.kind == "device" else ""}
        if ticket is not None:
            service = session.get(Service, ticket.service_id)
            data.update(code=ticket.code, service_code=service.code if service else None)
        if counter is not None:
            data["counter_number"] = counter.number
        log.append(session, site_id=site_id, kind="rating.given", at=now, ticket_id=ticket.id if ticket else None,
                   counter_id=counter.id if counter else None, actor=actor.label, data=data)
        return {"stored": True, "at": now.isoformat(), **data}

    return ctx.db.transaction(work)


def report_print_failure(ctx: Context, actor: Actor, *, ticket_id: int, reason: str) -> dict[str, Any]:
    """Tell the hall that a ticket's slip did not print (`kiosk.print_failed`)."""
    _may_send(actor)
    reason = _clean(reason, 200, "reason")
    if not reason:
        raise InvalidInput("Thiếu lý do.", "Missing reason.", field="reason")

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        ticket = _ticket(session, actor, ticket_id)
        _rate_limit(session, actor, "kiosk.print_failed", PRINT_FAILURES_PER_MINUTE, now)
        data = {"code": ticket.code, "ticket_id": ticket.id, "reason": reason,
                "device": actor.name if actor.kind == "device" else "", "device_id": actor.id}
        log.append(session, site_id=ticket.site_id, kind="kiosk.print_failed", at=now, ticket_id=ticket.id,
                   actor=actor.label, data=data)
        return {"stored": True, "at": now.isoformat(), **data}

    return ctx.db.transaction(work)


def rating_options() -> dict[str, Any]:
    """Levels and reasons with their labels (what the kiosk shows)."""
    return {"levels": [{"code": k, "vi": v[0], "en": v[1]} for k, v in LEVEL_NAMES.items()],
            "reasons": [{"code": k, "vi": v[0], "en": v[1]} for k, v in REASONS.items()]}


__all__ = ["give_rating", "report_print_failure", "rating_options", "LEVELS", "REASONS"]

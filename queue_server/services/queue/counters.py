"""Counter use cases: open (a clerk signs in at it), pause, close; and what a counter shows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.domain.business_day import business_day
from queue_server.events import log
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Conflict
from queue_server.services.queue.queries import IS_WAITING
from queue_server.services.queue.tickets import (
    _current,
    _lock_counter,
    _site,
    _view_of,
    authorize_counter,
    clerk_name,
    supervisor_marks,
)
from queue_server.store.tables import Counter, Service, Ticket

COUNTER_STATES = ("open", "paused", "closed")


def _counter_event(session: Session, kind: str, counter: Counter, actor: Actor, now, **extra: Any) -> None:  # noqa: ANN001
    log.append(session, site_id=counter.site_id, kind=kind, at=now, counter_id=counter.id, actor=actor.label,
               data={"counter_number": counter.number, "counter_name": counter.name, "state": counter.state,
                     "clerk": clerk_name(session, counter.clerk_id), **extra})


def set_state(ctx: Context, actor: Actor, counter_id: int, state: str, reason: str = "") -> dict[str, Any]:
    """Open, pause or close a counter. A supervisor closing a counter someone else left open
    (the end of the day) is recorded with the supervisor's name and the reason."""
    if state not in COUNTER_STATES:
        raise ValueError(state)
    reason = " ".join((reason or "").split())[:200]

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        counter = _lock_counter(session, counter_id)
        authorize_counter(actor, counter, opening=state == "open")
        current = _current(session.connection(), counter) if state == "closed" else None
        if current is not None:
            raise Conflict(
                f"Quầy {counter.number} còn số {current.code}: hãy hoàn thành hoặc chuyển trước khi đóng quầy.",
                f"Counter {counter.number} still has {current.code}: finish or transfer it before closing.",
            )
        if state == "paused" and counter.state == "closed":
            raise Conflict(f"Quầy {counter.number} đang đóng.", f"Counter {counter.number} is closed.")
        if counter.state == state and (state != "open" or counter.clerk_id in (None, actor.id)):
            if state == "open" and actor.is_user and counter.clerk_id is None:
                counter.clerk_id = actor.id
            return counter_detail(session, counter)
        counter.state = state
        counter.state_changed_at = now
        if state == "open" and actor.is_user:
            counter.clerk_id = actor.id
        left_by = counter.clerk_id
        if state == "closed":
            counter.clerk_id = None
        extra: dict[str, Any] = {}
        if actor.is_user and left_by not in (None, actor.id):  # someone else's counter: say who and why
            extra = supervisor_marks(actor, reason)
            extra["left_by"] = clerk_name(session, left_by)
        _counter_event(session, f"counter.{ {'open': 'opened', 'paused': 'paused', 'closed': 'closed'}[state] }",
                       counter, actor, now, **extra)
        return counter_detail(session, counter)

    return ctx.db.transaction(work)


def counter_detail(session: Session, counter: Counter) -> dict[str, Any]:
    """A counter with its current ticket and the waiting count of each service it serves."""
    site = _site(session, counter.site_id)
    current = _current(session.connection(), counter, lock=False)
    service_ids = [cs.service_id for cs in counter.services]
    services = {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(service_ids)))}
    return {
        "id": counter.id,
        "site_id": counter.site_id,
        "number": counter.number,
        "name": counter.name,
        "state": counter.state,
        "clerk_id": counter.clerk_id,
        "clerk_name": clerk_name(session, counter.clerk_id),
        "services": [
            {"service_id": cs.service_id, "weight": cs.weight, "code": services[cs.service_id].code,
             "name_vi": services[cs.service_id].name_vi, "name_en": services[cs.service_id].name_en,
             "prefix": services[cs.service_id].prefix}
            for cs in counter.services if cs.service_id in services
        ],
        "current": _view_of(current, counter).as_json() if current else None,
        "timezone": site.timezone,
    }


def waiting_counts(session: Session, site_id: int, day, service_ids: list[int] | None = None) -> dict[int, int]:  # noqa: ANN001
    """People waiting per service today, counted from the line index alone (no ticket row read)."""
    if service_ids is None:
        service_ids = list(session.scalars(select(Service.id).where(Service.site_id == site_id)))
    if not service_ids:
        return {}
    stmt = select(Ticket.service_id, func.count()).where(
        IS_WAITING, Ticket.business_day == day, Ticket.service_id.in_(service_ids)
    ).group_by(Ticket.service_id)
    return {sid: n for sid, n in session.execute(stmt)}


def get_counter(ctx: Context, counter_id: int) -> dict[str, Any]:
    from queue_server.services.errors import not_found

    with ctx.db.reading() as session:
        counter = session.get(Counter, counter_id)
        if counter is None:
            raise not_found("quầy", "Counter", counter_id)
        detail = counter_detail(session, counter)
        day = business_day(ctx.clock.now(), detail["timezone"])
        ids = [s["service_id"] for s in detail["services"]]
        counts = waiting_counts(session, counter.site_id, day, ids)
        # for the clerk: who has waited longest, and how many priority citizens wait (the
        # first ticket and the count of each line: bounded reads, whatever the queue's length)
        from queue_server.domain.dispatch import PriorityClass
        from queue_server.services.queue.queries import waiting_lines

        oldest: dict[int, Any] = {}
        priority: dict[int, int] = {}
        for line in waiting_lines(session.connection(), day, ids, 1):
            head = line.head[0].queued_at
            if line.service_id not in oldest or head < oldest[line.service_id]:
                oldest[line.service_id] = head
            if line.priority is not PriorityClass.NORMAL:
                priority[line.service_id] = priority.get(line.service_id, 0) + line.count
        for s in detail["services"]:
            s["waiting"] = counts.get(s["service_id"], 0)
            s["priority_waiting"] = priority.get(s["service_id"], 0)
            s["longest_wait_since"] = oldest[s["service_id"]].isoformat() if s["service_id"] in oldest else None
        # when a called citizen may be marked absent (the console counts down to it)
        detail["no_show_after"] = {"calls": ctx.settings.no_show_min_calls,
                                   "seconds": ctx.settings.no_show_min_seconds}
        return detail


def list_counters(ctx: Context, site_id: int) -> list[dict[str, Any]]:
    with ctx.db.reading() as session:
        counters = session.scalars(select(Counter).where(Counter.site_id == site_id).order_by(Counter.number))
        return [counter_detail(session, c) for c in counters]

"""The dispatch preview of the administration page: with the policy (and the counter's
services) being edited, the next calls a counter would make given today's waiting
tickets, before anything is saved.

It runs the same pure dispatch rules as calling (domain/dispatch.py's QueueSet, which
`choose_next` is built on) on the live state: the first tickets of each line of the
counter's services (enough for `n` calls: never the whole queue) and the classes the
counter called recently today. Each simulated call joins those recent classes, as a real
call would. Nothing is written; the time stands still at `now`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from queue_server.domain import dispatch
from queue_server.domain.business_day import business_day
from queue_server.domain.tickets import display_code
from queue_server.services.admin import require
from queue_server.services.context import Actor, Context
from queue_server.services.errors import InvalidInput, not_found
from queue_server.services.queue import policy as site_policy
from queue_server.services.queue.queries import waiting_lines
from queue_server.store.tables import Counter, Service, Site, Ticket

PREVIEW_MAX = 20
_T = Ticket.__table__
# the counter's latest in-turn calls of the day, newest first (what the ratio policy counts)
_RECENT = select(_T.c.priority, _T.c.due_at.is_not(None)).where(
    _T.c.counter_id == bindparam("counter_id"), _T.c.business_day == bindparam("day"),
    _T.c.called_at.is_not(None), _T.c.out_of_order.is_(False),
).order_by(_T.c.called_at.desc(), _T.c.id.desc()).limit(bindparam("n"))


def preview(ctx: Context, actor: Actor, counter_id: int, *, policy: dict[str, Any] | None = None,
            services: list[dict[str, Any]] | None = None, n: int = 10) -> dict[str, Any]:
    """The next `n` calls of a counter under `policy` (default: the site's) and `services`
    (default: the counter's own weights); nothing is saved."""
    if not 1 <= n <= PREVIEW_MAX:
        raise InvalidInput(f"Số lượt xem trước phải từ 1 đến {PREVIEW_MAX}.", f"n must be 1..{PREVIEW_MAX}.", field="n")
    now = ctx.clock.now()
    with ctx.db.reading() as session:
        counter = session.get(Counter, counter_id)
        if counter is None:
            raise not_found("quầy", "Counter", counter_id)
        require(actor, "supervisor", counter.site_id)
        site = session.get(Site, counter.site_id)
        stored = {**site_policy.DEFAULT_POLICY, **(site.policy or {})}
        checked = site_policy.validate_policy({**stored, **policy}) if policy is not None else stored
        pol = dispatch.DispatchPolicy.from_mapping(checked)
        if services is None:
            weights = {cs.service_id: cs.weight for cs in counter.services}
        else:
            weights = {int(s["service_id"]): int(s.get("weight", 1)) for s in services}
        known = {s.id: s for s in session.scalars(select(Service).where(Service.site_id == site.id))}
        for sid in weights:
            if sid not in known:
                raise not_found("dịch vụ", "Service", sid)
        day = business_day(now, site.timezone)
        conn = session.connection()
        lines = waiting_lines(conn, day, sorted(weights), per_line=n) if weights else []
        rows = conn.execute(_RECENT, {"counter_id": counter.id, "day": day,
                                      "n": max(pol.recent_window, dispatch.APPOINTMENT_WINDOW - 1)}).all()
        recent = [dispatch.PriorityClass(p) for p, _ in rows[:pol.recent_window]]
        booked = [bool(a) for _, a in rows]
        quota = site_policy.appointment_quotas(conn, sorted(weights))
    queues = dispatch.QueueSet((t for line in lines for t in line.head), pol, quota)
    view = dispatch.CounterView(id=counter_id, weights=weights) if weights else None
    calls = []
    while view is not None and len(calls) < n:
        decision = queues.decide(view, now, recent, booked)
        if decision is None:
            break
        queues.take(decision.ticket)
        recent.insert(0, decision.ticket.priority)
        booked.insert(0, decision.ticket.is_appointment)
        t, svc = decision.ticket, known[decision.ticket.service_id]
        calls.append({"ticket_id": t.id, "code": display_code(svc.prefix, t.number, svc.number_width),
                      "service_code": svc.code, "service_name_vi": svc.name_vi, "priority": t.priority.value,
                      "reason": decision.reason, "waited_s": max(0, int((now - t.queued_at).total_seconds()))})
    return {"counter_id": counter_id, "counter_number": counter.number, "at": now.isoformat(), "policy": checked,
            "calls": calls}

"""The monitor's snapshot: the state of a hall for the supervisor, read once when the page
opens (and when it reconnects too late to replay), then kept current by the page from the
event stream (`last_event_id` is where the stream starts). Staff only: it carries clerks'
names, priority classes and reasons.

Nothing read grows with the day or the queue: the counts of waiting and served tickets,
each counter's service time and the day's no-shows are kept from the event log (tally.py:
read once a day, then only the events since the last snapshot); each counter's current
ticket comes through the at-counter index, the waiting tickets oldest first up to
WAITING_LIMIT (the page's list to call or cancel from) through their index, then the
devices and the recent events of three kinds through theirs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from queue_server.domain import monitor as rules
from queue_server.domain.business_day import business_day
from queue_server.events import log
from queue_server.events.log import EventRecord
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Forbidden
from queue_server.services.monitor import tally
from queue_server.services.monitor.thresholds import of_site
from queue_server.services.queue.estimates import estimate_in, read_hall
from queue_server.services.queue.queries import AT_A_COUNTER, IS_WAITING
from queue_server.services.views import iso
from queue_server.store.tables import Counter, CounterService, Device, Service, Site, Ticket, User

WAITING_LIMIT = 500
NO_SHOW_LIMIT = 30
HAPPENING_KINDS = ("kiosk.print_failed", "auth.lockout", "ticket.called")


def require_supervisor(actor: Actor, site_id: int) -> None:
    if not actor.has_role("supervisor") or not actor.in_site(site_id):
        raise Forbidden("Chỉ giám sát viên và quản trị viên xem được màn hình giám sát.",
                        "Only supervisors and admins may open the monitor.")


def happening_of(event: EventRecord) -> rules.Happening | None:
    """The alert-worthy part of a recent event (None: not one), as the page builds it too."""
    d = event.data
    if event.kind == "kiosk.print_failed":
        return rules.Happening("print_failed", event.at, str(event.id),
                               f"{d.get('device') or 'Ki-ốt'}: không in được số {d.get('code', '')} ({d.get('reason', '')})",
                               f"{d.get('device') or 'Kiosk'}: slip for {d.get('code', '')} did not print ({d.get('reason', '')})")
    if event.kind == "auth.lockout":
        who = d.get("username", "") if d.get("scope") == "account" else d.get("address", "")
        return rules.Happening("lockout", event.at, str(event.id),
                               f"Khoá đăng nhập: {who} sai mật khẩu {d.get('failures', '')} lần",
                               f"Login lockout: {who} after {d.get('failures', '')} wrong passwords")
    if event.kind == "ticket.called" and d.get("out_of_order"):
        return rules.Happening("out_of_order", event.at, str(event.id),
                               f"{d.get('by_name', '')} gọi số {d.get('code', '')} đến quầy {d.get('counter_number', '')} "
                               f"không theo thứ tự: {d.get('reason', '')}",
                               f"{d.get('by_name', '')} called {d.get('code', '')} to counter {d.get('counter_number', '')} "
                               f"out of order: {d.get('reason', '')}")
    return None


def snapshot(ctx: Context, actor: Actor, site: Site) -> dict[str, Any]:
    require_supervisor(actor, site.id)
    thresholds = of_site(site)
    with ctx.db.reading() as session:
        if session.get_bind().dialect.name == "postgresql":
            # one snapshot for every read below, so the state and `last_event_id` agree
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        now = ctx.clock.now()
        day = business_day(now, site.timezone)
        head = log.head(session)
        services = list(session.scalars(select(Service).where(Service.site_id == site.id, Service.active.is_(True))
                                        .order_by(Service.sort_order, Service.code)))
        ids = [s.id for s in services]
        counters = list(session.scalars(select(Counter).where(Counter.site_id == site.id).order_by(Counter.number)))
        serves: dict[int, list[int]] = {c.id: [] for c in counters}
        for cid, sid in session.execute(select(CounterService.counter_id, CounterService.service_id)
                                        .where(CounterService.counter_id.in_(list(serves)))):
            serves[cid].append(sid)
        clerks = {u.id: u.full_name or u.username for u in session.scalars(
            select(User).where(User.id.in_([c.clerk_id for c in counters if c.clerk_id])))}

        # what grows with the day or the queue (waiting and served counts, service time per
        # counter, the day's no-shows) is kept from the events (tally.py), not counted again
        day_tally = tally.current(ctx.db, session, site.id, day)
        waiting = {sid: dict(zip(("waiting", "priority_waiting"), day_tally.waiting_of(sid), strict=True))
                   for sid in ids}
        # the list to call or cancel from: the oldest waiting tickets (ix_tickets_site_waiting)
        # numbers taken from a phone not checked in yet ("chưa có mặt"): outside the queue, counted here
        absent = {sid: day_tally.count(sid, "absent") for sid in ids}
        booked = {sid: day_tally.appointments_waiting(sid) for sid in ids}  # checked-in appointments
        waiting_rows = list(session.execute(
            select(Ticket.id, Ticket.code, Ticket.service_id, Ticket.priority, Ticket.queued_at, Ticket.call_count)
            .where(IS_WAITING, Ticket.site_id == site.id, Ticket.business_day == day)
            .order_by(Ticket.queued_at, Ticket.id).limit(WAITING_LIMIT + 1)))
        truncated = len(waiting_rows) > WAITING_LIMIT
        waiting_rows = waiting_rows[:WAITING_LIMIT]
        oldest: dict[int, Any] = {}
        for row in waiting_rows:
            oldest.setdefault(row.service_id, row)
        served_by_service = dict(day_tally.served)
        per_counter = {cid: (int(n), total) for cid, (n, total) in day_tally.counters.items()}
        current = {row.counter_id: row for row in session.execute(
            select(Ticket.id, Ticket.code, Ticket.counter_id, Ticket.service_id, Ticket.priority, Ticket.state,
                   Ticket.called_at, Ticket.last_called_at, Ticket.serving_at, Ticket.call_count, Ticket.out_of_order)
            .where(AT_A_COUNTER, Ticket.counter_id.in_(list(serves))))} if serves else {}
        no_shows = day_tally.latest_no_shows(NO_SHOW_LIMIT)
        devices = list(session.scalars(select(Device).where(Device.site_id == site.id, Device.active.is_(True))
                                       .order_by(Device.kind, Device.name)))
        longest = max(thresholds.print_failure_alert_minutes, thresholds.lockout_alert_minutes,
                      thresholds.out_of_order_alert_minutes)
        recent = [e for e in log.read_recent(session, site.id, HAPPENING_KINDS, now - timedelta(minutes=longest),
                                             limit=500) if happening_of(e) is not None]
        hall = read_hall(session, site, now, ids)
        estimates = {s.id: estimate_in(hall, s.id, "normal", now).wait_s for s in services}

    open_for = {sid: 0 for sid in ids}
    for c in counters:
        if c.state == "open":
            for sid in serves[c.id]:
                if sid in open_for:
                    open_for[sid] += 1
    service_json = [{
        "id": s.id, "code": s.code, "prefix": s.prefix, "name_vi": s.name_vi, "name_en": s.name_en,
        **waiting[s.id], "oldest_queued_at": iso(oldest[s.id].queued_at) if s.id in oldest else None,
        "oldest_code": oldest[s.id].code if s.id in oldest else None,
        "estimated_wait_s": estimates[s.id], "served_today": served_by_service.get(s.id, 0),
        "open_counters": open_for[s.id], "remote_absent": absent.get(s.id, 0),
        "appointment_waiting": booked.get(s.id, 0),
    } for s in services]
    counter_json = []
    for c in counters:
        t = current.get(c.id)
        n, total = per_counter.get(c.id, (0, 0.0))
        counter_json.append({
            "id": c.id, "number": c.number, "name": c.name, "state": c.state, "since": iso(c.state_changed_at),
            "clerk_id": c.clerk_id, "clerk_name": clerks.get(c.clerk_id, "") if c.clerk_id else "",
            "service_ids": sorted(serves[c.id]), "served_today": n, "service_seconds_total": round(total, 1),
            "current": None if t is None else {
                "id": t.id, "code": t.code, "service_id": t.service_id, "priority": t.priority, "state": t.state,
                "since": iso(t.serving_at if t.state == "serving" else t.last_called_at),
                "call_count": t.call_count, "out_of_order": t.out_of_order},
        })
    state = rules.HallState(
        services=[rules.ServiceState(s["id"], s["code"], s["name_vi"], s["waiting"],
                                     oldest[s["id"]].queued_at if s["id"] in oldest else None, s["oldest_code"],
                                     s["open_counters"]) for s in service_json],
        counters=[rules.CounterState(c.id, c.number, c.state, c.state_changed_at,
                                     current[c.id].code if c.id in current else None,
                                     current[c.id].state if c.id in current else None,
                                     current[c.id].call_count if c.id in current else 0) for c in counters],
        devices=[rules.DeviceState(d.id, d.kind, d.name, d.last_seen_at, d.status or "") for d in devices],
        happenings=[h for h in map(happening_of, recent) if h is not None],
    )
    return {
        "site": {"id": site.id, "code": site.code, "name": site.name, "timezone": site.timezone},
        "now": now.isoformat(),
        "business_day": day.isoformat(),
        "last_event_id": head[1],
        "thresholds": thresholds.as_json(),
        "services": service_json,
        "remote_absent": sum(absent.values()),
        "waiting": [{"id": r.id, "code": r.code, "service_id": r.service_id, "priority": r.priority,
                     "queued_at": iso(r.queued_at)} for r in waiting_rows],
        "waiting_truncated": truncated,
        "no_shows": [{"id": r.id, "code": r.code, "service_id": r.service_id, "at": iso(r.at)}
                     for r in no_shows],
        "counters": counter_json,
        "devices": [{"id": d.id, "kind": d.kind, "name": d.name, "last_seen_at": iso(d.last_seen_at),
                     "status": d.status or ""} for d in devices],
        "recent_events": [e.as_json() for e in recent],
        "alerts": [a.as_json() for a in rules.alerts(state, thresholds, now)],
        # when the alerts would change with time alone: the page asks again then
        "next_change_at": iso(rules.next_change(state, thresholds, now)),
    }


def estimates(ctx: Context, actor: Actor, site: Site) -> dict[str, Any]:
    """The wait estimate for a new ticket of each service (the page asks again after queue
    events, at most every few seconds: the estimate is the domain's, not the page's)."""
    require_supervisor(actor, site.id)
    with ctx.db.connection() as conn:
        now = ctx.clock.now()
        ids = [sid for (sid,) in conn.execute(select(Service.id).where(Service.site_id == site.id,
                                                                        Service.active.is_(True)))]
        hall = read_hall(conn, site, now, ids)
        return {"now": now.isoformat(),
                "estimates": {str(sid): estimate_in(hall, sid, "normal", now).wait_s for sid in ids}}


__all__ = ["snapshot", "estimates", "happening_of", "require_supervisor", "WAITING_LIMIT"]

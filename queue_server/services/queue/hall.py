"""What the hall sees: the display snapshot (every counter, the last calls, waiting per
service), the kiosk's list of services with waiting counts and estimates, and a ticket's
position for its holder's phone. The snapshot and the position answer are public: they are
shaped by the public projection (events/projection.py), like the anonymous event stream."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from queue_server.domain.business_day import business_day
from queue_server.events import log, projection
from queue_server.services.context import Context
from queue_server.services.queue.counters import counter_detail, waiting_counts
from queue_server.services.queue.estimates import estimate_in, read_hall
from queue_server.services.queue.queries import SITE_ROW
from queue_server.store.tables import Counter, Service, Site

CALL_KINDS = ("ticket.called", "ticket.recalled")


def display_snapshot(ctx: Context, site: Site, *, counters: list[int] | None = None,
                     services: list[int] | None = None, calls: int = 10) -> dict[str, Any]:
    """State of the hall for a screen; `last_event_id` is where its live stream starts."""
    with ctx.db.reading() as session:
        now = ctx.clock.now()
        day = business_day(now, site.timezone)
        head = log.head(session)
        stmt = select(Counter).where(Counter.site_id == site.id).order_by(Counter.number)
        if counters:
            stmt = stmt.where(Counter.number.in_(counters))
        counter_rows = [counter_detail(session, c) for c in session.scalars(stmt)]
        svc_stmt = select(Service).where(Service.site_id == site.id, Service.active.is_(True)).order_by(
            Service.sort_order, Service.code)
        if services:
            svc_stmt = svc_stmt.where(Service.id.in_(services))
        svc_rows = list(session.scalars(svc_stmt))
        counts = waiting_counts(session, site.id, day, [s.id for s in svc_rows])
        recent = [
            e for e in log.read_tail(session, max(calls * 4, 40), site_ids=[site.id], kinds=CALL_KINDS)
            if _today(e, site, day)
            and (not counters or e.data.get("counter_number") in counters)
            and (not services or e.data.get("service_id") in services)
        ][-calls:]
        return {
            "site": {"id": site.id, "code": site.code, "name": site.name, "timezone": site.timezone,
                     "notice": site.display_notice or ""},  # set in /admin; "" the page's own
            "now": now.isoformat(),
            "business_day": day.isoformat(),
            "last_event_id": head[1],
            "counters": [
                projection.public_counter({"id": c["id"], "number": c["number"], "name": c["name"],
                                           "state": c["state"], "current": c["current"],
                                           "service_ids": [s["service_id"] for s in c["services"]]})
                for c in counter_rows
            ],
            "last_calls": [call for call in map(projection.public_call, reversed(recent)) if call is not None],
            "waiting": [
                {"service_id": s.id, "code": s.code, "prefix": s.prefix, "name_vi": s.name_vi, "name_en": s.name_en,
                 "waiting": counts.get(s.id, 0)}
                for s in svc_rows
            ],
        }


def _today(event: log.EventRecord, site: Site, day) -> bool:  # noqa: ANN001
    return business_day(event.at, site.timezone) == day


def kiosk_services(ctx: Context, site: Site) -> list[dict[str, Any]]:
    """Services a citizen can take a number for, with people waiting and the expected wait."""
    with ctx.db.reading() as session:
        now = ctx.clock.now()
        day = business_day(now, site.timezone)
        rows = list(session.scalars(select(Service).where(Service.site_id == site.id, Service.active.is_(True))
                                    .order_by(Service.sort_order, Service.code)))
        counts = waiting_counts(session, site.id, day)
        state = read_hall(session, site, now, [s.id for s in rows])
        out = []
        for s in rows:
            est = estimate_in(state, s.id, "normal", now)
            out.append({
                "id": s.id, "code": s.code, "prefix": s.prefix, "name_vi": s.name_vi, "name_en": s.name_en,
                "group_vi": s.group_vi, "group_en": s.group_en, "waiting": counts.get(s.id, 0),
                "estimated_wait_s": est.wait_s, "open_counters": est.counters,
                # a service no open counter serves: numbers only where the hall allows it
                "issuing": bool(est.counters) or ctx.settings.issue_when_no_counter_open,
            })
        return out


def ticket_position(ctx: Context, ticket_id: int) -> dict[str, Any]:
    """Where one ticket stands now: state, people ahead, expected wait, its counter once called."""
    from queue_server.domain.tickets import STATE_LABELS_VI, TicketState
    from queue_server.services.errors import not_found
    from queue_server.services.queue.estimates import estimate_for_ticket
    from queue_server.services.queue.tickets import _ticket_row, _view_of
    from queue_server.store.tables import Ticket

    with ctx.db.connection() as conn:
        ticket = _ticket_row(conn, ticket_id)
        if ticket is None:
            raise not_found("số", "Ticket", ticket_id)
        if ticket.state == "transferred":  # follow the code to the service it moved to
            moved = conn.scalar(select(Ticket.id).where(Ticket.transfer_origin_id == ticket.id).limit(1))
            ticket = _ticket_row(conn, moved) if moved is not None else ticket
        now = ctx.clock.now()
        est = estimate_for_ticket(conn, ticket, now) if ticket.state == "waiting" else None
        if ticket.state == "absent":  # not in the line yet: what the line is now, were it to check in
            site = conn.execute(SITE_ROW, {"site_id": ticket.site_id}).one()
            est = estimate_in(read_hall(conn, site, now, [ticket.service_id]), ticket.service_id, "normal", now)
        out = {
            "ticket": projection.public_ticket(_view_of(ticket).as_json()),
            "state_vi": STATE_LABELS_VI[TicketState(ticket.state)],
            "people_ahead": est.people_ahead if est else 0,
            "estimated_wait_s": est.wait_s if est else None,
            "site_id": ticket.site_id,  # the phone page follows this site's public event stream
            "now": now.isoformat(),
        }
        if ticket.channel == "remote":  # the holder's own check-in code and window (the key was checked)
            out["remote"] = _remote_info(conn, ticket.id)
        return out


def _remote_info(conn, ticket_id: int) -> dict[str, Any] | None:  # noqa: ANN001
    """A remote number's check-in code and window (services/remote/ writes them)."""
    from queue_server.store.tables import RemoteTicket

    row = conn.execute(select(RemoteTicket.checkin_code, RemoteTicket.expires_at, RemoteTicket.checked_in_at)
                       .where(RemoteTicket.ticket_id == ticket_id)).one_or_none()
    if row is None:
        return None
    return {"checkin_code": row.checkin_code, "checkin_until": row.expires_at.isoformat(),
            "checked_in_at": row.checked_in_at.isoformat() if row.checked_in_at else None}


def todays_tickets(ctx: Context, site: Site, *, state: str | None = None) -> list[dict[str, Any]]:
    from queue_server.services.queue.tickets import _view_of, tickets_of_day

    with ctx.db.connection() as conn:
        day = business_day(ctx.clock.now(), site.timezone)
        return [_view_of(t).as_json() for t in tickets_of_day(conn, site.id, day, state)]

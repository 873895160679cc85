"""A backlog of waiting tickets loaded in bulk: a day that starts with a long queue.

Benchmarks and load tests need thousands of people waiting without thousands of HTTP
calls. The tickets are what a kiosk would have made: numbers continue each service's
sequence (no gap, no duplicate), one `ticket.issued` event each, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from queue_server.domain.business_day import business_day
from queue_server.domain.tickets import display_code
from queue_server.events import log
from queue_server.services.context import Actor, Context
from queue_server.services.errors import InvalidInput, not_found
from queue_server.store.tables import Service, Site, Ticket, TicketSequence

MAX_BACKLOG = 100_000
_TS = TicketSequence.__table__
_INSERT_RETURNING = Ticket.__table__.insert().returning(Ticket.id, sort_by_parameter_order=True)


def load_backlog(ctx: Context, actor: Actor, service_ids: Sequence[int], count: int, *,
                 priority_every: int = 0, spacing_s: float = 1.0) -> int:
    """Issue `count` waiting tickets round-robin over `service_ids`, queued `spacing_s` apart
    and ending now; every `priority_every`-th ticket (0: none) is for an elderly citizen."""
    if not 0 < count <= MAX_BACKLOG:
        raise InvalidInput(f"Số lượng phải từ 1 đến {MAX_BACKLOG}.", f"count must be 1..{MAX_BACKLOG}.",
                           field="count")
    if not service_ids:
        raise InvalidInput("Cần ít nhất một dịch vụ.", "At least one service is needed.", field="service_ids")

    def work(session: Session) -> int:
        now = ctx.clock.now()
        services = {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(service_ids)))}
        for sid in service_ids:
            if sid not in services:
                raise not_found("dịch vụ", "Service", sid)
        site_ids = {s.site_id for s in services.values()}
        if len(site_ids) != 1:
            raise InvalidInput("Các dịch vụ phải cùng một điểm phục vụ.", "The services must share one site.",
                               field="service_ids")
        site = session.get(Site, site_ids.pop())
        day = business_day(now, site.timezone)
        last = {sid: 0 for sid in service_ids}
        for row in session.scalars(select(TicketSequence).where(
                TicketSequence.service_id.in_(service_ids), TicketSequence.business_day == day).with_for_update()):
            last[row.service_id] = row.last_number
        rows = []
        for i in range(count):
            sid = service_ids[i % len(service_ids)]
            svc = services[sid]
            last[sid] += 1
            at = now - timedelta(seconds=spacing_s * (count - i))
            rows.append({
                "site_id": site.id, "service_id": sid, "business_day": day, "number": last[sid],
                "code": display_code(svc.prefix, last[sid], svc.number_width),
                "priority": "elderly" if priority_every and i % priority_every == priority_every - 1 else "normal",
                "state": "waiting", "issued_at": at, "queued_at": at, "front": False, "call_count": 0,
                "out_of_order": False,
            })
        conn = session.connection()
        inserted = conn.execute(_INSERT_RETURNING, rows).all()
        for sid, n in last.items():
            done = conn.execute(update(_TS).where(_TS.c.service_id == sid, _TS.c.business_day == day)
                                .values(last_number=n)).rowcount
            if not done:
                conn.execute(_TS.insert(), {"service_id": sid, "business_day": day, "last_number": n})
        log.append_many(conn, site.id, [
            {"kind": "ticket.issued", "at": row["issued_at"], "ticket_id": tid, "actor": actor.label, "data": {
                "code": row["code"], "ticket_id": tid, "service_id": row["service_id"],
                "service_code": services[row["service_id"]].code,
                "service_name_vi": services[row["service_id"]].name_vi,
                "service_name_en": services[row["service_id"]].name_en, "priority": row["priority"],
                "state": "waiting", "call_count": 0, "number": row["number"]}}
            for (tid,), row in zip(inserted, rows, strict=True)])
        return count

    return ctx.db.transaction(work)



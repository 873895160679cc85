"""Read queries several use cases share, returning plain domain data, not ORM rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain import dispatch
from queue_server.store.tables import Ticket


def waiting_tickets(session: Session, site_id: int, day: date,
                    service_ids: Sequence[int] | None = None) -> list[dispatch.WaitingTicket]:
    """Today's waiting tickets of a site (of some services), as the dispatch policy sees them."""
    stmt = select(Ticket.id, Ticket.service_id, Ticket.priority, Ticket.queued_at, Ticket.front, Ticket.number).where(
        Ticket.site_id == site_id, Ticket.business_day == day, Ticket.state == "waiting")
    if service_ids is not None:
        stmt = stmt.where(Ticket.service_id.in_(list(service_ids)))
    return [
        dispatch.WaitingTicket(id=i, service_id=sid, priority=dispatch.PriorityClass(p), queued_at=q, front=f, number=n)
        for i, sid, p, q, f, n in session.execute(stmt)
    ]

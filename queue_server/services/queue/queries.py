"""Read queries several use cases share, returning plain domain data, not ORM rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from queue_server.domain import dispatch
from queue_server.store.tables import Site, Ticket

# Statements on the hot paths are built once, with parameters: building a statement and
# its cache key costs more than SQLite takes to run it.
_WAITING = select(Ticket.id, Ticket.service_id, Ticket.priority, Ticket.queued_at, Ticket.front,
                  Ticket.number).where(Ticket.site_id == bindparam("site_id"),
                                       Ticket.business_day == bindparam("day"), Ticket.state == "waiting")
_WAITING_IN = _WAITING.where(Ticket.service_id.in_(bindparam("service_ids", expanding=True)))


# A site as the hot paths need it (time zone and policy), without loading the ORM row.
SITE_ROW = select(Site.id, Site.timezone, Site.policy).where(Site.id == bindparam("site_id"))


def waiting_tickets(db: Session | Connection, site_id: int, day: date,
                    service_ids: Sequence[int] | None = None) -> list[dispatch.WaitingTicket]:
    """Today's waiting tickets of a site (of some services), as the dispatch policy sees them."""
    params: dict[str, Any] = {"site_id": site_id, "day": day}
    if service_ids is not None:
        params["service_ids"] = list(service_ids)
    return [
        dispatch.WaitingTicket(id=i, service_id=sid, priority=dispatch.PriorityClass(p), queued_at=q, front=f, number=n)
        for i, sid, p, q, f, n in db.execute(_WAITING if service_ids is None else _WAITING_IN, params)
    ]

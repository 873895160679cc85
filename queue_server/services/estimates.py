"""Gather what the wait estimate needs from the database and ask the domain for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain.business_day import business_day
from queue_server.services.context import Context
from queue_server.store.tables import Counter, CounterService, Site, Ticket

DEFAULT_SERVICE_SECONDS = 300.0


@dataclass
class Estimate:
    people_ahead: int
    wait_s: int | None
    counters: list[int]


def _open_counters(session: Session, site_id: int, service_id: int) -> list[int]:
    rows = session.scalars(
        select(Counter.number).join(CounterService, CounterService.counter_id == Counter.id).where(
            Counter.site_id == site_id, Counter.state == "open", CounterService.service_id == service_id
        ).order_by(Counter.number)
    )
    return list(rows)


def estimate_for_ticket(session: Session, ctx: Context, ticket: Ticket, now: datetime) -> Estimate:
    """People ahead of `ticket` and its expected wait (naive stand-in)."""
    ahead = session.scalars(select(Ticket.id).where(
        Ticket.site_id == ticket.site_id, Ticket.business_day == ticket.business_day,
        Ticket.service_id == ticket.service_id, Ticket.state == "waiting",
        Ticket.queued_at <= ticket.queued_at, Ticket.id != ticket.id,
    ))
    people = len(list(ahead))
    counters = _open_counters(session, ticket.site_id, ticket.service_id)
    wait = None if not counters else int(people * DEFAULT_SERVICE_SECONDS / len(counters))
    return Estimate(people, wait, counters)


def estimate_for_new(session: Session, ctx: Context, site: Site, service_id: int, now: datetime) -> Estimate:
    day = business_day(now, site.timezone)
    people = len(list(session.scalars(select(Ticket.id).where(
        Ticket.site_id == site.id, Ticket.business_day == day, Ticket.service_id == service_id,
        Ticket.state == "waiting",
    ))))
    counters = _open_counters(session, site.id, service_id)
    wait = None if not counters else int(people * DEFAULT_SERVICE_SECONDS / len(counters))
    return Estimate(people, wait, counters)

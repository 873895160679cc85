"""Gather what the wait estimate needs from the database and ask the domain for it.

Inputs: every waiting ticket of the site today, the open counters (weights, what they
serve now, their recent calls), today's service durations (call to finish or no-show),
and the last hour's arrivals. The decision itself is `domain.estimate.estimate_wait`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain import dispatch
from queue_server.domain import estimate as est
from queue_server.domain.business_day import business_day
from queue_server.services import policy as site_policy
from queue_server.services.context import Context
from queue_server.store.tables import Counter, Site, Ticket

SAMPLE_LIMIT = 300


@dataclass
class Estimate:
    people_ahead: int
    wait_s: int | None  # None: no open counter serves the service now
    counters: list[int]  # numbers of the open counters serving the service


@dataclass
class HallState:
    """One read of the hall, enough to estimate for any service."""

    site: Site
    day: date
    policy: dispatch.DispatchPolicy
    waiting: list[Ticket]
    counters: list[est.OpenCounter]
    numbers: dict[int, int]  # counter id -> number
    times: est.ServiceTimes
    arrivals: list[est.ArrivalRate]


def read_hall(session: Session, site: Site, now: datetime) -> HallState:
    day = business_day(now, site.timezone)
    pol = site_policy.dispatch_policy(site)
    waiting = list(session.scalars(select(Ticket).where(
        Ticket.site_id == site.id, Ticket.business_day == day, Ticket.state == "waiting")))
    at_counter = {t.counter_id: t for t in session.scalars(select(Ticket).where(
        Ticket.site_id == site.id, Ticket.state.in_(["called", "serving"])))}
    counters, numbers = [], {}
    for c in session.scalars(select(Counter).where(Counter.site_id == site.id, Counter.state == "open")):
        current = at_counter.get(c.id)
        recent = session.scalars(select(Ticket.priority).where(
            Ticket.counter_id == c.id, Ticket.business_day == day, Ticket.called_at.is_not(None),
            Ticket.out_of_order.is_(False)).order_by(Ticket.called_at.desc(), Ticket.id.desc())
            .limit(pol.recent_window))
        serving = est.Serving(current.service_id, current.last_called_at or now) if current else None
        weights = {cs.service_id: cs.weight for cs in c.services}
        if weights:
            counters.append(est.OpenCounter(c.id, weights, serving, tuple(recent)))
            numbers[c.id] = c.number
    done = session.execute(select(Ticket.service_id, Ticket.counter_id, Ticket.called_at, Ticket.finished_at).where(
        Ticket.site_id == site.id, Ticket.business_day == day, Ticket.called_at.is_not(None),
        Ticket.finished_at.is_not(None), Ticket.state.in_(["finished", "no_show", "transferred"]),
    ).order_by(Ticket.finished_at.desc()).limit(SAMPLE_LIMIT))
    samples = [est.DurationSample(sid, (fin - called).total_seconds(), cid)
               for sid, cid, called, fin in done if fin >= called]
    issued = session.execute(select(Ticket.service_id, Ticket.priority, Ticket.issued_at).where(
        Ticket.site_id == site.id, Ticket.issued_at > now - timedelta(hours=1), Ticket.transfer_origin_id.is_(None)))
    arrivals = est.arrival_rates(((sid, dispatch.PriorityClass(p), at) for sid, p, at in issued), now)
    return HallState(site, day, pol, waiting, counters, numbers, est.ServiceTimes(samples), arrivals)


def _as_waiting(t: Ticket) -> dispatch.WaitingTicket:
    return dispatch.WaitingTicket(id=t.id, service_id=t.service_id, priority=dispatch.PriorityClass(t.priority),
                                  queued_at=t.queued_at, front=t.front, number=t.number)


def estimate_in(state: HallState, service_id: int, priority: str, now: datetime,
                ticket: Ticket | None = None) -> Estimate:
    """Estimate for a new ticket, or for `ticket` already waiting (then only those queued
    before it in its own service, and every other service's tickets, count as ahead)."""
    waiting = state.waiting
    if ticket is not None:
        waiting = [t for t in waiting if t.id != ticket.id and not (
            t.service_id == ticket.service_id and (t.queued_at, t.id) > (ticket.queued_at, ticket.id))]
    result = est.estimate_wait(service_id, dispatch.PriorityClass(priority), [_as_waiting(t) for t in waiting],
                               state.counters, state.times, state.policy, now, state.arrivals)
    numbers = sorted(state.numbers[c.id] for c in state.counters if service_id in c.weights)
    if isinstance(result, est.NoCounterOpen):
        return Estimate(result.waiting, None, [])
    return Estimate(result.people_ahead, result.wait_seconds, numbers)


def estimate_for_ticket(session: Session, ctx: Context, ticket: Ticket, now: datetime) -> Estimate:
    site = session.get(Site, ticket.site_id)
    return estimate_in(read_hall(session, site, now), ticket.service_id, ticket.priority, now, ticket)

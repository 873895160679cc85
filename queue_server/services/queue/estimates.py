"""Gather what the wait estimate needs from the database and ask the domain for it.

Inputs: every waiting ticket of the site today, the open counters (weights, what they
serve now, their recent calls), today's service durations (call to finish or no-show),
and the last hour's arrivals. The decision itself is `domain.estimate.estimate_wait`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from queue_server.domain import dispatch
from queue_server.domain import estimate as est
from queue_server.domain.business_day import business_day
from queue_server.services.queue import policy as site_policy
from queue_server.services.queue.queries import SITE_ROW, waiting_tickets
from queue_server.store.tables import Counter, CounterService, Ticket

SAMPLE_LIMIT = 300


class SiteLike(Protocol):
    id: int
    timezone: str
    policy: dict | None


class TicketLike(Protocol):
    id: int
    site_id: int
    service_id: int
    priority: str
    queued_at: datetime


@dataclass
class Estimate:
    people_ahead: int
    wait_s: int | None  # None: no open counter serves the service now
    counters: list[int]  # numbers of the open counters serving the service


@dataclass
class HallState:
    """One read of the hall, enough to estimate for any service."""

    site: SiteLike
    day: date
    policy: dispatch.DispatchPolicy
    waiting: list[dispatch.WaitingTicket]
    counters: list[est.OpenCounter]
    numbers: dict[int, int]  # counter id -> number
    times: est.ServiceTimes
    arrivals: list[est.ArrivalRate]


_AT_COUNTER = select(Ticket.counter_id, Ticket.service_id, Ticket.last_called_at).where(
    Ticket.site_id == bindparam("site_id"), Ticket.state.in_(["called", "serving"]))
_OPEN_COUNTERS = select(Counter.id, Counter.number).where(
    Counter.site_id == bindparam("site_id"), Counter.state == "open")
_WEIGHTS = select(CounterService.counter_id, CounterService.service_id, CounterService.weight).where(
    CounterService.counter_id.in_(bindparam("ids", expanding=True)))
_rank = func.row_number().over(partition_by=Ticket.counter_id,
                               order_by=(Ticket.called_at.desc(), Ticket.id.desc())).label("rank")
_ranked = select(Ticket.counter_id, Ticket.priority, _rank).where(
    Ticket.counter_id.in_(bindparam("ids", expanding=True)), Ticket.business_day == bindparam("day"),
    Ticket.called_at.is_not(None), Ticket.out_of_order.is_(False)).subquery()
# the last `window` classes each counter called today, in one query
_RECENT = select(_ranked.c.counter_id, _ranked.c.priority).where(
    _ranked.c.rank <= bindparam("window")).order_by(_ranked.c.counter_id, _ranked.c.rank)


def read_hall(db: Session | Connection, site: SiteLike, now: datetime) -> HallState:
    """One read of the hall. `db` may be a plain connection (issuing reads it on every ticket)."""
    day = business_day(now, site.timezone)
    pol = site_policy.dispatch_policy(site)
    waiting = waiting_tickets(db, site.id, day)
    at_counter = {cid: (sid, at) for cid, sid, at in db.execute(_AT_COUNTER, {"site_id": site.id})}
    open_counters = list(db.execute(_OPEN_COUNTERS, {"site_id": site.id}))
    ids = [c.id for c in open_counters]
    weights: dict[int, dict[int, int]] = {i: {} for i in ids}
    recent: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for cid, sid, weight in db.execute(_WEIGHTS, {"ids": ids}):
            weights[cid][sid] = weight
        for cid, prio in db.execute(_RECENT, {"ids": ids, "day": day, "window": pol.recent_window}):
            recent[cid].append(prio)
    counters, numbers = [], {}
    for c in open_counters:
        current = at_counter.get(c.id)
        serving = est.Serving(current[0], current[1] or now) if current else None
        if weights[c.id]:
            counters.append(est.OpenCounter(c.id, weights[c.id], serving, tuple(recent[c.id])))
            numbers[c.id] = c.number
    times, arrivals = _history(db, site.id, day, now)
    return HallState(site, day, pol, waiting, counters, numbers, times, arrivals)


# Service durations and arrival rates move slowly: read them at most every few seconds
# per site instead of on every ticket.
HISTORY_SECONDS = 10.0
_history_cache: dict[tuple[str, int, date], tuple[float, est.ServiceTimes, list[est.ArrivalRate]]] = {}
_history_lock = threading.Lock()
_DONE = select(Ticket.service_id, Ticket.counter_id, Ticket.called_at, Ticket.finished_at).where(
    Ticket.site_id == bindparam("site_id"), Ticket.business_day == bindparam("day"), Ticket.called_at.is_not(None),
    Ticket.finished_at.is_not(None), Ticket.state.in_(["finished", "no_show", "transferred"]),
).order_by(Ticket.finished_at.desc()).limit(SAMPLE_LIMIT)
_ISSUED = select(Ticket.service_id, Ticket.priority, Ticket.issued_at).where(
    Ticket.site_id == bindparam("site_id"), Ticket.issued_at > bindparam("since"),
    Ticket.transfer_origin_id.is_(None))


def _history(db: Session | Connection, site_id: int, day: date,
             now: datetime) -> tuple[est.ServiceTimes, list[est.ArrivalRate]]:
    engine = db.engine if isinstance(db, Connection) else db.get_bind()
    key = (str(engine.url), site_id, day)
    tick = time.monotonic()
    with _history_lock:
        hit = _history_cache.get(key)
    if hit is not None and hit[0] > tick:
        return hit[1], hit[2]
    done = db.execute(_DONE, {"site_id": site_id, "day": day})
    samples = [est.DurationSample(sid, (fin - called).total_seconds(), cid)
               for sid, cid, called, fin in done if fin >= called]
    issued = db.execute(_ISSUED, {"site_id": site_id, "since": now - timedelta(hours=1)})
    arrivals = est.arrival_rates(((sid, dispatch.PriorityClass(p), at) for sid, p, at in issued), now)
    times = est.ServiceTimes(samples)
    with _history_lock:
        if len(_history_cache) > 256:
            _history_cache.clear()
        _history_cache[key] = (tick + HISTORY_SECONDS, times, arrivals)
    return times, arrivals


def estimate_in(state: HallState, service_id: int, priority: str, now: datetime,
                ticket: TicketLike | None = None) -> Estimate:
    """Estimate for a new ticket, or for `ticket` already waiting (then only those queued
    before it in its own service, and every other service's tickets, count as ahead)."""
    waiting = state.waiting
    if ticket is not None:
        waiting = [t for t in waiting if t.id != ticket.id and not (
            t.service_id == ticket.service_id and (t.queued_at, t.id) > (ticket.queued_at, ticket.id))]
    result = est.estimate_wait(service_id, dispatch.PriorityClass(priority), waiting,
                               state.counters, state.times, state.policy, now, state.arrivals)
    numbers = sorted(state.numbers[c.id] for c in state.counters if service_id in c.weights)
    if isinstance(result, est.NoCounterOpen):
        return Estimate(result.waiting, None, [])
    return Estimate(result.people_ahead, result.wait_seconds, numbers)


def estimate_for_ticket(db: Session | Connection, ticket: TicketLike, now: datetime) -> Estimate:
    """People ahead of a waiting ticket and its expected wait."""
    site = db.execute(SITE_ROW, {"site_id": ticket.site_id}).one()
    return estimate_in(read_hall(db, site, now), ticket.service_id, ticket.priority, now, ticket)

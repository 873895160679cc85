"""Gather what the wait estimate needs from the database and ask the domain for it.

Inputs: the bounded view of the site's waiting tickets (each line's first tickets and its
count: queries.waiting_lines), the open counters (weights, what they serve now, their
recent calls), today's service durations (call to finish or no-show), and the last hour's
arrivals. Nothing read grows with the queue. The decision itself is
`domain.estimate.estimate_wait`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Protocol

from sqlalchemy import Connection, Select, bindparam, func, select, union_all
from sqlalchemy.orm import Session

from queue_server.domain import dispatch
from queue_server.domain import estimate as est
from queue_server.domain.business_day import business_day
from queue_server.services.queue import policy as site_policy
from queue_server.services.queue.queries import AT_A_COUNTER, SITE_ROW, waiting_lines
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
    """One read of the hall, enough to estimate for any service it was read for."""

    site: SiteLike
    day: date
    policy: dispatch.DispatchPolicy
    lines: list[dispatch.WaitingLine]
    counters: list[est.OpenCounter]
    numbers: dict[int, int]  # counter id -> number
    times: est.ServiceTimes
    arrivals: list[est.ArrivalRate]
    quota: dict[int, int] = field(default_factory=dict)  # appointments' calls per window, by service


_AT_COUNTER = select(Ticket.counter_id, Ticket.service_id, Ticket.last_called_at).where(
    Ticket.counter_id.in_(bindparam("ids", expanding=True)), AT_A_COUNTER)
_OPEN_COUNTERS = select(Counter.id, Counter.number).where(
    Counter.site_id == bindparam("site_id"), Counter.state == "open")
_WEIGHTS = select(CounterService.counter_id, CounterService.service_id, CounterService.weight).where(
    CounterService.counter_id.in_(bindparam("ids", expanding=True)))


@cache
def _recent_statement(n: int) -> Select:
    """The last `window` classes each of n counters called today: n index seeks, one query."""
    parts = [select(Ticket.counter_id, Ticket.priority, Ticket.called_at, Ticket.id,
                    Ticket.due_at.is_not(None).label("appointment")).where(
        Ticket.counter_id == bindparam(f"c{i}"), Ticket.business_day == bindparam("day"),
        Ticket.called_at.is_not(None), Ticket.out_of_order.is_(False),
    ).order_by(Ticket.called_at.desc(), Ticket.id.desc()).limit(bindparam("window")).subquery(f"r{i}")
        for i in range(n)]
    return select(*union_all(*[select(*p.c) for p in parts]).subquery("recent").c)


def read_hall(db: Session | Connection, site: SiteLike, now: datetime, services: Iterable[int] = (),
              before: TicketLike | None = None) -> HallState:
    """One read of the hall, for the services the open counters serve and `services`.

    With `before` (a waiting ticket), its own service's tickets queued after it are left
    out: the estimate is then for that ticket. `db` may be a plain connection (issuing reads
    it on every ticket)."""
    day = business_day(now, site.timezone)
    pol = site_policy.dispatch_policy(site)
    open_counters = list(db.execute(_OPEN_COUNTERS, {"site_id": site.id}))
    ids = [c.id for c in open_counters]
    weights: dict[int, dict[int, int]] = {i: {} for i in ids}
    recent: dict[int, list[tuple[datetime, int, str, bool]]] = {i: [] for i in ids}
    at_counter: dict[int, tuple[int, datetime | None]] = {}
    if ids:
        for cid, sid, weight in db.execute(_WEIGHTS, {"ids": ids}):
            weights[cid][sid] = weight
        window = max(pol.recent_window, dispatch.APPOINTMENT_WINDOW - 1)
        params = {f"c{i}": cid for i, cid in enumerate(ids)} | {"day": day, "window": window}
        for cid, prio, called_at, tid, appointment in db.execute(_recent_statement(len(ids)), params):
            recent[cid].append((called_at, tid, prio, bool(appointment)))
        at_counter = {cid: (sid, at) for cid, sid, at in db.execute(_AT_COUNTER, {"ids": ids})}
    counters, numbers = [], {}
    for c in open_counters:
        current = at_counter.get(c.id)
        serving = est.Serving(current[0], current[1] or now) if current else None
        if weights[c.id]:
            calls = sorted(recent[c.id], reverse=True)
            classes = tuple(p for _, _, p, _ in calls[:pol.recent_window])
            booked = tuple(a for _, _, _, a in calls)
            counters.append(est.OpenCounter(c.id, weights[c.id], serving, classes, booked))
            numbers[c.id] = c.number
    wanted = sorted({s for w in weights.values() for s in w} | set(services))
    where = (before.service_id, before.queued_at, before.id) if before is not None else None
    lines = waiting_lines(db, day, wanted, est.LINE_HEAD, where)
    times, arrivals = _history(db, site.id, day, now)
    quota = site_policy.appointment_quotas(db, wanted)
    return HallState(site, day, pol, lines, counters, numbers, times, arrivals, quota)


# Service durations and arrival rates move slowly: read them at most every few seconds
# per site instead of on every ticket.
HISTORY_SECONDS = 10.0
_history_cache: dict[tuple[str, int, date], tuple[float, est.ServiceTimes, list[est.ArrivalRate]]] = {}
_history_lock = threading.Lock()
_DONE = select(Ticket.service_id, Ticket.counter_id, Ticket.called_at, Ticket.finished_at).where(
    Ticket.site_id == bindparam("site_id"), Ticket.business_day == bindparam("day"), Ticket.called_at.is_not(None),
    Ticket.finished_at.is_not(None), Ticket.state.in_(["finished", "no_show", "transferred"]),
).order_by(Ticket.finished_at.desc()).limit(SAMPLE_LIMIT)
# tickets issued in the last hour, counted per service and class in the database
_ISSUED = select(Ticket.service_id, Ticket.priority, func.count()).where(
    Ticket.site_id == bindparam("site_id"), Ticket.business_day == bindparam("day"),
    Ticket.issued_at > bindparam("since"), Ticket.transfer_origin_id.is_(None),
).group_by(Ticket.service_id, Ticket.priority)


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
    issued = db.execute(_ISSUED, {"site_id": site_id, "day": day, "since": now - timedelta(hours=1)})
    arrivals = [est.ArrivalRate(sid, dispatch.PriorityClass(p), float(n))  # n in one hour: n per hour
                for sid, p, n in sorted(issued, key=lambda r: (r[0], r[1]))]
    times = est.ServiceTimes(samples)
    with _history_lock:
        if len(_history_cache) > 256:
            _history_cache.clear()
        _history_cache[key] = (tick + HISTORY_SECONDS, times, arrivals)
    return times, arrivals


def estimate_in(state: HallState, service_id: int, priority: str, now: datetime,
                due_at: datetime | None = None) -> Estimate:
    """Estimate for a new ticket of a service the state was read for (or for the ticket
    the state was read `before`; `due_at` for an appointment's ticket)."""
    result = est.estimate_wait(service_id, dispatch.PriorityClass(priority), state.lines,
                               state.counters, state.times, state.policy, now, state.arrivals,
                               quota=state.quota, due_at=due_at)
    numbers = sorted(state.numbers[c.id] for c in state.counters if service_id in c.weights)
    if isinstance(result, est.NoCounterOpen):
        return Estimate(result.waiting, None, [])
    return Estimate(result.people_ahead, result.wait_seconds, numbers)


def estimate_for_ticket(db: Session | Connection, ticket: TicketLike, now: datetime) -> Estimate:
    """People ahead of a waiting ticket and its expected wait."""
    site = db.execute(SITE_ROW, {"site_id": ticket.site_id}).one()
    state = read_hall(db, site, now, [ticket.service_id], before=ticket)
    due_at = None
    if getattr(ticket, "channel", None) == "appointment":  # called near its slot time (dispatch rule 0)
        due_at = db.execute(_DUE_AT, {"ticket_id": ticket.id}).scalar()
    return estimate_in(state, ticket.service_id, ticket.priority, now, due_at)


_DUE_AT = select(Ticket.due_at).where(Ticket.id == bindparam("ticket_id"))

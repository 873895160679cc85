"""The monitor's day figures kept up to date from the event log instead of re-counted.

What grows with the day (tickets served per service and per counter with their service
time, the day's no-shows) and with the queue (how many wait per service and class) is
read from the tickets once per process, site and business day (`build`), at a cursor of
the event log; every later snapshot reads only the events after that cursor and applies
them (`catch_up`). So a snapshot after each event of a busy afternoon reads a few events
instead of the day's finished tickets.

Each ticket event carries the ticket's state after it; the tally remembers the state,
service and class of the day's open tickets (waiting, called, serving, or any other state
that is not final), so an event moves a ticket between its old and new figures.

PostgreSQL: a cursor reader sees an event only once every older transaction has ended (the
horizon, events/log.py), while the snapshot's ticket rows may already hold the effect of a
transaction that committed above the horizon. `build` notes those events' ids and their
later delivery is skipped, so nothing is counted twice; `catch_up` applies the events it
sees above the horizon at once and notes them the same way, so a snapshot shows what a
clerk just did even while another transaction (autovacuum's, another client's) holds the
horizon back. Several processes each keep their own tally from the same log; nothing is
shared in memory between them.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Float, and_, cast, func, select
from sqlalchemy.orm import Session

from queue_server.events import log
from queue_server.events.log import EventRecord
from queue_server.store.engine import Database
from queue_server.store.tables import Ticket

# states after which a ticket has no more events of the day (a no-show may still be requeued)
FINAL = ("finished", "transferred", "cancelled", "expired")
NO_SHOW = "no_show"
# more events than this since the last snapshot: reading the day again costs less
CATCH_UP_LIMIT = 20_000
_PAGE = 2_000


class Open(NamedTuple):
    state: str
    service_id: int
    priority: str
    channel: str = "kiosk"  # kiosk | counter | remote | appointment


class NoShow(NamedTuple):
    id: int
    code: str
    service_id: int
    at: datetime | None
    counter_id: int | None


@dataclass
class DayTally:
    site_id: int
    day: date
    cursor: tuple[int, int]
    open: dict[int, Open] = field(default_factory=dict)
    waiting: dict[tuple[int, bool], int] = field(default_factory=dict)  # (service, priority?) -> n
    appointments: dict[int, int] = field(default_factory=dict)  # service -> appointments waiting
    states: dict[tuple[int, str], int] = field(default_factory=dict)  # (service, open state) -> n
    served: dict[int, int] = field(default_factory=dict)  # service -> finished today
    counters: dict[int, list[float]] = field(default_factory=dict)  # counter -> [finished, seconds]
    no_shows: dict[int, NoShow] = field(default_factory=dict)  # in the order they happened
    skip: set[int] = field(default_factory=set)  # already in the rows read by `build`
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- figures ---------------------------------------------------------------------------
    def waiting_of(self, service_id: int) -> tuple[int, int]:
        """(waiting, of which priority classes)."""
        normal = self.waiting.get((service_id, False), 0)
        priority = self.waiting.get((service_id, True), 0)
        return normal + priority, priority

    def appointments_waiting(self, service_id: int) -> int:
        return self.appointments.get(service_id, 0)

    def count(self, service_id: int, state: str) -> int:
        """Open tickets of a service in `state` (e.g. "absent": taken from a phone, not checked in)."""
        return self.states.get((service_id, state), 0)

    def latest_no_shows(self, n: int) -> list[NoShow]:
        out: list[NoShow] = []
        for row in reversed(self.no_shows.values()):
            out.append(row)
            if len(out) == n:
                break
        return out

    # -- applying events -------------------------------------------------------------------
    def _add_open(self, ticket_id: int, row: Open) -> None:
        self.open[ticket_id] = row
        self.states[(row.service_id, row.state)] = self.states.get((row.service_id, row.state), 0) + 1
        if row.state == "waiting":
            key = (row.service_id, row.priority != "normal")
            self.waiting[key] = self.waiting.get(key, 0) + 1
            if row.channel == "appointment":
                self.appointments[row.service_id] = self.appointments.get(row.service_id, 0) + 1

    def _drop_open(self, ticket_id: int) -> Open | None:
        row = self.open.pop(ticket_id, None)
        if row is not None:
            self.states[(row.service_id, row.state)] -= 1
        if row is not None and row.state == "waiting":
            key = (row.service_id, row.priority != "normal")
            self.waiting[key] -= 1
            if row.channel == "appointment":
                self.appointments[row.service_id] -= 1
        return row

    def apply(self, event: EventRecord) -> None:
        if event.id in self.skip:
            self.skip.discard(event.id)
            return
        if not event.kind.startswith("ticket.") or event.ticket_id is None:
            return
        d = event.data
        state = d.get("state")
        service_id = d.get("service_id")
        if not isinstance(state, str) or not isinstance(service_id, int):
            return
        tid = event.ticket_id
        before = self._drop_open(tid)
        self.no_shows.pop(tid, None)
        if state == "finished":
            if before is not None:  # only today's tickets are open here
                self.served[service_id] = self.served.get(service_id, 0) + 1
                if event.counter_id is not None:
                    acc = self.counters.setdefault(event.counter_id, [0, 0.0])
                    acc[0] += 1
                    acc[1] += float(d.get("service_seconds") or 0.0)
        elif state == NO_SHOW:
            if before is not None:
                self.no_shows[tid] = NoShow(tid, str(d.get("code", "")), service_id, event.at, event.counter_id)
        elif state not in FINAL:
            channel = d.get("channel") or (before.channel if before is not None else "kiosk")
            self._add_open(tid, Open(state, service_id, str(d.get("priority", "normal")), str(channel)))


def _seconds(session: Session, start, end):  # noqa: ANN001, ANN202
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def build(session: Session, site_id: int, day: date) -> DayTally:
    """Read the day's figures in `session`'s snapshot, at the log's head in that snapshot."""
    cursor = log.head(session)
    tally = DayTally(site_id, day, cursor, skip=set(log.unreadable_ids(session, site_id, cursor)))
    of_day = and_(Ticket.site_id == site_id, Ticket.business_day == day)
    for tid, state, sid, prio, channel in session.execute(
            select(Ticket.id, Ticket.state, Ticket.service_id, Ticket.priority, Ticket.channel)
            .where(of_day, Ticket.state.not_in([*FINAL, NO_SHOW]))):
        tally._add_open(tid, Open(state, sid, prio, channel))
    done = and_(of_day, Ticket.state == "finished")
    tally.served = dict(session.execute(select(Ticket.service_id, func.count()).where(done)
                                        .group_by(Ticket.service_id)).all())
    seconds = _seconds(session, Ticket.serving_at, Ticket.finished_at)
    tally.counters = {cid: [n, float(total or 0)] for cid, n, total in session.execute(
        select(Ticket.counter_id, func.count(), func.sum(cast(seconds, Float)))
        .where(done, Ticket.counter_id.is_not(None)).group_by(Ticket.counter_id))}
    for row in session.execute(
            select(Ticket.id, Ticket.code, Ticket.service_id, Ticket.finished_at, Ticket.counter_id)
            .where(of_day, Ticket.state == NO_SHOW).order_by(Ticket.finished_at, Ticket.id)):
        tally.no_shows[row.id] = NoShow(*row)
    return tally


def catch_up(session: Session, tally: DayTally) -> bool:
    """Apply the events after the tally's cursor readable in `session`; False when there
    are too many (the caller builds afresh)."""
    seen = 0
    while True:
        events = log.read_after(session, tally.cursor, limit=_PAGE, site_ids=[tally.site_id])
        for event in events:
            tally.apply(event)
            tally.cursor = event.cursor
        seen += len(events)
        if len(events) < _PAGE:
            break
        if seen >= CATCH_UP_LIMIT:
            return False
    # what this session already sees but the cursor cannot read yet: applied now, skipped later
    for event in log.read_unreadable(session, tally.site_id, tally.cursor):
        if event.id not in tally.skip:
            tally.apply(event)
            tally.skip.add(event.id)
    return True


_TALLIES: weakref.WeakKeyDictionary[Database, dict[int, DayTally]] = weakref.WeakKeyDictionary()
_TALLIES_LOCK = threading.Lock()


def current(db: Database, session: Session, site_id: int, day: date) -> DayTally:
    """The site's tally for `day`, brought up to what `session` can read (built the first
    time, on a new business day, or after a long gap). Holds the tally's lock only while
    applying, so two snapshots never apply one event twice."""
    with _TALLIES_LOCK:
        per_site = _TALLIES.setdefault(db, {})
        tally = per_site.get(site_id)
    if tally is not None and tally.day == day:
        with tally.lock:
            if catch_up(session, tally):
                return tally
    fresh = build(session, site_id, day)
    with _TALLIES_LOCK:
        _TALLIES.setdefault(db, {})[site_id] = fresh
    return fresh


def forget(db: Database) -> None:
    """Drop every tally of `db` (tests: the next snapshot reads the day afresh)."""
    with _TALLIES_LOCK:
        _TALLIES.pop(db, None)


def figures(tally: DayTally) -> dict[str, Any]:
    """The tally as plain data (tests compare a kept tally with one built afresh)."""
    return {"waiting": {k: v for k, v in sorted(tally.waiting.items()) if v},
            "states": {k: v for k, v in sorted(tally.states.items()) if v},
            "appointments": {k: v for k, v in sorted(tally.appointments.items()) if v},
            "served": dict(sorted(tally.served.items())),
            "counters": {k: [int(v[0]), round(v[1], 1)] for k, v in sorted(tally.counters.items())},
            "no_shows": [r.id for r in tally.no_shows.values()],
            "open": dict(sorted(tally.open.items()))}


__all__ = ["DayTally", "build", "catch_up", "current", "figures", "forget"]

"""Read queries several use cases share, returning plain domain data, not ORM rows.

Nothing here reads every waiting ticket: calling and the wait estimate read the first
tickets of each line (service, class, placement) through the partial index
`ix_tickets_waiting`, and how many wait in each line by a count over the same index. A
service's checked-in appointments (tickets with `due_at`) are one more line, read through
`ix_tickets_appointments` in slot order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, literal_column, or_, select, tuple_, union_all
from sqlalchemy.orm import Session

from queue_server.domain import dispatch
from queue_server.store.tables import Site, Ticket

_T = Ticket.__table__
# A literal, not a parameter: PostgreSQL uses a partial index for a prepared statement's
# generic plan only when the query's own text implies the index's WHERE.
IS_WAITING = _T.c.state == literal_column("'waiting'")
AT_A_COUNTER = _T.c.state.in_([literal_column("'called'"), literal_column("'serving'")])

# A site as the hot paths need it (time zone and policy), without loading the ORM row.
SITE_ROW = select(Site.id, Site.timezone, Site.policy).where(Site.id == bindparam("site_id"))

CLASSES = tuple(dispatch.PriorityClass)
_CLASS = {c.value: c for c in CLASSES}

IS_BOOKED = _T.c.due_at.is_not(None)
_TICKET_COLUMNS = (_T.c.id, _T.c.service_id, _T.c.priority, _T.c.queued_at, _T.c.front, _T.c.number,
                   _T.c.due_at)
Line = tuple[int, str, bool, bool]  # service, class, front, appointment
# "Before" a given ticket: every other service's tickets, and its own service's queued before it.
# With before_service = 0 (no ticket) every waiting ticket counts.
_BEFORE = or_(_T.c.service_id != bindparam("before_service"),
              tuple_(_T.c.queued_at, _T.c.id) < tuple_(bindparam("before_at", type_=_T.c.queued_at.type),
                                                       bindparam("before_id")))


@cache
def _heads_statement(kinds: tuple[bool, ...]) -> Select:
    """The first `limit` waiting tickets of each line of a day: kinds[i] says whether line i
    is a service's appointments (slot order) or a walk-in line (service, class, front)."""
    parts = []
    for i, appointment in enumerate(kinds):
        if appointment:
            parts.append(select(*_TICKET_COLUMNS).where(
                IS_WAITING, IS_BOOKED, _T.c.service_id == bindparam(f"s{i}"), _T.c.business_day == bindparam("day"),
            ).order_by(_T.c.due_at, _T.c.id).limit(bindparam("limit")).subquery(f"l{i}"))
            continue
        parts.append(select(*_TICKET_COLUMNS).where(
            IS_WAITING, _T.c.service_id == bindparam(f"s{i}"), _T.c.business_day == bindparam("day"),
            _T.c.priority == bindparam(f"p{i}"), _T.c.front == bindparam(f"f{i}"), _T.c.due_at.is_(None),
        ).order_by(_T.c.queued_at, _T.c.id).limit(bindparam("limit")).subquery(f"l{i}"))
    return select(*union_all(*[select(*p.c) for p in parts]).subquery("heads").c)


_LINE_COUNTS = select(_T.c.service_id, _T.c.priority, _T.c.front, IS_BOOKED.label("appointment"),
                      func.count()).where(
    IS_WAITING, _T.c.business_day == bindparam("day"), _T.c.service_id.in_(bindparam("service_ids", expanding=True)),
    _BEFORE,
).group_by(_T.c.service_id, _T.c.priority, _T.c.front, IS_BOOKED)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _before_params(before: tuple[int, datetime, int] | None) -> dict[str, Any]:
    if before is None:
        return {"before_service": 0, "before_at": _EPOCH, "before_id": 0}
    service_id, queued_at, ticket_id = before
    return {"before_service": service_id, "before_at": queued_at, "before_id": ticket_id}


def _tickets(db: Session | Connection, lines: Sequence[Line], day: date,
             limit: int) -> list[dispatch.WaitingTicket]:
    if not lines:
        return []
    params: dict[str, Any] = {"day": day, "limit": limit}
    for i, (sid, prio, front, appointment) in enumerate(lines):
        params[f"s{i}"] = sid
        if not appointment:
            params[f"p{i}"], params[f"f{i}"] = prio, front
    ticket = dispatch.WaitingTicket
    statement = _heads_statement(tuple(line[3] for line in lines))
    return [ticket(i, sid, _CLASS[p], q, f, n, d) for i, sid, p, q, f, n, d in db.execute(statement, params)]


def queue_heads(db: Session | Connection, day: date, service_ids: Sequence[int]) -> list[dispatch.WaitingTicket]:
    """The first waiting ticket of every line of these services: all that dispatch needs
    (dispatch.queue_heads says why), in one query of index seeks, whatever the queue's length."""
    lines = [(sid, c.value, front, False) for sid in sorted(service_ids) for c in CLASSES for front in (False, True)]
    lines += [(sid, CLASSES[0].value, False, True) for sid in sorted(service_ids)]
    return _tickets(db, lines, day, 1)


def waiting_lines(db: Session | Connection, day: date, service_ids: Sequence[int], per_line: int,
                  before: tuple[int, datetime, int] | None = None) -> list[dispatch.WaitingLine]:
    """Each non-empty line of these services: its first `per_line` tickets and its count.

    `before` = (service, queued_at, id) of a waiting ticket leaves out the tickets of its
    service queued after it (and itself): what is ahead of it."""
    if not service_ids:
        return []
    params = {"day": day, "service_ids": list(service_ids), **_before_params(before)}
    counts: dict[Line, int] = {}
    for sid, p, f, appointment, n in db.execute(_LINE_COUNTS, params):
        key = (sid, CLASSES[0].value, False, True) if appointment else (sid, p, bool(f), False)
        counts[key] = counts.get(key, 0) + n
    keys = sorted(counts)
    heads: dict[Line, list[dispatch.WaitingTicket]] = {k: [] for k in keys}
    for t in _tickets(db, keys, day, per_line):
        # the tickets before `before` are a prefix of each walk-in line: the count already left
        # the rest out (an appointment line is read whole up to `per_line`: the count says how
        # many of it were queued before)
        if before is None or t.service_id != before[0] or (t.queued_at, t.id) < (before[1], before[2]):
            sid, cls, front, appointment = dispatch.line_key(t)
            heads[(sid, cls.value, front, appointment)].append(t)
    # (on PostgreSQL the two reads may see different commits: a line is never shorter
    # than what was read of it)
    return [dispatch.WaitingLine(sid, _CLASS[p], f, tuple(sorted(h, key=_due_order if a else _order)),
                                 max(counts[(sid, p, f, a)], len(h)), a)
            for (sid, p, f, a), h in heads.items() if h]


def _order(t: dispatch.WaitingTicket) -> tuple[datetime, int]:
    return (t.queued_at, t.id)


def _due_order(t: dispatch.WaitingTicket) -> tuple[datetime, int]:
    return (t.due_at or t.queued_at, t.id)

"""Read queries several use cases share, returning plain domain data, not ORM rows.

Nothing here reads every waiting ticket: calling and the wait estimate read the first
tickets of each line (service, class, placement) through the partial index
`ix_tickets_waiting`, and how many wait in each line by a count over the same index.
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

_TICKET_COLUMNS = (_T.c.id, _T.c.service_id, _T.c.priority, _T.c.queued_at, _T.c.front, _T.c.number)
# "Before" a given ticket: every other service's tickets, and its own service's queued before it.
# With before_service = 0 (no ticket) every waiting ticket counts.
_BEFORE = or_(_T.c.service_id != bindparam("before_service"),
              tuple_(_T.c.queued_at, _T.c.id) < tuple_(bindparam("before_at", type_=_T.c.queued_at.type),
                                                       bindparam("before_id")))


@cache
def _heads_statement(n: int) -> Select:
    """The first `limit` waiting tickets of each of n lines (service, class, front) of a day."""
    parts = []
    for i in range(n):
        parts.append(select(*_TICKET_COLUMNS).where(
            IS_WAITING, _T.c.service_id == bindparam(f"s{i}"), _T.c.business_day == bindparam("day"),
            _T.c.priority == bindparam(f"p{i}"), _T.c.front == bindparam(f"f{i}"),
        ).order_by(_T.c.queued_at, _T.c.id).limit(bindparam("limit")).subquery(f"l{i}"))
    return select(*union_all(*[select(*p.c) for p in parts]).subquery("heads").c)


_LINE_COUNTS = select(_T.c.service_id, _T.c.priority, _T.c.front, func.count()).where(
    IS_WAITING, _T.c.business_day == bindparam("day"), _T.c.service_id.in_(bindparam("service_ids", expanding=True)),
    _BEFORE,
).group_by(_T.c.service_id, _T.c.priority, _T.c.front)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _before_params(before: tuple[int, datetime, int] | None) -> dict[str, Any]:
    if before is None:
        return {"before_service": 0, "before_at": _EPOCH, "before_id": 0}
    service_id, queued_at, ticket_id = before
    return {"before_service": service_id, "before_at": queued_at, "before_id": ticket_id}


def _tickets(db: Session | Connection, lines: Sequence[tuple[int, str, bool]], day: date,
             limit: int) -> list[dispatch.WaitingTicket]:
    if not lines:
        return []
    params: dict[str, Any] = {"day": day, "limit": limit}
    for i, (sid, prio, front) in enumerate(lines):
        params[f"s{i}"], params[f"p{i}"], params[f"f{i}"] = sid, prio, front
    ticket = dispatch.WaitingTicket
    return [ticket(i, sid, _CLASS[p], q, f, n) for i, sid, p, q, f, n in db.execute(_heads_statement(len(lines)),
                                                                                      params)]


def queue_heads(db: Session | Connection, day: date, service_ids: Sequence[int]) -> list[dispatch.WaitingTicket]:
    """The first waiting ticket of every line of these services: all that dispatch needs
    (dispatch.queue_heads says why), in one query of index seeks, whatever the queue's length."""
    lines = [(sid, c.value, front) for sid in sorted(service_ids) for c in CLASSES for front in (False, True)]
    return _tickets(db, lines, day, 1)


def waiting_lines(db: Session | Connection, day: date, service_ids: Sequence[int], per_line: int,
                  before: tuple[int, datetime, int] | None = None) -> list[dispatch.WaitingLine]:
    """Each non-empty line of these services: its first `per_line` tickets and its count.

    `before` = (service, queued_at, id) of a waiting ticket leaves out the tickets of its
    service queued after it (and itself): what is ahead of it."""
    if not service_ids:
        return []
    params = {"day": day, "service_ids": list(service_ids), **_before_params(before)}
    counts = {(sid, p, bool(f)): n for sid, p, f, n in db.execute(_LINE_COUNTS, params)}
    keys = sorted(counts)
    heads: dict[tuple[int, str, bool], list[dispatch.WaitingTicket]] = {k: [] for k in keys}
    for t in _tickets(db, keys, day, per_line):
        # the tickets before `before` are a prefix of each line: the count already left the rest out
        if before is None or t.service_id != before[0] or (t.queued_at, t.id) < (before[1], before[2]):
            heads[(t.service_id, t.priority.value, t.front)].append(t)
    # (on PostgreSQL the two reads may see different commits: a line is never shorter
    # than what was read of it)
    return [dispatch.WaitingLine(sid, _CLASS[p], f, tuple(sorted(h, key=_order)), max(counts[(sid, p, f)], len(h)))
            for (sid, p, f), h in heads.items() if h]


def _order(t: dispatch.WaitingTicket) -> tuple[datetime, int]:
    return (t.queued_at, t.id)

"""Appending to and reading from the event log.

Every change appends its event in its own transaction (the outbox). Readers walk the log
by a cursor ``(txid, id)``: on PostgreSQL an event becomes readable only when every
transaction older than its own has ended, so a reader never skips an event that commits
late; on SQLite writers are serialised, so ids already come in commit order (txid 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from queue_server.store.engine import after_commit
from queue_server.store.tables import Event

CHANNEL = "motcua_events"


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    txid: int
    site_id: int
    kind: str
    at: datetime
    ticket_id: int | None
    counter_id: int | None
    actor: str
    data: dict[str, Any]

    @property
    def cursor(self) -> tuple[int, int]:
        return (self.txid, self.id)

    def as_json(self) -> dict[str, Any]:
        """The staff form; the public form of a kind is decided in events/projection.py."""
        return {
            "id": self.id,
            "site_id": self.site_id,
            "kind": self.kind,
            "at": self.at.isoformat(),
            "ticket_id": self.ticket_id,
            "counter_id": self.counter_id,
            "actor": self.actor,
            "data": self.data,
        }


_INSERT = Event.__table__.insert()
# On PostgreSQL the row carries its transaction's id (see the module docstring).
_INSERT_PG = _INSERT.values(txid=cast(cast(func.pg_current_xact_id(), Text), BigInteger))
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


def append(
    db: Session | Connection,
    *,
    site_id: int,
    kind: str,
    at: datetime,
    ticket_id: int | None = None,
    counter_id: int | None = None,
    actor: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Add one event to the current transaction; when it commits, the event is handed to
    this process's event hub as written (see `store.engine.after_commit`), and on
    PostgreSQL other processes are told through NOTIFY.

    Written at once with a Core insert (a session's pending changes are flushed first, so
    the event never refers to a row not yet written)."""
    if isinstance(db, Session):
        db.flush()
        db = db.connection()
    row = {"site_id": site_id, "kind": kind, "at": at, "ticket_id": ticket_id, "counter_id": counter_id,
           "actor": actor, "data": data or {}}
    if db.dialect.name == "postgresql":
        db.execute(_INSERT_PG, row)
        # Delivered at commit, to every process LISTENing on the channel; dropped on rollback.
        db.execute(_NOTIFY, {"channel": CHANNEL, "payload": str(site_id)})
        # its id is not known here (ids are not in commit order): this process's commit
        # listeners (the metrics) get the event with id 0; the hub reads the log instead
        after_commit(db, EventRecord(0, 0, site_id, kind, at.astimezone(UTC), ticket_id, counter_id,
                                     actor, dict(row["data"])))
    else:
        event_id = db.execute(_INSERT, row).inserted_primary_key[0]
        # the record as the log will give it back: UTC time, the JSON document's copy of data
        after_commit(db, EventRecord(event_id, 0, site_id, kind, at.astimezone(UTC), ticket_id, counter_id,
                                     actor, dict(row["data"])))


def append_many(db: Connection, site_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """Add many events of one site at once (a bulk load); each row holds `append`'s keyword
    arguments but `site_id`. One insert, one wake-up."""
    if not rows:
        return
    full = [{"ticket_id": None, "counter_id": None, "actor": "", "data": {}, **r, "site_id": site_id} for r in rows]
    if db.dialect.name == "postgresql":
        db.execute(_INSERT_PG, full)
        db.execute(_NOTIFY, {"channel": CHANNEL, "payload": str(site_id)})
    else:
        db.execute(_INSERT, full)


_COLUMNS = (Event.id, Event.txid, Event.site_id, Event.kind, Event.at, Event.ticket_id, Event.counter_id,
            Event.actor, Event.data)


def _record(row) -> EventRecord:  # noqa: ANN001
    return EventRecord(row.id, row.txid or 0, row.site_id, row.kind, row.at, row.ticket_id, row.counter_id,
                       row.actor, row.data)


# The oldest transaction that may still commit an event: the oldest one in progress when
# this statement's snapshot was taken, leaving out those that pg_stat_activity shows belong
# to another database of the cluster (a long transaction there must not hold our displays
# back). An in-progress transaction not listed there (it ended meanwhile, or its backend is
# hidden from us) is kept, which only errs towards waiting. Transaction ids in the snapshot
# are 64-bit, backend_xid is their low 32 bits.
_HORIZON = literal_column("""(SELECT coalesce(
    (SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
     WHERE (x::text::bigint % 4294967296) NOT IN (
        SELECT backend_xid::text::bigint FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())),
    pg_snapshot_xmax(pg_current_snapshot())::text::bigint))""", BigInteger)


def _dialect(db: Session | Connection) -> str:
    return (db.dialect if isinstance(db, Connection) else db.get_bind().dialect).name


# The cursor's first half, written as the index on it is (ix_events_cursor: a literal 0, not a
# bound parameter, or neither engine matches the index and every read scans the log).
CURSOR_TXID = func.coalesce(Event.txid, literal_column("0"))


@cache
def _after_statement(postgres: bool, by_site: bool) -> Select:
    """Built once: the statement the event hub runs after every commit."""
    if postgres:
        txid = CURSOR_TXID
        stmt = select(*_COLUMNS).where(tuple_(txid, Event.id) > tuple_(bindparam("txid"), bindparam("id")),
                                       Event.txid < _HORIZON)
        order = (txid, Event.id)
    else:  # txid is always 0 on SQLite: the cursor is the id, and the primary key its index
        stmt = select(*_COLUMNS).where(Event.id > bindparam("id"))
        order = (Event.id,)
    if by_site:
        stmt = stmt.where(Event.site_id.in_(bindparam("site_ids", expanding=True)))
    return stmt.order_by(*order).limit(bindparam("limit"))


def read_after(
    db: Session | Connection,
    cursor: tuple[int, int],
    *,
    limit: int = 1000,
    site_ids: Iterable[int] | None = None,
) -> list[EventRecord]:
    """Events after `cursor`, oldest first, that no still-running transaction can precede.

    `db` may be a plain connection: the hub reads without an ORM session, which costs
    more than the query itself at a hundred commits a second."""
    postgres = _dialect(db) == "postgresql"
    fresh_activity(db)
    params = {"txid": cursor[0], "id": cursor[1], "limit": limit} if postgres else {"id": cursor[1], "limit": limit}
    stmt = _after_statement(postgres, site_ids is not None)
    if site_ids is not None:
        params["site_ids"] = list(site_ids)
    return [_record(row) for row in db.execute(stmt, params)]


def cursor_of(session: Session, event_id: int) -> tuple[int, int] | None:
    """The cursor of a known event id (what a client sends back as Last-Event-ID)."""
    txid = session.scalar(select(func.coalesce(Event.txid, 0)).where(Event.id == event_id))
    return None if txid is None else (txid, event_id)


def head(session: Session) -> tuple[int, int]:
    """The cursor of the newest event a reader may see now (start of a live-only stream)."""
    rows = read_tail(session, 1)
    return rows[-1].cursor if rows else (0, 0)


def read_tail(session: Session, n: int, *, site_ids: Sequence[int] | None = None,
              kinds: Sequence[str] | None = None) -> list[EventRecord]:
    """The newest `n` events (oldest first), e.g. the last calls for a display snapshot."""
    txid = CURSOR_TXID
    stmt = select(*_COLUMNS)
    if session.get_bind().dialect.name == "postgresql":
        fresh_activity(session)
        stmt = stmt.where(Event.txid < _HORIZON)
    if site_ids is not None:
        stmt = stmt.where(Event.site_id.in_(list(site_ids)))
    if kinds:
        stmt = stmt.where(or_(*[Event.kind == k for k in kinds]))
    stmt = stmt.order_by(txid.desc(), Event.id.desc()).limit(n)
    return [_record(row) for row in reversed(list(session.execute(stmt)))]


def read_recent(db: Session | Connection, site_id: int, kinds: Sequence[str], since: datetime, *,
                limit: int = 200) -> list[EventRecord]:
    """A site's events of `kinds` at or after `since`, oldest first (index seeks on
    site, kind and time: the monitor's recent print failures, lockouts, calls). Everything
    committed that the statement sees: a window of time, not a cursor, so an event that
    commits late is simply in the next read, and no older transaction (autovacuum's) holds
    back what a supervisor just did."""
    stmt = select(*_COLUMNS).where(Event.site_id == site_id, Event.kind.in_(list(kinds)), Event.at >= since)
    stmt = stmt.order_by(Event.at.desc(), Event.id.desc()).limit(limit)
    return [_record(row) for row in reversed(list(db.execute(stmt)))]


def read_unreadable(session: Session, site_id: int, after: tuple[int, int]) -> list[EventRecord]:
    """A site's events after `after` that this statement already sees but a cursor reader
    cannot read yet (PostgreSQL: committed above the horizon, while an older transaction of
    this database still runs: another client's, or autovacuum analysing a table), oldest
    first. A reader that takes them now skips them when they come by the cursor. The
    horizon only ever errs low, and not always by the same amount from one statement to the
    next (another database's transaction that ends between the snapshot and the read of
    pg_stat_activity), so events at or before a reader's cursor are left out: read already.
    Always empty on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    fresh_activity(session)
    stmt = (select(*_COLUMNS).where(Event.site_id == site_id, CURSOR_TXID >= _HORIZON,
                                    tuple_(CURSOR_TXID, Event.id) > tuple_(after[0], after[1]))
            .order_by(CURSOR_TXID, Event.id))
    return [_record(row) for row in session.execute(stmt)]


def unreadable_ids(session: Session, site_id: int, after: tuple[int, int]) -> list[int]:
    """The ids of `read_unreadable`."""
    return [e.id for e in read_unreadable(session, site_id, after)]


def fresh_activity(db: Session | Connection) -> None:
    """PostgreSQL keeps what pg_stat_activity showed at its first read in a transaction
    until the transaction ends; the horizon reads it to leave out other databases'
    transactions, so a later read in the same transaction would take a transaction begun
    since in another database for one of ours and hold the horizon back (the monitor read
    a ticket's effect but not its event). Every read of the horizon after a session's
    first clears it first; a plain connection reads once per transaction (the hub)."""
    if not isinstance(db, Session) or _dialect(db) != "postgresql":
        return
    if db.info.get(_READ_ACTIVITY):
        db.execute(_CLEAR_ACTIVITY)
    else:
        db.info[_READ_ACTIVITY] = True


_READ_ACTIVITY = "motcua.read_activity"
_CLEAR_ACTIVITY = text("SELECT pg_stat_clear_snapshot()")


__all__ = ["EventRecord", "append", "read_after", "cursor_of", "head", "read_tail", "read_recent",
           "read_unreadable", "unreadable_ids", "fresh_activity", "CHANNEL"]

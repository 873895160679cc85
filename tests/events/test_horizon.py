"""PostgreSQL's event horizon (events/log.py): a reader never skips an event that commits
late, yet a transaction of another database on the same server never holds our readers
back, not even on the second read of a transaction (pg_stat_activity is read once per
transaction unless cleared); and the monitor shows what it already sees above the horizon."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from queue_server.domain.business_day import business_day
from queue_server.events import log
from queue_server.services.monitor import snapshot, tally
from queue_server.services.queue import counters
from queue_server.services.queue import tickets as queue
from queue_server.store.tables import Site
from tests.conftest import PG_URL, build_hall


def test_a_transaction_begun_in_another_database_since_the_first_read_does_not_hold_the_second(pg_ctx):
    hall = build_hall(pg_ctx)
    other = create_engine(PG_URL)
    try:
        with other.connect() as before, other.connect() as since:
            before.begin()
            before.execute(text("SELECT txid_current()"))  # another database's, open all along
            queue.issue_ticket(pg_ctx, hall.kiosk, hall.a)  # ours, committed since: `before` is below
            with pg_ctx.db.reading() as session:
                cursor = log.head(session)  # the transaction's first look at pg_stat_activity
                since.begin()
                since.execute(text("SELECT txid_current()"))  # another database's, begun since
                queue.issue_ticket(pg_ctx, hall.kiosk, hall.a)  # ours, committed after both
                kinds = [e.kind for e in log.read_after(session, cursor)]
            since.rollback()
            before.rollback()
    finally:
        other.dispose()
    assert kinds == ["ticket.issued"]


def test_the_monitor_shows_at_once_what_an_older_transaction_holds_below_the_horizon(pg_ctx):
    """A ticket issued and one called while another transaction of our database (autovacuum
    analysing a table, any client) is open: the supervisor's monitor, already kept from the
    events, shows both at once, and counts them once when the horizon moves on."""
    hall = build_hall(pg_ctx)
    counters.set_state(pg_ctx, hall.clerk, hall.c3, "open")
    with pg_ctx.db.reading() as s:
        site = s.get(Site, hall.site_id)
    queue.issue_ticket(pg_ctx, hall.kiosk, hall.a)
    a = lambda snap: next(x for x in snap["services"] if x["id"] == hall.a)  # noqa: E731
    assert a(snapshot.snapshot(pg_ctx, hall.supervisor, site))["waiting"] == 1  # the kept tally
    with pg_ctx.db.engine.connect() as older:
        older.begin()
        older.execute(text("SELECT txid_current()"))  # holds the horizon here
        queue.issue_ticket(pg_ctx, hall.kiosk, hall.a)
        queue.issue_ticket(pg_ctx, hall.kiosk, hall.a)
        queue.call_next(pg_ctx, hall.clerk, hall.c3)
        held = a(snapshot.snapshot(pg_ctx, hall.supervisor, site))
        older.rollback()
    after = a(snapshot.snapshot(pg_ctx, hall.supervisor, site))
    day = business_day(pg_ctx.clock.now(), site.timezone)
    with pg_ctx.db.reading() as s:
        kept = tally.figures(tally.current(pg_ctx.db, s, site.id, day))
        fresh = tally.figures(tally.build(s, site.id, day))
    assert held["waiting"] == 2
    assert after["waiting"] == 2
    assert kept == fresh

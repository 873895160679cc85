"""The monitor's day figures kept from the event log (services/monitor/tally.py) are the
figures the tickets give when read afresh: after any mix of issuing, calling, serving,
no-shows, requeues, cancellations and transfers, on both engines, and on PostgreSQL while
an older transaction holds the event horizon back."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import text

from queue_server.domain.business_day import business_day
from queue_server.services.errors import Conflict, InvalidInput, NotFound
from queue_server.services.monitor import heartbeat, snapshot, tally
from queue_server.services.queue import counters
from queue_server.services.queue import tickets as queue
from queue_server.store.tables import Site


@pytest.fixture(autouse=True)
def _fresh():
    heartbeat.forget()
    yield
    heartbeat.forget()


def _site(ctx, hall):  # noqa: ANN001, ANN202
    with ctx.db.reading() as s:
        return s.get(Site, hall.site_id)


def kept_and_fresh(ctx, hall):  # noqa: ANN001, ANN201
    """The snapshot from the kept tally, then the same snapshot with the day read afresh."""
    site = _site(ctx, hall)
    kept = snapshot.snapshot(ctx, hall.supervisor, site)
    with ctx.db.reading() as s:
        kept_figures = tally.figures(tally.current(ctx.db, s, site.id, business_day(ctx.clock.now(), site.timezone)))
    tally.forget(ctx.db)
    fresh = snapshot.snapshot(ctx, hall.supervisor, site)
    with ctx.db.reading() as s:
        fresh_figures = tally.figures(tally.build(s, site.id, business_day(ctx.clock.now(), site.timezone)))
    return kept, fresh, kept_figures, fresh_figures


def _busy(hall, ctx, clock, rng: random.Random, steps: int) -> None:  # noqa: ANN001
    """`steps` random things a hall does, each as the clerks and supervisor would."""
    waiting_no_shows: list[int] = []
    staff = {hall.c1: hall.supervisor, hall.c2: hall.clerk2, hall.c3: hall.clerk}
    for _ in range(steps):
        clock.advance(rng.randint(5, 90))
        what = rng.random()
        counter = rng.choice(list(staff))
        clerk = staff[counter]
        try:
            if what < 0.35:
                queue.issue_ticket(ctx, hall.kiosk, rng.choice([hall.a, hall.b]),
                                   priority=rng.choice(["normal", "normal", "normal", "elderly"]))
            elif what < 0.55:
                queue.call_next(ctx, clerk, counter)
            elif what < 0.65:
                queue.start(ctx, clerk, counter)
            elif what < 0.8:
                queue.finish(ctx, clerk, counter)
            elif what < 0.86:
                queue.recall(ctx, clerk, counter)
                queue.recall(ctx, clerk, counter)
                clock.advance(600)
                waiting_no_shows.append(queue.no_show(ctx, clerk, counter).id)
            elif what < 0.9 and waiting_no_shows:
                queue.requeue(ctx, hall.supervisor, waiting_no_shows.pop(0), reason="quay lại")
            elif what < 0.95:
                current = snapshot.snapshot(ctx, hall.supervisor, _site(ctx, hall))["waiting"]
                if current:
                    queue.cancel(ctx, hall.supervisor, rng.choice(current)["id"], reason="khách về")
            else:
                queue.transfer(ctx, clerk, counter, rng.choice([hall.a, hall.b]))
        except (Conflict, NotFound, InvalidInput):
            pass  # nothing at that counter, the same service, too early: as in a real hall


def open_counters(hall, ctx) -> None:  # noqa: ANN001
    """Each clerk opens a counter of their own, the supervisor the first."""
    for counter, who in ((hall.c1, hall.supervisor), (hall.c2, hall.clerk2), (hall.c3, hall.clerk)):
        counters.set_state(ctx, who, counter, "open")


@pytest.mark.parametrize("seed", [1, 2])
def test_the_kept_figures_equal_the_day_read_afresh_after_any_mix_of_events(hall, ctx, clock, seed):
    open_counters(hall, ctx)
    rng = random.Random(seed)
    for _ in range(6):
        _busy(hall, ctx, clock, rng, 25)
        kept, fresh, kept_figures, fresh_figures = kept_and_fresh(ctx, hall)
        assert kept_figures == fresh_figures
        assert kept == fresh  # every figure, list and alert the supervisor sees
    served = sum(s["served_today"] for s in kept["services"])
    assert served > 0 and kept["no_shows"] or served > 5  # the mix really served people


def test_the_snapshot_reads_only_the_events_since_the_last_one(hall, ctx, clock):
    """After the first snapshot of the day, the next reads the few new events, not the day:
    the figures move with each event although no ticket row is counted again."""
    open_counters(hall, ctx)
    for _ in range(30):
        clock.advance(5)  # a kiosk gives at most 20 numbers a minute
        queue.issue_ticket(ctx, hall.kiosk, hall.a)
    site = _site(ctx, hall)
    first = snapshot.snapshot(ctx, hall.supervisor, site)
    day = business_day(clock.now(), site.timezone)
    with ctx.db.reading() as s:
        kept = tally.current(ctx.db, s, site.id, day)
    queue.call_next(ctx, hall.clerk, hall.c3)
    clock.advance(100)
    queue.finish(ctx, hall.clerk, hall.c3)
    second = snapshot.snapshot(ctx, hall.supervisor, site)
    with ctx.db.reading() as s:
        assert tally.current(ctx.db, s, site.id, day) is kept  # the same tally, moved on by two events
    a = lambda snap: next(x for x in snap["services"] if x["id"] == hall.a)  # noqa: E731
    assert (a(first)["waiting"], a(first)["served_today"]) == (30, 0)
    assert (a(second)["waiting"], a(second)["served_today"]) == (29, 1)
    c3 = next(c for c in second["counters"] if c["id"] == hall.c3)
    assert c3["served_today"] == 1 and c3["service_seconds_total"] == pytest.approx(100, abs=1)


def test_a_new_business_day_starts_from_nothing(hall, ctx, clock):
    open_counters(hall, ctx)
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.call_next(ctx, hall.clerk, hall.c3)
    queue.finish(ctx, hall.clerk, hall.c3)
    site = _site(ctx, hall)
    assert sum(s["served_today"] for s in snapshot.snapshot(ctx, hall.supervisor, site)["services"]) == 1
    clock.advance(24 * 3600)
    after = snapshot.snapshot(ctx, hall.supervisor, site)
    assert sum(s["served_today"] for s in after["services"]) == 0


def test_events_committed_above_the_postgres_horizon_are_not_counted_twice(hall, ctx, clock):
    """An older transaction still open: the tickets already show the newer commits while the
    log cannot deliver their events yet. Built then, the tally must not count them again
    when they arrive."""
    if not ctx.db.is_postgres:
        pytest.skip("the event horizon exists on PostgreSQL only")
    open_counters(hall, ctx)
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    tally.forget(ctx.db)
    with ctx.db.engine.connect() as older:
        older.begin()
        older.execute(text("SELECT txid_current()"))  # holds the horizon here
        for _ in range(3):
            queue.issue_ticket(ctx, hall.kiosk, hall.a)
            clock.advance(30)
            queue.call_next(ctx, hall.clerk, hall.c3)
            clock.advance(60)
            queue.finish(ctx, hall.clerk, hall.c3)
        held = snapshot.snapshot(ctx, hall.supervisor, _site(ctx, hall))  # built while held back
        older.rollback()
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    kept, fresh, kept_figures, fresh_figures = kept_and_fresh(ctx, hall)
    a = lambda snap: next(x for x in snap["services"] if x["id"] == hall.a)  # noqa: E731
    assert a(held)["served_today"] == 3
    assert kept_figures == fresh_figures
    assert (a(kept)["served_today"], a(kept)["waiting"]) == (3, 2)


def test_two_supervisors_reading_at_once_never_apply_an_event_twice(hall, ctx, clock):
    import threading

    open_counters(hall, ctx)
    site = _site(ctx, hall)
    snapshot.snapshot(ctx, hall.supervisor, site)
    for _ in range(40):
        clock.advance(5)
        queue.issue_ticket(ctx, hall.kiosk, hall.b)
    for _ in range(10):
        queue.call_next(ctx, hall.clerk2, hall.c2)
        queue.finish(ctx, hall.clerk2, hall.c2)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            snapshot.snapshot(ctx, hall.supervisor, site)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    kept, fresh, kept_figures, fresh_figures = kept_and_fresh(ctx, hall)
    assert kept_figures == fresh_figures
    b = next(x for x in kept["services"] if x["id"] == hall.b)
    assert (b["waiting"], b["served_today"]) == (30, 10)


def test_closing_counters_keeps_the_figures(hall, ctx, clock):
    open_counters(hall, ctx)
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.call_next(ctx, hall.clerk, hall.c3)
    snapshot.snapshot(ctx, hall.supervisor, _site(ctx, hall))
    queue.finish(ctx, hall.clerk, hall.c3)
    counters.set_state(ctx, hall.supervisor, hall.c3, "closed")
    kept, fresh, kept_figures, fresh_figures = kept_and_fresh(ctx, hall)
    assert kept == fresh and kept_figures == fresh_figures

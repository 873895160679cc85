"""The event hub of one server process: what its own transactions commit reaches its
subscribers at once and without reading the log back, yet in the log's order, once, and
exactly as a screen resuming from the log would see it; what another process commits is
read from the log and never overtaken."""

from __future__ import annotations

import asyncio
import threading

import pytest

from queue_server.events import log
from queue_server.events.hub import EventHub, Filter
from queue_server.store.engine import Database
from tests.conftest import build_hall


def run_apart(coro):  # noqa: ANN001, ANN201
    """asyncio.run in a thread of its own: the session's Playwright keeps an event loop running
    in the main thread once a browser test has run, and asyncio.run refuses to nest."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _append(db: Database, site_id: int, kind: str, at) -> None:  # noqa: ANN001
    with db.writing() as session:
        log.append(session, site_id=site_id, kind=kind, at=at, data={"code": kind, "n": 1})


async def _take(hub: EventHub, n: int, cursor=None, timeout: float = 10) -> list:  # noqa: ANN001
    got = []

    async def collect() -> None:
        async for event in hub.subscribe(cursor, Filter()):
            got.append(event)
            if len(got) == n:
                return

    await asyncio.wait_for(collect(), timeout)
    return got


def _reads_counted(hub: EventHub) -> list[int]:
    reads = [0]
    original = hub._read_after

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        reads[0] += 1
        return original(*args, **kwargs)

    hub._read_after = counting
    return reads


def test_this_process_commits_reach_its_subscribers_without_reading_the_log(ctx):
    if ctx.db.is_postgres:
        pytest.skip("on PostgreSQL the hub reads its own commits too (the event horizon)")
    hall = build_hall(ctx)
    now = ctx.clock.now()

    async def scenario() -> tuple[list, int]:
        hub = EventHub(ctx.db, poll_interval=3600)  # no polling: only what commits hand over
        await hub.start()
        reads = _reads_counted(hub)
        try:
            head = hub.cursor
            waiting = asyncio.create_task(_take(hub, 3, head))
            await asyncio.sleep(0.05)
            for kind in ("hall.one", "hall.two", "hall.three"):
                await asyncio.to_thread(_append, ctx.db, hall.site_id, kind, now)
            return await waiting, reads[0]
        finally:
            await hub.stop()

    events, reads = run_apart(scenario())
    assert [e.kind for e in events] == ["hall.one", "hall.two", "hall.three"]
    assert reads == 0
    # exactly what a screen resuming with Last-Event-ID reads back from the log
    with ctx.db.reading() as s:
        logged = log.read_after(s, (0, events[0].id - 1), limit=3)
    assert [e.as_json() for e in events] == [e.as_json() for e in logged]


def test_an_event_another_process_committed_first_is_not_overtaken(ctx, tmp_path):
    """Another process (here a second engine on the same database, as a `motcua` command or
    a second server would be) commits between two commits of ours: the hub delivers it in
    its place, and our later event after it."""
    hall = build_hall(ctx)
    now = ctx.clock.now()
    other = Database(ctx.settings.effective_database_url)

    async def scenario() -> list:
        hub = EventHub(ctx.db, poll_interval=3600)
        await hub.start()
        try:
            head = hub.cursor
            waiting = asyncio.create_task(_take(hub, 3, head))
            await asyncio.sleep(0.05)
            await asyncio.to_thread(_append, ctx.db, hall.site_id, "hall.ours.1", now)
            await asyncio.to_thread(_append, other, hall.site_id, "hall.theirs", now)
            await asyncio.to_thread(_append, ctx.db, hall.site_id, "hall.ours.2", now)
            return await waiting
        finally:
            await hub.stop()

    try:
        events = run_apart(scenario())
    finally:
        other.dispose()
    assert [e.kind for e in events] == ["hall.ours.1", "hall.theirs", "hall.ours.2"]
    assert [e.cursor for e in events] == sorted(e.cursor for e in events)


def test_many_writers_of_this_process_each_event_once_in_log_order(ctx):
    """Eight threads commit at once while the hub also polls the log: every event arrives
    once, in the order of the log."""
    hall = build_hall(ctx)
    now = ctx.clock.now()
    per_thread, threads = 15, 8

    def writer(i: int) -> None:
        for k in range(per_thread):
            _append(ctx.db, hall.site_id, f"hall.w{i}.{k}", now)

    async def scenario() -> list:
        hub = EventHub(ctx.db, poll_interval=0.02, min_read_interval=0.0)
        await hub.start()
        try:
            waiting = asyncio.create_task(_take(hub, per_thread * threads, hub.cursor, timeout=60))
            await asyncio.sleep(0.05)
            workers = [threading.Thread(target=writer, args=(i,)) for i in range(threads)]
            for w in workers:
                w.start()
            await asyncio.to_thread(lambda: [w.join() for w in workers])
            got = await waiting
            await asyncio.sleep(0.2)  # nothing more (no duplicate) arrives afterwards
            extra = hub._from_buffer(got[-1].cursor)
            return got + list(extra or [])
        finally:
            await hub.stop()

    events = run_apart(scenario())
    assert len(events) == per_thread * threads
    assert len({e.id for e in events}) == len(events)
    with ctx.db.reading() as s:
        logged = log.read_after(s, (0, 0), limit=1000)
    logged = [e for e in logged if e.kind.startswith("hall.w")]
    assert [e.cursor for e in events] == [e.cursor for e in logged]


@pytest.mark.postgres
def test_on_postgres_our_commit_waits_for_an_older_open_transaction(pg_ctx):
    """A transaction of another process, older than ours, is still open with an event: our
    newer event is not delivered before it; once it commits, both come, the older first."""
    ctx = pg_ctx
    hall = build_hall(ctx)
    now = ctx.clock.now()
    other = Database(ctx.settings.effective_database_url)
    slow = other._write()

    async def scenario() -> tuple[list, list]:
        hub = EventHub(ctx.db, poll_interval=0.05)
        await hub.start()
        try:
            head = hub.cursor
            slow.begin()
            log.append(slow, site_id=hall.site_id, kind="hall.slow", at=now)
            slow.flush()
            await asyncio.to_thread(_append, ctx.db, hall.site_id, "hall.ours", now)
            await asyncio.sleep(0.5)
            early = list(hub._from_buffer(head) or [])
            await asyncio.to_thread(slow.commit)
            return early, await _take(hub, 2, head)
        finally:
            await hub.stop()

    try:
        early, events = run_apart(scenario())
    finally:
        slow.close()
        other.dispose()
    assert [e.kind for e in early] == []
    assert [e.kind for e in events] == ["hall.slow", "hall.ours"]


def test_a_screen_waiting_for_calls_gets_keep_alives_while_other_events_flow(ctx):
    """Finishes and issues keep coming, but a display asked only for calls: it is not woken
    for each of them, and its connection still gets a keep-alive when no call came."""
    hall = build_hall(ctx)
    now = ctx.clock.now()

    async def scenario() -> list:
        hub = EventHub(ctx.db, poll_interval=0.05)
        await hub.start()
        seen: list = []
        try:
            async def screen() -> None:
                async for event in hub.subscribe(None, Filter(kinds=("ticket.called",)), heartbeat=0.4):
                    seen.append(None if event is None else event.kind)
                    if "ticket.called" in seen:
                        return

            watching = asyncio.create_task(screen())
            for _ in range(12):  # 1.2 s of other events
                await asyncio.to_thread(_append, ctx.db, hall.site_id, "ticket.finished", now)
                await asyncio.sleep(0.1)
            await asyncio.to_thread(_append, ctx.db, hall.site_id, "ticket.called", now)
            await asyncio.wait_for(watching, 10)
            return seen
        finally:
            await hub.stop()

    seen = run_apart(scenario())
    assert seen[-1] == "ticket.called" and "ticket.finished" not in seen
    assert seen.count(None) >= 2  # keep-alives at 0.4 s and 0.8 s despite the finishes


def test_a_screen_resuming_from_before_what_the_hub_still_holds_gets_every_event_once(ctx):
    """The hub keeps only its newest events (trimmed a batch at a time); a screen resuming
    from an older cursor reads the gap from the log, then the kept events, none twice."""
    hall = build_hall(ctx)
    now = ctx.clock.now()

    async def scenario() -> tuple[list, int]:
        hub = EventHub(ctx.db, poll_interval=0.02, buffer_size=8)
        await hub.start()
        try:
            head = hub.cursor
            for k in range(30):
                await asyncio.to_thread(_append, ctx.db, hall.site_id, f"hall.k{k}", now)
            for _ in range(200):  # until the hub has taken all 30 (handed over or read)
                if hub._buffer and hub._buffer[-1].kind == "hall.k29":
                    break
                await asyncio.sleep(0.02)
            kept = len(hub._buffer)
            return await _take(hub, 30, head), kept
        finally:
            await hub.stop()

    resumed, kept = run_apart(scenario())
    assert kept <= 8 + 8 // 4  # the hub did not keep all 30
    assert [e.kind for e in resumed] == [f"hall.k{k}" for k in range(30)]

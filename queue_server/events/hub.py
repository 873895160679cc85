"""The live stream: one reader of the event log per server process, fanned out to
every subscriber (hall displays, clerk consoles, agents) of that process.

Events reach the hub two ways, and both keep the log's order (its cursor):

- **Handed over** (SQLite): a transaction of this process that commits events gives them to
  the hub straight after its commit, without the hub reading them back. SQLite has one
  writer at a time, so ids come in commit order, and this process hands its commits over
  in that order (under its writer lock). The hub takes a handed-over event only if it is
  the very next one of the log (its id follows the hub's cursor); anything else (another
  process, e.g. a `motcua` command, wrote in between) sends the hub to the log instead.
- **Read from the log**: when another process commits (PostgreSQL LISTEN/NOTIFY), after
  every commit of this process on PostgreSQL, and at least every `poll_interval` seconds.
  On PostgreSQL an event is delivered only once every older transaction has ended (the
  event horizon, see `log`), and a committing process cannot know that without asking the
  database, so there the hub reads even its own process's events.

Either way an event is appended only if it comes after the hub's cursor, so nothing is
delivered twice. The hub keeps the newest events in memory; a subscriber further behind (a
display reconnecting with Last-Event-ID after a long outage) reads its gap straight from the
log, then catches up.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url

from queue_server.events import log
from queue_server.events.log import EventRecord
from queue_server.events.projection import has_public_form
from queue_server.store.engine import Database, DatabaseUnavailable

logger = logging.getLogger(__name__)


@dataclass
class Filter:
    site_ids: frozenset[int] | None = None
    kinds: tuple[str, ...] = ()  # exact kinds or prefixes ending in "." ("ticket.")
    public_only: bool = False  # only kinds with a public form (events/projection.py)
    predicate: Callable[[EventRecord], bool] | None = field(default=None, repr=False)

    def accepts(self, event: EventRecord) -> bool:
        if self.site_ids is not None and event.site_id not in self.site_ids:
            return False
        if self.public_only and not has_public_form(event.kind):
            return False
        if self.kinds and not any(
            event.kind == k or (k.endswith(".") and event.kind.startswith(k)) for k in self.kinds
        ):
            return False
        return self.predicate is None or self.predicate(event)


class EventHub:
    def __init__(self, db: Database, *, poll_interval: float = 1.0, buffer_size: int = 20000,
                 min_read_interval: float = 0.01) -> None:
        self.db = db
        self.poll_interval = poll_interval
        # Under a burst of commits, reads start at most this often and each takes every
        # event committed since the last one; a lone commit is read at once.
        self.min_read_interval = min_read_interval
        self.buffer_size = buffer_size
        self._buffer: list[EventRecord] = []
        self._keys: list[tuple[int, int]] = []
        self._base: tuple[int, int] = (0, 0)  # everything after _base up to cursor is in _buffer
        self.cursor: tuple[int, int] = (0, 0)
        self._wake = asyncio.Event()
        # one future per subscriber waiting for news, with its filter
        self._waiters: dict[asyncio.Future, Filter] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        self._listening = False  # the LISTEN connection is up (PostgreSQL)
        # for /metrics and the health check
        self.subscribers = 0  # streams open now
        self.read_failures = 0
        self.last_read_monotonic = 0.0  # when the log was last read (or the hub started)
        self.observers: list[Callable[[list[EventRecord]], None]] = []  # told of each batch delivered

    # -- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.cursor = self._base = await asyncio.to_thread(self._read_head)
        self.last_read_monotonic = self._loop.time()
        self.db.add_commit_listener(self.committed_threadsafe)
        self._tasks.append(asyncio.create_task(self._run(), name="event-hub"))
        if self.db.is_postgres:
            self._tasks.append(asyncio.create_task(self._listen(), name="event-hub-listen"))

    async def stop(self) -> None:
        self._stopping = True
        self.db.remove_commit_listener(self.committed_threadsafe)
        for task in self._tasks:
            if task.get_name() != "event-hub-listen":
                task.cancel()
        for task in self._tasks:
            try:
                # the listener leaves by itself within its 1 s wait; cancel only if it does not
                await asyncio.wait_for(asyncio.shield(task), timeout=3)
            except (asyncio.CancelledError, TimeoutError):
                task.cancel()
            except Exception:  # noqa: BLE001 - a failed task must not stop the shutdown
                logger.exception("event hub task failed")
        self._tasks.clear()
        self._notify()

    @property
    def stopping(self) -> bool:
        return self._stopping

    def end_streams_threadsafe(self) -> None:
        """The server is shutting down: let every open stream finish now (clients reconnect
        with Last-Event-ID), instead of holding the shutdown until its grace period runs out."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def end() -> None:
            self._stopping = True
            self._notify()

        loop.call_soon_threadsafe(end)

    def wake_threadsafe(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    def committed_threadsafe(self, items: list) -> None:
        """A commit listener (`Database.add_commit_listener`): runs in the committing thread
        with what the transaction handed over (its events, on SQLite)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if self.db.is_postgres:
            # a commit that wrote events also NOTIFYs, and that wakes this hub like every
            # other process's: waking here too would read the log twice per commit
            if not self._listening:
                loop.call_soon_threadsafe(self._wake.set)
            return
        events = [item for item in items if isinstance(item, EventRecord)]
        if events:
            loop.call_soon_threadsafe(self._take_handed_over, events)

    def _take_handed_over(self, events: list[EventRecord]) -> None:
        """Append this process's freshly committed events if they continue the log exactly
        where the hub is; otherwise read the log (it holds them, and whatever came between)."""
        fresh = [e for e in events if e.cursor > self.cursor]
        if not fresh:
            return  # a read got there first
        txid, last = self.cursor
        for e in fresh:
            if e.txid != 0 or txid != 0 or e.id != last + 1:
                self._wake.set()
                return
            last = e.id
        self._extend(fresh)

    def _extend(self, batch: list[EventRecord]) -> None:
        """Append the events of `batch` after the cursor (`batch` is a run of the log that
        starts at or before it), and wake the subscribers."""
        if batch and batch[0].cursor <= self.cursor:
            batch = [e for e in batch if e.cursor > self.cursor]
        if not batch:
            return
        self._buffer.extend(batch)
        self._keys.extend(e.cursor for e in batch)
        self.cursor = batch[-1].cursor
        # trimmed by a quarter at a time: cutting one event off the front of a full buffer
        # moved all 20,000 references on every commit
        if len(self._buffer) > self.buffer_size + self.buffer_size // 4:
            cut = len(self._buffer) - self.buffer_size
            self._base = self._keys[cut - 1]
            del self._buffer[:cut]
            del self._keys[:cut]
        self._notify(batch)
        for observe in self.observers:
            try:
                observe(batch)
            except Exception:  # an observer (the metrics) must never stop the stream
                logger.exception("event hub observer failed")

    def _notify(self, batch: list[EventRecord] | None = None) -> None:
        """Wake the subscribers that `batch` has something for (all of them without a batch:
        the hub stops). A hall display waiting for calls is not woken by each finish: with a
        thousand screens a wake-up that yields nothing is most of the cost of an event."""
        waiters, self._waiters = self._waiters, {}
        for waiter, flt in waiters.items():
            if waiter.done():
                continue
            if batch is None or any(flt.accepts(e) for e in batch):
                waiter.set_result(True)
            else:
                self._waiters[waiter] = flt

    # -- reading the log ------------------------------------------------------------
    def _read_head(self) -> tuple[int, int]:
        with self.db.reading() as session:
            return log.head(session)

    def _read_after(self, cursor: tuple[int, int], limit: int = 1000,
                    site_ids: frozenset[int] | None = None) -> list[EventRecord]:
        with self.db.connection() as conn:
            return log.read_after(conn, cursor, limit=limit, site_ids=site_ids)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last_read = 0.0
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            except TimeoutError:
                pass
            pause = last_read + self.min_read_interval - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            last_read = loop.time()
            self._wake.clear()
            try:
                await self._fetch()
                self.last_read_monotonic = loop.time()
            except DatabaseUnavailable as exc:
                self.read_failures += 1
                logger.warning("event hub: database unavailable: %s", exc)
                await asyncio.sleep(self.poll_interval)
            except Exception:  # keep the stream alive whatever one read does
                self.read_failures += 1
                logger.exception("event hub: reading the log failed")
                await asyncio.sleep(self.poll_interval)

    async def _fetch(self) -> None:
        while True:
            batch = await asyncio.to_thread(self._read_after, self.cursor)
            if not batch:
                return
            # events handed over while the read ran are already in: _extend skips them
            self._extend(batch)
            if len(batch) < 1000:
                # a transaction still open may hold back newer events: look again soon
                return

    async def _listen(self) -> None:
        import psycopg

        conninfo = make_url(self.db.url).set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stopping:
            try:
                conn = await psycopg.AsyncConnection.connect(conninfo, autocommit=True, connect_timeout=5)
                try:
                    await conn.execute(f"LISTEN {log.CHANNEL}")
                    self._listening = True
                    self._wake.set()  # catch up on whatever happened while not listening
                    while not self._stopping:
                        # a bounded wait, so that stopping never depends on cancelling inside psycopg
                        async for _ in conn.notifies(timeout=1.0):
                            self._wake.set()
                finally:
                    self._listening = False
                    await conn.close()
            except Exception as exc:
                if self._stopping:
                    return
                logger.warning("event hub: LISTEN connection lost (%s); retrying", exc)
                await asyncio.sleep(self.poll_interval)

    # -- subscribers ---------------------------------------------------------------
    def _from_buffer(self, cursor: tuple[int, int]) -> list[EventRecord] | None:
        if cursor < self._base:
            return None
        i = bisect.bisect_right(self._keys, cursor)
        return self._buffer[i:]

    async def _wait(self, flt: Filter, timeout: float | None) -> bool:
        """Until the hub has news for `flt` or stops (True), or `timeout` seconds (False).
        A future and a timer per waiting subscriber: news wakes each one in one step."""
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._waiters[waiter] = flt
        timer = loop.call_later(timeout, _resolve, waiter, False) if timeout is not None else None
        try:
            return await waiter
        finally:
            self._waiters.pop(waiter, None)
            if timer is not None:
                timer.cancel()

    async def subscribe(self, cursor: tuple[int, int] | None, flt: Filter,
                        *, heartbeat: float | None = None) -> AsyncIterator[EventRecord | None]:
        """Yield events after `cursor` (from now when None) that pass `flt`, forever.

        With `heartbeat`, yields None after that many seconds without an event for `flt`
        (for keep-alives).
        """
        if cursor is None:
            cursor = self.cursor
        self.subscribers += 1
        try:
            while not self._stopping:
                events = self._from_buffer(cursor)
                if events is None:
                    events = await asyncio.to_thread(self._read_after, cursor, 1000, flt.site_ids)
                    if not events:  # the gap holds nothing for us: jump to the buffer
                        cursor = max(cursor, self._base)
                        continue
                if events:
                    for event in events:
                        if flt.accepts(event):
                            yield event
                    cursor = max(cursor, events[-1].cursor)
                    continue
                if self.cursor <= cursor and not self._stopping:
                    if not await self._wait(flt, heartbeat):
                        yield None
        finally:
            self.subscribers -= 1


def _resolve(waiter: asyncio.Future, value: bool) -> None:
    if not waiter.done():
        waiter.set_result(value)

"""Engine set-up for the two engines Motcua runs on.

SQLite (the embedded default): one file in the data directory, WAL, foreign keys,
a busy timeout, and ``BEGIN IMMEDIATE`` for writing transactions so two writers never
deadlock on a lock upgrade. PostgreSQL (``postgresql+psycopg://``): a pooled engine;
correctness comes from row locks and unique constraints, never in-process locks.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

READONLY = "motcua_readonly"
# Where a writing transaction collects what its commit listeners receive (see after_commit).
_AFTER_COMMIT = "motcua_after_commit"


def after_commit(conn: Connection, item: object) -> None:
    """Hand `item` to the database's commit listeners once the transaction `conn` is in
    commits (the event log hands its freshly written events to the local event hub this way).
    Nothing is handed on rollback, nor for a transaction not begun by `Database`."""
    bucket = conn.info.get(_AFTER_COMMIT)
    if bucket is not None:
        bucket.append(item)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached (or stays locked); the request may be retried."""


def make_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 15},
            pool_size=8,
            max_overflow=16,
        )
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            url,
            echo=echo,
            pool_size=10,
            max_overflow=20,
            pool_pre_ping=True,
            pool_timeout=10,
            connect_args={"connect_timeout": 5},
        )
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql+psycopg://...")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        if conn.get_execution_options().get(READONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class Database:
    """The engine plus two kinds of session: writing (one transaction) and reading."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.is_postgres = is_postgres(self.engine)
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        # a connection going back to the pool forgets its transaction's bucket, so a later
        # transaction on it (one not begun by `writing`/`transaction`) never adds to it
        event.listen(self.engine, "checkin", lambda _dbapi, record: record.info.pop(_AFTER_COMMIT, None))
        self._read_engine = self.engine.execution_options(**{READONLY: True})
        self._read = sessionmaker(self._read_engine, expire_on_commit=False)
        self._commit_listeners: list[Callable[[list], None]] = []
        # SQLite admits one writer at a time; a waiting writer sleeps in SQLite's busy
        # handler (up to 100 ms a nap). Queueing this process's writers on a lock hands
        # the file over at once. Correctness still comes from SQLite's own locking.
        self._writer_turn = threading.Lock() if not self.is_postgres else contextlib.nullcontext()

    def add_commit_listener(self, listener: Callable[[list], None]) -> None:
        """Call `listener(items)` after each writing transaction commits, in the committing
        thread, with what the transaction passed to `after_commit` (often nothing). On SQLite
        it runs before the next writer of this process begins, so listeners see this
        process's commits in commit order."""
        self._commit_listeners.append(listener)

    def remove_commit_listener(self, listener: Callable[[list], None]) -> None:
        if listener in self._commit_listeners:
            self._commit_listeners.remove(listener)

    def _begin(self, session: Session) -> list:
        bucket: list = []
        if self._commit_listeners:
            session.connection().info[_AFTER_COMMIT] = bucket
        return bucket

    def _committed(self, bucket: list) -> None:
        for listener in list(self._commit_listeners):
            try:
                listener(bucket)
            except Exception:  # the transaction is committed: a listener's failure must not retry it
                logging.getLogger(__name__).exception("commit listener failed")

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with _unavailable_as_error():
            with self._read() as session, session.begin():
                yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A plain connection in a read-only transaction, for hot reads that need no ORM."""
        with _unavailable_as_error():
            with self._read_engine.connect() as conn, conn.begin():
                yield conn

    @contextmanager
    def writing(self) -> Iterator[Session]:
        with _unavailable_as_error(), self._writer_turn:
            with self._write() as session:
                with session.begin():
                    bucket = self._begin(session)
                    yield session
                self._committed(bucket)

    def transaction(self, work: Callable[[Session], T], *, attempts: int = 6) -> T:
        """Run `work` in one writing transaction, retrying on deadlocks and lock timeouts."""
        for attempt in range(1, attempts + 1):
            try:
                with self._writer_turn, self._write() as session:
                    with session.begin():
                        bucket = self._begin(session)
                        result = work(session)
                    self._committed(bucket)
                return result
            except OperationalError as exc:
                if attempt < attempts and _is_retryable(exc):
                    time.sleep(0.01 * attempt)
                    continue
                raise DatabaseUnavailable(_describe(exc)) from exc
            except DBAPIError as exc:
                if attempt < attempts and _is_retryable(exc):
                    time.sleep(0.01 * attempt)
                    continue
                if exc.connection_invalidated:
                    raise DatabaseUnavailable(_describe(exc)) from exc
                raise
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


_RETRYABLE_PG = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def _is_retryable(exc: DBAPIError) -> bool:
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if code in _RETRYABLE_PG:
        return True
    message = str(exc.orig).lower() if exc.orig is not None else ""
    return "database is locked" in message or "deadlock" in message


def _describe(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)


@contextmanager
def _unavailable_as_error() -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        raise DatabaseUnavailable(_describe(exc)) from exc

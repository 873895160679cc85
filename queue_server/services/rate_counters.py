"""Fixed-window rate counters in the database (table `rate_counters`), so a limit holds
across every server process behind a proxy: the dossier lookups, petitions, remote numbers,
appointments and check-in attempts all count here, each under its own key prefix.

A counter is one row per key: `bump` starts a new window when the last one has passed and
adds one otherwise, in one statement (no read-then-write); `count` and `seconds_left` read
the current window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from queue_server.store.tables import RateCounter


def count(session: Session, key: str, now: datetime, window: timedelta) -> int:
    """What the key counted in its current window (0 when the window has passed)."""
    row = session.get(RateCounter, key)
    if row is None or row.window_start <= now - window:
        return 0
    return row.count


def bump(session: Session, key: str, now: datetime, window: timedelta) -> int:
    """Count one more for `key`; returns the count in the window, this one included."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(RateCounter).values(key=key, window_start=now, count=0)
                    .on_conflict_do_nothing(index_elements=["key"]))
    expired = RateCounter.window_start <= now - window
    return session.execute(
        update(RateCounter).where(RateCounter.key == key)
        .values(count=case((expired, 1), else_=RateCounter.count + 1),
                window_start=case((expired, now), else_=RateCounter.window_start))
        .returning(RateCounter.count)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def seconds_left(session: Session, key: str, now: datetime, window: timedelta) -> int:
    """Seconds until the key's window ends (at least 1): a Retry-After."""
    row = session.get(RateCounter, key)
    start = row.window_start if row is not None else now
    return max(1, int((start + window - now).total_seconds()) + 1)


__all__ = ["bump", "count", "seconds_left"]

"""Fixed-window counters in the database (`rate_counters`), shared by every server process:
the rate limits of taking remote numbers and of check-in attempts."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from queue_server.store.tables import RateCounter


def key(kind: str, client: str) -> str:
    return f"remote:{kind}:" + hashlib.sha256(client.encode()).hexdigest()[:32]


def count(session: Session, name: str, now: datetime, window: timedelta) -> int:
    row = session.get(RateCounter, name)
    if row is None or row.window_start <= now - window:
        return 0
    return row.count


def seconds_left(session: Session, name: str, now: datetime, window: timedelta) -> int:
    row = session.get(RateCounter, name)
    start = row.window_start if row is not None else now
    return max(1, int((start + window - now).total_seconds()) + 1)


def bump(session: Session, name: str, now: datetime, window: timedelta) -> int:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(RateCounter).values(key=name, window_start=now, count=0)
                    .on_conflict_do_nothing(index_elements=["key"]))
    expired = RateCounter.window_start <= now - window
    return session.execute(
        update(RateCounter).where(RateCounter.key == name)
        .values(count=case((expired, 1), else_=RateCounter.count + 1),
                window_start=case((expired, now), else_=RateCounter.window_start))
        .returning(RateCounter.count)
        .execution_options(synchronize_session=False)
    ).scalar_one()

"""The appointments' rate limits: booking per client and code lookups per client or kiosk,
counted by the shared database counters (services/rate_counters.py) under the "appt:" prefix."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from queue_server.services.rate_counters import bump, count, seconds_left
from queue_server.store.tables import RateCounter


def forget_old(session: Session, now: datetime) -> None:
    session.execute(delete(RateCounter).where(RateCounter.key.like("appt:%"),
                                              RateCounter.window_start < now - timedelta(days=1)))


__all__ = ["bump", "count", "forget_old", "seconds_left"]

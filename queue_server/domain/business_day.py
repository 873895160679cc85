"""The site's business day: which local date a UTC instant belongs to."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def business_day(at_utc: datetime, tz: str) -> date:
    """Local date of `at_utc` in the site's time zone (the daily number reset follows it)."""
    if at_utc.tzinfo is None:
        raise ValueError("business_day needs an aware datetime (UTC)")
    return at_utc.astimezone(ZoneInfo(tz)).date()

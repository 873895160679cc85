"""Queue reports over a year of a busy hall (bench/report_year.py: 600,000 tickets, 2.4
million events) on SQLite and PostgreSQL.

- `reports.year_ms.<engine>`: the year's report as the head of unit gets it on a running hall,
  whose server has summarised the closed days as they closed (median of three).
- `reports.year_cold_ms.<engine>`: the same report the first time, when no day is summarised
  yet (an upgrade, a restored backup): it summarises 250 days and 11 months and keeps them.
- `reports.month_pdf_ms.sqlite`: the monthly PDF from kept summaries.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path


def _rows(engine: str, url: str, data_dir: str) -> Iterator[dict]:
    from bench import report_year
    from queue_server.clock import ManualClock
    from queue_server.config import load_settings
    from queue_server.services.context import SYSTEM, Context
    from queue_server.services.reports import figures
    from queue_server.services.reports import pdf as report_pdf
    from queue_server.store import migrate

    settings = load_settings(env={}, data_dir=data_dir, database_url=url)
    ctx = Context.create(settings, ManualClock(datetime(2026, 1, 5, 3, 0, tzinfo=UTC)))
    try:
        migrate.upgrade(ctx.db.engine)
        start = time.perf_counter()
        year = report_year.build(ctx)
        built_s = time.perf_counter() - start

        def report() -> dict:
            return figures.queue_report(ctx, SYSTEM, site=year.site_code, start="2025-01-01", end="2025-12-31")

        start = time.perf_counter()
        first = report()
        cold_ms = (time.perf_counter() - start) * 1000
        samples = []
        for _ in range(3):
            start = time.perf_counter()
            again = report()
            samples.append((time.perf_counter() - start) * 1000)
        assert again["totals"] == first["totals"] and first["totals"]["issued"] == year.tickets
        yield {"name": f"reports.year_ms.{engine}", "value": round(statistics.median(samples), 1), "unit": "ms",
               "target": 2000, "better": "lower", "tickets": year.tickets, "events": year.events,
               "runs_ms": [round(s, 1) for s in samples], "data_built_s": round(built_s, 1)}
        yield {"name": f"reports.year_cold_ms.{engine}", "value": round(cold_ms, 1), "unit": "ms",
               "target": 60000, "better": "lower", "days": first["days"]}
        if engine == "sqlite":
            month = figures.queue_report(ctx, SYSTEM, site=year.site_code, month="2025-11")
            samples = []
            for _ in range(3):
                start = time.perf_counter()
                report_pdf.monthly_pdf(figures.queue_report(ctx, SYSTEM, site=year.site_code, month="2025-11"),
                                       "tháng 11/2025")
                samples.append((time.perf_counter() - start) * 1000)
            yield {"name": "reports.month_pdf_ms.sqlite", "value": round(statistics.median(samples), 1), "unit": "ms",
                   "target": 2000, "better": "lower", "tickets": month["totals"]["issued"]}
    finally:
        ctx.db.dispose()


def run() -> Iterator[dict]:
    from bench.server import postgres_database

    with tempfile.TemporaryDirectory() as tmp:
        yield from _rows("sqlite", f"sqlite:///{Path(tmp) / 'year.db'}", tmp)
    url, drop = postgres_database()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            yield from _rows("postgres", url, tmp)
    finally:
        drop()

"""Dossier benchmarks on SQLite (a temporary file): receiving a dossier at the counter
(one transaction: numbering, due date, timeline, event), rendering its two-copy receipt
PDF, a public lookup, and the month's logbook as XLSX and PDF (300 dossiers).

Targets: a receipt in well under a second (the clerk waits for it with the citizen in
front of them); a lookup fast enough for a kiosk screen (< 50 ms).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

N_DOSSIERS = 300


def _median_ms(fn: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def run() -> Iterable[dict]:
    from queue_server.clock import ManualClock
    from queue_server.config import load_settings
    from queue_server.services.context import Context
    from queue_server.services.dossiers import documents as dossier_documents
    from queue_server.services.dossiers import lookup as dossier_lookup
    from queue_server.services.dossiers import reception as dossiers
    from queue_server.services.dossiers import reports as dossier_reports
    from queue_server.store import migrate
    from tests.conftest import build_hall
    from tests.dossiers.helpers import payload

    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
        settings = load_settings(env={}, data_dir=tmp, database_url=f"sqlite:///{Path(tmp) / 'bench.db'}")
        ctx = Context.create(settings, clock)
        migrate.upgrade(ctx.db.engine)
        hall = build_hall(ctx)
        body = payload()
        samples = []
        received = []
        for i in range(N_DOSSIERS):
            clock.set(datetime(2026, 3, 2, 1, 30, tzinfo=UTC) + timedelta(days=i // 15, minutes=i % 15))
            start = time.perf_counter()
            received.append(dossiers.receive_dossier(ctx, hall.clerk, body))
            samples.append((time.perf_counter() - start) * 1000)
        yield {"name": "dossier.receive_ms_p50.sqlite", "value": round(statistics.median(samples), 2), "unit": "ms",
               "target": 100, "better": "lower"}
        last = received[-1]
        yield {"name": "dossier.receipt_pdf_ms", "value": round(_median_ms(
            lambda: dossier_documents.receipt_pdf(ctx, hall.clerk, last["id"]), 7), 1), "unit": "ms",
            "target": 500, "better": "lower"}
        yield {"name": "dossier.lookup_ms.sqlite", "value": round(_median_ms(
            lambda: dossier_lookup.lookup(ctx, code=last["code"], key=last["lookup_code"], client="bench"), 50), 2),
            "unit": "ms", "target": 50, "better": "lower"}
        for fmt in ("xlsx", "pdf"):
            value = _median_ms(lambda fmt=fmt: dossier_reports.logbook(ctx, hall.supervisor, fmt, start="2026-03-01",
                                                                       end="2026-03-31"), 3)
            yield {"name": f"dossier.logbook_{fmt}_ms.{N_DOSSIERS}", "value": round(value, 1), "unit": "ms",
                   "target": 5000, "better": "lower"}
        ctx.db.dispose()

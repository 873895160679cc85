"""Reading the event log after a cursor, as the event hub does after every commit and a
display does when it resumes, on a log of 1,000 and of 200,000 events (a hall's few months).

`python -m bench event_log` bulk-loads the events on each engine and reads after the log's
head 200 times (the common case: nothing or a few new events), all sites and one site.

- `events.read_after_ms.log_200000[.postgres]` and `....site` (median ms; target: twice the
  figure on a log of 1,000, also reported). Before the cursor index (migration 0010) these
  scanned the log: 13-25 ms at 200,000 events, growing with the log.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime

READS = 200


def _read_ms(engine: str, events: int) -> tuple[float, float]:
    from sqlalchemy import insert

    from queue_server.events import log
    from queue_server.store import migrate
    from queue_server.store.engine import Database
    from queue_server.store.tables import Event, Site
    from tests.conftest import fresh_postgres_database

    with tempfile.TemporaryDirectory() as tmp:
        drop = None
        url = f"sqlite:///{tmp}/log.db"
        if engine == "postgres":
            url, drop = fresh_postgres_database()
        db = Database(url)
        try:
            migrate.upgrade(db.engine)
            now = datetime.now(UTC)
            with db.engine.begin() as conn:
                conn.execute(insert(Site), [{"id": n, "code": f"s{n}", "name": f"Site {n}", "policy": {},
                                             "created_at": now} for n in (1, 2)])
                for start in range(0, events, 20_000):
                    conn.execute(insert(Event), [
                        {"site_id": 1 + n % 2, "kind": "ticket.issued", "at": now, "actor": "bench", "data": {},
                         "txid": 1 if db.is_postgres else None}
                        for n in range(start, min(events, start + 20_000))])
            with db.reading() as s:
                head = log.head(s)
            out = []
            for site_ids in (None, [1]):
                times = []
                with db.connection() as conn:
                    for _ in range(READS):
                        t = time.perf_counter()
                        log.read_after(conn, head, limit=1000, site_ids=site_ids)
                        times.append((time.perf_counter() - t) * 1000)
                out.append(statistics.median(times))
            return out[0], out[1]
        finally:
            db.dispose()
            if drop is not None:
                drop()


def run() -> Iterator[dict]:
    for engine in ("sqlite", "postgres"):
        suffix = "" if engine == "sqlite" else f".{engine}"
        small = _read_ms(engine, 1_000)
        large = _read_ms(engine, 200_000)
        for i, part in enumerate(("", ".site")):
            yield {"name": f"events.read_after_ms.log_200000{suffix}{part}", "value": round(large[i], 3),
                   "unit": "ms", "target": round(2 * small[i], 3), "better": "lower",
                   "log_1000": round(small[i], 3), "ratio_to_log_1000": round(large[i] / small[i], 2)}

"""A year of a busy hall written straight into the tables, for the reports benchmark.

600,000 tickets over 250 working days (2,400 a day) in eight services, served at ten
counters by twelve clerks, with 2.4 million events: each ticket's issue, call, start and
end, plus ratings and some out-of-order calls. The rows have the shape the use cases write
(the same columns, the same event payloads) but are inserted in bulk: going through the use
cases would take hours. Deterministic (seeded), so every run measures the same data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

SERVICES = [("HT", "A", "Hộ tịch"), ("CT", "B", "Chứng thực"), ("DD", "C", "Đất đai"),
            ("XD", "D", "Xây dựng"), ("KD", "E", "Kinh doanh"), ("LD", "F", "Lao động – Thương binh"),
            ("TP", "G", "Tư pháp"), ("KH", "H", "Khác")]
N_COUNTERS = 10
N_CLERKS = 12
FIRST_DAY = date(2025, 1, 2)
DAYS = 250
PER_DAY = 2400
PRIORITIES = ("normal",) * 17 + ("elderly", "disabled", "pregnant")
OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh


@dataclass(frozen=True)
class Year:
    site_id: int
    site_code: str
    first_day: date
    last_day: date
    tickets: int
    events: int


def _working_days() -> list[date]:
    days, d = [], FIRST_DAY
    while len(days) < DAYS:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def _hall(ctx: Any) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]], list[int], list[int]]:
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM

    site = admin.create_site(ctx, SYSTEM, code="tphcm-q1", name="Trung tâm Phục vụ hành chính công Quận 1")
    services = [admin.create_service(ctx, SYSTEM, site["id"], code=code, prefix=prefix, name_vi=name,
                                     sort_order=i) for i, (code, prefix, name) in enumerate(SERVICES)]
    counters = []
    for n in range(1, N_COUNTERS + 1):
        served = {services[(n - 1) % len(services)]["id"]: 1, services[n % len(services)]["id"]: 1}
        counters.append(admin.create_counter(ctx, SYSTEM, site["id"], number=n, name=f"Quầy {n}", services=served))
    clerks = [admin.create_user(ctx, SYSTEM, username=f"canbo{i}", password="mat-khau-dai-du-12", role="clerk",
                                full_name=f"Cán bộ {i}", site_id=site["id"])["id"] for i in range(1, N_CLERKS + 1)]
    kiosks = [admin.create_device(ctx, SYSTEM, site["id"], kind="kiosk", name=f"Ki-ốt {i}")["id"] for i in (1, 2)]
    return site["id"], services, counters, clerks, kiosks


def _rows(site_id: int, services: list[dict[str, Any]], counters: list[dict[str, Any]], clerks: list[int],
          kiosks: list[int], rng: random.Random) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(ticket, its events) for every ticket of the year; ids are assigned here."""
    ticket_id = 0
    for day in _working_days():
        numbers = dict.fromkeys((s["id"] for s in services), 0)
        opening = datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC) - OFFSET
        # a morning and an afternoon peak: 60 % of arrivals before noon
        arrivals = sorted(rng.uniform(0, 4 * 3600) if rng.random() < 0.6 else rng.uniform(6 * 3600, 9.5 * 3600)
                          for _ in range(PER_DAY))
        for offset in arrivals:
            ticket_id += 1
            svc = services[min(int(rng.expovariate(0.45)), len(services) - 1)]
            numbers[svc["id"]] += 1
            issued = opening + timedelta(seconds=offset)
            wait = timedelta(seconds=int(rng.expovariate(1 / 720)))
            service_time = timedelta(seconds=30 + int(rng.expovariate(1 / 360)))
            counter = counters[rng.randrange(N_COUNTERS)]
            clerk = clerks[(counter["number"] - 1 + (day.toordinal() % 3)) % N_CLERKS]
            roll = rng.random()
            state = ("finished" if roll < 0.88 else "no_show" if roll < 0.93 else "cancelled" if roll < 0.96
                     else "transferred" if roll < 0.98 else "expired")
            out_of_order = rng.random() < 0.01
            called = issued + wait if state != "cancelled" else None
            serving = called + timedelta(seconds=20) if state in ("finished", "transferred") else None
            finished = (serving + service_time if serving else called + timedelta(minutes=2) if called else
                        issued + wait) if state != "expired" else None
            code = f"{svc['prefix']}{numbers[svc['id']]:03d}"
            ticket = {"id": ticket_id, "site_id": site_id, "service_id": svc["id"], "business_day": day,
                      "number": numbers[svc["id"]], "code": code, "priority": PRIORITIES[rng.randrange(20)],
                      "state": state, "issued_at": issued, "queued_at": issued, "front": False,
                      "called_at": called, "last_called_at": called, "serving_at": serving,
                      "finished_at": finished, "counter_id": counter["id"] if called else None,
                      "clerk_id": clerk if called else None, "call_count": 1 if called else 0,
                      "out_of_order": out_of_order, "transfer_origin_id": None,
                      "device_id": kiosks[ticket_id % 2] if rng.random() < 0.9 else None,
                      "procedure_code": None, "request_key": None}
            ticket["channel"] = "counter" if ticket["device_id"] is None else "kiosk"
            base = {"code": code, "ticket_id": ticket_id, "service_id": svc["id"], "service_code": svc["code"],
                    "priority": ticket["priority"]}
            events = [{"kind": "ticket.issued", "at": issued, "ticket_id": ticket_id, "counter_id": None,
                       "actor": f"device:{ticket['device_id']}", "data": {**base, "state": "waiting"}}]
            if called:
                actor = "user:giamsat" if out_of_order else f"user:{clerk}"
                events.append({"kind": "ticket.called", "at": called, "ticket_id": ticket_id,
                               "counter_id": counter["id"], "actor": actor,
                               "data": {**base, "state": "called", "counter_number": counter["number"],
                                        **({"out_of_order": True, "reason": "Khách hẹn trước"} if out_of_order
                                           else {})}})
            if serving:
                events.append({"kind": "ticket.serving", "at": serving, "ticket_id": ticket_id,
                               "counter_id": counter["id"], "actor": f"user:{clerk}",
                               "data": {**base, "state": "serving", "counter_number": counter["number"]}})
            if finished:
                events.append({"kind": f"ticket.{state}", "at": finished, "ticket_id": ticket_id,
                               "counter_id": counter["id"] if called else None, "actor": f"user:{clerk}",
                               "data": {**base, "state": state}})
            if state == "finished" and len(events) < 5 and rng.random() < 0.12:
                level = rng.choice(("very_satisfied", "satisfied", "satisfied", "unsatisfied"))
                events.append({"kind": "rating.given", "at": finished + timedelta(seconds=15), "ticket_id": ticket_id,
                               "counter_id": counter["id"], "actor": f"device:{kiosks[0]}",
                               "data": {"level": level, "ticket_id": ticket_id, "counter_number": counter["number"],
                                        "reasons": ["long_wait"] if level == "unsatisfied" else []}})
            yield ticket, events


def build(ctx: Any, *, chunk: int = 20_000) -> Year:
    """Create the hall and write its year; returns where it is."""
    from queue_server.store.tables import Event, Site, Ticket

    site_id, services, counters, clerks, kiosks = _hall(ctx)
    rng = random.Random(2025)
    tickets: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    n_tickets = n_events = 0
    engine: Engine = ctx.db.engine

    def flush() -> None:
        if not tickets:
            return
        with engine.begin() as conn:
            conn.execute(insert(Ticket), tickets)
            conn.execute(insert(Event), events)
        tickets.clear()
        events.clear()

    for ticket, evs in _rows(site_id, services, counters, clerks, kiosks, rng):
        tickets.append(ticket)
        for e in evs:
            e["site_id"] = site_id
        events.extend(evs)
        n_tickets += 1
        n_events += len(evs)
        if len(tickets) >= chunk:
            flush()
    flush()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text
            conn.execute(text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))"))
            conn.execute(text("ANALYZE"))
        else:
            from sqlalchemy import text
            conn.execute(text("ANALYZE"))
        code = conn.execute(select(Site.code).where(Site.id == site_id)).scalar_one()
    days = _working_days()
    return Year(site_id, code, days[0], days[-1], n_tickets, n_events)

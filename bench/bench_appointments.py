"""Appointments over HTTP, one server process on this machine, every booking into the same
three slots, so every booking contends on the same slot rows' conditional UPDATE:

- `appointments.book_p99_ms`: 20 concurrent bookers, starting spread over the first second and
  each booking again about a second after its answer (think time 0.5-1.5 s: some 20 bookings a
  second in all, far above a hall's peak);
- `appointments.book_per_s`: the same 20 with no think time (closed loop): how many bookings a
  second one process takes when saturated (latency then is queueing, 20 / throughput).

The citizens come through the hall's proxy (a distinct X-Forwarded-For each, 127.0.0.1
trusted), so every booking takes the public path with its rate counter. The load generator
runs on the same 2-core machine as the server (it costs CPU too).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import httpx

from bench.server import percentile, start_hall

BOOKERS = 20
PER_BOOKER = int(os.environ.get("MOTCUA_BENCH_BOOKINGS", "25"))
RULE = {"enabled": True, "slot_minutes": 30, "capacity": 200, "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "windows": ["07:30-11:30", "13:30-17:00"], "book_ahead_days": 30, "early_minutes": 30,
        "late_minutes": 15, "share_percent": 50}


def book_latency(engine: str = "sqlite", think: bool = True) -> dict[str, float]:
    hall = start_hall(engine, counters=2, env={"MOTCUA_TRUSTED_PROXIES": "127.0.0.1"})
    staff = {"Authorization": f"Bearer {hall.staff_token}"}
    service = hall.services[0]
    try:
        r = httpx.put(f"{hall.url}/api/v1/appointments/settings/{service}", json=RULE, headers=staff, timeout=30)
        r.raise_for_status()
        days = httpx.get(f"{hall.url}/api/v1/appointments/days?service_id={service}", timeout=30).json()["days"]
        day = next(d["day"] for d in days[1:] if d["slots_ahead"] >= 4)
        slots = httpx.get(f"{hall.url}/api/v1/appointments/slots?service_id={service}&day={day}",
                          timeout=30).json()["slots"][:3]

        async def run() -> tuple[list[float], dict[int, int]]:
            lat: list[float] = []
            codes: dict[int, int] = {}
            async with httpx.AsyncClient(base_url=hall.url, timeout=30,
                                         limits=httpx.Limits(max_connections=BOOKERS + 4)) as c:
                async def booker(b: int) -> None:
                    if think:  # citizens do not all press at the same millisecond: spread over the first second
                        await asyncio.sleep(b / BOOKERS)
                    for i in range(PER_BOOKER):
                        n = b * PER_BOOKER + i
                        body = {"service_id": service, "day": day, "time": slots[n % len(slots)]["time"],
                                "name": f"Công dân {n}", "phone": f"09{n:08d}"}
                        headers = {"X-Forwarded-For": f"10.{b}.{i // 250}.{i % 250 + 1}"}
                        t0 = time.perf_counter()
                        r = await c.post("/api/v1/appointments", json=body, headers=headers)
                        lat.append((time.perf_counter() - t0) * 1000)
                        codes[r.status_code] = codes.get(r.status_code, 0) + 1
                        if think:
                            await asyncio.sleep(0.5 + ((n * 37) % 100) / 100)

                await asyncio.gather(*(booker(b) for b in range(BOOKERS)))
            return lat, codes

        t0 = time.perf_counter()
        lat, codes = asyncio.run(run())
        elapsed = time.perf_counter() - t0
    finally:
        hall.stop()
    if set(codes) - {201}:
        raise RuntimeError(f"bookings answered {codes}")
    return {"p99": percentile(lat, 99), "p50": percentile(lat, 50), "n": len(lat), "per_s": len(lat) / elapsed}


def run() -> Iterator[dict]:
    result = book_latency("sqlite")
    yield {"name": "appointments.book_p99_ms", "value": round(result["p99"], 1), "unit": "ms", "target": 50,
           "better": "lower"}
    yield {"name": "appointments.book_p50_ms", "value": round(result["p50"], 1), "unit": "ms", "target": None,
           "better": "lower"}
    saturated = book_latency("sqlite", think=False)
    yield {"name": "appointments.book_per_s", "value": round(saturated["per_s"], 1), "unit": "bookings/s",
           "target": None, "better": "higher"}
    if os.environ.get("MOTCUA_BENCH_POSTGRES", "1") != "0":
        try:
            pg = book_latency("postgres")
        except Exception as exc:  # noqa: BLE001 (no PostgreSQL here: say so, keep the SQLite figure)
            yield {"name": "appointments.book_p99_ms.postgres", "value": None, "unit": "ms", "target": 50,
                   "better": "lower", "error": str(exc).splitlines()[0]}
        else:
            yield {"name": "appointments.book_p99_ms.postgres", "value": round(pg["p99"], 1), "unit": "ms",
                   "target": 50, "better": "lower"}

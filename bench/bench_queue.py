"""Queue server over HTTP, one server process on this machine: p99 latency of issue and
call-next at a mixed open-loop load of 50 requests/s. (Lifecycles per second and SSE
delivery are in bench_stack.py.)

The load generator runs on the same 2-core machine as the server (it costs CPU too).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx

from bench.server import percentile, start_hall


def mixed_load_latency(engine: str = "sqlite", rate: float = 50.0, seconds: float = 10.0) -> dict[str, float]:
    """Open loop: 50 requests/s in all, half issues, half call-next (with start and finish
    of the called ticket at the same counter as follow-ups, not timed)."""
    hall = start_hall(engine, counters=8)

    async def run() -> dict[str, list[float]]:
        lat: dict[str, list[float]] = {"issue": [], "call": []}
        async with httpx.AsyncClient(base_url=hall.url, timeout=10,
                                     headers={"Authorization": f"Bearer {hall.staff_token}"},
                                     limits=httpx.Limits(max_connections=64)) as c:
            # a backlog so call-next usually finds someone
            for i in range(40):
                await c.post("/api/v1/tickets", json={"service_id": hall.services[i % 2]})
            busy = set()

            async def issue(i: int) -> None:
                t0 = time.perf_counter()
                r = await c.post("/api/v1/tickets", json={"service_id": hall.services[i % 2]})
                if r.status_code == 201:
                    lat["issue"].append((time.perf_counter() - t0) * 1000)

            async def call(i: int) -> None:
                counter = hall.counters[i % len(hall.counters)]
                if counter in busy:
                    return
                busy.add(counter)
                try:
                    t0 = time.perf_counter()
                    r = await c.post(f"/api/v1/counters/{counter}/call-next")
                    if r.status_code in (200, 204):
                        lat["call"].append((time.perf_counter() - t0) * 1000)
                    if r.status_code == 200:
                        await c.post(f"/api/v1/counters/{counter}/finish", json={"ticket_id": r.json()["id"]})
                finally:
                    busy.discard(counter)

            tasks = []
            interval = 1.0 / rate
            start = time.perf_counter()
            for i in range(int(rate * seconds)):
                target = start + i * interval
                await asyncio.sleep(max(0.0, target - time.perf_counter()))
                tasks.append(asyncio.create_task(issue(i) if i % 2 == 0 else call(i // 2)))
            await asyncio.gather(*tasks)
        return lat

    try:
        lat = asyncio.run(run())
    finally:
        hall.stop()
    return {"issue": percentile(lat["issue"], 99), "call": percentile(lat["call"], 99)}


def run() -> Iterator[dict]:
    # queue.lifecycles_per_s.* and events.delivery_p99_ms come from bench_stack.py (issue 16):
    # one emitter per name, with the load generator on its own core
    p99 = mixed_load_latency("sqlite")
    yield {"name": "queue.issue_p99_ms", "value": round(p99["issue"], 1), "unit": "ms", "target": 25,
           "better": "lower"}
    yield {"name": "queue.call_next_p99_ms", "value": round(p99["call"], 1), "unit": "ms", "target": 25,
           "better": "lower"}

"""Queue server over HTTP, one server process on this machine:

- p99 latency of issue and call-next at a mixed open-loop load of 50 requests/s;
- cost against queue length: sequential issue, call-next, recall, start, finish and the
  phone's position answer at 10 and at 3,000 people waiting (loaded in bulk, not over HTTP),
  on both engines, and 8 concurrent kiosks issuing at 3,000 waiting.

The load generator runs on the same 2-core machine as the server (it costs CPU too).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator

import httpx

from bench.server import percentile, start_hall

LIFECYCLE_SECONDS = float(os.environ.get("MOTCUA_BENCH_SECONDS", "8"))
SAMPLES = int(os.environ.get("MOTCUA_BENCH_SAMPLES", "300"))  # timed requests per operation


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


def _timed(c: httpx.Client, method: str, path: str, into: list[float], **kwargs) -> httpx.Response:
    t0 = time.perf_counter()
    r = c.request(method, path, **kwargs)
    into.append((time.perf_counter() - t0) * 1000)
    return r


SERVED = 20_000  # tickets finished at the 8 counters before the measurement (2,500 each)


def sequential_latency(engine: str, waiting: int, samples: int = SAMPLES, served: int = 0) -> dict[str, float]:
    """p99 ms of each operation, one request at a time, with `waiting` people already waiting
    (and `served` tickets already finished at the counters today).

    Issues first (the queue grows by `samples`), then for each counter in turn: call-next,
    recall, start, finish (the queue shrinks back by as many), then the position of the
    ticket at the back of the queue, asked `samples` times."""
    hall = start_hall(engine, counters=8, waiting=waiting, served=served)
    lat: dict[str, list[float]] = {k: [] for k in ("issue", "call", "recall", "start", "finish", "position")}
    try:
        with httpx.Client(base_url=hall.url, headers={"Authorization": f"Bearer {hall.staff_token}"},
                          timeout=30) as c:
            for i in range(20):  # warm-up: statements, caches, connections
                c.post("/api/v1/tickets", json={"service_id": hall.services[i % 2]})
            for i in range(samples):
                r = _timed(c, "POST", "/api/v1/tickets", lat["issue"], json={"service_id": hall.services[i % 2]})
                assert r.status_code == 201, r.text
            last = r.json()
            for i in range(samples):
                counter = hall.counters[i % len(hall.counters)]
                r = _timed(c, "POST", f"/api/v1/counters/{counter}/call-next", lat["call"])
                assert r.status_code == 200, r.text
                body = {"ticket_id": r.json()["id"]}
                _timed(c, "POST", f"/api/v1/counters/{counter}/recall", lat["recall"], json=body)
                _timed(c, "POST", f"/api/v1/counters/{counter}/start", lat["start"], json=body)
                _timed(c, "POST", f"/api/v1/counters/{counter}/finish", lat["finish"], json=body)
            path = f"/api/v1/tickets/{last['ticket']['id']}/position"
            for _ in range(samples):
                r = _timed(c, "GET", path, lat["position"], params={"k": last["position_key"]})
                assert r.status_code == 200, r.text
    finally:
        hall.stop()
    return {k: percentile(v, 99) for k, v in lat.items()} | {f"{k}_p50": percentile(v, 50) for k, v in lat.items()}


def concurrent_issues_per_s(engine: str = "sqlite", waiting: int = 3000, kiosks: int = 8) -> dict[str, float]:
    """Numbers issued per second by `kiosks` clients at once, each issuing as fast as answered."""
    hall = start_hall(engine, counters=8, waiting=waiting)
    stop = threading.Event()
    lat: list[float] = []
    counting = threading.Event()
    lock = threading.Lock()

    def kiosk(i: int) -> None:
        with httpx.Client(base_url=hall.url, headers={"Authorization": f"Bearer {hall.staff_token}"},
                          timeout=30) as c:
            n = 0
            while not stop.is_set():
                t0 = time.perf_counter()
                r = c.post("/api/v1/tickets", json={"service_id": hall.services[(i + n) % 2]})
                n += 1
                if r.status_code == 201 and counting.is_set():
                    with lock:
                        lat.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=kiosk, args=(i,)) for i in range(kiosks)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.0)  # warm-up
        counting.set()
        t0 = time.perf_counter()
        time.sleep(LIFECYCLE_SECONDS)
        with lock:
            rate = len(lat) / (time.perf_counter() - t0)
            p50 = percentile(lat, 50)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        hall.stop()
    return {"rate": rate, "p50": p50}


def queue_length_rows(engines: tuple[str, ...] = ("sqlite", "postgres")) -> Iterator[dict]:
    for engine in engines:
        suffix = "" if engine == "sqlite" else f".{engine}"
        short = sequential_latency(engine, 10)
        long = sequential_latency(engine, 3000)
        for op, name in (("issue", "issue"), ("call", "call_next")):
            yield {"name": f"queue.{name}_p99_ms.waiting_10{suffix}", "value": round(short[op], 1), "unit": "ms",
                   "target": 25, "better": "lower", "p50": round(short[f"{op}_p50"], 1)}
            yield {"name": f"queue.{name}_p99_ms.waiting_3000{suffix}", "value": round(long[op], 1), "unit": "ms",
                   "target": round(min(25.0, 2 * short[op]), 1), "better": "lower",
                   "p50": round(long[f"{op}_p50"], 1), "ratio_to_waiting_10": round(long[op] / short[op], 2)}
        for op in ("recall", "start", "finish", "position"):
            yield {"name": f"queue.{op}_p99_ms.waiting_3000{suffix}", "value": round(long[op], 1), "unit": "ms",
                   "target": round(min(25.0, 2 * short[op]), 1), "better": "lower", "p50": round(long[f"{op}_p50"], 1),
                   "waiting_10": round(short[op], 1), "waiting_10_p50": round(short[f"{op}_p50"], 1),
                   "ratio_to_waiting_10": round(long[op] / short[op], 2)}
        # a day (or a year) of history at the counters: what a counter does now must not read it
        served = sequential_latency(engine, 10, served=SERVED)
        for op, name in (("call", "call_next"), ("start", "start"), ("finish", "finish")):
            yield {"name": f"queue.{name}_p50_ms.served_{SERVED}{suffix}", "value": round(served[f"{op}_p50"], 2),
                   "unit": "ms", "target": round(1.25 * short[f"{op}_p50"], 2), "better": "lower",
                   "p99": round(served[op], 1), "served_0_p50": round(short[f"{op}_p50"], 2),
                   "ratio_to_served_0": round(served[f"{op}_p50"] / short[f"{op}_p50"], 2)}
    c8 = concurrent_issues_per_s("sqlite")
    yield {"name": "queue.issue_per_s.c8.waiting_3000", "value": round(c8["rate"], 1), "unit": "tickets/s",
           "target": 200, "better": "higher", "p50_ms": round(c8["p50"], 1)}


def run() -> Iterator[dict]:
    # queue.lifecycles_per_s.* and events.delivery_p99_ms come from bench_stack.py (issue 16):
    # one emitter per name, with the load generator on its own core
    p99 = mixed_load_latency("sqlite")
    yield {"name": "queue.issue_p99_ms", "value": round(p99["issue"], 1), "unit": "ms", "target": 25,
           "better": "lower"}
    yield {"name": "queue.call_next_p99_ms", "value": round(p99["call"], 1), "unit": "ms", "target": 25,
           "better": "lower"}
    yield from queue_length_rows()

"""Queue server over HTTP, one server process on this machine:

- full ticket lifecycles (issue, call next, start, finish) per second, SQLite and PostgreSQL;
- p99 latency of issue and call-next at a mixed open-loop load of 50 requests/s;
- call-to-subscriber delay over SSE with 200 connected subscribers.

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


def lifecycles_per_s(engine: str, clients: int = 8) -> float:
    hall = start_hall(engine, counters=clients)
    done = [0]
    stop = threading.Event()
    lock = threading.Lock()

    def client(i: int) -> None:
        counter = hall.counters[i]
        with httpx.Client(base_url=hall.url, headers={"Authorization": f"Bearer {hall.staff_token}"},
                          timeout=10) as c:
            while not stop.is_set():
                c.post("/api/v1/tickets", json={"service_id": hall.services[i % len(hall.services)]})
                r = c.post(f"/api/v1/counters/{counter}/call-next")
                if r.status_code != 200:
                    continue
                tid = r.json()["id"]
                c.post(f"/api/v1/counters/{counter}/start", json={"ticket_id": tid})
                if c.post(f"/api/v1/counters/{counter}/finish", json={"ticket_id": tid}).status_code == 200:
                    with lock:
                        done[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.0)  # warm-up
        start_count, t0 = done[0], time.perf_counter()
        time.sleep(LIFECYCLE_SECONDS)
        rate = (done[0] - start_count) / (time.perf_counter() - t0)
    finally:
        stop.set()
        for t in threads:
            t.join(20)
        hall.stop()
    return rate


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


def sse_delivery(engine: str = "sqlite", subscribers: int = 200, calls: int = 40) -> dict[str, float]:
    """From sending call-next to each of 200 subscribers reading the event: p99 in ms.

    Each subscriber is a bare HTTP connection that only looks for the next `data:` line: the
    200 screens of a hall are 200 devices, and a full HTTP client per subscriber in this one
    process (httpx; the first session's version) made the benchmark's own parsing the
    bottleneck (its p99 swung 35-157 ms while the server delivered in 20-30 ms). The k-th
    event a subscriber reads is the k-th call: one counter calls 40 tickets in turn, and t0
    is taken before each request is sent.
    """
    hall = start_hall(engine, counters=2)
    host, port = hall.url.removeprefix("http://").split(":")

    async def run() -> list[float]:
        t0s: list[float] = []
        delays: list[float] = []
        ready = 0
        ready_event = asyncio.Event()

        async def subscriber() -> None:
            nonlocal ready
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(f"GET /api/v1/events?kinds=ticket.called HTTP/1.1\r\nHost: {host}\r\n"
                         "Accept: text/event-stream\r\n\r\n".encode())
            await writer.drain()
            await reader.readuntil(b"\r\n\r\n")
            ready += 1
            if ready == subscribers:
                ready_event.set()
            tail, k = b"", 0
            try:
                while chunk := await reader.read(65536):
                    now = time.perf_counter()
                    seen = tail + chunk
                    for _ in range(seen.count(b"\ndata: ")):
                        if k < len(t0s):
                            delays.append((now - t0s[k]) * 1000)
                        k += 1
                    tail = seen[-6:]  # a "\ndata: " split across two reads is still counted once
            finally:
                writer.close()

        subs = [asyncio.create_task(subscriber()) for _ in range(subscribers)]
        await asyncio.wait_for(ready_event.wait(), 60)
        await asyncio.sleep(0.5)
        async with httpx.AsyncClient(base_url=hall.url, timeout=10,
                                     headers={"Authorization": f"Bearer {hall.staff_token}"}) as c:
            for _ in range(calls):
                await c.post("/api/v1/tickets", json={"service_id": hall.services[0]})
            counter = hall.counters[0]
            for _ in range(calls):
                t0s.append(time.perf_counter())
                r = await c.post(f"/api/v1/counters/{counter}/call-next")
                await c.post(f"/api/v1/counters/{counter}/finish", json={"ticket_id": r.json()["id"]})
                await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
        for s in subs:
            s.cancel()
        await asyncio.gather(*subs, return_exceptions=True)
        return delays

    try:
        delays = asyncio.run(run())
    finally:
        hall.stop()
    return {"p99": percentile(delays, 99), "p50": percentile(delays, 50), "samples": len(delays),
            "expected": subscribers * calls}


def run() -> Iterator[dict]:
    yield {"name": "queue.lifecycles_per_s.sqlite", "value": round(lifecycles_per_s("sqlite"), 1),
           "unit": "lifecycles/s", "target": 300, "better": "higher"}
    yield {"name": "queue.lifecycles_per_s.postgres", "value": round(lifecycles_per_s("postgres"), 1),
           "unit": "lifecycles/s", "target": 300, "better": "higher"}
    p99 = mixed_load_latency("sqlite")
    yield {"name": "queue.issue_p99_ms", "value": round(p99["issue"], 1), "unit": "ms", "target": 25,
           "better": "lower"}
    yield {"name": "queue.call_next_p99_ms", "value": round(p99["call"], 1), "unit": "ms", "target": 25,
           "better": "lower"}
    sse = sse_delivery("sqlite")
    yield {"name": "events.delivery_p99_ms", "value": round(sse["p99"], 1), "unit": "ms", "target": 100,
           "better": "lower", "p50": round(sse["p50"], 1), "delivered": sse["samples"], "expected": sse["expected"]}

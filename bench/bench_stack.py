"""The server against its own stack, over HTTP, with the load generator on its own core:

- `queue.stack_ratio`: lifecycle requests/s (issue, call next, start, finish) divided by the
  requests/s of bench/trivial_app.py (FastAPI, one SQLite INSERT per request) under the same
  uvicorn options, the same pinning and the same load generator, in the same run;
- `queue.lifecycles_per_s.sqlite`, `.postgres`, `.postgres_w2` (two worker processes);
- `events.delivery_p99_ms` (200 SSE subscribers) and `events.delivery_p99_ms.1000`.

The load generator is a few lines of asyncio speaking HTTP/1.1 on keep-alive connections
(no HTTP client library): on a 2-core machine a heavier client (httpx threads) costs the
server a large share of the machine. Where the machine has two cores or more, the server runs
under `taskset -c 0` and this process on core 1; PostgreSQL runs where the kernel puts it.
Each row also gives the CPU milliseconds the server processes (and PostgreSQL's backends of
the bench database) spend per lifecycle, which is what decides how the figure scales with
cores. `python -m bench.bench_stack scaling` prints lifecycles/s for 1, 2 and 4 workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench.server import ROOT, BenchHall, free_port, percentile, start_hall

SECONDS = float(os.environ.get("MOTCUA_BENCH_SECONDS", "8"))
WARMUP = 1.5
CLIENTS = 8
RUNS = int(os.environ.get("MOTCUA_BENCH_RUNS", "1"))
TWO_CORES = (os.cpu_count() or 1) >= 2
SERVER_CPUS = "0" if TWO_CORES else None
LOADGEN_CPUS = {1} if TWO_CORES else None


# -- a minimal HTTP/1.1 load generator -----------------------------------------------------

def _request(method: str, path: str, *, token: str | None = None, body: dict | None = None) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(payload)}"]
    if body is not None:
        head.append("Content-Type: application/json")
    if token:
        head.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        host, port = url.removeprefix("http://").split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        i = lower.find(b"content-length:")
        if i < 0:
            if status in (204, 304):
                return status, b""
            raise RuntimeError(f"no Content-Length in {head!r}")
        length = int(lower[i + 15:lower.index(b"\r\n", i)])
        return status, await self.reader.readexactly(length) if length else b""

    def close(self) -> None:
        self.writer.close()


class Tally:
    def __init__(self) -> None:
        self.requests = 0
        self.lifecycles = 0
        self.errors: dict[int, int] = {}

    def note(self, status: int) -> None:
        self.requests += 1
        if status >= 500 or status in (401, 403, 404, 422):
            self.errors[status] = self.errors.get(status, 0) + 1


async def _drive(url: str, loop_body, clients: int, seconds: float, probe=None) -> tuple[Tally, float, float]:  # noqa: ANN001
    """Run `clients` connections through `loop_body`; count over `seconds` after a warm-up.
    `probe()` (CPU seconds) is read at both ends of the window."""
    tally = Tally()
    stop = asyncio.Event()
    conns = [await Connection.open(url) for _ in range(clients)]

    async def client(i: int) -> None:
        while not stop.is_set():
            await loop_body(conns[i], i, tally)

    tasks = [asyncio.create_task(client(i)) for i in range(clients)]
    await asyncio.sleep(WARMUP)
    start_probe = probe() if probe else None
    r0, l0, t0 = tally.requests, tally.lifecycles, time.perf_counter()
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - t0
    cpu = probe() - start_probe if probe else 0.0
    window = Tally()
    window.requests, window.lifecycles, window.errors = tally.requests - r0, tally.lifecycles - l0, tally.errors
    stop.set()
    await asyncio.wait(tasks, timeout=15)
    for c in conns:
        c.close()
    return window, elapsed, cpu


def _lifecycle_body(hall: BenchHall):  # noqa: ANN202
    issue = [_request("POST", "/api/v1/tickets", token=hall.staff_token, body={"service_id": s})
             for s in hall.services]
    calls = [_request("POST", f"/api/v1/counters/{c}/call-next", token=hall.staff_token) for c in hall.counters]

    async def body(conn: Connection, i: int, tally: Tally) -> None:
        counter = hall.counters[i % len(hall.counters)]
        status, _ = await conn.send(issue[i % len(issue)])
        tally.note(status)
        status, answer = await conn.send(calls[i % len(calls)])
        tally.note(status)
        if status != 200:
            return
        tid = json.loads(answer)["id"]
        for step in ("start", "finish"):
            status, _ = await conn.send(_request("POST", f"/api/v1/counters/{counter}/{step}",
                                                 token=hall.staff_token, body={"ticket_id": tid}))
            tally.note(status)
        if status == 200:
            tally.lifecycles += 1

    return body


async def _trivial_body(conn: Connection, i: int, tally: Tally) -> None:
    status, _ = await conn.send(_HIT)
    tally.note(status)
    if status == 200:
        tally.lifecycles += 1


_HIT = _request("POST", "/hit")


@contextlib.contextmanager
def _pinned() -> Iterator[None]:
    """This process (the load generator) on its own core while it measures."""
    if LOADGEN_CPUS is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, LOADGEN_CPUS)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


# -- CPU accounting -------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICK


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _pg_backends(database_url: str) -> list[int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            return [r[0] for r in c.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))]
    finally:
        engine.dispose()


def _measure(url: str, body, server_pid: int, db_url: str | None = None, clients: int = CLIENTS) -> dict:  # noqa: ANN001
    pids = _tree(server_pid)
    state: dict[str, list[int]] = {}

    def probe_server() -> float:
        return _cpu_s(pids)

    def probe_db() -> float:
        if "pg" not in state:  # the pools are open by the end of the warm-up
            state["pg"] = _pg_backends(db_url)
        return _cpu_s(state["pg"])

    def probe() -> float:
        if db_url:
            state.setdefault("db", []).append(probe_db())
        return probe_server()

    with _pinned():
        tally, elapsed, cpu = asyncio.run(_drive(url, body, clients, SECONDS, probe))
    out = {"requests_per_s": tally.requests / elapsed, "lifecycles_per_s": tally.lifecycles / elapsed,
           "server_cpu_ms_per_request": 1000 * cpu / max(1, tally.requests), "errors": tally.errors,
           "server_cpu_share": cpu / elapsed}
    if db_url:
        db_cpu = state["db"][1] - state["db"][0]
        out["pg_cpu_ms_per_request"] = 1000 * db_cpu / max(1, tally.requests)
        out["pg_backends"] = len(state["pg"])
    return out


# -- the figures ----------------------------------------------------------------------------

def lifecycles(engine: str, workers: int = 1, cpus: str | None = SERVER_CPUS) -> dict:
    hall = start_hall(engine, counters=CLIENTS, workers=workers, cpus=cpus)
    try:
        cmd = hall.proc.args
        db_url = cmd[cmd.index("--database-url") + 1] if engine == "postgres" else None
        return _measure(hall.url, _lifecycle_body(hall), hall.proc.pid, db_url)
    finally:
        hall.stop()


def trivial(workers: int = 1, cpus: str | None = SERVER_CPUS) -> dict:
    data = tempfile.mkdtemp(prefix="motcua-trivial-")
    port = free_port()
    pin = ["taskset", "-c", cpus] if cpus else []
    proc = subprocess.Popen([*pin, sys.executable, "-m", "bench.trivial_app", "--port", str(port), "--data", data,
                             "--workers", str(workers)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.post(url + "/hit", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        return _measure(url, _trivial_body, proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)


def stack_ratio() -> dict:
    ours = lifecycles("sqlite")
    base = trivial()
    return {"ratio": ours["requests_per_s"] / base["requests_per_s"], "ours": ours, "trivial": base}


# -- event delivery -------------------------------------------------------------------------

def delivery(subscribers: int, engine: str = "sqlite", calls: int = 40) -> dict[str, float]:
    """From sending call-next to each subscriber reading the event: p50 and p99 in ms.

    Each subscriber is a bare HTTP connection that only looks for the next `data:` line; the
    k-th event a subscriber reads is the k-th call, timed from before its request is sent."""
    hall = start_hall(engine, counters=2, cpus=SERVER_CPUS)
    host, port = hall.url.removeprefix("http://").split(":")
    server_cpu: list[float] = []

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
                    tail = seen[-6:]
            finally:
                writer.close()

        subs = []
        for _ in range(subscribers):  # connect in waves: a thousand SYNs at once overflow the backlog
            subs.append(asyncio.create_task(subscriber()))
            if len(subs) % 100 == 0:
                await asyncio.sleep(0.05)
        await asyncio.wait_for(ready_event.wait(), 120)
        await asyncio.sleep(0.5)
        conn = await Connection.open(hall.url)
        issue = _request("POST", "/api/v1/tickets", token=hall.staff_token, body={"service_id": hall.services[0]})
        for _ in range(calls):
            await conn.send(issue)
        counter = hall.counters[0]
        call = _request("POST", f"/api/v1/counters/{counter}/call-next", token=hall.staff_token)
        pids = _tree(hall.proc.pid)
        server_cpu.append(_cpu_s(pids))
        for _ in range(calls):
            t0s.append(time.perf_counter())
            _, answer = await conn.send(call)
            await conn.send(_request("POST", f"/api/v1/counters/{counter}/finish", token=hall.staff_token,
                                     body={"ticket_id": json.loads(answer)["id"]}))
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.5)
        server_cpu.append(_cpu_s(pids))
        conn.close()
        for s in subs:
            s.cancel()
        await asyncio.gather(*subs, return_exceptions=True)
        return delays

    try:
        with _pinned():
            delays = asyncio.run(run())
    finally:
        hall.stop()
    return {"p99": percentile(delays, 99), "p50": percentile(delays, 50), "samples": len(delays),
            "expected": subscribers * calls,
            # the server's CPU for one call: the call, its finish and the fan-out to every subscriber
            "server_cpu_ms_per_call": 1000 * (server_cpu[1] - server_cpu[0]) / calls}


def _median_of(fn, key: str):  # noqa: ANN001, ANN202
    results = [fn() for _ in range(RUNS)]
    results.sort(key=lambda r: r[key])
    return results[len(results) // 2]


def run() -> Iterator[dict]:
    ratio = _median_of(stack_ratio, "ratio")
    yield {"name": "queue.stack_ratio", "value": round(ratio["ratio"], 3), "unit": "ratio", "target": 0.5,
           "better": "higher", "requests_per_s": round(ratio["ours"]["requests_per_s"], 1),
           "trivial_requests_per_s": round(ratio["trivial"]["requests_per_s"], 1),
           "server_cpu_ms_per_request": round(ratio["ours"]["server_cpu_ms_per_request"], 3),
           "trivial_cpu_ms_per_request": round(ratio["trivial"]["server_cpu_ms_per_request"], 3)}
    yield _lifecycle_row("queue.lifecycles_per_s.sqlite", ratio["ours"])
    yield _lifecycle_row("queue.lifecycles_per_s.postgres", _median_of(lambda: lifecycles("postgres"),
                                                                       "lifecycles_per_s"))
    # two workers: the whole machine for the server, the load generator still on core 1
    yield _lifecycle_row("queue.lifecycles_per_s.postgres_w2",
                         _median_of(lambda: lifecycles("postgres", workers=2, cpus=None), "lifecycles_per_s"))
    for subscribers, name, target in ((200, "events.delivery_p99_ms", 100), (1000, "events.delivery_p99_ms.1000", 250)):
        d = _median_of(lambda n=subscribers: delivery(n), "p99")
        yield {"name": name, "value": round(d["p99"], 1), "unit": "ms", "target": target, "better": "lower",
               "p50": round(d["p50"], 1), "delivered": d["samples"], "expected": d["expected"],
               "server_cpu_ms_per_call": round(d["server_cpu_ms_per_call"], 2)}


def _lifecycle_row(name: str, m: dict) -> dict:
    row = {"name": name, "value": round(m["lifecycles_per_s"], 1), "unit": "lifecycles/s",
           "target": 300, "better": "higher", "requests_per_s": round(m["requests_per_s"], 1),
           "server_cpu_ms_per_request": round(m["server_cpu_ms_per_request"], 3),
           "server_cpu_share": round(m["server_cpu_share"], 2)}
    if "pg_cpu_ms_per_request" in m:
        row["pg_cpu_ms_per_request"] = round(m["pg_cpu_ms_per_request"], 3)
    if m["errors"]:
        row["errors"] = m["errors"]
    return row


def scaling(workers: tuple[int, ...] = (1, 2, 4)) -> Iterator[dict]:
    """Lifecycles/s on PostgreSQL for 1, 2 and 4 worker processes (not part of `make bench`)."""
    for n in workers:
        m = _median_of(lambda n=n: lifecycles("postgres", workers=n, cpus=None if n > 1 else SERVER_CPUS),
                       "lifecycles_per_s")
        yield _lifecycle_row(f"queue.lifecycles_per_s.postgres_w{n}", m)


if __name__ == "__main__":
    rows = scaling() if sys.argv[1:] == ["scaling"] else run()
    for row in rows:
        print(json.dumps(row, ensure_ascii=False), flush=True)

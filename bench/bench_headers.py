"""What the security headers cost per request (`python -m bench headers`).

The middleware of `api/headers.py` around a minimal ASGI app that answers like an endpoint
(a JSON start with the usual headers, one body), against the bare app: the medians of
several interleaved rounds, and the difference, which is what every request pays. (Timing
the whole FastAPI stack instead drowns a few microseconds in thread-pool noise.)
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from typing import Any

CALLS = 20000
ROUNDS = 5
SCOPE = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
         "path": "/api/v1/ratings/options", "raw_path": b"/api/v1/ratings/options", "query_string": b"",
         "root_path": "", "headers": [(b"host", b"bench")], "client": ("127.0.0.1", 1), "server": ("bench", 80)}


async def _per_call_us(app: Any, calls: int) -> float:
    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        pass

    for _ in range(200):  # warm up (the middleware stack is built on the first call)
        await app(SCOPE, receive, send)
    start = time.perf_counter()
    for _ in range(calls):
        await app(SCOPE, receive, send)
    return (time.perf_counter() - start) / calls * 1e6


async def _endpoint(scope: dict, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"2"),
                            (b"cache-control", b"no-cache")]})
    await send({"type": "http.response.body", "body": b"{}"})


def run() -> Iterator[dict]:
    from queue_server.api.headers import SecurityHeaders

    wrapped = SecurityHeaders(_endpoint)
    on, off = [], []
    for _ in range(ROUNDS):  # interleaved, so machine load falls on both alike
        on.append(asyncio.run(_per_call_us(wrapped, CALLS)))
        off.append(asyncio.run(_per_call_us(_endpoint, CALLS)))
    a, b = statistics.median(on), statistics.median(off)
    yield {"name": "headers.request_us", "value": round(a, 2), "unit": "µs", "target": None, "better": "lower"}
    yield {"name": "headers.request_without_us", "value": round(b, 2), "unit": "µs", "target": None,
           "better": "lower"}
    yield {"name": "headers.overhead_us", "value": round(a - b, 2), "unit": "µs", "target": 20, "better": "lower"}

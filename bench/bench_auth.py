"""Login flood against one `motcua serve` process: does a kiosk still get its ticket in time?

A kiosk issues 25 tickets/s (open loop) for a while; the p99 of those issues is measured
without a flood, then while 200 wrong logins per second arrive:

- from one address (the flood is throttled per address and answered from memory);
- spread over many addresses behind a trusted proxy (every attempt for a new account and a
  new address: each passes the throttles, so the hashing gate bounds the work).

`auth.login_flood_issue_p99_ms` is the worse of the two floods; target: < 2x the issue p99
without a flood. The load generator runs on the same machine as the server.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import time
from collections import Counter

import httpx

from bench.server import percentile, start_hall

SECONDS = float(os.environ.get("MOTCUA_BENCH_SECONDS", "12"))
ISSUE_RATE = 25.0
LOGIN_RATE = 200.0


def _flood(url: str, spread: bool, seconds: float, out) -> None:  # noqa: ANN001
    """The attacker, in its own process (its CPU is not the kiosk's client's)."""
    answers: Counter = Counter()

    async def main() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=200)) as c:
            async def bad_login(i: int) -> None:
                headers = {}
                if spread:
                    headers["X-Forwarded-For"] = f"10.{random.randrange(256)}.{random.randrange(256)}.{i % 250 + 1}"
                try:
                    r = await c.post("/api/v1/auth/login", headers=headers,
                                     json={"username": f"guess{i}", "password": "wrong-password"})
                    answers[f"login {r.status_code}"] += 1
                except httpx.HTTPError:
                    answers["login error"] += 1

            tasks = []
            start = time.perf_counter()
            for i in range(int(LOGIN_RATE * seconds)):
                await asyncio.sleep(max(0.0, start + i / LOGIN_RATE - time.perf_counter()))
                tasks.append(asyncio.create_task(bad_login(i)))
            await asyncio.gather(*tasks)

    asyncio.run(main())
    out.put(dict(answers))


def issue_p99(flood: str | None, engine: str = "sqlite") -> tuple[float, Counter]:
    env = {"MOTCUA_TRUSTED_PROXIES": "127.0.0.1"} if flood == "spread" else None
    hall = start_hall(engine, env=env)
    answers: Counter = Counter()

    async def run() -> list[float]:
        lat: list[float] = []
        async with httpx.AsyncClient(base_url=hall.url, timeout=30,
                                     headers={"Authorization": f"Bearer {hall.kiosk_token}"}) as kiosk:
            async def issue(i: int) -> None:
                t0 = time.perf_counter()
                r = await kiosk.post("/api/v1/tickets", json={"service_id": hall.services[i % 2]})
                if r.status_code == 201:
                    lat.append((time.perf_counter() - t0) * 1000)
                answers[f"issue {r.status_code}"] += 1

            for i in range(10):  # warm-up
                await issue(i)
            lat.clear()
            tasks = []
            start = time.perf_counter()
            for i in range(int(ISSUE_RATE * SECONDS)):
                await asyncio.sleep(max(0.0, start + i / ISSUE_RATE - time.perf_counter()))
                tasks.append(asyncio.create_task(issue(i)))
            await asyncio.gather(*tasks)
        return lat

    attacker = None
    out = multiprocessing.get_context("spawn").Queue()
    try:
        if flood:
            attacker = multiprocessing.get_context("spawn").Process(
                target=_flood, args=(hall.url, flood == "spread", SECONDS + 1, out))
            attacker.start()
            time.sleep(1.0)  # the flood is on before the first timed ticket
        lat = asyncio.run(run())
        if attacker is not None:
            answers.update(out.get(timeout=120))
            attacker.join(30)
    finally:
        if attacker is not None and attacker.is_alive():
            attacker.kill()
        hall.stop()
    return percentile(lat, 99), answers


def run():  # noqa: ANN201
    quiet, _ = issue_p99(None)
    yield {"name": "auth.issue_p99_quiet_ms", "value": round(quiet, 1), "unit": "ms", "target": None,
           "better": "lower"}
    one, _ = issue_p99("one")
    yield {"name": "auth.login_flood_one_address_issue_p99_ms", "value": round(one, 1), "unit": "ms",
           "target": round(2 * quiet, 1), "better": "lower"}
    spread, answers = issue_p99("spread")
    yield {"name": "auth.login_flood_spread_issue_p99_ms", "value": round(spread, 1), "unit": "ms",
           "target": round(2 * quiet, 1), "better": "lower",
           "note": ", ".join(f"{k}: {v}" for k, v in sorted(answers.items()))}
    worst = max(one, spread)
    yield {"name": "auth.login_flood_issue_p99_ms", "value": round(worst, 1), "unit": "ms",
           "target": round(2 * quiet, 1), "better": "lower"}
    yield {"name": "auth.login_flood_issue_p99_ratio", "value": round(worst / quiet, 2), "unit": "x",
           "target": 2.0, "better": "lower"}

"""Call to phone: how long after a clerk's "call next" request the citizen's phone page
(/t/{id}?k=KEY) shows the new state, with 20 phone pages open.

`python -m bench phone` starts `motcua serve` (SQLite, one worker) with a 2-counter hall,
takes numbers over HTTP as a kiosk does, and opens each ticket's `position_url` in headless
Chromium at 360x640 (Debian's /usr/bin/chromium through Playwright), each page in its own
browser context (one phone each; Chromium allows only 6 connections per host in one context).
Every page follows the anonymous event stream and re-reads its position when the hall moves,
so each call also makes the other waiting pages ask the server again, as in a hall.

For each call the bench notes the wall-clock time just before sending the request; the called
ticket's page notes, with a MutationObserver on <body data-state>, when it became "called"
(performance.timeOrigin + performance.now(), the same machine clock). Rounds of 20 tickets:
every page is called once per round, then all open the next round's tickets. Rows:

- `phone.call_to_page_p99_ms` (target < 250 ms), `phone.call_to_page_p50_ms`, `phone.call_to_page_max_ms`;
- `phone.pages`: pages live before measuring.

MOTCUA_BENCH_PHONES (default 20), MOTCUA_BENCH_PHONE_ROUNDS (default 3) and
MOTCUA_BENCH_PHONE_SPACING_S (default 1.0 s between calls) change the run.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import httpx

from bench.bench_display import CHROMIUM, CHROMIUM_ARGS, _free_port, _row, _start_server

PHONES = int(os.environ.get("MOTCUA_BENCH_PHONES", "20"))
ROUNDS = int(os.environ.get("MOTCUA_BENCH_PHONE_ROUNDS", "3"))
SPACING_S = float(os.environ.get("MOTCUA_BENCH_PHONE_SPACING_S", "1.0"))
PASSWORD = "bench-password-1"

OBSERVE = """() => {
  window.__calledAt = null;
  const note = () => {
    if (window.__calledAt === null && document.body.dataset.state === 'called') {
      window.__calledAt = performance.timeOrigin + performance.now();
    }
  };
  new MutationObserver(note).observe(document.body, {attributes: true, attributeFilter: ['data-state']});
  note();
}"""


def _seed(data_dir: Path) -> dict:
    """A hall with 2 counters serving one service, a supervisor and a kiosk."""
    from queue_server.config import load_settings
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM, Context
    from queue_server.services.queue import counters
    from queue_server.store import migrate

    ctx = Context.create(load_settings(env={}, data_dir=str(data_dir)))
    migrate.upgrade(ctx.db.engine)
    site = admin.create_site(ctx, SYSTEM, code="bench", name="UBND Phường Thử nghiệm")
    service = admin.create_service(ctx, SYSTEM, site["id"], code="HT", prefix="A", name_vi="Hộ tịch",
                                   name_en="Civil status", sort_order=1)
    ids = [admin.create_counter(ctx, SYSTEM, site["id"], number=n, services={service["id"]: 1})["id"]
           for n in (1, 2)]
    admin.create_user(ctx, SYSTEM, username="giamsat", password=PASSWORD, role="supervisor",
                      full_name="Giám sát", site_id=site["id"])
    kiosk = admin.create_device(ctx, SYSTEM, site["id"], kind="kiosk", name="Ki-ốt")["token"]
    for counter_id in ids:
        counters.set_state(ctx, SYSTEM, counter_id, "open")
    ctx.db.dispose()
    return {"counters": ids, "service": service["id"], "kiosk": kiosk}


def run() -> Iterable[dict]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="motcua-bench-phone-") as tmp:
        data = Path(tmp)
        hall = _seed(data)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        saved = os.environ.get("MOTCUA_KIOSK_TICKETS_PER_MINUTE")
        os.environ["MOTCUA_KIOSK_TICKETS_PER_MINUTE"] = "100000"  # the bench's kiosk issues 20 at a time
        try:
            server = _start_server(data, port)
        finally:
            if saved is None:
                os.environ.pop("MOTCUA_KIOSK_TICKETS_PER_MINUTE")
            else:
                os.environ["MOTCUA_KIOSK_TICKETS_PER_MINUTE"] = saved
        samples: list[float] = []
        live = 0
        try:
            token = httpx.post(f"{base}/api/v1/auth/login",
                               json={"username": "giamsat", "password": PASSWORD}).json()["token"]
            staff = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10)
            kiosk = httpx.Client(headers={"Authorization": f"Bearer {hall['kiosk']}"}, timeout=10)
            with sync_playwright() as p, staff, kiosk:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                pages = [browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True,
                                             has_touch=True).new_page() for _ in range(PHONES)]
                current: dict[int, bool] = {}
                for _ in range(ROUNDS):
                    tickets = []
                    for page in pages:
                        r = kiosk.post(f"{base}/api/v1/tickets", json={"service_id": hall["service"]})
                        r.raise_for_status()
                        tickets.append(r.json())
                        page.goto(r.json()["position_url"])
                    for page in pages:
                        page.wait_for_function("() => document.body.dataset.stream === 'live'", timeout=30000)
                        page.evaluate(OBSERVE)
                    live = sum(page.evaluate("() => document.body.dataset.stream") == "live" for page in pages)
                    by_code = {t["ticket"]["code"]: page for t, page in zip(tickets, pages, strict=True)}
                    for i in range(PHONES):
                        counter = hall["counters"][i % len(hall["counters"])]
                        if current.get(counter):
                            staff.post(f"{base}/api/v1/counters/{counter}/start").raise_for_status()
                        time.sleep(SPACING_S)
                        sent = time.time() * 1000
                        response = staff.post(f"{base}/api/v1/counters/{counter}/call-next")
                        response.raise_for_status()
                        current[counter] = True
                        page = by_code[response.json()["code"]]
                        seen = None
                        deadline = time.monotonic() + 10
                        while seen is None and time.monotonic() < deadline:
                            seen = page.evaluate("() => window.__calledAt")
                            if seen is None:
                                time.sleep(0.01)
                        samples.append((seen - sent) if seen is not None else 10_000.0)
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(10)
            except Exception:  # noqa: BLE001 - a stuck server is killed
                server.kill()
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))]
    print(f"bench phone: {live} live phone pages (360x640), {ROUNDS} rounds, {len(samples)} calls "
          f"{SPACING_S:.1f} s apart", file=sys.stderr)
    yield _row("phone.call_to_page_p99_ms", p99, target=250)
    yield _row("phone.call_to_page_p50_ms", statistics.median(samples))
    yield _row("phone.call_to_page_max_ms", samples[-1])
    yield _row("phone.pages", live, unit="pages", better="higher")

"""Event to the supervisor's screen: how long after a clerk's "call next" the called code is
in the counter's row of the /supervisor monitor.

`python -m bench monitor` starts `motcua serve` (SQLite) with bench_display's 5-counter hall
and 35 waiting tickets, signs a supervisor in on /supervisor in headless Chromium at 1366x768
and makes 30 calls over HTTP, 1.5 s apart. The page learns of each call from its event stream
and reads the snapshot again (`GET /api/v1/monitor/snapshot`), so the figure is the stream's
delivery plus one snapshot plus the page's drawing. A MutationObserver notes when each code
first shows in a counter row (the same machine clock as the request's send time).

- `monitor.event_to_dom_p99_ms` (target < 250), `monitor.event_to_dom_p50_ms`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import httpx

from bench.bench_display import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    SPACING_S,
    _free_port,
    _seed,
    _start_server,
    seen_after,
)

CALLS = 30
OBSERVE = """() => {
  window.__seen = {};
  const table = document.querySelector('#counters');
  const note = () => {
    const at = performance.timeOrigin + performance.now();
    for (const cell of table.querySelectorAll('.c-current')) {
      const code = (cell.textContent.match(/[A-Z]\\d{3,}/) || [])[0];
      if (code && !(code in window.__seen)) window.__seen[code] = at;
    }
  };
  new MutationObserver(note).observe(table, {childList: true, characterData: true, subtree: true});
  note();
}"""


def run() -> Iterable[dict]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    samples: list[float] = []
    with tempfile.TemporaryDirectory(prefix="motcua-bench-monitor-") as tmp:
        data = Path(tmp)
        hall = _seed(data, CALLS + 5)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _start_server(data, port)
        try:
            token = httpx.post(f"{base}/api/v1/auth/login",
                               json={"username": "giamsat", "password": PASSWORD}).json()["token"]
            with sync_playwright() as p, httpx.Client(headers={"Authorization": f"Bearer {token}"},
                                                      timeout=10) as client:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
                page.goto(f"{base}/supervisor")
                page.fill("#username", "giamsat")
                page.fill("#password", PASSWORD)
                page.click("#login-button")
                page.wait_for_selector("#view-monitor:not([hidden]) #counters tr[data-number='5']")
                page.wait_for_function("() => document.querySelector('#live').dataset.state === 'live'",
                                       timeout=30000)
                page.evaluate(OBSERVE)
                current: dict[int, bool] = {}
                for i in range(CALLS):
                    counter = hall["counters"][i % len(hall["counters"])]
                    if current.get(counter):
                        client.post(f"{base}/api/v1/counters/{counter}/finish").raise_for_status()
                    time.sleep(SPACING_S)
                    sent = time.time() * 1000
                    response = client.post(f"{base}/api/v1/counters/{counter}/call-next")
                    response.raise_for_status()
                    code = response.json()["code"]
                    current[counter] = True
                    samples.append(seen_after(page, code, sent))
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))]
    print(f"bench monitor: {len(samples)} calls; max {samples[-1]:.0f} ms", file=sys.stderr)
    yield {"name": "monitor.event_to_dom_p99_ms", "value": round(p99, 1), "unit": "ms", "target": 250,
           "better": "lower"}
    yield {"name": "monitor.event_to_dom_p50_ms", "value": round(statistics.median(samples), 1), "unit": "ms",
           "target": None, "better": "lower"}

"""Call to hall display: how long after a clerk's "call next" request the new code is in the
DOM of every hall display, with 50 displays connected.

`python -m bench display` starts `motcua serve` (SQLite, one worker) with a 5-counter hall,
opens 50 real hall display pages (/display/hall at 1920x1080: tiles, clock, notice line,
blinks, last calls) in headless Chromium (Debian's /usr/bin/chromium through Playwright) and makes a
series of calls over HTTP. Each page is in its own browser context: Chromium allows only 6
connections per host within one context, so 50 tabs of one context could not all hold an
event stream; separate contexts also match 50 separate TVs. All 50 run in one browser
process (50 renderer processes). One display has sound on, as in a hall where one screen
speaks; the others are muted by their URL.

For each call the bench notes the wall-clock time just before sending the request; each
page notes, with a MutationObserver on its "now calling" code, when that code appeared
(performance.timeOrigin + performance.now(), the same machine clock). Rows:

- `display.call_to_dom_p99_ms` (target < 250 ms): p99 over every (call, display) pair;
- `display.call_to_dom_p50_ms`, `display.call_to_dom_max_ms`;
- `display.pages`: how many displays were connected (all must be live before measuring);
- `display.browser_pss_mb`: memory of the browser's processes (sum of PSS), for the record.

MOTCUA_BENCH_DISPLAYS and MOTCUA_BENCH_CALLS change the counts (defaults 50 and 30).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--autoplay-policy=no-user-gesture-required",
    "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
]
DISPLAYS = int(os.environ.get("MOTCUA_BENCH_DISPLAYS", "50"))
# The real page as a hall TV shows it. MOTCUA_BENCH_VIEWPORT=640x360 and MOTCUA_BENCH_TICKER=0
# give lighter tabs (less to paint on a GPU-less machine); MOTCUA_BENCH_REDUCED_MOTION=1 runs the
# pages under prefers-reduced-motion (calls light up without blinking).
VIEWPORT = tuple(int(x) for x in os.environ.get("MOTCUA_BENCH_VIEWPORT", "1920x1080").split("x"))
REDUCED = os.environ.get("MOTCUA_BENCH_REDUCED_MOTION", "0") == "1"
TICKER = os.environ.get("MOTCUA_BENCH_TICKER", "1") == "1"
CALLS = int(os.environ.get("MOTCUA_BENCH_CALLS", "30"))
SPACING_S = 1.5  # between calls: each call flashes for 4 s on every screen, as in a busy hall
PASSWORD = "bench-password-1"

OBSERVE = """() => {
  window.__seen = {};
  const node = document.querySelector('#now-code');
  const note = () => {
    const code = node.textContent;
    if (!(code in window.__seen)) window.__seen[code] = performance.timeOrigin + performance.now();
  };
  new MutationObserver(note).observe(node, {childList: true, characterData: true, subtree: true});
  note();
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(data_dir: Path, tickets: int) -> dict:
    """A hall with 5 counters serving one service, a supervisor, and `tickets` waiting."""
    from queue_server.config import load_settings
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM, Context
    from queue_server.services.queue import counters
    from queue_server.services.queue import tickets as queue
    from queue_server.store import migrate

    ctx = Context.create(load_settings(env={}, data_dir=str(data_dir)))
    migrate.upgrade(ctx.db.engine)
    site = admin.create_site(ctx, SYSTEM, code="bench", name="UBND Phường Thử nghiệm")
    service = admin.create_service(ctx, SYSTEM, site["id"], code="HT", prefix="A", name_vi="Hộ tịch",
                                   name_en="Civil status", sort_order=1)
    ids = [admin.create_counter(ctx, SYSTEM, site["id"], number=n, services={service["id"]: 1})["id"]
           for n in range(1, 6)]
    admin.create_user(ctx, SYSTEM, username="giamsat", password=PASSWORD, role="supervisor",
                      full_name="Giám sát", site_id=site["id"])
    for counter_id in ids:
        counters.set_state(ctx, SYSTEM, counter_id, "open")
    for _ in range(tickets):
        queue.issue_ticket(ctx, SYSTEM, service["id"])
    ctx.db.dispose()
    return {"counters": ids}


def _start_server(data_dir: Path, port: int) -> subprocess.Popen:
    log = open(data_dir / "server.log", "ab")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "queue_server.cli", "serve", "--data", str(data_dir), "--port", str(port),
         "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((data_dir / "server.log").read_text(errors="replace"))
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def _browser_memory_mb() -> float:
    """Memory of the Chromium processes started by this process: the sum of their PSS
    (shared pages counted once, split between sharers), from /proc."""
    parent: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
            parent[int(entry.name)] = int(tail.split()[1])
            names[int(entry.name)] = head.split("(", 1)[1]
        except (OSError, IndexError, ValueError):
            continue
    me = os.getpid()

    def ours(pid: int) -> bool:
        while pid > 1:
            pid = parent.get(pid, 0)
            if pid == me:
                return True
        return False

    total_kb = 0
    for pid, name in names.items():
        if "chrom" not in name.lower() or not ours(pid):
            continue
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def seen_after(page, code: str, sent_ms: float, timeout_s: float = 10) -> float:  # noqa: ANN001
    """Milliseconds from `sent_ms` until the page's observer (OBSERVE) noted `code` (10 s if never)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        seen = page.evaluate("(code) => window.__seen[code] ?? null", code)
        if seen is not None:
            return seen - sent_ms
        time.sleep(0.02)
    return timeout_s * 1000


def _row(name: str, value: float, unit: str = "ms", target: float | None = None, better: str = "lower") -> dict:
    return {"name": name, "value": round(value, 1), "unit": unit, "target": target, "better": better}


def run() -> Iterable[dict]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="motcua-bench-display-") as tmp:
        data = Path(tmp)
        hall = _seed(data, CALLS + 5)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _start_server(data, port)
        try:
            token = httpx.post(f"{base}/api/v1/auth/login",
                               json={"username": "giamsat", "password": PASSWORD}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            with sync_playwright() as p, httpx.Client(headers=headers, timeout=10) as client:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                pages = []
                for i in range(DISPLAYS):
                    context = browser.new_context(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]},
                                                  reduced_motion="reduce" if REDUCED else "no-preference")
                    page = context.new_page()
                    query = [] if i == 0 else ["mute=1"]
                    if not TICKER:
                        query.append("notice=")
                    page.goto(f"{base}/display/hall" + ("?" + "&".join(query) if query else ""))
                    pages.append(page)
                for page in pages:
                    page.wait_for_function("() => document.body.dataset.stream === 'live'", timeout=30000)
                    page.evaluate(OBSERVE)
                live = sum(page.evaluate("() => document.body.dataset.stream") == "live" for page in pages)
                rss = _browser_memory_mb()
                samples: list[float] = []
                current: dict[int, bool] = {}
                for i in range(CALLS):
                    counter = hall["counters"][i % len(hall["counters"])]
                    if current.get(counter):
                        client.post(f"{base}/api/v1/counters/{counter}/start").raise_for_status()
                    time.sleep(SPACING_S)
                    sent = time.time() * 1000
                    response = client.post(f"{base}/api/v1/counters/{counter}/call-next")
                    response.raise_for_status()
                    code = response.json()["code"]
                    current[counter] = True
                    for page in pages:
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
    print(f"bench display: {live} live displays ({VIEWPORT[0]}x{VIEWPORT[1]}, notice line "
          f"{'on' if TICKER else 'off'}), {CALLS} calls, {len(samples)} samples; browser memory (PSS) {rss:.0f} MB",
          file=sys.stderr)
    yield _row("display.call_to_dom_p99_ms", p99, target=250)
    yield _row("display.call_to_dom_p50_ms", statistics.median(samples))
    yield _row("display.call_to_dom_max_ms", samples[-1])
    yield _row("display.pages", live, unit="pages", better="higher")
    yield _row("display.browser_pss_mb", rss, unit="MB")


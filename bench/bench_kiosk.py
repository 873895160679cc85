"""Kiosk benchmarks (issue 4): cold start, memory, tap-to-number, search keystroke.

    kiosk.cold_start_s        process start to the home screen drawn and interactive (target < 2 s)
    kiosk.rss_mb              resident memory after 25 numbers, every screen and the 2,000-procedure
                              search, back home at rest (target < 250 MB); `empty_window_mb` is
                              a bare Kivy window of the same size (Mesa's software GL here)
    kiosk.take_number_ms_p50  tap "take a number" (priority choice) to the code on screen, local
                              server on SQLite, no printer (target p50 < 300 ms)
    kiosk.search_ms_p50       one keystroke on the on-screen keyboard to the result list updated
                              (search + relabelled result buttons), over a 2,000-procedure
                              catalogue (target p50 < 30 ms); `with_frame_ms_p50` adds the
                              layout and one frame drawn by Mesa's software renderer

The app runs for real (Kivy, SDL offscreen driver) in a child process, against a real
server process seeded with the demo hall; each child run is one cold start.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STARTS = 3
ISSUES = 25


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(data: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    from queue_server.config import load_settings
    from queue_server.demo import seed_demo
    from queue_server.services.context import Context
    from queue_server.store import migrate

    ctx = Context.create(load_settings(env={}, data_dir=str(data)))
    migrate.upgrade(ctx.db.engine)
    seed_demo(ctx)
    ctx.db.dispose()
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MOTCUA_KIOSK_TICKETS_PER_MINUTE": "100000"}
    env.pop("MOTCUA_CONFIG", None)
    proc = subprocess.Popen([sys.executable, "-m", "queue_server.cli", "serve", "--data", str(data), "--port",
                             str(port), "--log-level", "warning"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("bench server did not start")


def _child(url: str, tokens: Path, cache: Path, big: Path | None, issues: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MOTCUA_CONFIG")}
    env["PYTHONPATH"] = str(ROOT)
    cmd = [sys.executable, "-m", "bench.bench_kiosk", "--probe", url, str(tokens), str(cache), str(big or ""),
           str(issues)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out: dict[str, Any] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("READY"):
            out["cold_start_s"] = time.perf_counter() - started
        elif line.startswith("{"):
            out.update(json.loads(line))
    proc.wait(120)
    if proc.returncode != 0:
        raise RuntimeError(f"kiosk probe failed ({proc.returncode})")
    return out


def _big_catalogue(path: Path) -> None:
    from bench.bench_catalog import generated_catalogue
    from queue_server.domain.catalog import check_catalog
    from queue_server.services.catalog import procedure_json

    catalog = check_catalog(generated_catalogue()).catalog
    assert catalog is not None
    doc = {"version": "bench", "fields": [{"code": f.code, "name": {"vi": f.name.vi, "en": f.name.en}}
                                          for f in catalog.fields],
           "services": [], "procedures": [{**procedure_json(p), "service_id": None} for p in catalog.procedures]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def run() -> Iterable[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="motcua-bench-kiosk-") as tmp:
        tmp_path = Path(tmp)
        server, url = _server(tmp_path / "server")
        try:
            big = tmp_path / "big-catalog.json"
            _big_catalogue(big)
            tokens = tmp_path / "server" / "demo-devices.json"
            starts = []
            for i in range(STARTS):  # each a cold process; the catalogue cache is warm after the first
                starts.append(_child(url, tokens, tmp_path / f"cache{i}", None, 0)["cold_start_s"])
            full = _child(url, tokens, tmp_path / "cache-full", big, ISSUES)
        finally:
            server.terminate()
            server.wait(10)
    yield {"name": "kiosk.cold_start_s", "value": round(statistics.median(starts), 3), "unit": "s", "target": 2,
           "better": "lower", "runs": [round(s, 3) for s in starts]}
    yield {"name": "kiosk.rss_mb", "value": round(full["rss_mb"], 1), "unit": "MB", "target": 250, "better": "lower",
           "empty_window_mb": _empty_window_mb(), "stages_mb": full["rss_stages_mb"]}
    yield {"name": "kiosk.take_number_ms_p50", "value": round(statistics.median(full["take_ms"]), 1), "unit": "ms",
           "target": 300, "better": "lower", "p95": round(sorted(full["take_ms"])[int(len(full["take_ms"]) * .95) - 1], 1),
           "numbers": len(full["take_ms"])}
    yield {"name": "kiosk.search_ms_p50", "value": round(statistics.median(full["search_ms"]), 2), "unit": "ms",
           "target": 30, "better": "lower", "procedures": full["procedures"], "keystrokes": len(full["search_ms"]),
           "p95": round(sorted(full["search_ms"])[int(len(full["search_ms"]) * .95) - 1], 2),
           "with_frame_ms_p50": round(statistics.median(full["frame_ms"]), 2)}


def _empty_window_mb() -> float:
    """RSS of a bare Kivy window of the kiosk's size: the floor the GL driver sets."""
    code = ("import os;os.environ['SDL_VIDEODRIVER']='offscreen';os.environ['KIVY_NO_ARGS']='1';"
            "os.environ['KIVY_NO_CONSOLELOG']='1';from kivy.config import Config;"
            "Config.set('graphics','width','1080');Config.set('graphics','height','1920');"
            "from kivy.base import EventLoop;EventLoop.ensure_window();EventLoop.idle();"
            "from bench.bench_kiosk import _rss_mb;print(_rss_mb())")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    try:
        return round(float(out.stdout.strip().splitlines()[-1]), 1)
    except (ValueError, IndexError):
        return float("nan")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def probe(url: str, tokens: str, cache: str, big: str, issues: int) -> None:
    """The child: start the kiosk, say READY when home is drawn, then measure."""
    from kiosk.config import load_config
    from kiosk.driver import Driver

    config = load_config(env={}, server_url=url, device_token_file=tokens, cache_dir=cache)
    driver = Driver.start(config, headless=True)
    app = driver.app
    driver.pump(1)
    print("READY", flush=True)
    stages = {"home": _rss_mb()}
    if not issues:
        driver.stop()
        return
    driver.wait(lambda: app.services_data is not None and not app.cache.empty, 20, "data")
    take_ms = []
    service = app.services_data["services"][0]
    for _ in range(issues):
        app.go("priority", service=service)
        driver.settle()
        driver.tap(app.screens["priority"].buttons["normal"])
        driver.wait(lambda: app.screens["ticket"].code_label is not None, 10, "the code")
        driver.pump(1)  # drawn
        take_ms.append((time.perf_counter() - app.timings["tap"]) * 1000)
    stages["numbers"] = _rss_mb()
    for name in ("procedures", "dossier", "rating"):
        app.go(name)
        driver.settle()
    stages["screens"] = _rss_mb()
    from bench.bench_catalog import QUERIES

    app.cache.set_catalog(json.loads(Path(big).read_text(encoding="utf-8")))
    stages["catalogue"] = _rss_mb()
    app.go("procedures", fresh=True)
    driver.settle()
    screen = app.screens["procedures"]
    screen.update_results()
    search_ms, frame_ms = [], []
    for query in QUERIES:
        screen.keyboard.press("\x18")
        driver.pump(1)
        for ch in query:
            t0 = time.perf_counter()
            screen.keyboard.press(ch)  # what a key tap runs: the query changes, the list is relabelled
            t1 = time.perf_counter()
            driver.pump(1)  # layout and one frame (software GL here)
            search_ms.append((t1 - t0) * 1000)
            frame_ms.append((time.perf_counter() - t0) * 1000)
    stages["search"] = _rss_mb()
    app.go("procedure", code=next(iter(screen.result_buttons), "1.001193"))
    driver.settle()
    app.go("home")  # where an idle kiosk rests
    driver.settle()
    app.rest()  # what the idle return does
    stages["rest"] = _rss_mb()
    print(json.dumps({"take_ms": take_ms, "search_ms": search_ms, "frame_ms": frame_ms, "rss_mb": stages["rest"],
                      "rss_stages_mb": {k: round(v, 1) for k, v in stages.items()},
                      "procedures": len(app.cache.doc["procedures"])}), flush=True)
    driver.stop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--probe":
        probe(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    else:
        for row in run():
            print(json.dumps(row, ensure_ascii=False))

"""`motcua demo`: a whole hall on one machine, on SQLite, with simulated devices.

Seeds the demo hall: the site, its policy and people from assets/demo/hall.json, then its
procedure catalogue from assets/catalog/demo-ward.json, which is the one source of truth
for the hall's queue services and counters (the import creates those the site lacks).
Then it starts a simulated slip printer and, when a display exists (and not --no-kiosk),
the kiosk window in its own process; otherwise it prints how to run the kiosk. Finally it
runs the server in the foreground.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from queue_server.config import load_settings
from queue_server.services import admin
from queue_server.services.catalog import import_catalog
from queue_server.services.catalog_files import DEMO_CATALOG, read_catalog_file
from queue_server.services.context import SYSTEM, Context
from queue_server.services.seed import DEMO_HALL, load_hall, read_hall_file
from queue_server.store import migrate

DEMO_DATA = Path("data/demo")


def seed_demo(ctx: Context) -> dict:
    """Load the demo hall and catalogue, make sure a kiosk device exists; returns what the demo prints."""
    spec = read_hall_file(DEMO_HALL)
    loaded = load_hall(ctx, spec)
    imported = import_catalog(ctx, SYSTEM, read_catalog_file(DEMO_CATALOG), site=spec["site"]["code"],
                              source=DEMO_CATALOG.name)
    tokens_file = Path(ctx.settings.data_dir) / "demo-devices.json"
    devices = json.loads(tokens_file.read_text()) if tokens_file.exists() else {}
    for kind, name in (("kiosk", "Ki-ốt sảnh chính"), ("agent", "Máy điều khiển sảnh")):
        if kind not in devices:
            made = admin.create_device(ctx, SYSTEM, loaded["site_id"], kind=kind, name=name)
            devices[kind] = {"id": made["id"], "token": made["token"]}
    tokens_file.parent.mkdir(parents=True, exist_ok=True)
    tokens_file.write_text(json.dumps(devices, indent=2))
    return {"site_id": loaded["site_id"], "site_code": spec["site"]["code"], "devices": devices,
            "users": spec.get("users", []), "catalog": imported.as_json(), "tokens_file": tokens_file}


def has_display() -> bool:
    """Whether a window can be opened here (Linux needs X11 or Wayland; others always can)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def kiosk_command(base: str, tokens_file: Path, printer_url: str, site_code: str) -> list[str]:
    return [sys.executable, "-m", "queue_server.cli", "kiosk", "--server", base, "--token-file", str(tokens_file),
            "--printer", printer_url, "--site", site_code]


def run_demo(args: argparse.Namespace) -> int:
    import uvicorn

    from hardware.sim.printer import VirtualPrinter
    from queue_server.api.app import create_app

    settings = load_settings(args.config, data_dir=args.data_dir or str(DEMO_DATA), database_url=args.database_url,
                             host=args.host, port=args.port)
    ctx = Context.create(settings)
    migrate.upgrade(ctx.db.engine)
    info = seed_demo(ctx)
    base = settings.effective_public_url
    slips = Path(settings.data_dir).resolve() / "slips"
    printer = VirtualPrinter("127.0.0.1", 0, jobs_dir=slips, name="demo-kiosk").start()
    clerk = next((u for u in info["users"] if u["role"] == "clerk"), None)
    print("Motcua demo — Bộ phận một cửa mô phỏng / simulated one-stop hall")
    print(f"  Máy chủ / server:       {base}  (API: {base}/docs)")
    if clerk:
        print(f"  Cán bộ / demo clerk:    {clerk['username']} / {clerk['password']}")
    print(f"  Dữ liệu / data:         {Path(settings.data_dir).resolve()}")
    cat = info["catalog"]
    print(f"  Danh mục / catalogue:   {cat['procedures']} thủ tục / procedures, {cat['fields']} lĩnh vực / fields")
    print(f"  Máy in mô phỏng / simulated printer: {printer.url} (phiếu / slips: {slips})")
    command = kiosk_command(base, info["tokens_file"].resolve(), printer.url, info["site_code"])
    kiosk = None
    if args.no_kiosk:
        pass
    elif has_display():
        kiosk = subprocess.Popen(command)
        print("  Ki-ốt / kiosk:          cửa sổ đã mở / window opened")
    else:
        print("  Ki-ốt / kiosk:          không có màn hình / no display; chạy / run:")
        print("    " + " ".join(command))
        print("    (hoặc ảnh chụp không cần màn hình / or headless screenshots: motcua kiosk --tour DIR ...)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        uvicorn.run(create_app(settings, ctx=ctx), host=settings.host, port=settings.port, log_level="warning",
                    timeout_graceful_shutdown=3)
    finally:
        if kiosk is not None and kiosk.poll() is None:
            kiosk.terminate()
            try:
                kiosk.wait(5)
            except subprocess.TimeoutExpired:
                kiosk.kill()
        printer.stop()
    return 0

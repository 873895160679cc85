"""`motcua demo`: a whole hall on one machine, on SQLite, with simulated devices.

Seeds the demo hall from assets/ (site, services, counters, clerks, a kiosk device),
then runs the server and prints where everything is.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from queue_server.config import load_settings
from queue_server.services import admin
from queue_server.services.context import SYSTEM, Context
from queue_server.services.seed import DEMO_HALL, load_hall, read_hall_file
from queue_server.store import migrate

DEMO_DATA = Path("data/demo")


def seed_demo(ctx: Context) -> dict:
    """Load the demo hall and make sure a kiosk device exists; returns what the demo prints."""
    spec = read_hall_file(DEMO_HALL)
    loaded = load_hall(ctx, spec)
    tokens_file = Path(ctx.settings.data_dir) / "demo-devices.json"
    devices = json.loads(tokens_file.read_text()) if tokens_file.exists() else {}
    for kind, name in (("kiosk", "Ki-ốt sảnh chính"), ("agent", "Máy điều khiển sảnh")):
        if kind not in devices:
            made = admin.create_device(ctx, SYSTEM, loaded["site_id"], kind=kind, name=name)
            devices[kind] = {"id": made["id"], "token": made["token"]}
    tokens_file.parent.mkdir(parents=True, exist_ok=True)
    tokens_file.write_text(json.dumps(devices, indent=2))
    return {"site_id": loaded["site_id"], "site_code": spec["site"]["code"], "devices": devices,
            "users": spec.get("users", [])}


def run_demo(args: argparse.Namespace) -> int:
    import uvicorn

    from queue_server.api.app import create_app

    settings = load_settings(args.config, data_dir=args.data_dir or str(DEMO_DATA), database_url=args.database_url,
                             host=args.host, port=args.port)
    ctx = Context.create(settings)
    migrate.upgrade(ctx.db.engine)
    info = seed_demo(ctx)
    base = settings.effective_public_url
    clerk = next((u for u in info["users"] if u["role"] == "clerk"), None)
    print("Motcua demo — Bộ phận một cửa mô phỏng / simulated one-stop hall")
    print(f"  Máy chủ / server:       {base}  (API: {base}/docs)")
    if clerk:
        print(f"  Cán bộ / demo clerk:    {clerk['username']} / {clerk['password']}")
    print(f"  Dữ liệu / data:         {Path(settings.data_dir).resolve()}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(create_app(settings, ctx=ctx), host=settings.host, port=settings.port, log_level="warning",
                timeout_graceful_shutdown=3)
    return 0

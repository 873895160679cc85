"""`motcua init | serve | demo | user add | device add | config import/export`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from queue_server.config import ConfigError, Settings, load_settings


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="TOML configuration file (default: $MOTCUA_CONFIG)")
    p.add_argument("--data", dest="data_dir", help="data directory for the SQLite database (default: ./data)")
    p.add_argument("--database-url", help="database URL (default: SQLite in the data directory; "
                   "or $MOTCUA_DATABASE_URL, e.g. postgresql+psycopg://user@host/db)")


def settings_from(args: argparse.Namespace, **extra: object) -> Settings:
    return load_settings(args.config, data_dir=args.data_dir, database_url=args.database_url, **extra)


def _context(args: argparse.Namespace, **extra: object):  # noqa: ANN202
    from queue_server.services.context import Context
    from queue_server.store import migrate

    ctx = Context.create(settings_from(args, **extra))
    migrate.upgrade(ctx.db.engine)
    return ctx


def cmd_init(args: argparse.Namespace) -> int:
    ctx = _context(args)
    from queue_server.services.auth import instance_secret

    instance_secret(ctx)
    print(f"Cơ sở dữ liệu sẵn sàng / database ready: {ctx.db.engine.url.render_as_string(hide_password=True)}")
    return 0


def _export_env(settings: Settings, args: argparse.Namespace) -> None:
    """Hand the settings to uvicorn workers through the environment."""
    if args.config:
        os.environ["MOTCUA_CONFIG"] = str(Path(args.config).resolve())
    os.environ["MOTCUA_DATA_DIR"] = str(Path(settings.data_dir).resolve())
    if settings.database_url:
        os.environ["MOTCUA_DATABASE_URL"] = settings.database_url
    os.environ["MOTCUA_HOST"] = settings.host
    os.environ["MOTCUA_PORT"] = str(settings.port)
    if settings.public_url:
        os.environ["MOTCUA_PUBLIC_URL"] = settings.public_url


def uvicorn_options(*, workers: int = 1, log_level: str = "info", access_log: bool = False) -> dict[str, object]:
    """How uvicorn runs the server (also used by bench/trivial_app.py, so that the stack
    benchmark compares like with like)."""
    # proxy_headers off: uvicorn would rewrite the client address from X-Forwarded-For sent via
    # 127.0.0.1; queue_server/api/client_address.py alone decides, from trusted_proxies
    return {"workers": workers, "log_level": log_level, "timeout_graceful_shutdown": 3, "access_log": access_log,
            "proxy_headers": False}


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from queue_server.cli.public_address import warn_if_unreachable
    from queue_server.services.auth import instance_secret
    from queue_server.services.dossiers.setup import parse_dossier_settings

    settings = settings_from(args, host=args.host, port=args.port)
    warn_if_unreachable(settings.effective_public_url)  # the slips' QR codes point there
    parse_dossier_settings(settings.extra.get("dossiers"))  # a wrong [dossiers] table stops the start, named
    instance_secret(_context(args))  # migrate and make the shared secret once, before the workers start
    _export_env(settings, args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run("queue_server.api.asgi:app_factory", factory=True, host=settings.host, port=settings.port,
                **uvicorn_options(workers=args.workers, log_level=args.log_level, access_log=args.access_log))
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    import getpass

    from queue_server.services import admin
    from queue_server.services.context import SYSTEM

    ctx = _context(args)
    password = args.password or os.environ.get("MOTCUA_NEW_PASSWORD") or getpass.getpass("Mật khẩu / password: ")
    site_id = admin.resolve_site(ctx, args.site).id if args.site else None
    user = admin.create_user(ctx, SYSTEM, username=args.username, password=password, role=args.role,
                             full_name=args.full_name or "", site_id=site_id)
    print(f"Đã tạo người dùng / user created: {user['username']} ({user['role']})")
    return 0


def cmd_device_add(args: argparse.Namespace) -> int:
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM

    ctx = _context(args)
    site = admin.resolve_site(ctx, args.site)
    device = admin.create_device(ctx, SYSTEM, site.id, kind=args.kind, name=args.name)
    print(f"Thiết bị / device {device['name']} ({device['kind']}), id {device['id']}")
    print("Mã truy cập (chỉ hiện một lần) / token (shown once):")
    print(device["token"])
    return 0


def cmd_config_export(args: argparse.Namespace) -> int:
    from queue_server.services.seed import export_hall

    settings = settings_from(args)
    if args.hall:
        ctx = _context(args)
        print(json.dumps(export_hall(ctx, args.site), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(settings.as_toml())
    return 0


def cmd_config_import(args: argparse.Namespace) -> int:
    from queue_server.services.seed import HallFileError, load_hall, read_hall_file

    ctx = _context(args)
    try:
        result = load_hall(ctx, read_hall_file(Path(args.file)))
    except HallFileError as exc:
        print(f"Tệp {args.file} có lỗi, chưa nhập gì / nothing imported:", file=sys.stderr)
        for line in exc.errors:
            print(f"  - {line}", file=sys.stderr)
        return 2
    print(f"Đã nhập / imported: site {result['site_id']}, {len(result['services'])} services")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from queue_server.demo import run_demo

    return run_demo(args)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("init", help="create or upgrade the database")
    _common(p)
    p.set_defaults(func=cmd_init)

    p = subparsers.add_parser("serve", help="run the queue server")
    _common(p)
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL for more than one)")
    p.add_argument("--log-level", default="info")
    p.add_argument("--access-log", action="store_true", help="log every request")
    p.set_defaults(func=cmd_serve)

    p = subparsers.add_parser("demo", help="seed a demo hall and run everything with simulated devices")
    _common(p)
    p.add_argument("--host", help="address to listen on (default: 127.0.0.1 and, for phones, this machine's "
                   "address on the local network)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-kiosk", action="store_true", help="do not open the kiosk window")
    p.set_defaults(func=cmd_demo)

    user = subparsers.add_parser("user", help="manage users").add_subparsers(dest="user_cmd", required=True)
    p = user.add_parser("add", help="add a clerk, supervisor or admin")
    _common(p)
    p.add_argument("username")
    p.add_argument("--role", choices=["clerk", "supervisor", "admin"], default="clerk")
    p.add_argument("--full-name")
    p.add_argument("--site", help="site code (default: every site)")
    p.add_argument("--password", help="password (default: $MOTCUA_NEW_PASSWORD or asked)")
    p.set_defaults(func=cmd_user_add)

    device = subparsers.add_parser("device", help="manage devices").add_subparsers(dest="device_cmd", required=True)
    p = device.add_parser("add", help="register a kiosk, display or agent and print its token once")
    _common(p)
    p.add_argument("name")
    p.add_argument("--kind", choices=["kiosk", "display", "agent"], required=True)
    p.add_argument("--site", help="site code (default: the first site)")
    p.set_defaults(func=cmd_device_add)

    config = subparsers.add_parser("config", help="import or export configuration").add_subparsers(
        dest="config_cmd", required=True)
    p = config.add_parser("export", help="print the settings as TOML (or the hall as JSON with --hall)")
    _common(p)
    p.add_argument("--hall", action="store_true", help="export the hall (site, services, counters) as JSON")
    p.add_argument("--site")
    p.set_defaults(func=cmd_config_export)
    p = config.add_parser("import", help="import a hall description (JSON): site, services, counters, users")
    _common(p)
    p.add_argument("file")
    p.set_defaults(func=cmd_config_import)


__all__ = ["register", "ConfigError"]

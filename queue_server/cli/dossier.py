"""`motcua dossier ...`: dossier due dates, overdue flags and the logbook from the command line.

    motcua dossier due --procedure 1.004222 --received "2026-02-13 15:20" [--channel truc_tiep]
        the appointment reception would print, computed as the server does (the [dossiers]
        settings of --config: working hours, same-day cutoff, holiday files, catalogue file)
    motcua dossier sweep                          flag due-soon / overdue dossiers (for cron)
    motcua dossier logbook --from 2026-03-01 --to 2026-03-31 --format xlsx --out so.xlsx
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from zoneinfo import ZoneInfo


def cmd_due(args: argparse.Namespace) -> int:
    from queue_server.cli.catalog import parse_received, print_due
    from queue_server.config import load_settings
    from queue_server.services.dossiers.reception import compute_due
    from queue_server.services.dossiers.setup import SiteRef, parse_dossier_settings, procedure_from_file

    received = parse_received(args.received)
    if received is None:
        return 2
    settings = load_settings(args.config)
    ds = parse_dossier_settings(settings.extra.get("dossiers"))
    if args.catalog:
        from dataclasses import replace

        ds = replace(ds, catalog_file=args.catalog)
    proc = procedure_from_file(ds, args.procedure)
    if proc is None:
        print(f"Không có thủ tục {args.procedure} / no procedure {args.procedure}", file=sys.stderr)
        return 1
    channel = proc.channel(args.channel)
    if channel is None:
        print(f"Thủ tục {proc.code} không có kênh {args.channel} / no channel {args.channel}", file=sys.stderr)
        return 1
    tz = ZoneInfo(args.timezone)
    due = compute_due(ds, received.replace(tzinfo=tz), SiteRef(args.site or "", args.timezone), channel)
    print(f"{proc.code} {proc.name_vi} — {channel.describe('vi')}")
    print_due(received, due, due.at.astimezone(tz))
    return 0


def _context(args: argparse.Namespace):  # noqa: ANN202
    from queue_server.cli.server import _context as server_context

    return server_context(args)


def cmd_sweep(args: argparse.Namespace) -> int:
    from queue_server.services.agencies.lateness import sweep
    from queue_server.services.context import SYSTEM
    from queue_server.services.dossiers.reception import flag_overdue

    ctx = _context(args)
    counts = flag_overdue(ctx, SYSTEM)
    print(f"Sắp đến hạn / due soon: {counts['due_soon']}; quá hạn / overdue: {counts['overdue']}")
    steps = sweep(ctx, SYSTEM)
    print(f"Bước xử lý quá hạn / late steps: {steps['step_late']}; "
          f"cần thư xin lỗi / apology needed: {steps['apology_needed']}")
    return 0


def cmd_logbook(args: argparse.Namespace) -> int:
    from queue_server.services.context import SYSTEM
    from queue_server.services.dossiers.reports import logbook

    name, _media, data = logbook(_context(args), SYSTEM, args.format, site=args.site, start=args.from_, end=args.to)
    out = Path(args.out or name)
    out.write_bytes(data)
    print(f"{out} ({len(data)} bytes)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from queue_server.cli.server import _common

    dossier = subparsers.add_parser("dossier", help="dossiers: due dates, overdue flags, logbook").add_subparsers(
        dest="dossier_cmd", required=True)
    p = dossier.add_parser("due", help="appointment date and time for a dossier received at a given time")
    p.add_argument("--procedure", required=True, help="procedure code, e.g. 1.004222")
    p.add_argument("--received", required=True, help="\"YYYY-MM-DD HH:MM\" (site time)")
    p.add_argument("--channel", default="truc_tiep", help="truc_tiep | truc_tuyen | buu_chinh")
    p.add_argument("--config", help="TOML configuration ([dossiers] settings; default $MOTCUA_CONFIG)")
    p.add_argument("--catalog", help="catalogue JSON (default: [dossiers] catalog_file, else the demo ward)")
    p.add_argument("--timezone", default="Asia/Ho_Chi_Minh")
    p.add_argument("--site", help="site code: use its own [dossiers.sites.CODE] working hours and cutoff")
    p.set_defaults(func=cmd_due)
    p = dossier.add_parser("sweep", help="flag dossiers that became due soon or overdue (events)")
    _common(p)
    p.set_defaults(func=cmd_sweep)
    p = dossier.add_parser("logbook", help="the logbook (Mẫu 06) for a date range")
    _common(p)
    p.add_argument("--site", help="site code or id (default: the configured or first site)")
    p.add_argument("--from", dest="from_", help="YYYY-MM-DD (default: first day of this month)")
    p.add_argument("--to", help="YYYY-MM-DD (default: today)")
    p.add_argument("--format", choices=["csv", "xlsx", "pdf"], default="xlsx")
    p.add_argument("--out", help="file to write (default: a name with the dates)")
    p.set_defaults(func=cmd_logbook)

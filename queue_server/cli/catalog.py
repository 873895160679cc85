"""`motcua catalog check|search` and `motcua calendar due|show`: the catalogue file and the
working-day calendar from the command line, without a database.

    motcua catalog check [FILE]                 every error and warning, with its location
    motcua catalog import FILE [--site CODE]    load it into the database (all or nothing)
    motcua catalog search "dang ky khai sinh"   what the kiosk search would list
    motcua calendar due --quantity 3 --unit working_days --received "2026-02-13 10:00"
    motcua calendar show 2026                   days off and swapped working days of a year
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from queue_server.services.dossiers.format import WEEKDAYS_VI

if TYPE_CHECKING:
    from queue_server.domain.working_days import DueDate


def cmd_catalog_check(args: argparse.Namespace) -> int:
    from queue_server.services.catalog_files import DEMO_CATALOG, read_catalog_file

    path = Path(args.file) if args.file else DEMO_CATALOG
    report = read_catalog_file(path)
    for issue in report.errors:
        print(f"LỖI / ERROR    {issue}")
    for issue in report.warnings:
        print(f"CẢNH BÁO / WARNING  {issue}")
    if report.catalog is None:
        print(f"{path}: {len(report.errors)} lỗi, không dùng được / {len(report.errors)} errors, not usable")
        return 1
    cat = report.catalog
    fields = {p.field for p in cat.procedures}
    print(f"{path}: hợp lệ / valid — {len(cat.procedures)} thủ tục / procedures, {len(fields)} lĩnh vực / fields, "
          f"{len(cat.services)} dịch vụ / services, {len(cat.counters)} quầy / counters, "
          f"{len(report.warnings)} cảnh báo / warnings")
    return 0


def cmd_catalog_search(args: argparse.Namespace) -> int:
    from queue_server.domain.catalog import search
    from queue_server.services.catalog_files import DEMO_CATALOG, load_catalog_file

    catalog = load_catalog_file(Path(args.file) if args.file else DEMO_CATALOG)
    hits = search(catalog, args.query, limit=args.limit)
    if not hits:
        print("Không tìm thấy thủ tục / no procedure found")
        return 1
    for hit in hits:
        p = hit.item
        print(f"{p.code:<12} {p.name.vi}  ({p.field}, {p.service})")
    return 0


def cmd_catalog_import(args: argparse.Namespace) -> int:
    from queue_server.cli.server import _context
    from queue_server.services.catalog import CatalogImportError, import_catalog
    from queue_server.services.catalog_files import read_catalog_file
    from queue_server.services.context import SYSTEM

    path = Path(args.file)
    report = read_catalog_file(path)
    ctx = _context(args)
    try:
        result = import_catalog(ctx, SYSTEM, report, site=args.site, source=path.name)
    except CatalogImportError as exc:
        for issue in exc.errors:
            print(f"LỖI / ERROR    {issue}", file=sys.stderr)
        print(f"{path}: {len(exc.errors)} lỗi, chưa nhập gì / {len(exc.errors)} errors, nothing imported",
              file=sys.stderr)
        return 1
    finally:
        ctx.db.dispose()
    for issue in result.warnings:
        print(f"CẢNH BÁO / WARNING  {issue}")
    for code in result.created_services:
        print(f"Đã tạo dịch vụ / created service {code}")
    for number in result.created_counters:
        print(f"Đã tạo quầy / created counter {number}")
    state = "đã nhập / imported" if result.changed else "không thay đổi / unchanged"
    print(f"{path}: {state} — {result.procedures} thủ tục / procedures, {result.fields} lĩnh vực / fields, "
          f"điểm / site {result.site_code}, phiên bản / version {result.version}")
    return 0


def _hours(args: argparse.Namespace):  # noqa: ANN202
    from queue_server.domain.working_days import WorkingHours, parse_session

    saturday = [parse_session(s) for s in args.saturday or []]
    return WorkingHours.standard(saturday=saturday)


def parse_received(text: str) -> datetime | None:
    """`--received "YYYY-MM-DD HH:MM"`, or None after saying what is wrong."""
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        print("--received phải viết \"YYYY-MM-DD HH:MM\" / must be \"YYYY-MM-DD HH:MM\"", file=sys.stderr)
        return None


def print_due(received: datetime, due: DueDate, due_local: datetime) -> None:
    """The appointment as `calendar due` and `dossier due` print it (local wall-clock times)."""
    print(f"Nhận / received: {received:%H giờ %M phút, ngày %d/%m/%Y}")
    print(f"Hẹn trả / due:   {due_local:%H giờ %M phút}, {WEEKDAYS_VI[due_local.weekday()]} ngày "
          f"{due_local:%d/%m/%Y}")
    from queue_server.services.calendars import calendar_notice

    notice = calendar_notice(due.calendar_missing_years)
    if notice:
        print(f"{notice['vi']} / {notice['en']}")
    for year in sorted(due.calendar_unconfirmed_years):
        print(f"Lịch nghỉ lễ năm {year} là tạm tính / the {year} holiday calendar is provisional")


def cmd_calendar_due(args: argparse.Namespace) -> int:
    from queue_server.domain.working_days import TimeUnit, due_at
    from queue_server.services.calendars import load_work_calendar

    received = parse_received(args.received)
    if received is None:
        return 2
    quantity, unit = args.quantity, TimeUnit(args.unit)
    cutoff = time.fromisoformat(args.cutoff)
    due = due_at(received, quantity, unit, load_work_calendar(), _hours(args), same_day_cutoff=cutoff)
    print_due(received, due, due.at)
    return 0


def cmd_calendar_show(args: argparse.Namespace) -> int:
    from queue_server.services.calendars import load_work_calendar

    calendar = load_work_calendar()
    hy = calendar.year(args.year)
    if hy is None:
        print(f"Chưa có lịch nghỉ lễ năm {args.year} / no holiday calendar for {args.year}")
        return 1
    if not calendar.knows(hy.year):
        print(f"Năm {hy.year}: chưa có tệp lịch; ngày lễ theo Bộ luật Lao động (thư viện holidays), chưa biết ngày "
              f"làm bù / no holiday file: statutory holidays (holidays package), swapped working days not known")
    else:
        print(f"Năm {hy.year}: {'chính thức / official' if hy.confirmed else 'tạm tính / provisional'}")
    rows = [(d, "nghỉ / off", x.name_vi, x.confirmed) for d, x in hy.days_off.items()]
    rows += [(d, "làm bù / worked", x.name_vi, x.confirmed) for d, x in hy.working_days.items()]
    for d, kind, name, confirmed in sorted(rows):
        mark = "" if confirmed else "  (tạm tính / estimate)"
        print(f"{d:%d/%m/%Y} {WEEKDAYS_VI[d.weekday()]:<9} {kind:<16} {name}{mark}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    if "catalog" not in subparsers.choices:
        catalog = subparsers.add_parser("catalog", help="procedure catalogue files").add_subparsers(
            dest="catalog_cmd", required=True)
        p = catalog.add_parser("check", help="check a catalogue file and list every problem")
        p.add_argument("file", nargs="?", help="catalogue JSON (default: assets/catalog/demo-ward.json)")
        p.set_defaults(func=cmd_catalog_check)
        p = catalog.add_parser("import", help="import a catalogue into the database (nothing when any error)")
        p.add_argument("file", help="catalogue JSON, e.g. assets/catalog/demo-ward.json")
        p.add_argument("--site", help="site code (default: the configured or first site)")
        p.add_argument("--config", help="TOML configuration file (default: $MOTCUA_CONFIG)")
        p.add_argument("--data", dest="data_dir", help="data directory (default: ./data)")
        p.add_argument("--database-url", help="database URL (default: SQLite in the data directory)")
        p.set_defaults(func=cmd_catalog_import)
        p = catalog.add_parser("search", help="search procedures as the kiosk does")
        p.add_argument("query")
        p.add_argument("--file", help="catalogue JSON (default: the demo ward)")
        p.add_argument("--limit", type=int, default=10)
        p.set_defaults(func=cmd_catalog_search)

    if "calendar" not in subparsers.choices:
        calendar = subparsers.add_parser("calendar", help="working days, holidays and due dates").add_subparsers(
            dest="calendar_cmd", required=True)
        p = calendar.add_parser("due", help="end of a processing time counted in working days "
                                "(for a procedure, `motcua dossier due` computes it as the server does)")
        p.add_argument("--received", required=True, help="\"YYYY-MM-DD HH:MM\" (site time)")
        p.add_argument("--quantity", type=int, required=True)
        p.add_argument("--unit", choices=["working_days", "days", "hours", "same_day"], required=True)
        p.add_argument("--cutoff", default="15:00", help="same-day cutoff (default 15:00)")
        p.add_argument("--saturday", action="append", metavar="HH:MM-HH:MM",
                       help="Saturday session counted as working time (repeatable)")
        p.set_defaults(func=cmd_calendar_due)
        p = calendar.add_parser("show", help="days off and swapped working days of a year")
        p.add_argument("year", type=int)
        p.set_defaults(func=cmd_calendar_show)

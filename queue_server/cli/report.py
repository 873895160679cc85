"""`motcua report`: the monthly queue report of a site as a PDF for the head of unit (or its
tables as an XLSX workbook), from the same data directory or database as `motcua serve`."""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

from queue_server.cli import CommandError
from queue_server.cli.server import _common, settings_from


def cmd_report(args: argparse.Namespace) -> int:
    from queue_server.services.context import SYSTEM, Context
    from queue_server.services.reports import exports, figures
    from queue_server.services.reports import pdf as report_pdf
    from queue_server.store import migrate

    if not re.fullmatch(r"\d{4}-\d{2}", args.month):
        raise CommandError(f"tháng “{args.month}” phải viết YYYY-MM (ví dụ 2026-11) / --month must be YYYY-MM")
    out = Path(args.out)
    if not out.parent.is_dir():
        raise CommandError(f"không có thư mục {out.parent} / no such directory: {out.parent}")
    ctx = Context.create(settings_from(args))
    try:
        migrate.upgrade(ctx.db.engine)
        report = figures.queue_report(ctx, SYSTEM, site=args.site, month=args.month)
    finally:
        ctx.db.dispose()
    data = (exports.to_xlsx(report) if out.suffix.lower() == ".xlsx"
            else report_pdf.monthly_pdf(report, figures.month_label(args.month)))
    # written whole under a hidden name, then renamed: never a half-written report left as if it were good
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    t = report["totals"]
    print(f"Đã ghi / wrote {out}: {report['site']['name']}, {figures.month_label(args.month)} – "
          f"{t['issued']} lượt cấp / tickets, {t['finished']} đã phục vụ / served")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("report", help="báo cáo tháng / the monthly queue report as PDF (or .xlsx)")
    _common(p)
    p.add_argument("--site", help="mã điểm phục vụ / site code (default: the hall's)")
    p.add_argument("--month", required=True, help="tháng / month, YYYY-MM")
    p.add_argument("--out", required=True, help="tệp ghi ra / file to write (.pdf, or .xlsx for the tables)")
    p.set_defaults(func=cmd_report)

"""Queue reports for supervisors and admins (read by the /reports page, web/pages/reports.html).

    GET /api/v1/reports/queue?site=&from=&to=            the report as JSON (or &month=YYYY-MM)
    GET /api/v1/reports/queue.csv?table=by_service&...   one table as CSV (UTF-8 with BOM)
    GET /api/v1/reports/queue.xlsx?...                   every table, a sheet each
    GET /api/v1/reports/queue.pdf?month=YYYY-MM          the monthly report for the head of unit
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from queue_server.api.deps import actor, get_ctx
from queue_server.api.offload import run
from queue_server.api.types import SiteParam
from queue_server.services.context import Actor, Context
from queue_server.services.reports import exports, figures
from queue_server.services.reports import pdf as report_pdf

router = APIRouter(tags=["reports"])
BASE = "/api/v1/reports/queue"
Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="a calendar month, YYYY-MM")]
Table = Literal["by_service", "by_counter", "by_clerk", "by_priority", "by_channel", "by_day", "arrivals",
                "satisfaction", "out_of_order", "petitions"]


def _report(ctx: Context, who: Actor, site: str | None, lo: date | None, hi: date | None,
            month: str | None) -> dict[str, Any]:
    return figures.queue_report(ctx, who, site=site, start=lo, end=hi, month=month)


def _file(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _name(report: dict[str, Any], ext: str, table: str = "") -> str:
    return f"bao-cao-{report['site']['code']}-{report['from']}-{report['to']}{'-' + table if table else ''}.{ext}"


@router.get(BASE)
async def queue_report(from_: date | None = Query(default=None, alias="from"), to: date | None = None,
                       month: Month = None, site: SiteParam = None, who: Actor = Depends(actor),
                       ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return await run(lambda: _report(ctx, who, site, from_, to, month))


@router.get(BASE + ".csv")
async def queue_report_csv(table: Table = "by_service", from_: date | None = Query(default=None, alias="from"),
                           to: date | None = None, month: Month = None, site: SiteParam = None,
                           who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> Response:
    report = await run(lambda: _report(ctx, who, site, from_, to, month))
    return _file(exports.to_csv(report, table), "text/csv; charset=utf-8", _name(report, "csv", table))


@router.get(BASE + ".xlsx")
async def queue_report_xlsx(from_: date | None = Query(default=None, alias="from"), to: date | None = None,
                            month: Month = None, site: SiteParam = None, who: Actor = Depends(actor),
                            ctx: Context = Depends(get_ctx)) -> Response:
    report = await run(lambda: _report(ctx, who, site, from_, to, month))
    data = await run(lambda: exports.to_xlsx(report))
    return _file(data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _name(report, "xlsx"))


@router.get(BASE + ".pdf")
async def queue_report_pdf(month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")], site: SiteParam = None,
                           who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> Response:
    report = await run(lambda: _report(ctx, who, site, None, None, month))
    data = await run(lambda: report_pdf.monthly_pdf(report, figures.month_label(month)))
    return _file(data, "application/pdf", _name(report, "pdf"))

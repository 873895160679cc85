"""The monthly report for the head of unit as an A4 PDF (Vietnamese; reportlab with the
DejaVu fonts the dossier forms embed): the month's figures, two charts (tickets a day and
arrivals by hour, drawn by reportlab's chart library), and the tables of the report.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from queue_server.services.dossiers.pdf import MOTTO, NATION, register_fonts
from queue_server.services.reports.exports import minutes, percent, tables

BLUE = colors.HexColor("#1d4ed8")


def _style(size: float = 10, *, bold: bool = False, align: int = 0, after: float = 2) -> ParagraphStyle:
    return ParagraphStyle("r", fontName="MSerif-Bold" if bold else "MSerif", fontSize=size, leading=size * 1.3,
                          alignment=align, spaceAfter=after)


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text if text is not None else "")), style)


def _bars(title: str, labels: list[str], values: list[float], width: float, height: float = 55 * mm) -> Drawing:
    d = Drawing(width, height)
    d.add(String(0, height - 10, title, fontName="MSerif-Bold", fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 28, 22, width - 36, height - 42
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = "MSerif"
    chart.categoryAxis.labels.fontSize = 6 if len(labels) > 16 else 8
    chart.valueAxis.labels.fontName = "MSerif"
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = BLUE
    chart.bars[0].strokeColor = None
    d.add(chart)
    return d


def vi_number(value: Any) -> str:
    """48.000 and 12,5: Vietnamese writes a dot between thousands and a comma before decimals."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = f"{value:,.1f}" if isinstance(value, float) else f"{value:,d}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
    head = _style(7.5, bold=True, align=TA_CENTER)
    body = _style(7.5)
    number = _style(7.5, align=TA_RIGHT)
    data = [[_p(h, head) for h in header]] + [
        [_p(vi_number(v), number if isinstance(v, int | float) else body) for v in row] for row in rows]
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                           ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def monthly_pdf(report: dict[str, Any], month_label: str) -> bytes:
    """`month_label`, e.g. "tháng 11/2026": in the title and the PDF's metadata."""
    register_fonts()
    buffer = io.BytesIO()
    title = f"Báo cáo tình hình phục vụ {month_label}"
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=f"{title} – {report['site']['name']}", author="Motcua",
                            creator="Motcua", subject=title)
    width = A4[0] - 33 * mm
    site = report["site"]["name"]
    head = Table([[_p(site.upper(), _style(10, bold=True, align=TA_CENTER)),
                   _p(NATION, _style(10, bold=True, align=TA_CENTER))],
                  [_p("BỘ PHẬN MỘT CỬA", _style(10, bold=True, align=TA_CENTER)),
                   _p(MOTTO, _style(10, bold=True, align=TA_CENTER))]], colWidths=[width * 0.45, width * 0.55])
    story: list[Any] = [head, Spacer(1, 8 * mm),
                        _p(title.upper(), _style(14, bold=True, align=TA_CENTER, after=4)),
                        _p(f"{site} – từ ngày {_vi(report['from'])} đến ngày {_vi(report['to'])}",
                           _style(10, align=TA_CENTER, after=8))]
    for note in report["notes"]:
        story.append(_p(note["vi"], _style(10)))
    t = report["totals"]
    w, s = t["wait"], t["service"]
    figures = [
        ["Lượt lấy số", t["issued"], "Đã phục vụ", t["finished"]],
        ["Vắng mặt", t["no_show"], "Đã hủy", t["cancelled"]],
        ["Chuyển dịch vụ", t["transferred"], "Gọi không theo thứ tự", t["out_of_order"]],
        ["Thời gian chờ trung bình (phút)", minutes(w["mean_s"]), "Chờ trung vị / P90 (phút)",
         f"{vi_number(minutes(w['median_s'])) or '–'} / {vi_number(minutes(w['p90_s'])) or '–'}"],
        ["Phục vụ trong thời gian mục tiêu (%)", percent(w["within_target_share"]),
         "Thời gian phục vụ trung bình (phút)", minutes(s["mean_s"])],
        ["Lượt đánh giá", report["satisfaction"]["overall"]["total"], "Hài lòng trở lên (%)",
         percent(report["satisfaction"]["overall"]["satisfied_share"])],
    ]
    if "petitions" in report:
        p = report["petitions"]
        figures.append(["Phản ánh, kiến nghị nhận được", p.get("received", 0), "Đã trả lời", p.get("answered", 0)])
    story.append(_table(["Chỉ tiêu", "Số liệu", "Chỉ tiêu", "Số liệu"],
                        [[a, "–" if b is None else b, c, "–" if d is None else d] for a, b, c, d in figures],
                        [width * 0.34, width * 0.16, width * 0.34, width * 0.16]))
    story.append(Spacer(1, 5 * mm))
    days = report["by_day"]
    story.append(_bars("Lượt lấy số theo ngày", [d["day"][8:] for d in days], [d["issued"] for d in days], width))
    hours = report["arrivals"]["by_hour"]
    story.append(_bars("Lượt đến theo giờ trong ngày", [f"{h['hour']}h" for h in hours],
                       [h["tickets"] for h in hours], width))
    for name in ("by_service", "by_counter", "by_clerk", "satisfaction", "out_of_order", "petitions"):
        title_t, header, rows = tables(report)[name]
        if name.startswith("by_"):  # the PDF keeps the columns a page can hold
            keep = [0, 1, 2, 3, 4, 10, 11, 12, 13, 14] if name == "by_service" else [0, 1, 2, 3, 9, 10, 11, 12, 13]
            header = [header[i] for i in keep]
            rows = [[row[i] for i in keep] for row in rows]
        widths = ([width * f for f in (0.1, 0.24, 0.09, 0.09, 0.09, 0.09, 0.09, 0.21)] if name == "satisfaction"
                  else [width * 0.24] + [width * 0.76 / (len(header) - 1)] * (len(header) - 1))
        block = [Spacer(1, 4 * mm), _p(title_t, _style(11, bold=True, after=3)),
                 _table(header, rows, widths) if rows else _p("Không có số liệu.", _style(9))]
        if len(rows) < 25:
            story.append(KeepTogether(block))
        else:  # a long table may break, but never right after its heading
            story.extend([CondPageBreak(45 * mm), *block])
    story.append(Spacer(1, 6 * mm))
    story.append(_p(f"Lập lúc {report['generated_at'][:16].replace('T', ' ')} UTC bởi Motcua, từ nhật ký sự kiện "
                    "của hệ thống xếp hàng.", _style(8)))
    doc.build(story)
    return buffer.getvalue()


def _vi(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"

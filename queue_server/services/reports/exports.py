"""The queue report's tables as rows (Vietnamese headings), as CSV and as an XLSX workbook.

`tables(report)` -> {name: (title, header, rows)}; every table the page shows is here, so
what the head of unit sees can be taken into a spreadsheet as it is.
"""

from __future__ import annotations

import csv
import io
from typing import Any

TABLES = ("by_service", "by_counter", "by_clerk", "by_priority", "by_channel", "by_day", "arrivals",
          "satisfaction", "out_of_order", "petitions")
TITLES = {
    "by_service": "Theo dịch vụ", "by_counter": "Theo quầy", "by_clerk": "Theo cán bộ",
    "by_priority": "Theo đối tượng ưu tiên", "by_channel": "Theo kênh lấy số", "by_day": "Theo ngày",
    "arrivals": "Lượt đến theo giờ", "satisfaction": "Mức độ hài lòng", "out_of_order": "Gọi không theo thứ tự",
    "petitions": "Phản ánh, kiến nghị",
}
_FIGURE_HEADER = ["Lượt cấp", "Đã phục vụ", "Vắng mặt", "Đã hủy", "Chuyển đi", "Nhận chuyển", "Hết hạn",
                  "Gọi không theo thứ tự", "Chờ TB (phút)", "Chờ trung vị (phút)", "Chờ P90 (phút)",
                  "Trong mục tiêu (%)", "Phục vụ TB (phút)", "Phục vụ trung vị (phút)", "Phục vụ P90 (phút)"]


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def _figure_cells(r: dict[str, Any]) -> list[Any]:
    w, s = r["wait"], r["service"]
    return [r["issued"], r["finished"], r["no_show"], r["cancelled"], r["transferred"], r["transferred_in"],
            r["expired"], r["out_of_order"], minutes(w["mean_s"]), minutes(w["median_s"]), minutes(w["p90_s"]),
            percent(w["within_target_share"]), minutes(s["mean_s"]), minutes(s["median_s"]), minutes(s["p90_s"])]


def tables(report: dict[str, Any]) -> dict[str, tuple[str, list[str], list[list[Any]]]]:
    out: dict[str, tuple[str, list[str], list[list[Any]]]] = {}
    names = {"by_service": "Dịch vụ", "by_counter": "Quầy", "by_clerk": "Cán bộ", "by_priority": "Đối tượng",
             "by_channel": "Kênh"}
    for key, first in names.items():
        header = [first, *_FIGURE_HEADER]
        if key == "by_service":
            header.insert(1, "Mục tiêu chờ (phút)")
        rows = [[r["label_vi"], *([minutes(r["target_s"])] if key == "by_service" else []), *_figure_cells(r)]
                for r in report[key]]
        out[key] = (TITLES[key], header, rows)
    out["by_day"] = (TITLES["by_day"], ["Ngày", *_FIGURE_HEADER],
                     [[r["day"], *_figure_cells(r)] for r in report["by_day"]])
    out["arrivals"] = (TITLES["arrivals"], ["Thứ", "Giờ", "Lượt đến", "Trung bình mỗi ngày"],
                       [[c["weekday_vi"], f"{c['hour']:02d}:00", c["tickets"], c["per_day"]]
                        for c in report["arrivals"]["heatmap"]])
    sat = report["satisfaction"]
    sat_rows = []
    for dim, label in (("by_service", "Dịch vụ"), ("by_counter", "Quầy"), ("by_clerk", "Cán bộ")):
        for r in sat[dim]:
            sat_rows.append([label, r["label_vi"], r["very_satisfied"], r["satisfied"], r["unsatisfied"], r["total"],
                             percent(r["satisfied_share"]),
                             "; ".join(f"{x['label_vi']} ({x['count']})" for x in r["reasons"])])
    out["satisfaction"] = (TITLES["satisfaction"], ["Theo", "Tên", "Rất hài lòng", "Hài lòng", "Không hài lòng",
                                                    "Tổng", "Hài lòng (%)", "Lý do"], sat_rows)
    out["out_of_order"] = (TITLES["out_of_order"], ["Người gọi", "Số lượt"],
                           [[r["name"], r["calls"]] for r in report["out_of_order"]])
    petitions = report.get("petitions") or {"by_category": []}
    out["petitions"] = (TITLES["petitions"], ["Loại", "Nhận được", "Đã trả lời", "Đang xử lý"],
                        [[r["label_vi"], r["received"], r["answered"], r["open"]] for r in petitions["by_category"]])
    return out


def heading(report: dict[str, Any]) -> str:
    lo, hi = report["from"], report["to"]
    return f"{report['site']['name']} – từ {lo[8:]}/{lo[5:7]}/{lo[:4]} đến {hi[8:]}/{hi[5:7]}/{hi[:4]}"


def to_csv(report: dict[str, Any], table: str) -> bytes:
    """One table; UTF-8 with a byte-order mark so spreadsheet programs read the diacritics."""
    _title, header, rows = tables(report)[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: dict[str, Any]) -> bytes:
    """Every table, a sheet each, under the site's name and the range."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in tables(report).values():
        ws = wb.create_sheet(title[:31])
        ws.append([f"BÁO CÁO LƯỢT PHỤC VỤ – {title.upper()}"])
        ws.append([heading(report)])
        ws.append(header)
        ws["A1"].font = Font(bold=True, size=13)
        for cell in ws[3]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="EEEEEE")
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        for row in rows:
            ws.append(row)
        ws.column_dimensions["A"].width = 30
        for i in range(2, len(header) + 1):
            ws.column_dimensions[get_column_letter(i)].width = 13
        ws.freeze_panes = "B4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

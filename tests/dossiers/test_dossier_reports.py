"""The supervisor's paper and figures: the logbook (Mẫu 06) read back from CSV, XLSX and
PDF; ratings (rating.given events) by counter, clerk, service and day, tied to dossiers;
and the catalogue refusing a procedure without a processing time (so the counter never
meets one)."""

from __future__ import annotations

import csv
import io

import pytest

from queue_server.events import log
from queue_server.services.dossiers import reception as dossiers
from queue_server.services.dossiers import reports as dossier_reports
from queue_server.services.errors import Forbidden
from queue_server.services.queue import counters
from queue_server.services.queue import tickets as queue
from tests.dossiers.helpers import at_local, payload, pdf_text, receive_at

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

HEADER = ["STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số bộ", "Tên cá nhân, tổ chức", "Địa chỉ, số điện thoại",
          "Cơ quan chủ trì giải quyết", "Ngày nhận hồ sơ", "Ngày hẹn trả kết quả", "Ngày chuyển hồ sơ",
          "Ngày có kết quả", "Ngày trả kết quả", "Phương thức nhận kết quả", "Ký nhận", "Ghi chú"]


@pytest.fixture
def month(ctx, hall, clock):
    """Three dossiers in March 2026 (one returned on time, one late, one refused) and one in April."""
    a = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", "1.000894")  # due Tue 3/3
    at_local(clock, "2026-03-02 15:00")
    dossiers.result_ready(ctx, hall.clerk, a["id"])
    dossiers.return_result(ctx, hall.clerk, a["id"], collected_by="Nguyễn Thị Hồng Nhung")
    b = receive_at(ctx, clock, hall.clerk, "2026-03-05 10:00", "1.004194",
                   applicant={"name": "Đặng Quốc Việt", "address": "Thôn Đoài, xã Kim Sơn", "phone": "0987654321"})
    at_local(clock, "2026-03-05 11:00")
    dossiers.hand_off(ctx, hall.clerk, b["id"], to_agency="Công an phường")
    at_local(clock, "2026-03-12 09:00")  # due Tue 10/3: late
    dossiers.result_ready(ctx, hall.clerk, b["id"])
    dossiers.return_result(ctx, hall.clerk, b["id"])
    c = receive_at(ctx, clock, hall.clerk, "2026-03-20 14:00")
    dossiers.refuse(ctx, hall.clerk, c["id"], reason="Không thuộc thẩm quyền.")
    receive_at(ctx, clock, hall.clerk, "2026-04-01 09:00")
    return a, b, c


def test_logbook_csv_reads_back(ctx, hall, month) -> None:
    name, media, data = dossier_reports.logbook(ctx, hall.supervisor, "csv", start="2026-03-01", end="2026-03-31")
    assert name == "so-theo-doi-ho-so-20260301-20260331.csv" and media.startswith("text/csv")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert [r[1] for r in rows[1:]] == [d["code"] for d in month]
    a, b, _ = rows[1:]
    assert a[2] == "Đăng ký kết hôn" and a[4] == "Nguyễn Thị Hồng Nhung"
    assert a[5] == "Số 18 ngõ 72 phố Nguyễn Trãi, phường Thượng Đình, 0912345678"
    assert a[7] == "09:00 02/03/2026" and a[8] == "17:00 03/03/2026" and a[11] == "15:00 02/03/2026"
    assert a[12] == "Tại quầy" and a[14] == "Trước hạn"
    assert b[9] == "11:00 05/03/2026" and b[14] == "Quá hạn"
    assert rows[3][14] == "Từ chối giải quyết"


def test_logbook_xlsx_reads_back(ctx, hall, month) -> None:
    from openpyxl import load_workbook

    _, _, data = dossier_reports.logbook(ctx, hall.supervisor, "xlsx", start="2026-03-01", end="2026-03-31")
    ws = load_workbook(io.BytesIO(data)).active
    values = [[c if c is not None else "" for c in row] for row in ws.iter_rows(values_only=True)]
    assert values[0][0] == "SỔ THEO DÕI HỒ SƠ"
    assert values[1][0] == "Từ ngày 01/03/2026 đến ngày 31/03/2026"
    assert list(values[2]) == HEADER
    assert [r[1] for r in values[3:]] == [d["code"] for d in month]
    assert values[4][4] == "Đặng Quốc Việt"


def test_logbook_pdf_reads_back(ctx, hall, month) -> None:
    _, media, data = dossier_reports.logbook(ctx, hall.supervisor, "pdf", start="2026-03-01", end="2026-03-31")
    assert media == "application/pdf"
    text = " ".join(pdf_text(data))
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Từ ngày 01/03/2026 đến ngày 31/03/2026" in text
    flat = "".join(text.split())
    for d in month:
        assert d["code"].replace(" ", "") in flat  # codes may wrap inside their cell
    assert "Đặng Quốc Việt" in text and "Đăng ký kết hôn" in text


def test_only_supervisors_read_the_logbook(ctx, hall, month) -> None:
    with pytest.raises(Forbidden):
        dossier_reports.logbook(ctx, hall.clerk, "csv")


def test_ratings_by_counter_clerk_service_and_day(ctx, hall, clock) -> None:
    at_local(clock, "2026-03-02 09:00")
    counters.set_state(ctx, hall.clerk, hall.c3, "open")
    counters.set_state(ctx, hall.clerk2, hall.c2, "open")
    served = []
    for counter, service, clerk in ((hall.c3, hall.a, hall.clerk), (hall.c3, hall.a, hall.clerk),
                                    (hall.c2, hall.b, hall.clerk2)):
        t = queue.issue_ticket(ctx, hall.kiosk, service).ticket
        queue.call_next(ctx, clerk, counter)
        queue.start(ctx, clerk, counter)
        served.append(t)
        if counter == hall.c3 and len(served) == 1:
            d = dossiers.receive_dossier(ctx, clerk, payload(ticket_id=t.id))
        queue.finish(ctx, clerk, counter)

    def rate(ticket, counter_number, level, reasons=()):
        def work(session):
            log.append(session, site_id=hall.site_id, kind="rating.given", at=ctx.clock.now(), ticket_id=ticket.id,
                       actor="device:1", data={"level": level, "reasons": list(reasons), "comment": "",
                                               "counter_number": counter_number, "code": ticket.code})
        ctx.db.transaction(work)

    rate(served[0], 3, "unsatisfied", ["late_result"])
    rate(served[1], 3, "very_satisfied")
    at_local(clock, "2026-03-03 10:00")
    rate(served[2], 2, "satisfied")
    report = dossier_reports.ratings_report(ctx, hall.supervisor, start="2026-03-01", end="2026-03-31")
    assert report["overall"]["total"] == 3 and report["overall"]["satisfied_percent"] == 66.7
    by_counter = {r["key"]: (r["very_satisfied"], r["satisfied"], r["unsatisfied"]) for r in report["by_counter"]}
    assert by_counter == {"Quầy 3": (1, 0, 1), "Quầy 2": (0, 1, 0)}
    assert {r["key"]: r["total"] for r in report["by_clerk"]} == {"An": 2, "Binh": 1}
    assert {r["key"]: r["total"] for r in report["by_service"]} == {"HT – Hộ tịch": 2, "CT – Chứng thực": 1}
    assert {r["key"]: r["total"] for r in report["by_day"]} == {"2026-03-02": 2, "2026-03-03": 1}
    assert report["by_counter"][1]["reasons"] == {"late_result": 1}
    # the unhappy rating of the first ticket is tied to the dossier received while serving it
    assert report["unhappy"] == [{"at": report["unhappy"][0]["at"], "at_local": "09:00 02/03/2026", "counter": 3,
                                  "clerk": "An", "ticket_code": served[0].code, "reasons": ["late_result"],
                                  "comment": "", "dossiers": [d["code"]]}]
    first_day = dossier_reports.ratings_report(ctx, hall.supervisor, start="2026-03-02", end="2026-03-02")
    assert first_day["overall"]["total"] == 2

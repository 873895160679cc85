"""`motcua report`: the head of unit's monthly PDF from a hall's data directory."""

from __future__ import annotations

import io

import pypdf
from openpyxl import load_workbook

from queue_server.cli import main
from queue_server.services.queue import counters
from queue_server.services.queue import tickets as queue
from tests.conftest import build_hall, make_ctx


def a_hall_with_a_march_morning(tmp_path, clock):  # noqa: ANN001, ANN201
    data = tmp_path / "data"
    data.mkdir()
    ctx = make_ctx(f"sqlite:///{data / 'motcua.db'}", data, clock)
    hall = build_hall(ctx)
    counters.set_state(ctx, hall.clerk, hall.c3, "open")
    for wait in (120, 240, 360):
        queue.issue_ticket(ctx, hall.kiosk, hall.a)
        clock.advance(wait)
        queue.call_next(ctx, hall.clerk, hall.c3)
        clock.advance(300)
        queue.finish(ctx, hall.clerk, hall.c3)
    ctx.db.dispose()
    return data


def test_the_monthly_report_is_a_pdf_naming_the_hall_and_the_month(tmp_path, clock, capsys):
    data = a_hall_with_a_march_morning(tmp_path, clock)
    out = tmp_path / "bao-cao-thang-3.pdf"
    assert main(["report", "--data", str(data), "--site", "phuong-1", "--month", "2026-03", "--out", str(out)]) == 0
    assert "3 lượt cấp" in capsys.readouterr().out
    pdf = pypdf.PdfReader(out)
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "UBND Phường 1" in text
    assert "THÁNG 3/2026" in text and "từ ngày 01/03/2026 đến ngày 31/03/2026" in text
    assert "HT – Hộ tịch" in text
    assert len(pdf.pages) >= 2
    assert pdf.metadata.title.startswith("Báo cáo tình hình phục vụ tháng 3/2026")


def test_the_tables_as_a_workbook(tmp_path, clock):
    data = a_hall_with_a_march_morning(tmp_path, clock)
    out = tmp_path / "thang-3.xlsx"
    assert main(["report", "--data", str(data), "--month", "2026-03", "--out", str(out)]) == 0
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book["Theo dịch vụ"]["C4"].value == 3


def test_a_bad_month_or_place_is_said_and_nothing_is_written(tmp_path, clock, capsys):
    data = a_hall_with_a_march_morning(tmp_path, clock)
    assert main(["report", "--data", str(data), "--month", "03/2026", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
    assert main(["report", "--data", str(data), "--month", "2026-03", "--out", str(tmp_path / "no" / "x.pdf")]) == 2
    assert "không có thư mục" in capsys.readouterr().err
    assert main(["report", "--data", str(data), "--site", "khong-co", "--month", "2026-03",
                 "--out", str(tmp_path / "y.pdf")]) == 2
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "y.pdf").exists()

"""`motcua catalog ...` and `motcua calendar ...` as a hall administrator uses them."""

from __future__ import annotations

import json

from queue_server.cli import main
from queue_server.services.catalog_files import DEMO_CATALOG


def test_catalog_check_accepts_the_demo(capsys) -> None:
    assert main(["catalog", "check"]) == 0
    assert "32 thủ tục" in capsys.readouterr().out


def test_catalog_check_lists_every_error_and_fails(tmp_path, capsys) -> None:
    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    del doc["procedures"][3]["channels"][0]["processing_time"]
    doc["procedures"][4]["channels"][0]["fee"]["amount_vnd"] = -1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert main(["catalog", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "procedures[3].channels[0].processing_time: thiếu thời hạn giải quyết" in out
    assert "procedures[4].channels[0].fee.amount_vnd" in out


def test_catalog_search_without_diacritics(capsys) -> None:
    assert main(["catalog", "search", "dang ky khai sinh"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("1.001193     Đăng ký khai sinh")


def test_dossier_due_for_a_same_day_procedure_after_three_before_tet(capsys) -> None:
    assert main(["dossier", "due", "--procedure", "2.000815", "--received", "2026-02-13 15:20"]) == 0
    assert "17 giờ 00 phút, Thứ Hai ngày 23/02/2026" in capsys.readouterr().out


def test_calendar_due_warns_about_a_missing_year(capsys) -> None:
    assert main(["calendar", "due", "--quantity", "3", "--unit", "working_days",
                 "--received", "2029-03-01 09:00"]) == 0
    out = capsys.readouterr().out
    assert "Chưa có lịch nghỉ lễ chính thức năm 2029" in out and "chưa biết ngày làm bù" in out


def test_calendar_show_gives_the_statutory_holidays_of_a_year_without_a_file(capsys) -> None:
    assert main(["calendar", "show", "2028"]) == 0
    out = capsys.readouterr().out
    assert "chưa biết ngày làm bù" in out and "26/01/2028" in out and "Tết Nguyên Đán" in out


def test_calendar_show_marks_estimates(capsys) -> None:
    assert main(["calendar", "show", "2027"]) == 0
    out = capsys.readouterr().out
    assert "tạm tính" in out and "16/04/2027" in out

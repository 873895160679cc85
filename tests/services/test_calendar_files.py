"""Holiday files on disk: the shipped ones load, a broken one is named in the error."""

from __future__ import annotations

import json

import pytest

from queue_server.domain.working_days import HolidayFileError
from queue_server.services.calendars import HOLIDAYS_DIR, load_work_calendar, read_holiday_documents


def test_shipped_holiday_files_load() -> None:
    calendar = load_work_calendar()
    assert {2025, 2026, 2027} <= set(calendar.years)


def test_invalid_json_names_the_file_and_line(tmp_path) -> None:
    (tmp_path / "vn-2030.json").write_text('{"year": 2030,\n "days_off": [,]}', encoding="utf-8")
    with pytest.raises(HolidayFileError) as info:
        read_holiday_documents(tmp_path)
    assert info.value.errors[0].startswith("vn-2030.json:2:")


def test_a_wrong_entry_in_a_copied_file_is_reported(tmp_path) -> None:
    doc = json.loads((HOLIDAYS_DIR / "vn-2026.json").read_text(encoding="utf-8"))
    doc["days_off"][3]["date"] = "2026-02-30"
    (tmp_path / "vn-2026.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(HolidayFileError) as info:
        load_work_calendar(tmp_path)
    assert "days_off[3].date" in str(info.value)

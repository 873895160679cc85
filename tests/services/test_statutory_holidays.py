"""The statutory holidays of a year without a holiday file, from the `holidays` package:
Tết and Giỗ Tổ Hùng Vương checked against the dates the government published."""

from __future__ import annotations

from datetime import date

import pytest

from queue_server.domain.working_days import DayOffKind
from queue_server.services.calendars import calendar_notice, load_work_calendar, statutory_holiday_year

# Tết Nguyên đán (mùng 1 tháng Giêng) and Giỗ Tổ (10/3 lunar) as published for past years
# (government holiday notices).
PUBLISHED = {
    2019: (date(2019, 2, 5), date(2019, 4, 14)),
    2020: (date(2020, 1, 25), date(2020, 4, 2)),
    2021: (date(2021, 2, 12), date(2021, 4, 21)),
    2022: (date(2022, 2, 1), date(2022, 4, 10)),
    2023: (date(2023, 1, 22), date(2023, 4, 29)),
    2024: (date(2024, 2, 10), date(2024, 4, 18)),
    2025: (date(2025, 1, 29), date(2025, 4, 7)),
    2026: (date(2026, 2, 17), date(2026, 4, 26)),
}


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_tet_and_hung_kings_day_match_the_published_dates(year: int) -> None:
    hy = statutory_holiday_year(year)
    assert hy is not None and hy.status == "statutory" and not hy.confirmed
    tet, hung_kings = PUBLISHED[year]
    assert hy.days_off[tet].name_vi == "Tết Nguyên Đán"
    assert hy.days_off[tet].kind is DayOffKind.HOLIDAY
    assert hy.days_off[hung_kings].name_vi == "Ngày Giỗ Tổ Hùng Vương"


def test_a_year_without_a_file_has_tet_the_fixed_holidays_and_compensatory_days() -> None:
    hy = statutory_holiday_year(2028)
    assert hy is not None
    off = hy.days_off
    # Tết Mậu Thân: mùng 1 is Wednesday 26/1/2028; five weekdays off around it
    assert [d for d in sorted(off) if date(2028, 1, 20) <= d <= date(2028, 2, 5)] == [
        date(2028, 1, 24), date(2028, 1, 25), date(2028, 1, 26), date(2028, 1, 27), date(2028, 1, 28),
        date(2028, 1, 29)]
    for fixed in ((1, 1), (4, 30), (5, 1), (9, 2)):
        assert off[date(2028, *fixed)].kind is DayOffKind.HOLIDAY
    # 1/1 is a Saturday and 30/4 a Sunday: Monday 3/1 and Tuesday 2/5 are compensatory
    assert off[date(2028, 1, 3)].kind is DayOffKind.COMPENSATORY
    assert off[date(2028, 5, 2)].kind is DayOffKind.COMPENSATORY
    assert off[date(2028, 1, 26)].name_en == "Lunar New Year"
    assert hy.working_days == {}  # the government's swaps for 2028 are not known


def test_the_loaded_calendar_prefers_the_file_and_falls_back_to_the_package() -> None:
    cal = load_work_calendar()
    assert cal.knows(2026) and cal.year(2026) is cal.years[2026]
    assert not cal.knows(2028) and cal.year(2028) == statutory_holiday_year(2028)
    assert cal.year(2130) is None


def test_the_notice_names_the_years_vietnamese_then_english() -> None:
    assert calendar_notice([]) is None
    notice = calendar_notice([2029, 2028])
    assert notice is not None
    assert "năm 2028, 2029" in notice["vi"] and "ngày làm bù" in notice["vi"]
    assert "2028, 2029" in notice["en"] and "swapped working days" in notice["en"]

"""Lunar dates behind Tết and Giỗ Tổ Hùng Vương, checked against published dates."""

from __future__ import annotations

from datetime import date

import pytest

from queue_server.domain.lunar import LunarDate, gio_to_hung_vuong, lunar_to_solar, solar_to_lunar, tet

# Tết Nguyên đán and Giỗ Tổ as published for past years (government holiday notices).
KNOWN = {
    2019: (date(2019, 2, 5), date(2019, 4, 14)),
    2020: (date(2020, 1, 25), date(2020, 4, 2)),
    2021: (date(2021, 2, 12), date(2021, 4, 21)),
    2022: (date(2022, 2, 1), date(2022, 4, 10)),
    2023: (date(2023, 1, 22), date(2023, 4, 29)),
    2024: (date(2024, 2, 10), date(2024, 4, 18)),
    2025: (date(2025, 1, 29), date(2025, 4, 7)),
    2026: (date(2026, 2, 17), date(2026, 4, 26)),
}


@pytest.mark.parametrize("year", sorted(KNOWN))
def test_tet_and_hung_kings_day_match_the_published_dates(year: int) -> None:
    assert tet(year) == KNOWN[year][0]
    assert gio_to_hung_vuong(year) == KNOWN[year][1]


def test_the_government_notices_lunar_labels_for_tet_2025_and_2026() -> None:
    # "từ 26 tháng Chạp ... đến hết mùng 5 tháng Giêng" (2025), "27 tháng Chạp ... mùng 6" (2026)
    assert solar_to_lunar(date(2025, 1, 25)) == LunarDate(2024, 12, 26)
    assert solar_to_lunar(date(2025, 2, 2)) == LunarDate(2025, 1, 5)
    assert solar_to_lunar(date(2026, 2, 14)) == LunarDate(2025, 12, 27)
    assert solar_to_lunar(date(2026, 2, 22)) == LunarDate(2026, 1, 6)


def test_2023_had_a_leap_second_month() -> None:
    assert solar_to_lunar(date(2023, 3, 22)) == LunarDate(2023, 2, 1, leap=True)
    assert lunar_to_solar(LunarDate(2023, 2, 1, leap=True)) == date(2023, 3, 22)
    with pytest.raises(ValueError):
        lunar_to_solar(LunarDate(2024, 2, 1, leap=True))


def test_round_trip_over_several_years() -> None:
    d = date(2024, 1, 1)
    while d < date(2028, 1, 1):
        assert lunar_to_solar(solar_to_lunar(d)) == d
        d = date.fromordinal(d.toordinal() + 7)

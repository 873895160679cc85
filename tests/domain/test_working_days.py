"""Appointment dates in working days: what a citizen reads on the receipt.

The calendars are the real files in assets/holidays (loaded once), so a wrong date in a
file shows up here as a wrong appointment; years without a file use the statutory holidays
of the `holidays` package, as the server does.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.working_days import (
    HolidayFileError,
    Session,
    TimeUnit,
    WorkCalendar,
    WorkingHours,
    due_at,
    parse_holiday_year,
)
from queue_server.services.calendars import StatutoryYears, read_holiday_documents

DOCS = read_holiday_documents()
CAL = WorkCalendar.from_documents(DOCS, statutory=StatutoryYears())
HOURS = WorkingHours.standard()
NO_HOLIDAYS = WorkCalendar()
STATUTORY_ONLY = WorkCalendar(statutory=StatutoryYears())


def due(received: str, quantity: int, unit: str, cal: WorkCalendar = CAL, hours: WorkingHours = HOURS):
    return due_at(datetime.fromisoformat(received), quantity, unit, cal, hours)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# ------------------------------------------------------------------ weekends


def test_friday_dossier_with_two_working_days_is_due_tuesday_afternoon() -> None:
    # received Friday 7 March 2025; Saturday and Sunday do not count
    assert due("2025-03-07 09:10", 2, "working_days").at == at("2025-03-11 17:00")


def test_the_day_of_receipt_is_not_counted() -> None:
    assert due("2025-03-10 07:31", 1, "working_days").at == at("2025-03-11 17:00")


def test_saturday_receipt_counts_from_monday() -> None:
    # received online on Saturday 8 March 2025: Monday is the first working day
    assert due("2025-03-08 20:00", 1, "working_days").at == at("2025-03-10 17:00")


def test_seven_working_days_for_permanent_residence_span_a_weekend() -> None:
    assert due("2025-03-12 10:00", 7, "working_days").at == at("2025-03-21 17:00")


# ------------------------------------------------------------------ Tết


def test_tet_2025_pushes_a_three_day_dossier_past_the_holiday() -> None:
    # Friday 24 Jan 2025; off 25/1–2/2 (Tết 27–31/1 plus weekends) -> 3, 4, 5 Feb
    assert due("2025-01-24 10:00", 3, "working_days").at == at("2025-02-05 17:00")


def test_tet_2026_nine_days_off() -> None:
    # Friday 13 Feb 2026; off 14/2–22/2 -> Monday 23 is day 1
    assert due("2026-02-13 10:00", 1, "working_days").at == at("2026-02-23 17:00")
    assert due("2026-02-13 10:00", 3, "working_days").at == at("2026-02-25 17:00")


def test_same_day_procedure_after_three_pm_before_tet_is_returned_after_tet() -> None:
    assert due("2026-02-13 15:20", 1, "same_day").at == at("2026-02-23 17:00")


def test_tet_2027_is_an_estimate_and_says_so() -> None:
    result = due("2027-02-03 10:00", 1, "working_days")
    assert result.at == at("2027-02-11 17:00")  # 4–10 Feb estimated off
    assert result.calendar_unconfirmed_years == {2027}
    assert result.calendar_missing_years == set()


# ------------------------------------------------------------------ 30/4 – 1/5 and Giỗ Tổ


def test_reunification_and_labour_day_2025_with_swapped_friday() -> None:
    # Tue 29 Apr 2025: 30/4, 1/5 holidays, Fri 2/5 swapped off, weekend -> Mon 5, Tue 6
    assert due("2025-04-29 09:00", 2, "working_days").at == at("2025-05-06 17:00")


def test_the_swapped_saturday_2025_04_26_is_a_working_day() -> None:
    assert due("2025-04-25 09:00", 1, "working_days").at == at("2025-04-26 17:00")
    assert due("2025-04-26 09:00", 1, "same_day").at == at("2025-04-26 17:00")


def test_hung_kings_day_on_a_sunday_2026_is_compensated_on_monday() -> None:
    assert due("2026-04-24 10:00", 1, "working_days").at == at("2026-04-28 17:00")


def test_april_2026_holidays_in_a_row() -> None:
    # Fri 24/4: Mon 27 off (bù), Tue 28, Wed 29, Thu 30/4 and Fri 1/5 off -> Mon 4/5 is day 3
    assert due("2026-04-24 10:00", 3, "working_days").at == at("2026-05-04 17:00")


# ------------------------------------------------------------------ 2/9 and swapped days


def test_national_day_2025() -> None:
    # Fri 29 Aug 2025: off Mon 1/9 and Tue 2/9 -> Wed 3/9
    assert due("2025-08-29 10:00", 1, "working_days").at == at("2025-09-03 17:00")


def test_national_day_2026_with_saturday_22_august_worked() -> None:
    # Fri 21 Aug 2026 -> Sat 22 (swapped working day) is day 1
    assert due("2026-08-21 10:00", 1, "working_days").at == at("2026-08-22 17:00")
    # Fri 28 Aug 2026: Mon 31 (swapped off), Tue 1/9, Wed 2/9 off -> Thu 3/9
    assert due("2026-08-28 10:00", 1, "working_days").at == at("2026-09-03 17:00")


def test_new_year_2026_friday_swapped_for_saturday() -> None:
    assert due("2025-12-31 10:00", 1, "working_days").at == at("2026-01-05 17:00")
    assert due("2026-01-09 10:00", 1, "working_days").at == at("2026-01-10 17:00")


def test_swapped_saturday_uses_weekday_hours_even_in_a_saturday_closed_hall() -> None:
    assert CAL.sessions(date(2026, 1, 10), HOURS) == HOURS.swapped_day
    assert not CAL.is_working_day(date(2026, 1, 17), HOURS)


def test_announced_but_not_enacted_culture_day_is_not_applied() -> None:
    # 24/11/2026 is listed as pending in vn-2026.json, not as a day off
    assert CAL.is_working_day(date(2026, 11, 24), HOURS)


# ------------------------------------------------------------------ same day and 15:00


def test_same_day_before_cutoff_is_returned_at_close_of_day() -> None:
    assert due("2025-03-10 14:59", 1, "same_day").at == at("2025-03-10 17:00")
    assert due("2025-03-10 15:00", 1, "same_day").at == at("2025-03-10 17:00")


def test_same_day_after_cutoff_moves_to_next_working_day() -> None:
    assert due("2025-03-10 15:01", 1, "same_day").at == at("2025-03-11 17:00")
    assert due("2025-03-07 16:30", 1, "same_day").at == at("2025-03-10 17:00")  # Friday -> Monday


def test_same_day_received_on_a_holiday_is_returned_the_next_working_day() -> None:
    assert due("2025-09-02 09:00", 1, "same_day").at == at("2025-09-03 17:00")


def test_cutoff_is_configurable() -> None:
    received = at("2025-03-10 14:00")
    result = due_at(received, 1, TimeUnit.SAME_DAY, CAL, HOURS, same_day_cutoff=time(13, 30))
    assert result.at == at("2025-03-11 17:00")


def test_same_day_never_due_before_receipt_in_a_short_saturday() -> None:
    hours = WorkingHours.standard(saturday=[Session(time(7, 30), time(11, 30))])
    result = due_at(at("2025-03-08 12:00"), 1, "same_day", CAL, hours)
    assert result.at == at("2025-03-10 17:00")


# ------------------------------------------------------------------ calendar days and hours


def test_fifteen_calendar_days_ending_on_a_saturday_end_on_monday() -> None:
    # building permit: 24/4/2026 + 15 days = Sat 9/5 -> Mon 11/5
    assert due("2026-04-24 10:00", 15, "days").at == at("2026-05-11 17:00")


def test_calendar_days_ending_on_a_holiday_end_on_next_working_day() -> None:
    # 15/4/2025 + 15 = Wed 30/4 -> 30/4, 1/5 holidays, 2/5 swapped off, weekend -> Mon 5/5
    assert due("2025-04-15 10:00", 15, "days").at == at("2025-05-05 17:00")


def test_hours_count_only_working_time() -> None:
    # 10:00 + 4 h: 1 h 30 before lunch, 2 h 30 after 13:30 -> 16:00
    assert due("2025-03-10 10:00", 4, "hours").at == at("2025-03-10 16:00")
    # 16:00 Friday + 4 h: 1 h Friday, then Monday 07:30 + 3 h -> 10:30
    assert due("2025-03-07 16:00", 4, "hours").at == at("2025-03-10 10:30")


def test_hours_received_before_opening_start_at_opening() -> None:
    assert due("2025-03-10 06:00", 2, "hours").at == at("2025-03-10 09:30")


def test_hours_ending_exactly_at_lunch_stay_at_lunch() -> None:
    assert due("2025-03-10 07:30", 4, "hours").at == at("2025-03-10 11:30")


# ------------------------------------------------------------------ missing calendars


def test_unknown_year_skips_the_statutory_tet_and_reports_it() -> None:
    # 2029 has no file: Tết Kỷ Dậu is 13/2 (Tuesday); the package gives 12–16/2 off.
    # Thu 8/2 -> Fri 9/2 (1), Mon 19/2 (2), Tue 20/2 (3); weekends only would say Tue 13/2.
    result = due("2029-02-08 10:00", 3, "working_days")
    assert result.at == at("2029-02-20 17:00")
    assert due("2029-02-08 10:00", 3, "working_days", cal=NO_HOLIDAYS).at == at("2029-02-13 17:00")
    assert result.calendar_missing_years == {2029}
    assert not result.calendar_complete


def test_unknown_year_gives_a_compensatory_day_for_a_holiday_on_a_weekend() -> None:
    # 2028: 30/4 is a Sunday, so Tuesday 2/5 is off (art. 112(3)); Fri 28/4 + 1 -> Wed 3/5
    assert due("2028-04-28 10:00", 1, "working_days").at == at("2028-05-03 17:00")


def test_a_year_in_neither_the_files_nor_the_package_counts_weekends_only() -> None:
    result = due("2130-02-06 10:00", 1, "working_days")
    assert result.at == at("2130-02-07 17:00")
    assert result.calendar_missing_years == {2130}


def test_year_boundary_reports_only_the_missing_year() -> None:
    result = due("2027-12-30 10:00", 5, "working_days")
    assert result.calendar_missing_years == {2028}
    assert result.calendar_unconfirmed_years == {2027}


def test_known_confirmed_years_report_nothing() -> None:
    result = due("2026-03-02 10:00", 5, "working_days")
    assert result.calendar_missing_years == set()
    assert result.calendar_unconfirmed_years == set()


# ------------------------------------------------------------------ hours configuration and input


def test_hall_open_saturday_morning_counts_saturday() -> None:
    hours = WorkingHours.from_config({
        "mon": ["07:30-11:30", "13:30-17:00"], "tue": ["07:30-11:30", "13:30-17:00"],
        "wed": ["07:30-11:30", "13:30-17:00"], "thu": ["07:30-11:30", "13:30-17:00"],
        "fri": ["07:30-11:30", "13:30-17:00"], "sat": ["07:30-11:30"],
    })
    assert due("2025-03-07 10:00", 1, "working_days", hours=hours).at == at("2025-03-08 11:30")
    assert hours.swapped_day == (Session(time(7, 30), time(11, 30)), Session(time(13, 30), time(17, 0)))


def test_bad_working_hours_are_refused() -> None:
    with pytest.raises(ValueError):
        WorkingHours.from_config({"mon": ["13:30-11:30"]})
    with pytest.raises(ValueError):
        WorkingHours.from_config({"mon": ["07:30-12:00", "11:00-17:00"]})
    with pytest.raises(ValueError):
        WorkingHours.from_config({"sun": []})
    with pytest.raises(ValueError):
        WorkingHours.from_config({"monday": ["07:30-11:30"]})


def test_processing_time_must_be_positive() -> None:
    with pytest.raises(ValueError):
        due("2025-03-10 10:00", 0, "working_days")
    with pytest.raises(ValueError):
        due("2025-03-10 10:00", 3, "weeks")


def test_aware_datetimes_keep_their_zone() -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    result = due_at(datetime(2025, 3, 10, 9, 0, tzinfo=tz), 1, "working_days", CAL, HOURS)
    assert result.at == datetime(2025, 3, 11, 17, 0, tzinfo=tz)


# ------------------------------------------------------------------ the holiday files


def test_every_holiday_file_puts_tet_and_hung_kings_on_the_lunar_dates() -> None:
    # the lunar dates as the holidays package's Vietnamese calendar gives them
    for year, hy in CAL.years.items():
        lunar = holidays.country_holidays("VN", years=year, observed=False, language="vi")
        assert lunar.get_named("Tết Nguyên Đán", lookup="exact")[0] in hy.days_off, year
        assert lunar.get_named("Ngày Giỗ Tổ Hùng Vương", lookup="exact")[0] in hy.days_off, year
        for fixed in ((1, 1), (4, 30), (5, 1), (9, 2)):
            assert date(year, *fixed) in hy.days_off, (year, fixed)


def test_every_year_gives_eleven_statutory_days_off() -> None:
    # Labour Code art. 112: 1/1 + 5 Tết days + Giỗ Tổ + 30/4 + 1/5 + two for 2/9 = 11
    for year, hy in CAL.years.items():
        holidays = [d for d, off in hy.days_off.items() if off.kind == "holiday"]
        assert len(holidays) == 11, (year, sorted(holidays))


def test_official_years_are_confirmed_and_2027_is_not() -> None:
    assert CAL.years[2025].confirmed and CAL.years[2026].confirmed
    assert not CAL.years[2027].confirmed
    assert date(2027, 1, 1) not in CAL.years[2027].unconfirmed_dates


def test_a_broken_holiday_file_reports_every_problem() -> None:
    doc = copy.deepcopy(next(d for d in DOCS if d["year"] == 2026))
    doc["days_off"][0]["date"] = "2025-01-01"  # wrong year
    doc["days_off"][1]["kind"] = "bridge"  # unknown kind
    doc["working_days"][0]["date"] = "2026-02-16"  # both off and worked
    with pytest.raises(HolidayFileError) as info:
        parse_holiday_year(doc)
    text = "\n".join(info.value.errors)
    assert "days_off[0].date" in text
    assert "days_off[1].kind" in text
    assert "working_days[0].date" in text


def test_a_year_given_twice_is_an_error() -> None:
    with pytest.raises(HolidayFileError):
        WorkCalendar.from_documents([DOCS[0], DOCS[0]])


# ------------------------------------------------------------------ properties

_RECEIVED = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31, 23, 59))
_UNITS = st.sampled_from(list(TimeUnit))
_QTY = st.integers(min_value=1, max_value=40)


def _within_working_hours(moment: datetime) -> bool:
    return any(s.start <= moment.time() <= s.end for s in CAL.sessions(moment.date(), HOURS))


@settings(max_examples=300, deadline=None)
@given(_RECEIVED, _QTY, _UNITS)
def test_due_date_is_a_working_day_within_hours_and_not_before_receipt(received, qty, unit) -> None:
    result = due_at(received, qty, unit, CAL, HOURS)
    assert CAL.is_working_day(result.at.date(), HOURS)
    assert _within_working_hours(result.at)
    assert result.at >= received
    if unit is not TimeUnit.HOURS:
        assert result.at.date() >= received.date()


@settings(max_examples=300, deadline=None)
@given(_RECEIVED, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)), _QTY, _UNITS)
def test_later_receipt_is_never_due_earlier(received, later, qty, unit) -> None:
    first = due_at(received, qty, unit, CAL, HOURS).at
    second = due_at(received + later, qty, unit, CAL, HOURS).at
    assert second >= first


@settings(max_examples=300, deadline=None)
@given(_RECEIVED, _QTY, st.integers(min_value=0, max_value=20), _UNITS)
def test_more_time_is_never_due_earlier(received, qty, extra, unit) -> None:
    assert due_at(received, qty + extra, unit, CAL, HOURS).at >= due_at(received, qty, unit, CAL, HOURS).at


@settings(max_examples=200, deadline=None)
@given(_RECEIVED, _QTY)
def test_working_days_skip_exactly_the_non_working_days(received, qty) -> None:
    result = due_at(received, qty, "working_days", CAL, HOURS)
    days = [received.date() + timedelta(days=i) for i in range(1, (result.at.date() - received.date()).days + 1)]
    assert sum(CAL.is_working_day(d, HOURS) for d in days) == qty


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2029, 1, 1), max_value=datetime(2031, 12, 31)), _QTY, _UNITS)
def test_years_without_a_file_are_always_reported(received, qty, unit) -> None:
    result = due_at(received, qty, unit, CAL, HOURS)
    assert result.at.year in result.calendar_missing_years
    assert result.at == due_at(received, qty, unit, STATUTORY_ONLY, HOURS).at

"""Appointments' pure rules: slots cut from the working calendar, booking refusals, the
check-in tolerance, booking codes and phone numbers, told as a hall would notice them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain import appointments as rules
from queue_server.domain.phone_numbers import normalize_phone
from queue_server.domain.working_days import WorkingHours
from queue_server.services.calendars import load_work_calendar

HN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = load_work_calendar()
HOURS = WorkingHours.standard()
RULE = rules.SlotRule.from_mapping({"enabled": True, "slot_minutes": 30, "capacity": 2, "weekdays": [0, 1, 2, 3, 4],
                                    "windows": ["08:00-11:00", "14:00-16:30"], "book_ahead_days": 14})


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), HN)


def test_a_working_monday_has_the_slots_of_both_windows_inside_the_sessions() -> None:
    starts = rules.slot_starts(RULE, date(2026, 3, 2), CAL, HOURS)
    assert [f"{t:%H:%M}" for t in starts] == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30",
                                              "14:00", "14:30", "15:00", "15:30", "16:00"]


def test_hours_outside_the_sites_sessions_give_no_slots() -> None:
    wide = rules.SlotRule.from_mapping({**RULE.to_mapping(), "windows": ["07:00-12:30"], "slot_minutes": 60})
    starts = rules.slot_starts(wide, date(2026, 3, 2), CAL, HOURS)
    assert [f"{t:%H:%M}" for t in starts] == ["07:30", "08:30", "09:30", "10:30"]  # 07:30-11:30 session only


@pytest.mark.parametrize("day, why", [
    (date(2026, 2, 16), "Tết Nguyên đán"),
    (date(2026, 4, 30), ""),
    (date(2026, 1, 2), "Nghỉ hoán đổi"),  # a Friday given off in exchange for Saturday 10/01
    (date(2026, 3, 7), ""),  # an ordinary Saturday
])
def test_tet_holidays_and_days_given_off_have_no_slots(day: date, why: str) -> None:
    assert rules.slot_starts(RULE, day, CAL, HOURS) == []
    refusal = rules.booking_refusal(RULE, day, time(9, 0), local(day - timedelta(days=1), 9), CAL, HOURS)
    assert refusal is not None and refusal.code == "day_off"
    assert why in refusal.vi and "no appointments" in refusal.en


def test_a_swapped_working_saturday_counts_as_a_monday() -> None:
    assert rules.slot_starts(RULE, date(2026, 1, 10), CAL, HOURS)[0] == time(8, 0)
    tuesdays_only = rules.SlotRule.from_mapping({**RULE.to_mapping(), "weekdays": [1]})
    assert rules.slot_starts(tuesdays_only, date(2026, 1, 10), CAL, HOURS) == []


def test_weekdays_the_rule_leaves_out_have_no_slots() -> None:
    mondays = rules.SlotRule.from_mapping({**RULE.to_mapping(), "weekdays": [0]})
    assert rules.slot_starts(mondays, date(2026, 3, 3), CAL, HOURS) == []
    assert rules.slot_starts(mondays, date(2026, 3, 2), CAL, HOURS) != []


def test_booking_refusals_name_what_is_wrong() -> None:
    day = date(2026, 3, 4)
    now = local(date(2026, 3, 2), 8, 30)
    assert rules.booking_refusal(RULE, day, time(9, 0), now, CAL, HOURS) is None
    assert rules.booking_refusal(RULE, date(2026, 3, 2), time(8, 0), now, CAL, HOURS).code == "past"
    assert rules.booking_refusal(RULE, day, time(9, 10), now, CAL, HOURS).code == "not_a_slot"
    far = rules.booking_refusal(RULE, date(2026, 3, 17), time(9, 0), now, CAL, HOURS)
    assert far.code == "too_far" and "14 ngày" in far.vi and "14 days" in far.en
    closed = rules.booking_refusal(rules.SlotRule(), day, time(9, 0), now, CAL, HOURS)
    assert closed.code == "closed"


def test_check_in_is_open_from_early_to_late_tolerance() -> None:
    start = local(date(2026, 3, 2), 10).astimezone(ZoneInfo("UTC"))
    assert rules.check_in_refusal(RULE, start, start - timedelta(minutes=31), HN).code == "too_early"
    assert rules.check_in_refusal(RULE, start, start - timedelta(minutes=30), HN) is None
    assert rules.check_in_refusal(RULE, start, start + timedelta(minutes=15), HN) is None
    late = rules.check_in_refusal(RULE, start, start + timedelta(minutes=16), HN)
    assert late.code == "too_late" and "lấy số thường" in late.vi and "walk-in" in late.en
    early = rules.check_in_refusal(RULE, start, start - timedelta(hours=1), HN)
    assert "09:30" in early.vi and "walk-in number" in early.en


@pytest.mark.parametrize("data, field", [
    ({"slot_minutes": 0}, "slot_minutes"), ({"capacity": 201}, "capacity"), ({"weekdays": [7]}, "weekdays"),
    ({"windows": ["8-11"]}, "windows"), ({"share_percent": 95}, "share_percent"), ({"colour": 1}, "colour"),
    ({"windows": ["08:00-10:00", "09:00-11:00"]}, "windows"), ({"enabled": True, "windows": []}, "windows"),
])
def test_wrong_settings_name_their_field(data: dict, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}"):
        rules.SlotRule.from_mapping(data)


def test_settings_round_trip() -> None:
    assert rules.SlotRule.from_mapping(RULE.to_mapping()) == RULE


@given(st.integers(5, 240), st.lists(st.integers(6 * 60, 20 * 60), min_size=2, max_size=2, unique=True),
       st.dates(date(2026, 1, 1), date(2026, 12, 31)))
def test_slots_are_whole_inside_a_window_and_a_session_and_never_on_days_off(length, bounds, day) -> None:
    a, b = sorted(bounds)
    window = f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
    rule = rules.SlotRule.from_mapping({"enabled": True, "slot_minutes": length, "windows": [window],
                                        "weekdays": list(range(7))})
    sessions = CAL.sessions(day, HOURS)
    for t in rules.slot_starts(rule, day, CAL, HOURS):
        start = t.hour * 60 + t.minute
        assert a <= start and start + length <= b
        assert any(s.start.hour * 60 + s.start.minute <= start and start + length <= s.end.hour * 60 + s.end.minute
                   for s in sessions)
    if not sessions:
        assert rules.slot_starts(rule, day, CAL, HOURS) == []


def test_codes_have_eight_characters_an_h_and_no_confusable_letters() -> None:
    codes = {rules.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 8 and code[0] == "H" and rules.code_is_well_formed(code)
        assert not set(code[1:]) & set("01ILO")
    assert rules.normalize_code(" h7k2-m9qp ") == "H7K2M9QP"
    assert not rules.code_is_well_formed("H7K2M9Q0") and not rules.code_is_well_formed("X7K2M9QP")


@pytest.mark.parametrize("raw", ["0912345678", "0912 345 678", "0912.345.678", "+84912345678", "+84 912 345 678",
                                 "84912345678", "0084912345678", "(091) 234-5678",
                                 "０９１２３４５６７８"])  # full-width digits, as some phone keyboards type them
def test_common_ways_of_writing_a_mobile_number_are_one_number(raw: str) -> None:
    assert normalize_phone(raw) == "0912345678"


@pytest.mark.parametrize("raw", ["", "12345", "0212345678", "091234567", "09123456789", "+1 912 345 678",
                                 "0912abc678", "84 912 345 67", "001912345678", "٠٩١٢٣٤٥٦٧٨"])
def test_anything_else_is_not_a_mobile_number(raw: str) -> None:
    assert normalize_phone(raw) is None


@given(st.text(max_size=30))
def test_a_normalised_number_is_ten_ascii_digits(raw: str) -> None:
    out = normalize_phone(raw)
    assert out is None or (len(out) == 10 and out.isascii() and out.isdigit() and out[1] in "35789")

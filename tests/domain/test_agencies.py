"""Agencies' rules: routes as an admin types them, each step's deadline in the receiving
agency's own working time, the off-route rule and the apology forecast."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.agencies import (
    AgencyTime,
    HandoffPlan,
    RouteStep,
    add_working_minutes,
    desk_share,
    forecast,
    is_late,
    mark,
    next_index,
    parse_days_off,
    parse_route,
    plan_handoff,
    step_deadline,
)
from queue_server.domain.dossiers import Timing
from queue_server.domain.working_days import WorkCalendar, WorkingHours

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
STANDARD = AgencyTime(hours=WorkingHours.standard())  # Mon–Fri 07:30–11:30, 13:30–17:00


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=HANOI)


# -- routes -----------------------------------------------------------------------------------

def test_a_route_of_own_and_other_sites_agencies_is_read_as_typed() -> None:
    steps, errors = parse_route([{"agency": " qldt ", "share": 0.6}, {"agency": "tp-ha-noi:VP", "share": 0.2}])
    assert errors == []
    assert steps == [RouteStep("QLDT", 0.6), RouteStep("tp-ha-noi:VP", 0.2)]
    assert steps[1].site_code == "tp-ha-noi" and steps[1].agency_code == "VP"
    assert abs(desk_share(steps) - 0.2) < 1e-9


def test_every_wrong_step_is_named_at_once() -> None:
    steps, errors = parse_route([{"agency": "", "share": 0.5}, {"agency": "VP", "share": 0}, "QLDT",
                                 {"agency": "TP", "share": True}])
    assert steps == []
    assert [e.field for e in errors] == ["route[0].agency", "route[1].share", "route[2]", "route[3].share"]
    assert all(e.message_vi and e.message_en for e in errors)


def test_shares_over_the_whole_legal_time_are_refused() -> None:
    _, errors = parse_route([{"agency": "A", "share": 0.7}, {"agency": "B", "share": 0.4}])
    assert [e.field for e in errors] == ["route"]
    assert "1" in errors[0].message_vi
    assert parse_route("QLDT")[1][0].field == "route"


def test_days_off_are_iso_dates() -> None:
    assert parse_days_off(["2026-03-05", "2026-03-04", "2026-03-05"]) == ([date(2026, 3, 4), date(2026, 3, 5)], [])
    assert parse_days_off(["5/3/2026"])[1][0].field == "days_off[0]"


# -- deadlines --------------------------------------------------------------------------------

def test_a_working_days_step_counts_its_share_of_working_hours_in_the_agency_time() -> None:
    # 10 working days, share 0.6: 6 days of 7.5 h from Monday 09:00 → the next Tuesday 09:00
    # (the weekend is not counted)
    due = step_deadline(local("2026-03-02 09:00"), 0.6, 10, "working_days", STANDARD)
    assert due == local("2026-03-10 09:00")


def test_an_agencys_own_day_off_pushes_its_deadline() -> None:
    closed = AgencyTime(hours=WorkingHours.standard(), days_off=frozenset({date(2026, 3, 3)}))
    assert step_deadline(local("2026-03-02 09:00"), 0.1, 10, "working_days", STANDARD) == local("2026-03-03 09:00")
    assert step_deadline(local("2026-03-02 09:00"), 0.1, 10, "working_days", closed) == local("2026-03-04 09:00")


def test_an_agency_open_on_saturday_finishes_sooner_than_one_that_is_not() -> None:
    saturday = AgencyTime(hours=WorkingHours.from_config({
        "mon": ["07:30-11:30", "13:30-17:00"], "tue": ["07:30-11:30", "13:30-17:00"],
        "wed": ["07:30-11:30", "13:30-17:00"], "thu": ["07:30-11:30", "13:30-17:00"],
        "fri": ["07:30-11:30", "13:30-17:00"], "sat": ["07:30-11:30"]}))
    start = local("2026-03-06 16:00")  # Friday
    assert step_deadline(start, 0.5, 4, "hours", saturday) == local("2026-03-07 08:30")
    assert step_deadline(start, 0.5, 4, "hours", STANDARD) == local("2026-03-09 08:30")


def test_hours_and_calendar_days_steps() -> None:
    # 8 working hours, share 0.5: 4 h from 10:30 → 11:30 (1 h) then 13:30 + 3 h
    assert step_deadline(local("2026-03-02 10:30"), 0.5, 8, "hours", STANDARD) == local("2026-03-02 16:30")
    # 10 calendar days, share 0.3: three days of calendar time
    assert step_deadline(local("2026-03-02 10:30"), 0.3, 10, "days", STANDARD) == local("2026-03-05 10:30")


def test_the_holiday_calendar_of_the_site_is_the_agencys_too() -> None:
    from queue_server.services.calendars import read_holiday_documents

    cal = WorkCalendar.from_documents(read_holiday_documents())
    with_holidays = AgencyTime(hours=WorkingHours.standard(), calendar=cal)
    # Giỗ Tổ Hùng Vương 2026 falls on Sunday 26 April, so Monday 27 April is off
    start = local("2026-04-24 09:00")  # Friday
    assert step_deadline(start, 0.1, 10, "working_days", STANDARD) == local("2026-04-27 09:00")
    assert step_deadline(start, 0.1, 10, "working_days", with_holidays) > local("2026-04-27 17:00")


@settings(max_examples=200, deadline=None)
@given(start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
       minutes=st.integers(min_value=1, max_value=10_000), more=st.integers(min_value=0, max_value=3_000))
def test_more_working_time_never_ends_sooner_and_always_ends_inside_working_hours(start, minutes, more) -> None:
    start = start.replace(tzinfo=HANOI, second=0, microsecond=0)
    a = add_working_minutes(start, minutes, STANDARD)
    b = add_working_minutes(start, minutes + more, STANDARD)
    assert start < a <= b
    sessions = STANDARD.sessions(a.date())
    assert any(s.start < a.time() <= s.end for s in sessions)


# -- hand-offs and marks -----------------------------------------------------------------------

ROUTE = [RouteStep("QLDT", 0.5), RouteStep("VP", 0.3)]


def test_the_next_step_follows_the_route_and_repeats_after_a_supplement() -> None:
    assert next_index([]) == 0
    assert next_index([(0, "forwarded")]) == 1
    assert next_index([(0, "forwarded"), (1, "supplement")]) == 1
    assert next_index([(0, "forwarded"), (None, "forwarded"), (1, "returned")]) == 2


def test_off_route_replaces_the_next_step_or_has_no_share_past_the_end() -> None:
    assert plan_handoff(ROUTE, 0, "QLDT") == HandoffPlan(0, 0.5, False)
    assert plan_handoff(ROUTE, 1, "TNMT") == HandoffPlan(1, 0.3, True)
    assert plan_handoff(ROUTE, 2, "VP") == HandoffPlan(None, None, True)


def test_marks_of_a_step() -> None:
    due = local("2026-03-05 17:00")
    assert mark(local("2026-03-04 10:00"), due) is Timing.EARLY
    assert mark(local("2026-03-05 16:59"), due) is Timing.ON_TIME
    assert mark(local("2026-03-05 17:01"), due) is Timing.LATE
    assert mark(local("2026-03-05 17:01"), None) is None
    assert is_late(local("2026-03-05 17:01"), due, None)
    assert not is_late(local("2026-03-05 17:01"), due, local("2026-03-05 16:00"))


def test_the_forecast_adds_every_remaining_step_after_the_current_deadline() -> None:
    now = local("2026-03-02 09:00")
    current_due = local("2026-03-04 09:00")
    # remaining: VP 0.3 of 10 working days (3 days) then the desk's 0.2 (2 days)
    at = forecast(now, current_due, [(0.3, STANDARD), (0.2, STANDARD)], 10, "working_days")
    assert at == local("2026-03-11 09:00")
    # a step already late (now Saturday): the forecast starts from now, not from the past
    # deadline: the desk's two days are Monday and Tuesday
    later = now + timedelta(days=5)
    assert forecast(later, current_due, [(0.2, STANDARD)], 10, "working_days") == local("2026-03-10 17:00")

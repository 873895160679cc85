"""The pure rules of numbers taken from a phone (domain/remote.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain import remote as r
from queue_server.domain.remote import RemoteRules, RuleError

SESSIONS = [(time(7, 30), time(11, 30)), (time(13, 30), time(17, 0))]


@pytest.mark.parametrize("raw", ["0912345678", "0912 345 678", "0912.345.678", "+84912345678", "+84 912 345 678",
                                 "84912345678", "0084912345678", "(+84) 912-345-678"])
def test_every_common_way_of_writing_a_mobile_number_is_one_number(raw):
    assert r.normalize_mobile(raw) == "0912345678"


@pytest.mark.parametrize("raw", ["", "091234567", "09123456789", "0212345678", "02431234567", "0112345678",
                                 "abc", "09l2345678", "+1 912 345 678", "849123456789", "0912345678x", None, 912345678])
def test_anything_else_is_not_a_mobile_number(raw):
    assert r.normalize_mobile(raw) is None


def test_new_codes_are_eight_characters_starting_with_r_from_the_unambiguous_alphabet():
    rng = random.Random(7)
    codes = {r.new_checkin_code(rng.randrange) for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 8 and code[0] == "R" and all(ch in r.CODE_ALPHABET for ch in code[1:])
        assert not set(code[1:]) & set("01OIL")


@given(st.text(max_size=30))
def test_cleaning_any_input_gives_a_well_formed_code_or_nothing(raw):
    code = r.clean_code(raw)
    assert code is None or (len(code) == 8 and all(ch in r.CODE_ALPHABET for ch in code[1:]))


def test_a_code_is_read_whatever_its_case_spaces_dashes_or_the_link_around_it():
    for raw in ("r7k4-m2qx", " R7K4 M2QX ", "https://hall.vn/checkin?c=R7K4M2QX", "http://x/c/R7K4M2QX/",
                "HTTPS://HALL.VN/CHECKIN?C=R7K4M2QX"):
        assert r.clean_code(raw) == "R7K4M2QX"
    assert r.clean_code("R7K4M2Q0") is None  # 0 is not in the alphabet
    assert r.code_kind("R7K4M2QX") == "remote" and r.code_kind("H7K4M2QX") == "appointment"


def test_rules_are_off_by_default_and_bad_values_name_their_field():
    assert RemoteRules().enabled is False
    for raw, field in (({"hours_from": "7h30"}, "hours_from"), ({"hours_from": "11:00", "hours_until": "08:00"},
                       "hours_until"), ({"checkin_minutes": 2}, "checkin_minutes"),
                       ({"checkin_minutes": True}, "checkin_minutes"), ({"placement": "front"}, "placement"),
                       ({"expire_at": "25:00"}, "expire_at"), ({"colour": 1}, "colour"), ({"enabled": "yes"}, "enabled")):
        with pytest.raises(RuleError) as exc:
            r.rules_from(raw)
        assert exc.value.field == field and exc.value.vi and exc.value.en
    with pytest.raises(RuleError):
        r.check_quota(-1)


def test_numbers_are_given_only_within_the_hours_and_the_working_sessions():
    rules = RemoteRules(enabled=True, hours_from=time(8, 0), hours_until=time(16, 0))
    assert r.taking_windows(rules, SESSIONS) == [(time(8, 0), time(11, 30)), (time(13, 30), time(16, 0))]
    ok = lambda t: r.taking_refusal(rules, True, 10, 0, SESSIONS, t)  # noqa: E731
    assert ok(time(8, 0)) is None and ok(time(15, 59)) is None
    assert ok(time(7, 45)).reason == "closed" and ok(time(12, 0)).reason == "closed"
    assert "08:00–11:30, 13:30–16:00" in ok(time(16, 0)).vi
    assert r.taking_refusal(rules, True, 10, 0, [], time(9, 0)).reason == "closed"  # a holiday


def test_refusals_say_which_limit_applies():
    on = RemoteRules(enabled=True)
    assert r.taking_refusal(RemoteRules(), True, 10, 0, SESSIONS, time(9)).reason == "disabled"
    assert r.taking_refusal(on, False, 10, 0, SESSIONS, time(9)).reason == "service_disabled"
    full = r.taking_refusal(on, True, 10, 10, SESSIONS, time(9))
    assert full.reason == "quota" and "10" in full.vi and "ki-ốt" in full.vi
    assert r.taking_refusal(on, True, 10, 9, SESSIONS, time(9)) is None


def test_the_check_in_window_ends_at_the_first_of_its_minutes_the_expiry_time_and_the_close():
    tz = "Asia/Ho_Chi_Minh"
    taken = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 local
    assert r.checkin_deadline(RemoteRules(checkin_minutes=60), taken, SESSIONS, tz) == datetime(
        2026, 3, 2, 3, 0, tzinfo=UTC)
    assert r.checkin_deadline(RemoteRules(checkin_minutes=60, expire_at=time(9, 30)), taken, SESSIONS, tz) == datetime(
        2026, 3, 2, 2, 30, tzinfo=UTC)
    late = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # 16:30 local: the hall closes at 17:00
    assert r.checkin_deadline(RemoteRules(checkin_minutes=120), late, SESSIONS, tz) == datetime(
        2026, 3, 2, 10, 0, tzinfo=UTC)


def test_a_checked_in_ticket_keeps_its_place_from_taking_or_queues_from_check_in():
    taken, came = datetime(2026, 3, 2, 2, 0, tzinfo=UTC), datetime(2026, 3, 2, 2, 40, tzinfo=UTC)
    assert r.queue_time(RemoteRules(placement="taken"), taken, came) == taken
    assert r.queue_time(RemoteRules(placement="checkin"), taken, came) == came

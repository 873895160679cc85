"""The pure dossier rules: masking, applicant checks, codes, life cycle, timing."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain import dossiers as rules
from queue_server.domain.dossiers import DossierAction, DossierState
from queue_server.domain.working_days import WorkingHours
from queue_server.services.calendars import load_work_calendar


@pytest.mark.parametrize(("name", "masked"), [
    ("Nguyễn Văn An", "N*** V** A"),
    ("Lê Thị Bích Ngọc", "L* T** B*** N"),
    ("  trần   văn   ba ", "T*** V** B"),
    ("Tôn Nữ Thị Ngọc Hường", "T** N* T** N*** H"),
    ("Mai", "M**"),
    ("", ""),
])
def test_mask_name_examples(name: str, masked: str) -> None:
    assert rules.mask_name(name) == masked


_word = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ",
                min_size=1, max_size=9)


@given(st.lists(_word, min_size=1, max_size=6))
def test_masking_keeps_only_initials(words: list[str]) -> None:
    masked = rules.mask_name(" ".join(words)).split(" ")
    assert len(masked) == len(words)
    for original, shown in zip(words, masked, strict=True):
        assert shown[0] == original[0].upper()
        assert set(shown[1:]) <= {"*"} and len(shown) <= 4  # never more than the initial and three stars
    if len(words) > 1:
        assert masked[-1] == words[-1][0].upper()  # the given name: its initial only


@pytest.mark.parametrize(("raw", "stored"), [
    ("0912345678", "0912345678"), ("0912 345 678", "0912345678"), ("+84 912 345 678", "0912345678"),
    ("84912345678", "0912345678"), ("0243.822.5555", "02438225555"), ("(028) 3822 5555", "02838225555"),
    ("0123456789", None), ("091234567", None), ("09123456789", None), ("phone", None),
])
def test_phone_numbers(raw: str, stored: str | None) -> None:
    assert rules.normalize_phone(raw) == stored


@pytest.mark.parametrize(("email", "ok"), [
    ("a@vi-du.vn", True), ("nguyen.van.an+hs@mail.gov.vn", True), ("a@b", False), ("a@@b.vn", False),
    ("a b@c.vn", False), ("@c.vn", False), ("an@-x.vn", False),
])
def test_email(email: str, ok: bool) -> None:
    _, errors = rules.check_applicant({"name": "A", "address": "B", "email": email})
    assert (not errors) is ok


def test_cccd_is_twelve_digits_and_other_documents_differ() -> None:
    assert rules.normalize_id("001 098 012 345", "cccd") == "001098012345"
    assert rules.normalize_id("00109801234", "cccd") is None
    assert rules.normalize_id("C1234567", "passport") == "C1234567"
    assert rules.normalize_id("C1234567", "cccd") is None


def test_dossier_code_format() -> None:
    assert rules.dossier_code("000.00.06.H56", date(2023, 10, 27), 361) == "000.00.06.H56-231027-0361"
    assert rules.dossier_code("X", date(2026, 1, 2), 12345) == "X-260102-12345"
    with pytest.raises(ValueError):
        rules.dossier_code("X", date(2026, 1, 2), 0)


def test_lookup_codes_avoid_look_alikes() -> None:
    codes = {rules.new_lookup_code() for _ in range(200)}
    assert len(codes) > 190
    assert not any(set(c) & set("01OIL") for c in codes)
    assert rules.normalize_lookup_code(" ab-c 23x ") == "ABC23X"


def test_life_cycle() -> None:
    S, A = DossierState, DossierAction
    assert rules.next_dossier_state(S.RECEIVED, A.HAND_OFF) is S.IN_PROGRESS
    assert rules.next_dossier_state(S.IN_PROGRESS, A.REQUEST_SUPPLEMENT) is S.SUPPLEMENT
    assert rules.next_dossier_state(S.SUPPLEMENT, A.SUPPLEMENT) is S.RECEIVED
    assert rules.next_dossier_state(S.SUPPLEMENT, A.HAND_OFF) is None
    assert rules.next_dossier_state(S.IN_PROGRESS, A.RESULT_READY) is S.RESULT_READY
    assert rules.next_dossier_state(S.RESULT_READY, A.RETURN) is S.RETURNED
    assert rules.next_dossier_state(S.REFUSED, A.RETURN) is S.RETURNED
    assert rules.next_dossier_state(S.RECEIVED, A.RETURN) is None
    assert rules.next_dossier_state(S.IN_PROGRESS, A.APOLOGY) is S.IN_PROGRESS
    assert rules.next_dossier_state(S.RETURNED, A.APOLOGY) is None


def test_timing_against_the_due_date() -> None:
    due = datetime(2026, 3, 5, 17, 0)
    assert rules.timing(datetime(2026, 3, 4, 16, 0), due) is rules.Timing.EARLY
    assert rules.timing(datetime(2026, 3, 5, 8, 0), due) is rules.Timing.ON_TIME
    assert rules.timing(datetime(2026, 3, 5, 17, 0), due) is rules.Timing.ON_TIME
    assert rules.timing(datetime(2026, 3, 5, 17, 1), due) is rules.Timing.LATE


def test_due_soon_from_the_working_day_before_over_tet() -> None:
    calendar, hours = load_work_calendar(), WorkingHours.standard()
    due = datetime(2026, 2, 23, 17, 0)  # Monday after Tết 2026 (16–20/2 off)
    assert rules.warning_day(due, calendar, hours, 1) == date(2026, 2, 13)
    assert rules.due_state(datetime(2026, 2, 12, 16, 0), due, calendar, hours) is rules.DueState.ON_TRACK
    assert rules.due_state(datetime(2026, 2, 13, 8, 0), due, calendar, hours) is rules.DueState.DUE_SOON
    assert rules.due_state(datetime(2026, 2, 23, 17, 5), due, calendar, hours) is rules.DueState.OVERDUE


def test_catalogue_refuses_a_procedure_without_processing_time() -> None:
    import json

    from queue_server.domain.catalog import check_catalog
    from queue_server.services.catalog_files import DEMO_CATALOG

    doc = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    del doc["procedures"][2]["channels"][0]["processing_time"]
    report = check_catalog(doc)
    assert report.catalog is None
    assert any(str(e).startswith("procedures[2].channels[0].processing_time: thiếu thời hạn giải quyết")
               for e in report.errors)

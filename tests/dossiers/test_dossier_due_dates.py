"""Appointment dates as the counter prints them: received through the service at a given
Hà Nội time, across weekends, Tết, Giỗ Tổ, 30/4–1/5, 2/9, the 15:00 cutoff, a swapped
working Saturday, a site that works Saturday mornings, and a year with no holiday file
(the statutory holidays of the `holidays` package, swapped working days unknown)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from queue_server.services.dossiers import documents as dossier_documents
from queue_server.store.tables import Event
from tests.dossiers.helpers import at_local, due_local, pdf_text, receive_at

# (received, procedure, expected appointment); procedures of the demo ward:
# 1.000894 kết hôn: 1 working day; 2.000815 chứng thực bản sao: same day;
# 1.004194 tạm trú: 3 working days; 1.004222 thường trú: 7 working days; 1.013225: 15 days.
CASES = [
    ("2026-03-06 10:00", "1.000894", "2026-03-09 17:00 Mon"),  # Friday -> Monday
    ("2026-03-07 09:00", "1.000894", "2026-03-09 17:00 Mon"),  # received Saturday: like Friday (BLDS art. 147)
    ("2026-03-02 14:59", "2.000815", "2026-03-02 17:00 Mon"),  # same day before the cutoff
    ("2026-03-02 15:00", "2.000815", "2026-03-02 17:00 Mon"),  # at the cutoff still today
    ("2026-03-02 15:01", "2.000815", "2026-03-03 17:00 Tue"),  # after 15:00: next working day
    ("2026-03-06 15:30", "2.000815", "2026-03-09 17:00 Mon"),  # Friday after 15:00: Monday
    ("2026-02-13 15:20", "2.000815", "2026-02-23 17:00 Mon"),  # Friday before Tết 2026 (16–20/2)
    ("2026-02-12 09:00", "1.004194", "2026-02-24 17:00 Tue"),  # 3 working days across Tết
    ("2026-04-24 10:00", "1.000894", "2026-04-28 17:00 Tue"),  # Giỗ Tổ on Sunday 26/4, day off Monday 27/4
    ("2026-04-29 10:00", "1.000894", "2026-05-04 17:00 Mon"),  # 30/4 and 1/5
    ("2026-04-28 10:00", "1.004222", "2026-05-11 17:00 Mon"),  # 7 working days over 30/4–1/5: 29/4, 4–8/5, 11/5
    ("2026-08-28 10:00", "1.000894", "2026-09-03 17:00 Thu"),  # 31/8 swapped off, 1–2/9 holidays
    ("2026-08-21 10:00", "1.000894", "2026-08-22 17:00 Sat"),  # Saturday 22/8 is worked (swap for 31/8)
    ("2026-04-17 10:00", "1.013225", "2026-05-04 17:00 Mon"),  # 15 days end on 2/5 (Saturday) -> next working day
    # the file is the authority for its year, also where the holidays package says otherwise:
    ("2026-01-09 10:00", "1.000894", "2026-01-10 17:00 Sat"),  # Saturday 10/1 is worked (swap for 2/1)
    ("2026-11-23 10:00", "1.000894", "2026-11-24 17:00 Tue"),  # 24/11 not yet a day off in the 2026 file
]


@pytest.mark.parametrize(("received", "procedure", "expected"), CASES)
def test_appointment_in_working_days(ctx, hall, clock, received, procedure, expected) -> None:
    d = receive_at(ctx, clock, hall.clerk, received, procedure)
    assert due_local(d) == expected
    assert d["calendar_missing_years"] == []


def test_a_site_that_works_saturday_mornings_counts_them(ctx, hall, clock) -> None:
    ctx.settings.extra["dossiers"] = {"working_hours": {
        day: ["07:30-11:30", "13:30-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")} | {"sat": ["07:30-11:30"]}}
    d = receive_at(ctx, clock, hall.clerk, "2026-03-06 10:00", "1.000894")
    assert due_local(d) == "2026-03-07 11:30 Sat"


def test_a_later_cutoff_from_the_settings(ctx, hall, clock) -> None:
    ctx.settings.extra["dossiers"] = {"same_day_cutoff": "16:00"}
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 15:30", "2.000815")
    assert due_local(d) == "2026-03-02 17:00 Mon"


def test_missing_holiday_year_counts_statutory_holidays_and_says_so(ctx, hall, clock) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2027-12-30 10:00", "1.004194")
    # Fri 31/12 (1); 2028 has no holiday file: 1/1 is a Saturday, so Monday 3/1 is the
    # compensatory day off; Tue 4/1 (2), Wed 5/1 (3)
    assert due_local(d) == "2028-01-05 17:00 Wed"
    assert d["calendar_missing_years"] == [2028]
    assert d["calendar_unconfirmed_years"] == [2027]
    assert "ngày làm bù" in d["calendar_notice"]["vi"] and "swapped working days" in d["calendar_notice"]["en"]
    # the receipt says the calendar is missing ...
    _, pdf = dossier_documents.receipt_pdf(ctx, hall.clerk, d["id"])
    text = " ".join(" ".join(pdf_text(pdf)).split())
    assert "Chưa có lịch nghỉ lễ chính thức năm 2028" in text
    # ... and the supervisor is warned (an event on their stream, listed in supervision)
    with ctx.db.reading() as session:
        warning = session.scalars(select(Event).where(Event.kind == "dossier.calendar_missing")).one()
    assert warning.data["years"] == [2028] and warning.data["code"] == d["code"]
    from queue_server.services.dossiers.reports import supervision

    listed = supervision(ctx, hall.supervisor)
    assert any("2028" in w["message_vi"] and "ngày làm bù" in w["message_vi"]
               and "swapped working days" in w["message_en"] for w in listed["warnings"])


def test_a_dossier_received_in_a_year_without_a_file_skips_tet(ctx, hall, clock) -> None:
    """2028 has no holiday file. Tết Mậu Thân is Wednesday 26/1/2028: the holidays package
    gives 24–28/1 off (and mùng 4 on Saturday 29/1). Three working days from Friday 21/1:
    Mon 31/1, Tue 1/2, Wed 2/2 (weekends only would have said Wed 26/1, mùng 1 Tết)."""
    d = receive_at(ctx, clock, hall.clerk, "2028-01-21 10:00", "1.004194")
    assert due_local(d) == "2028-02-02 17:00 Wed"
    assert d["calendar_missing_years"] == [2028]
    # the two-part receipt (PDF) and the counter slip both say swapped days are unknown,
    # Vietnamese first, English second
    _, pdf = dossier_documents.receipt_pdf(ctx, hall.clerk, d["id"])
    text = " ".join(" ".join(pdf_text(pdf)).split())
    vi = text.find("chưa biết ngày làm bù (hoán đổi ngày làm việc) của năm 2028")
    en = text.find("the swapped working days of 2028 are not known")
    assert 0 <= vi < en
    slip = dossier_documents.receipt_slip(ctx, hall.clerk, d["id"])
    slip_text = " ".join(" ".join(e.text for e in slip.elements if hasattr(e, "text")).split())
    assert "chưa biết ngày làm bù" in slip_text and "swapped working days" in slip_text
    # and the supervisor is told
    from queue_server.services.dossiers.reports import supervision

    warnings = supervision(ctx, hall.supervisor)["warnings"]
    assert any(w["code"] == d["code"] and w["years"] == [2028] for w in warnings)
    # ... and on the morning it is due, the supervisor's due-soon list marks it
    at_local(clock, "2028-02-02 09:00")
    due_soon = supervision(ctx, hall.supervisor)["due"]
    assert [(x["code"], x["calendar_missing_years"]) for x in due_soon] == [(d["code"], [2028])]


def test_a_year_with_a_file_raises_no_notice_and_counts_its_swapped_working_day(ctx, hall, clock) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-08-21 10:00", "1.004194")
    # Sat 22/8 is worked (swap for Monday 31/8): 22/8 (1), 24/8 (2), 25/8 (3)
    assert due_local(d) == "2026-08-25 17:00 Tue"
    assert d["calendar_missing_years"] == [] and d["calendar_notice"] is None
    _, pdf = dossier_documents.receipt_pdf(ctx, hall.clerk, d["id"])
    assert "ngày làm bù" not in " ".join(pdf_text(pdf))


def test_known_years_raise_no_warning(ctx, hall, clock) -> None:
    receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00")
    with ctx.db.reading() as session:
        assert session.scalars(select(Event).where(Event.kind == "dossier.calendar_missing")).first() is None


def test_cli_due_matches_the_service(ctx, hall, clock, capsys) -> None:
    from queue_server.cli import main

    assert main(["dossier", "due", "--procedure", "2.000815", "--received", "2026-02-13 15:20"]) == 0
    out = capsys.readouterr().out
    assert "Hẹn trả / due:   17 giờ 00 phút, Thứ Hai ngày 23/02/2026" in out
    assert main(["dossier", "due", "--procedure", "1.004194", "--received", "2027-12-30 10:00"]) == 0
    out = capsys.readouterr().out
    assert "05/01/2028" in out and "No official holiday calendar for 2028" in out
    assert main(["dossier", "due", "--procedure", "9.999999", "--received", "2026-02-13 15:20"]) == 1
    assert main(["dossier", "due", "--procedure", "2.000815", "--received", "13/02/2026"]) == 2


def test_each_hall_on_one_server_keeps_its_own_hours_and_cutoff(ctx, hall, clock) -> None:
    """Phường 1 works Saturday mornings and takes same-day work until 16:00; phường 2, on
    the same server, keeps the instance's Monday–Friday and 15:00."""
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM, Actor
    from queue_server.services.dossiers import reception as dossiers
    from tests.dossiers.helpers import payload

    site2 = admin.create_site(ctx, SYSTEM, code="phuong-2", name="UBND Phường 2", agency_code="000.00.02.H01")
    user = admin.create_user(ctx, SYSTEM, username="hoa", password="mot-hai-ba-bon", role="clerk",
                             site_id=site2["id"])
    clerk2 = Actor(kind="user", id=user["id"], role="clerk", site_id=site2["id"], name="Hoa")
    weekdays = {day: ["07:30-11:30", "13:30-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    ctx.settings.extra["dossiers"] = {"sites": {"phuong-1": {
        "same_day_cutoff": "16:00", "working_hours": weekdays | {"sat": ["07:30-11:30"]}}}}

    def at_phuong_2(text: str, procedure: str) -> dict:
        at_local(clock, text)
        return dossiers.receive_dossier(ctx, clerk2, payload(procedure))

    # a same-day procedure at 15:30 on Friday
    assert due_local(receive_at(ctx, clock, hall.clerk, "2026-03-06 15:30", "2.000815")) == "2026-03-06 17:00 Fri"
    assert due_local(at_phuong_2("2026-03-06 15:30", "2.000815")) == "2026-03-09 17:00 Mon"
    # one working day from Friday morning
    assert due_local(receive_at(ctx, clock, hall.clerk, "2026-03-06 10:00", "1.000894")) == "2026-03-07 11:30 Sat"
    assert due_local(at_phuong_2("2026-03-06 10:00", "1.000894")) == "2026-03-09 17:00 Mon"


def test_per_site_settings_name_what_cannot_be_set_per_site() -> None:
    from queue_server.config import ConfigError
    from queue_server.services.dossiers.setup import parse_dossier_settings

    with pytest.raises(ConfigError, match=r"\[dossiers.sites.phuong-1\]: 'lookup_window_minutes' cannot be set"):
        parse_dossier_settings({"sites": {"phuong-1": {"lookup_window_minutes": 5}}})
    with pytest.raises(ConfigError, match=r"\[dossiers.sites.phuong-1\] same_day_cutoff must be HH:MM"):
        parse_dossier_settings({"sites": {"phuong-1": {"same_day_cutoff": "4pm"}}})
    with pytest.raises(ConfigError, match="one table per site code"):
        parse_dossier_settings({"sites": {"phuong-1": "16:00"}})
    settings = parse_dossier_settings({"place": "An Bình", "sites": {"phuong-1": {"place": "Phường 1"}}})
    assert settings.place == "An Bình" and settings.sites["phuong-1"].place == "Phường 1"


def test_the_due_preview_api_gives_the_notice_to_the_clerk(ctx, hall) -> None:
    from fastapi.testclient import TestClient

    from queue_server.api.app import create_app
    from tests.conftest import PASSWORD

    with TestClient(create_app(ctx.settings, ctx=ctx)) as client:
        token = client.post("/api/v1/auth/login", json={"username": "an", "password": PASSWORD}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        r = client.get("/api/v1/dossiers/due", params={"procedure": "1.004194", "received": "2028-01-21 10:00"},
                       headers=auth)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["due_at"].startswith("2028-02-02T17:00")
        assert body["calendar_missing_years"] == [2028]
        assert "chưa biết ngày làm bù" in body["calendar_notice"]["vi"]
        assert "swapped working days of 2028 are not known" in body["calendar_notice"]["en"]
        r = client.get("/api/v1/dossiers/due", params={"procedure": "1.004194", "received": "2026-08-21 10:00"},
                       headers=auth)
        assert r.json()["due_at"].startswith("2026-08-25T17:00") and r.json()["calendar_notice"] is None

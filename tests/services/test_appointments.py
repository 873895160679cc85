"""Appointments on the real store, SQLite and PostgreSQL: a supervisor opens slots, citizens
book them (never past capacity, even all at once), the kiosk checks them in, the ones that
never come become no-shows, and calling puts an on-time appointment first."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from queue_server.services import appointments as appts
from queue_server.services import retention
from queue_server.services.admin import audit
from queue_server.services.context import ANONYMOUS, SYSTEM
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from queue_server.services.queue import tickets as queue
from queue_server.store.tables import Appointment, AppointmentSlot, Event, Ticket

MONDAY = date(2026, 3, 2)  # START is Monday 08:30 in Hà Nội
RULE = {"enabled": True, "slot_minutes": 30, "capacity": 2, "weekdays": [0, 1, 2, 3, 4],
        "windows": ["08:00-11:00", "14:00-16:30"], "book_ahead_days": 14, "early_minutes": 30,
        "late_minutes": 15, "share_percent": 50}


def hanoi(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC) - timedelta(hours=7)


@pytest.fixture
def open_hall(hall):
    appts.update_settings(hall.ctx, hall.supervisor, hall.a, RULE)
    return hall


def book(hall, day=MONDAY, time="10:00", phone="0912345678", name="Nguyễn Văn An", client="ip:test", **kw):
    return appts.book(hall.ctx, ANONYMOUS, client=client, site_id=hall.site_id, day=day, start=time, name=name,
                      phone=phone, service_id=kw.pop("service_id", hall.a), **kw)


def events(ctx, kind):
    with ctx.db.reading() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_a_citizen_books_a_slot_and_gets_a_code_but_the_events_hold_no_name_or_phone(open_hall) -> None:
    out = book(open_hall, phone="+84 912 345 678")
    assert out["code"].startswith("H") and len(out["code"]) == 8
    assert out["time"] == "10:00" and out["state"] == "booked" and "name" not in out and "phone" not in out
    with open_hall.ctx.db.reading() as s:
        stored = s.get(Appointment, out["id"])
        assert (stored.name, stored.phone) == ("Nguyễn Văn An", "0912345678")
    [event] = events(open_hall.ctx, "appointment.booked")
    assert "Nguyễn" not in str(event.data) and "0912345678" not in str(event.data) and out["code"] not in str(event.data)


def test_the_days_slots_show_free_places_and_past_slots(open_hall) -> None:
    book(open_hall, time="10:00")
    day = appts.slots_of_day(open_hall.ctx, open_hall.a, MONDAY)
    by_time = {s["time"]: s for s in day["slots"]}
    assert by_time["08:00"]["past"] and by_time["08:30"]["past"] and not by_time["09:00"]["past"]
    assert by_time["10:00"]["free"] == 1 and by_time["14:00"]["free"] == 2
    assert "phone" not in str(day) and "Nguyễn" not in str(day)


@pytest.mark.parametrize("day, time, status, reason", [
    (MONDAY, "08:00", 409, "past"),
    (date(2026, 4, 30), "09:00", 409, "day_off"),  # a holiday says so, however far ahead
    (MONDAY + timedelta(days=15), "09:00", 409, "too_far"),
    (MONDAY, "09:10", 422, "not_a_slot"),
    (date(2026, 3, 7), "09:00", 409, "day_off"),  # a Saturday
])
def test_refusals_say_what_is_wrong_and_write_nothing(open_hall, day, time, status, reason) -> None:
    with pytest.raises((Conflict, InvalidInput)) as err:
        book(open_hall, day=day, time=time)
    assert err.value.status == status and err.value.extra["reason"] == reason
    assert err.value.message_vi != err.value.message_en
    with open_hall.ctx.db.reading() as s:
        assert s.scalars(select(Appointment)).all() == [] and s.scalars(select(AppointmentSlot)).all() == []


def test_tet_and_holidays_are_refused_with_their_name(open_hall) -> None:
    appts.update_settings(open_hall.ctx, open_hall.supervisor, open_hall.a, {**RULE, "book_ahead_days": 90})
    with pytest.raises(Conflict) as err:
        book(open_hall, day=date(2026, 4, 30), time="09:00")
    assert err.value.extra["reason"] == "day_off" and "30/04/2026" in err.value.message_vi
    open_hall.ctx.clock.set(hanoi(date(2026, 2, 10), 9))
    with pytest.raises(Conflict) as err:
        book(open_hall, day=date(2026, 2, 17), time="09:00")
    assert "Tết" in err.value.message_vi and "Lunar New Year" in err.value.message_en


def test_a_service_without_appointments_is_refused(open_hall) -> None:
    with pytest.raises(Conflict) as err:
        book(open_hall, service_id=open_hall.b)
    assert err.value.extra["reason"] == "closed" and "Chứng thực" in err.value.message_vi


@pytest.mark.parametrize("name, phone, field", [
    ("Nguyễn Văn An", "0212345678", "phone"), ("Nguyễn Văn An", "12345", "phone"), ("A", "0912345678", "name"),
    ("", "0912345678", "name"), ("Nguyễn\u202eAn", "0912345678", "name"),
])
def test_bad_contact_is_a_field_error(open_hall, name, phone, field) -> None:
    with pytest.raises(InvalidInput) as err:
        book(open_hall, name=name, phone=phone)
    assert err.value.extra["field"] == field


def test_one_active_booking_per_phone_service_and_day(open_hall) -> None:
    book(open_hall, phone="0912345678")
    with pytest.raises(Conflict) as err:
        book(open_hall, time="10:30", phone="84912345678")
    assert err.value.extra["reason"] == "duplicate"


def test_a_web_client_books_at_most_five_an_hour(open_hall) -> None:
    for i in range(5):
        book(open_hall, time=["09:00", "09:30", "10:00", "10:30", "14:00"][i], phone=f"091234567{i}")
    with pytest.raises(RateLimited):
        book(open_hall, time="14:30", phone="0987654321")
    book(open_hall, time="14:30", phone="0987654321", client="ip:other")  # another phone still can


def test_the_last_place_goes_to_exactly_one_of_many_citizens_at_once(open_hall) -> None:
    """Twelve citizens book the same slot of three places at the same moment: three get it."""
    appts.update_settings(open_hall.ctx, open_hall.supervisor, open_hall.a, {**RULE, "capacity": 3})
    barrier = threading.Barrier(12)
    results: list[str] = []
    lock = threading.Lock()

    def citizen(i: int) -> None:
        barrier.wait()
        try:
            book(open_hall, time="15:00", phone=f"09876543{i:02d}", client=f"ip:{i}")
            outcome = "booked"
        except Conflict as exc:
            outcome = exc.extra.get("reason", "?")
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=citizen, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["booked"] * 3 + ["full"] * 9
    with open_hall.ctx.db.reading() as s:
        [slot] = s.scalars(select(AppointmentSlot)).all()
        assert slot.booked == 3 and len(s.scalars(select(Appointment)).all()) == 3


def test_cancelling_frees_the_place(open_hall) -> None:
    appts.update_settings(open_hall.ctx, open_hall.supervisor, open_hall.a, {**RULE, "capacity": 1})
    first = book(open_hall, time="09:00")
    with pytest.raises(Conflict):
        book(open_hall, time="09:00", phone="0987654321")
    out = appts.cancel_booking(open_hall.ctx, ANONYMOUS, first["id"])
    assert out["state"] == "cancelled" and not out["cancellable"]
    assert appts.cancel_booking(open_hall.ctx, ANONYMOUS, first["id"])["state"] == "cancelled"  # again: as it is
    book(open_hall, time="09:00", phone="0987654321")
    assert len(events(open_hall.ctx, "appointment.cancelled")) == 1


def test_check_in_turns_the_booking_into_a_waiting_ticket_within_the_tolerance(open_hall) -> None:
    ctx = open_hall.ctx
    b = book(open_hall, time="10:00", procedure_code=None)
    with pytest.raises(Conflict) as err:  # 08:30: opens 09:30
        appts.check_in_booking(ctx, open_hall.kiosk, b["code"].lower())
    assert err.value.extra["reason"] == "too_early" and err.value.extra["walk_in"] is True
    assert "09:30" in err.value.message_vi and "walk-in" in err.value.message_en
    ctx.clock.set(hanoi(MONDAY, 9, 45))
    out = appts.check_in_booking(ctx, open_hall.kiosk, b["code"])
    ticket = out["ticket"]
    assert ticket["state"] == "waiting" and out["channel"] == "appointment" and ticket["code"].startswith("A")
    with ctx.db.reading() as s:
        row = s.get(Ticket, ticket["id"])
        assert row.due_at == hanoi(MONDAY, 10) and row.channel == "appointment"
        assert s.get(Appointment, b["id"]).state == "checked_in"
    again = appts.check_in_booking(ctx, open_hall.kiosk, b["code"])
    assert again["ticket"]["id"] == ticket["id"] and again["again"]
    issued = [e for e in events(ctx, "ticket.issued") if e.ticket_id == ticket["id"]]
    assert len(issued) == 1 and issued[0].data["channel"] == "appointment"


def test_check_in_too_late_offers_a_walk_in_number(open_hall) -> None:
    b = book(open_hall, time="09:00")
    open_hall.ctx.clock.set(hanoi(MONDAY, 9, 16))
    with pytest.raises(Conflict) as err:
        appts.check_in_booking(open_hall.ctx, open_hall.kiosk, b["code"])
    assert err.value.extra["reason"] == "too_late" and err.value.extra["walk_in"]


def test_the_booked_procedure_goes_with_the_ticket(open_hall) -> None:
    from queue_server.store.tables import Procedure

    def add(session):
        session.add(Procedure(site_id=open_hall.site_id, code="1.001193", field_code="HT", name_vi="Đăng ký khai sinh",
                              name_en="Birth registration", service_id=open_hall.a, data={}))
    open_hall.ctx.db.transaction(add)
    opts = appts.options(open_hall.ctx, _site(open_hall))
    assert [p["code"] for p in opts["procedures"]] == ["1.001193"] and [s["id"] for s in opts["services"]] == [open_hall.a]
    b = appts.book(open_hall.ctx, ANONYMOUS, client="ip:x", site_id=open_hall.site_id, day=MONDAY, start="10:00",
                   name="Trần Thị Bình", phone="0987654321", procedure_code="1.001193")
    assert b["procedure_code"] == "1.001193" and b["service_id"] == open_hall.a
    open_hall.ctx.clock.set(hanoi(MONDAY, 9, 50))
    out = appts.check_in_booking(open_hall.ctx, open_hall.kiosk, b["code"])
    assert out["ticket"]["procedure_code"] == "1.001193"
    with pytest.raises(InvalidInput) as err:
        appts.book(open_hall.ctx, ANONYMOUS, client="ip:x", site_id=open_hall.site_id, day=MONDAY, start="10:30",
                   name="Lê Văn Cường", phone="0987654322", procedure_code="9.999999")
    assert err.value.extra["field"] == "procedure_code"


def _site(hall):
    from queue_server.services import admin

    return admin.resolve_site(hall.ctx, hall.site_id)


def test_a_wrong_code_answers_like_an_unknown_one_and_misses_are_limited(open_hall) -> None:
    b = book(open_hall)
    assert appts.find_by_code(open_hall.ctx, code=b["code"], client="ip:1") == b["id"]
    wrong = b["code"][:-1] + ("X" if b["code"][-1] != "X" else "Y")
    with pytest.raises(NotFound) as unknown:
        appts.find_by_code(open_hall.ctx, code="H2222222", client="ip:1")
    with pytest.raises(NotFound) as mistyped:
        appts.find_by_code(open_hall.ctx, code=wrong, client="ip:1")
    with pytest.raises(NotFound) as malformed:
        appts.find_by_code(open_hall.ctx, code="not a code", client="ip:1")
    assert str(unknown.value) == str(mistyped.value) == str(malformed.value)
    for _ in range(17):
        with pytest.raises(NotFound):
            appts.find_by_code(open_hall.ctx, code="H2222222", client="ip:1")
    with pytest.raises(RateLimited):
        appts.find_by_code(open_hall.ctx, code=b["code"], client="ip:1")
    with pytest.raises(NotFound) as kiosk_unknown:
        appts.check_in_booking(open_hall.ctx, open_hall.kiosk, wrong)
    assert str(kiosk_unknown.value) == str(unknown.value)


def test_bookings_never_checked_in_become_no_shows_after_the_tolerance(open_hall) -> None:
    ctx = open_hall.ctx
    late = book(open_hall, time="09:00")
    kept = book(open_hall, time="09:30", phone="0987654321")
    ctx.clock.set(hanoi(MONDAY, 9, 15))
    assert appts.mark_no_shows(ctx, SYSTEM) == 0  # 09:15 is still inside 09:00 + 15 min
    ctx.clock.set(hanoi(MONDAY, 9, 16))
    assert appts.mark_no_shows(ctx, SYSTEM) == 1
    with ctx.db.reading() as s:
        assert s.get(Appointment, late["id"]).state == "no_show" and s.get(Appointment, kept["id"]).state == "booked"
    [event] = events(ctx, "appointment.no_show")
    assert event.data["appointment_id"] == late["id"]
    day = appts.day_bookings(ctx, open_hall.supervisor, open_hall.a, MONDAY)
    slot9 = next(s for s in day["slots"] if s["time"] == "09:00")
    assert slot9["no_show"] == 1 and slot9["bookings"][0]["name"] == "Nguyễn Văn An"
    assert day["totals"]["booked"] == 2
    assert len(events(ctx, "appointment.bookings_read")) == 1


def test_only_supervisors_see_the_names(open_hall) -> None:
    with pytest.raises(Forbidden):
        appts.day_bookings(open_hall.ctx, open_hall.clerk, open_hall.a, MONDAY)
    with pytest.raises(Forbidden):
        appts.update_settings(open_hall.ctx, open_hall.clerk, open_hall.a, RULE)


def test_each_settings_change_is_one_audit_event_and_a_stale_save_is_refused(open_hall) -> None:
    ctx = open_hall.ctx
    current = next(s for s in appts.get_settings(ctx, open_hall.supervisor, open_hall.site_id)["services"]
                   if s["service_id"] == open_hall.a)
    appts.update_settings(ctx, open_hall.supervisor, open_hall.a, {**RULE, "capacity": 4}, current["version"])
    with pytest.raises(Conflict):
        appts.update_settings(ctx, open_hall.supervisor, open_hall.a, {**RULE, "capacity": 5}, current["version"])
    with pytest.raises(InvalidInput) as err:
        appts.update_settings(ctx, open_hall.supervisor, open_hall.a, {**RULE, "share_percent": 100})
    assert err.value.extra["field"] == "share_percent"
    trail = audit.browse(ctx, open_hall.supervisor, open_hall.site_id, kind="appointment.settings_changed")
    assert len(trail["events"]) == 2  # opening, then capacity 2 -> 4
    assert trail["events"][0]["data"]["changed"] == ["capacity"]


def test_calling_puts_the_on_time_appointment_before_earlier_walk_ins(open_hall) -> None:
    ctx = open_hall.ctx
    open_hall.open_all()
    walk_ins = [queue.issue_ticket(ctx, open_hall.kiosk, open_hall.a).ticket for _ in range(4)]
    b = book(open_hall, time="09:00")
    ctx.clock.set(hanoi(MONDAY, 8, 59))
    checked_in = appts.check_in_booking(ctx, open_hall.kiosk, b["code"])
    ticket = checked_in["ticket"]
    # its estimate knows it is called at its slot time, not after the four walk-ins: the two idle
    # counters serving A each call a walk-in at 08:59, and the next call is the appointment's
    assert checked_in["people_ahead"] == 2
    # before its slot: the walk-ins go first
    called = queue.call_next(ctx, open_hall.supervisor, open_hall.c3)
    assert called.id == walk_ins[0].id
    ctx.clock.set(hanoi(MONDAY, 9, 0))
    queue.finish(ctx, open_hall.supervisor, open_hall.c3)
    called = queue.call_next(ctx, open_hall.supervisor, open_hall.c3)
    assert called.id == ticket["id"] and called.code == ticket["code"]
    # then walk-ins again, in their order
    queue.finish(ctx, open_hall.supervisor, open_hall.c3)
    assert queue.call_next(ctx, open_hall.supervisor, open_hall.c3).id == walk_ins[1].id


def test_the_share_lets_walk_ins_through_between_appointments(open_hall) -> None:
    ctx = open_hall.ctx
    appts.update_settings(ctx, open_hall.supervisor, open_hall.a, {**RULE, "capacity": 10, "share_percent": 20})
    open_hall.open_all()
    walk_ins = [queue.issue_ticket(ctx, open_hall.kiosk, open_hall.a).ticket.id for _ in range(10)]
    codes = [book(open_hall, time="09:00", phone=f"09876543{i:02d}", client=f"ip:{i}")["code"] for i in range(6)]
    ctx.clock.set(hanoi(MONDAY, 9, 0))
    booked = {appts.check_in_booking(ctx, open_hall.kiosk, c)["ticket"]["id"] for c in codes}
    order = []
    for _ in range(10):
        order.append(queue.call_next(ctx, open_hall.supervisor, open_hall.c3).id)
        queue.finish(ctx, open_hall.supervisor, open_hall.c3)
    marks = ["A" if t in booked else "W" for t in order]
    assert marks.count("A") == 2  # 20 % of ten calls
    assert [t for t in order if t not in booked] == walk_ins[:8]


def test_retention_erases_names_and_phones_after_the_configured_days(open_hall) -> None:
    ctx = open_hall.ctx
    b = book(open_hall, time="09:00")
    ctx.clock.set(hanoi(MONDAY, 9, 20))
    appts.mark_no_shows(ctx, SYSTEM)
    ctx.clock.set(hanoi(MONDAY, 9, 20) + timedelta(days=ctx.settings.retention_appointment_days - 1))
    assert retention.purge_all(ctx, SYSTEM).appointments == {}
    ctx.clock.set(hanoi(MONDAY, 9, 20) + timedelta(days=ctx.settings.retention_appointment_days + 1))
    assert retention.purge(ctx, SYSTEM, dry_run=True).appointments == {open_hall.site_id: 1}
    report = retention.purge_all(ctx, SYSTEM)
    assert report.appointments == {open_hall.site_id: 1}
    with ctx.db.reading() as s:
        a = s.get(Appointment, b["id"])
        assert (a.name, a.phone, a.state) == ("", "", "no_show") and a.personal_erased_at is not None


def test_no_appointment_event_reaches_a_public_screen_and_the_ticket_event_says_only_codes(open_hall) -> None:
    from queue_server.events import projection

    ctx = open_hall.ctx
    b = book(open_hall, time="09:00")
    ctx.clock.set(hanoi(MONDAY, 8, 45))
    ticket = appts.check_in_booking(ctx, open_hall.kiosk, b["code"])["ticket"]
    appts.day_bookings(ctx, open_hall.supervisor, open_hall.a, MONDAY)
    kinds = {"appointment.settings_changed", "appointment.booked", "appointment.checked_in",
             "appointment.bookings_read", "appointment.cancelled", "appointment.no_show"}
    assert not any(projection.has_public_form(k) for k in kinds)
    [issued] = [e for e in events(ctx, "ticket.issued") if e.ticket_id == ticket["id"]]
    public = projection.public_data("ticket.issued", issued.data)
    assert public["code"] == ticket["code"]
    assert b["code"] not in str(public) and "Nguyễn" not in str(public) and "0912345678" not in str(public)


def test_the_monitor_counts_checked_in_appointments_waiting_from_its_kept_figures(open_hall) -> None:
    from queue_server.services.monitor import snapshot
    from queue_server.store.tables import Site

    ctx = open_hall.ctx
    with ctx.db.reading() as s:
        site = s.get(Site, open_hall.site_id)
    first = snapshot.snapshot(ctx, open_hall.supervisor, site)  # the day is read now; then events only
    assert next(x for x in first["services"] if x["id"] == open_hall.a)["appointment_waiting"] == 0
    b = book(open_hall, time="10:00", procedure_code=None)
    queue.issue_ticket(ctx, open_hall.kiosk, open_hall.a)  # a walk-in
    ctx.clock.set(hanoi(MONDAY, 9, 45))
    appts.check_in_booking(ctx, open_hall.kiosk, b["code"])
    a = next(x for x in snapshot.snapshot(ctx, open_hall.supervisor, site)["services"] if x["id"] == open_hall.a)
    assert (a["waiting"], a["appointment_waiting"]) == (2, 1)


def test_the_queue_report_counts_appointments_as_their_own_channel(open_hall) -> None:
    from queue_server.services.reports.figures import queue_report

    ctx = open_hall.ctx
    b = book(open_hall, time="10:00", procedure_code=None)
    queue.issue_ticket(ctx, open_hall.kiosk, open_hall.a)
    ctx.clock.set(hanoi(MONDAY, 9, 45))
    appts.check_in_booking(ctx, open_hall.kiosk, b["code"])
    report = queue_report(ctx, open_hall.supervisor, site=open_hall.site_id, start=MONDAY, end=MONDAY)
    channels = {r["key"]: (r["label_vi"], r["issued"]) for r in report["by_channel"]}
    assert channels == {"kiosk": ("Ki-ốt lấy số", 1), "appointment": ("Đặt lịch hẹn", 1)}

"""Numbers taken from a phone, on both engines: taking one, its limits, check-in, expiry."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from queue_server.services import admin, retention
from queue_server.services.context import SYSTEM
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from queue_server.services.queue import hall as hall_views
from queue_server.services.queue import tickets as queue
from queue_server.services.remote import checkin, numbers, settings
from queue_server.store.tables import Event, RemoteHold, RemoteTicket, Site, Ticket

SECRET = b"s" * 32
PHONE = "0912 345 678"


def enable(ctx, hall, quota=5, **rules):
    settings.update_settings(ctx, SYSTEM, hall.site_id, {"enabled": True, **rules})
    settings.update_service(ctx, SYSTEM, hall.a, enabled=True, daily_quota=quota)


def site(ctx, hall):
    with ctx.db.reading() as s:
        return s.get(Site, hall.site_id)


def take(ctx, hall, phone=PHONE, device="browser-1", client="ip:10.0.0.1", service=None):
    return numbers.take(ctx, secret=SECRET, site=site(ctx, hall), service_id=service or hall.a, phone=phone,
                        device=device, client=client)


def events(ctx, kind):
    with ctx.db.reading() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def state_of(ctx, ticket_id):
    with ctx.db.reading() as s:
        return s.get(Ticket, ticket_id).state


def test_a_remote_number_waits_outside_the_queue_until_it_checks_in(hall, ctx):
    enable(ctx, hall)
    hall.open_all()
    taken = take(ctx, hall)
    assert taken.code == "A001" and taken.checkin_code.startswith("R") and len(taken.checkin_code) == 8
    assert state_of(ctx, taken.ticket_id) == "absent"
    # not called, not counted ahead of a walk-in, but its holder sees "chưa có mặt"
    assert queue.call_next(ctx, hall.supervisor, hall.c3) is None
    with pytest.raises(Conflict) as exc:  # not even out of turn, by a supervisor
        queue.call_ticket(ctx, hall.supervisor, hall.c3, taken.ticket_id, reason="thử")
    assert "chưa có mặt" in exc.value.message_vi
    walk_in = queue.issue_ticket(ctx, hall.kiosk, hall.a)
    assert walk_in.people_ahead == 0
    position = hall_views.ticket_position(ctx, taken.ticket_id)
    assert position["state_vi"] == "chưa có mặt" and position["remote"]["checkin_code"] == taken.checkin_code
    assert "priority" not in position["ticket"]
    # staff see it in today's list
    assert [t["state"] for t in hall_views.todays_tickets(ctx, site(ctx, hall), state="absent")] == ["absent"]

    done = checkin.checkin_by_code(ctx, hall.kiosk, taken.checkin_code.lower(), client="device:1")
    assert done.code == "A001" and not done.already
    assert state_of(ctx, taken.ticket_id) == "waiting"
    # it kept its place from when it was taken (the default): called before the walk-in
    called = queue.call_next(ctx, hall.supervisor, hall.c3)
    assert called.code == "A001" and called.channel == "remote"
    issued = events(ctx, "ticket.issued")[0].data
    assert issued["channel"] == "remote" and issued["state"] == "absent"
    assert [e.data["by"] for e in events(ctx, "ticket.checked_in")] == ["kiosk"]


def test_with_placement_checkin_a_late_arrival_queues_behind_who_is_there(hall, ctx, clock):
    enable(ctx, hall, placement="checkin")
    hall.open_all()
    taken = take(ctx, hall)
    clock.advance(60)
    queue.issue_ticket(ctx, hall.kiosk, hall.a)  # A002, at the kiosk
    clock.advance(60)
    checkin.checkin_by_code(ctx, hall.kiosk, taken.checkin_code, client="device:1")
    assert queue.call_next(ctx, hall.supervisor, hall.c3).code == "A002"


def test_the_daily_quota_of_a_service_is_never_exceeded(hall, ctx):
    enable(ctx, hall, quota=2)
    take(ctx, hall, "0912000001", "d1")
    take(ctx, hall, "0912000002", "d2")
    with pytest.raises(Conflict) as exc:
        take(ctx, hall, "0912000003", "d3")
    assert exc.value.extra["reason"] == "quota" and "2" in exc.value.message_vi
    listed = numbers.public_services(ctx, site(ctx, hall))["services"]
    assert listed[0]["left_today"] == 0 and listed[0]["available"] is False


def test_off_by_default_outside_the_hours_and_for_a_closed_service(hall, ctx, clock):
    with pytest.raises(Conflict) as exc:
        take(ctx, hall)
    assert exc.value.extra["reason"] == "disabled"
    assert numbers.public_services(ctx, site(ctx, hall))["services"] == []
    enable(ctx, hall, hours_from="09:00")
    with pytest.raises(Conflict) as exc:  # 08:30 local
        take(ctx, hall)
    assert exc.value.extra["reason"] == "closed" and "09:00–11:30" in exc.value.message_vi
    clock.advance(hours=1)
    with pytest.raises(Conflict) as exc:
        take(ctx, hall, service=hall.b)
    assert exc.value.extra["reason"] == "service_disabled"
    assert take(ctx, hall).code == "A001"


def test_one_live_remote_number_per_phone_and_per_browser(hall, ctx):
    enable(ctx, hall)
    hall.open_all()
    first = take(ctx, hall, "0912345678", "browser-1")
    with pytest.raises(Conflict) as exc:  # the same phone, written otherwise, from another browser
        take(ctx, hall, "+84 912 345 678", "browser-2")
    # someone typing another's phone number does not learn that person's code
    assert exc.value.extra["reason"] == "one_active" and first.code not in exc.value.message_vi
    with pytest.raises(Conflict) as exc:  # another phone from the same browser: its own number, named
        take(ctx, hall, "0987654321", "browser-1")
    assert exc.value.extra["reason"] == "one_active" and first.code in exc.value.message_vi
    checkin.checkin_by_code(ctx, hall.kiosk, first.checkin_code, client="device:1")
    queue.call_next(ctx, hall.supervisor, hall.c3)
    queue.finish(ctx, hall.supervisor, hall.c3)
    assert take(ctx, hall, "84912345678", "browser-1").code == "A002"  # done: the phone may take another


def test_a_bad_phone_number_is_a_field_error_and_writes_nothing(hall, ctx):
    enable(ctx, hall)
    for bad in ("", "12345", "0212345678", "09123456789", "abc"):
        with pytest.raises(InvalidInput) as exc:
            take(ctx, hall, bad)
        assert exc.value.extra["field"] == "phone"
    with ctx.db.reading() as s:
        assert s.scalars(select(Ticket)).first() is None


def test_two_requests_with_the_same_phone_at_once_one_wins(hall, ctx):
    enable(ctx, hall, quota=50)
    barrier = threading.Barrier(6)
    results: list[object] = []

    def one(i: int) -> None:
        barrier.wait()
        try:
            results.append(take(ctx, hall, "0912345678", f"browser-{i}", client=f"ip:{i}"))
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [r for r in results if isinstance(r, numbers.Taken)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 5
    assert all(e.extra["reason"] == "one_active" for e in lost)
    with ctx.db.reading() as s:
        assert len(list(s.scalars(select(RemoteTicket)))) == 1


def test_two_citizens_taking_the_last_number_at_once_one_gets_it(hall, ctx):
    enable(ctx, hall, quota=1)
    barrier = threading.Barrier(4)
    results: list[object] = []

    def one(i: int) -> None:
        barrier.wait()
        try:
            results.append(take(ctx, hall, f"091200000{i}", f"browser-{i}", client=f"ip:{i}"))
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, numbers.Taken) for r in results) == 1
    assert all(r.extra["reason"] == "quota" for r in results if isinstance(r, Conflict))


def test_a_number_not_checked_in_within_its_window_expires(hall, ctx, clock):
    enable(ctx, hall, checkin_minutes=30)
    taken = take(ctx, hall)
    clock.advance(minutes=29)
    assert checkin.expire_due(ctx, SYSTEM) == 0
    clock.advance(minutes=1)
    assert checkin.expire_due(ctx, SYSTEM) == 1
    assert state_of(ctx, taken.ticket_id) == "expired"
    expired = events(ctx, "ticket.expired")
    assert len(expired) == 1 and expired[0].data["reason"] == "not_checked_in"
    with pytest.raises(Conflict) as exc:
        checkin.checkin_by_code(ctx, hall.kiosk, taken.checkin_code, client="device:1")
    assert exc.value.extra["reason"] == "expired" and "lấy số mới" in exc.value.message_vi
    assert take(ctx, hall, PHONE).code == "A002"  # the phone is free again


def test_a_late_check_in_before_the_sweep_expires_the_number_and_is_refused(hall, ctx, clock):
    enable(ctx, hall, checkin_minutes=30)
    taken = take(ctx, hall)
    clock.advance(minutes=31)
    with pytest.raises(Conflict):
        checkin.checkin_by_code(ctx, hall.kiosk, taken.checkin_code, client="device:1")
    assert state_of(ctx, taken.ticket_id) == "expired"
    assert len(events(ctx, "ticket.expired")) == 1


def test_checking_in_twice_answers_the_same_and_writes_one_event(hall, ctx):
    enable(ctx, hall)
    taken = take(ctx, hall)
    first = checkin.checkin_by_code(ctx, hall.kiosk, taken.checkin_code, client="device:1")
    again = checkin.checkin_by_code(ctx, hall.kiosk, taken.checkin_code, client="device:1")
    assert (first.already, again.already) == (False, True) and again.code == first.code
    assert len(events(ctx, "ticket.checked_in")) == 1


def test_a_wrong_code_answers_like_an_unknown_one_and_misses_are_limited(hall, ctx):
    enable(ctx, hall)
    taken = take(ctx, hall)
    answers = []
    for wrong in ("R2345678", "nonsense", "H2345678", taken.checkin_code[:-1] + "Z"
                  if taken.checkin_code[-1] != "Z" else taken.checkin_code[:-1] + "Y"):
        with pytest.raises(NotFound) as exc:
            checkin.checkin_by_code(ctx, hall.kiosk, wrong, client="device:1")
        answers.append((exc.value.message_vi, exc.value.message_en, exc.value.extra))
    assert len(set(map(repr, answers))) == 1
    for _ in range(checkin.FAILURES_PER_WINDOW - len(answers)):
        with pytest.raises(NotFound):
            checkin.checkin_by_code(ctx, hall.kiosk, "R2345678", client="device:1")
    with pytest.raises(RateLimited):  # even the right code, from this kiosk, until the window ends
        checkin.checkin_by_code(ctx, hall.kiosk, taken.checkin_code, client="device:1")
    assert checkin.checkin_by_code(ctx, hall.kiosk, taken.checkin_code, client="device:2").code == "A001"


def test_only_kiosks_and_staff_check_in_by_code(hall, ctx):
    enable(ctx, hall)
    taken = take(ctx, hall)
    from queue_server.services.context import ANONYMOUS

    with pytest.raises(Forbidden):
        checkin.checkin_by_code(ctx, ANONYMOUS, taken.checkin_code, client="ip:1")


def test_the_poster_checks_in_the_phone_that_took_the_number_today_only(hall, ctx, clock):
    enable(ctx, hall)
    taken = take(ctx, hall, device="browser-9")
    s = site(ctx, hall)
    today = clock.now().astimezone().date()
    from queue_server.domain.business_day import business_day

    today = business_day(clock.now(), s.timezone)
    yesterday = checkin.poster_key(SECRET, s.id, today - timedelta(days=1))
    with pytest.raises(NotFound) as exc:
        checkin.checkin_by_poster(ctx, secret=SECRET, site=s, key=yesterday, device="browser-9", client="ip:1")
    assert exc.value.extra["field"] == "p"
    good = checkin.poster_key(SECRET, s.id, today)
    with pytest.raises(NotFound):  # another phone holds no number
        checkin.checkin_by_poster(ctx, secret=SECRET, site=s, key=good, device="browser-8", client="ip:1")
    done = checkin.checkin_by_poster(ctx, secret=SECRET, site=s, key=good, device="browser-9", client="ip:1")
    assert done.ticket_id == taken.ticket_id and state_of(ctx, taken.ticket_id) == "waiting"
    assert events(ctx, "ticket.checked_in")[0].data["by"] == "poster"


def test_no_event_carries_the_phone_number_or_its_key(hall, ctx):
    enable(ctx, hall)
    taken = take(ctx, hall, "0912345678")
    checkin.checkin_by_code(ctx, hall.kiosk, taken.checkin_code, client="device:1")
    with ctx.db.reading() as s:
        keys = s.get(RemoteTicket, taken.ticket_id)
        every = repr([e.data for e in s.scalars(select(Event))])
        held = [h.key for h in s.scalars(select(RemoteHold))]
    assert "912345678" not in every and keys.phone_key not in every and keys.checkin_code not in every
    assert not any("912345678" in k for k in held)


def test_the_purge_after_the_day_erases_the_limit_keys(hall, ctx, clock):
    enable(ctx, hall)
    taken = take(ctx, hall)
    clock.advance(hours=48)
    assert retention.purge(ctx, SYSTEM, dry_run=True).remote == {hall.site_id: 1}
    report = retention.purge(ctx, SYSTEM)
    assert report.remote == {hall.site_id: 1}
    with ctx.db.reading() as s:
        row = s.get(RemoteTicket, taken.ticket_id)
        assert (row.phone_key, row.device_key) == ("", "")
        assert list(s.scalars(select(RemoteHold))) == []


def test_settings_are_admin_only_checked_and_each_change_is_an_audit_event(hall, ctx):
    admin_user = admin.create_user(ctx, SYSTEM, username="quantri", password="mat-khau-an-toan", role="admin",
                                   site_id=hall.site_id)
    from queue_server.services.context import Actor

    boss = Actor(kind="user", id=admin_user["id"], role="admin", site_id=hall.site_id, name="Quản trị")
    with pytest.raises(Forbidden):
        settings.update_settings(ctx, hall.supervisor, hall.site_id, {"enabled": True})
    with pytest.raises(InvalidInput) as exc:
        settings.update_settings(ctx, boss, hall.site_id, {"checkin_minutes": 1})
    assert exc.value.extra["field"] == "checkin_minutes"
    out = settings.update_settings(ctx, boss, hall.site_id, {"enabled": True, "checkin_minutes": 45})
    assert out["version"] == 1 and out["checkin_minutes"] == 45
    with pytest.raises(Conflict):  # saved from an older version
        settings.update_settings(ctx, boss, hall.site_id, {"enabled": False}, version=0)
    settings.update_service(ctx, boss, hall.a, enabled=True, daily_quota=20)
    with pytest.raises(InvalidInput) as exc:
        settings.update_service(ctx, boss, hall.a, daily_quota=-3)
    assert exc.value.extra["field"] == "daily_quota"
    changed = events(ctx, "admin.remote_settings_changed")
    assert len(changed) == 1 and changed[0].data["changes"]["checkin_minutes"] == [60, 45]
    assert changed[0].data["by_name"] == "Quản trị"
    svc = events(ctx, "admin.remote_service_changed")
    assert len(svc) == 1 and svc[0].data["changes"] == {"enabled": [False, True], "daily_quota": [0, 20]}
    seen = settings.get_settings(ctx, hall.supervisor, hall.site_id)
    assert seen["services"][0]["daily_quota"] == 20 and seen["enabled"] is True


def test_the_monitor_counts_the_numbers_not_checked_in_and_the_console_sees_the_channel(hall, ctx):
    from queue_server.services.monitor import snapshot

    enable(ctx, hall)
    hall.open_all()
    taken = take(ctx, hall, "0912000001", "d1")
    take(ctx, hall, "0912000002", "d2")
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    snap = snapshot.snapshot(ctx, hall.supervisor, site(ctx, hall))
    a = next(s for s in snap["services"] if s["id"] == hall.a)
    assert (a["waiting"], a["remote_absent"], snap["remote_absent"]) == (1, 2, 2)
    checkin.checkin_by_code(ctx, hall.kiosk, taken.checkin_code, client="device:1")
    called = queue.call_next(ctx, hall.supervisor, hall.c3)
    from queue_server.services.queue import counters as counter_views

    current = counter_views.get_counter(ctx, hall.c3)["current"]
    assert called.code == current["code"] == "A001" and current["channel"] == "remote"
    snap = snapshot.snapshot(ctx, hall.supervisor, site(ctx, hall))
    assert next(s for s in snap["services"] if s["id"] == hall.a)["remote_absent"] == 1
    # the hall display's recent calls carry the channel (generic: never who the citizen is)
    display = hall_views.display_snapshot(ctx, site(ctx, hall))
    assert display["last_calls"][0]["channel"] == "remote"


def test_two_kiosks_checking_in_the_same_code_at_once_make_one_check_in(hall, ctx):
    enable(ctx, hall)
    taken = take(ctx, hall)
    barrier = threading.Barrier(4)
    results: list[object] = []

    def one(i: int) -> None:
        barrier.wait()
        results.append(checkin.checkin_by_code(ctx, hall.kiosk, taken.checkin_code, client=f"device:{i}"))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.already for r in results) == [False, True, True, True]
    assert len(events(ctx, "ticket.checked_in")) == 1 and state_of(ctx, taken.ticket_id) == "waiting"

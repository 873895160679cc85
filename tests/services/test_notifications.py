"""Messages out (issue 11 item 5): the outbox of "ticket called" and "N ahead" messages,
delivered to a hall's webhook, against a local fake gateway (a real HTTP server on
127.0.0.1): signed with HMAC-SHA256, retried with backoff while the gateway is down, each
attempt recorded, and none delivered twice; nothing is sent anywhere without a webhook."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from queue_server.config import load_settings
from queue_server.domain import notifications as rules
from queue_server.services import notifications, retention
from queue_server.services.context import SYSTEM, Context
from queue_server.services.errors import InvalidInput
from queue_server.services.notifications import delivery, outbox, producer
from queue_server.services.queue import counters
from queue_server.services.queue import tickets as queue
from queue_server.store import migrate
from queue_server.store.tables import Notification, NotificationAttempt, NotificationContact
from tests.conftest import build_hall, free_port
from tests.fake_gateway import Gateway

SECRET = "bi-mat-cua-cong-tin-nhan"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway(free_port())
    g.start()
    yield g
    g.stop()


def _ctx(url: str, tmp_path: Path, clock, webhook: str) -> Context:  # noqa: ANN001
    settings = load_settings(env={}, data_dir=str(tmp_path), database_url=url, webhook_url=webhook or None,
                             webhook_secret=SECRET if webhook else None, webhook_timeout_seconds=2)
    ctx = Context.create(settings, clock)
    migrate.upgrade(ctx.db.engine)
    return ctx


@pytest.fixture
def wctx(db_url, tmp_path, clock, gateway) -> Iterator[Context]:  # noqa: ANN001
    ctx = _ctx(db_url, tmp_path, clock, gateway.url)
    yield ctx
    ctx.db.dispose()


def url_of(tid: int) -> str:
    return f"http://hall.example/t/{tid}?k=key{tid}"


def round_(ctx: Context) -> delivery.Round:
    return notifications.run_once(ctx, url_of)


def _messages(ctx: Context) -> list:
    with ctx.db.reading() as s:
        return list(s.scalars(select(Notification).order_by(Notification.id)))


def _attempts(ctx: Context, message_id: int) -> list:
    with ctx.db.reading() as s:
        return list(s.scalars(select(NotificationAttempt).where(NotificationAttempt.notification_id == message_id)
                              .order_by(NotificationAttempt.id)))


def test_a_citizen_who_left_a_number_is_messaged_when_called_signed_and_once(wctx, gateway, clock):
    hall = build_hall(wctx)
    counters.set_state(wctx, hall.clerk, hall.c3, "open")
    round_(wctx)  # the producer starts from now
    other = queue.issue_ticket(wctx, hall.kiosk, hall.a).ticket
    mine = queue.issue_ticket(wctx, hall.kiosk, hall.a).ticket
    assert outbox.set_contact(wctx, mine.id, "+84 912 345 678", None)["phone"] == "0912***678"
    queue.call_next(wctx, hall.clerk, hall.c3)  # A001, not mine: nothing
    queue.finish(wctx, hall.clerk, hall.c3)
    assert round_(wctx).sent == 0 and gateway.received == []
    queue.call_next(wctx, hall.clerk, hall.c3)  # A002: mine
    done = round_(wctx)
    assert (done.sent, done.delivered) == (1, 1)
    [got] = gateway.received
    body = json.loads(got["body"])
    assert body["to"] == "0912345678" and body["kind"] == "ticket.called"
    assert body["text_vi"] == "Xin mời số A002 đến quầy số 3." and body["code"] == "A002"
    assert body["url"] == url_of(mine.id)
    assert "priority" not in body and other.code not in got["body"].decode()
    now = int(clock.now().timestamp())
    assert rules.verify(SECRET, got["headers"][rules.SIGNATURE_HEADER], got["body"], now)
    assert not rules.verify("sai-bi-mat-0123456789", got["headers"][rules.SIGNATURE_HEADER], got["body"], now)
    # more rounds send nothing again; a recall is a new message
    assert round_(wctx).sent == 0
    queue.recall(wctx, hall.clerk, hall.c3)
    round_(wctx)
    texts = [json.loads(r["body"])["text_vi"] for r in gateway.received]
    assert texts == ["Xin mời số A002 đến quầy số 3.", "Xin mời số A002 đến quầy số 3 (lần 2)."]
    [message, _] = _messages(wctx)
    assert message.state == "delivered" and [a.status for a in _attempts(wctx, message.id)] == [200]


def test_the_gateway_down_for_an_hour_gets_every_message_later_and_none_twice(wctx, gateway, clock):
    hall = build_hall(wctx)
    counters.set_state(wctx, hall.clerk, hall.c3, "open")
    round_(wctx)
    tickets = [queue.issue_ticket(wctx, hall.kiosk, hall.a).ticket for _ in range(3)]
    for t in tickets:
        outbox.set_contact(wctx, t.id, f"09123456{t.number:02d}", None)
    gateway.stop()  # the gateway is down: connection refused
    for _ in tickets:
        queue.call_next(wctx, hall.clerk, hall.c3)
        queue.finish(wctx, hall.clerk, hall.c3)
    rounds = 0
    for _ in range(60):  # an hour of rounds, a minute apart
        round_(wctx)
        rounds += 1
        clock.advance(60)
    messages = _messages(wctx)
    assert len(messages) == 3 and all(m.state == "pending" for m in messages)
    first = _attempts(wctx, messages[0].id)
    # retried with backoff (10 s doubling, at most 10 minutes apart): fewer attempts than rounds
    assert 6 <= len(first) < rounds and all(a.status is None and a.error for a in first)
    gaps = [(b.at - a.at).total_seconds() for a, b in zip(first, first[1:], strict=False)]
    assert gaps == sorted(gaps) and max(gaps) <= rules.MAX_RETRY_S + 60
    gateway.start()
    clock.advance(rules.MAX_RETRY_S)
    done = round_(wctx)
    assert done.delivered == 3
    for _ in range(5):
        clock.advance(rules.MAX_RETRY_S)
        round_(wctx)
    assert sorted(gateway.delivered_ids()) == sorted(str(m.id) for m in messages)  # each once
    assert all(m.state == "delivered" for m in _messages(wctx))
    assert [a.status for a in _attempts(wctx, messages[0].id)][-1] == 200


def test_a_message_the_gateway_refuses_as_wrong_is_not_retried_and_one_that_never_goes_is_given_up(
        wctx, gateway, clock):
    hall = build_hall(wctx)
    counters.set_state(wctx, hall.clerk, hall.c3, "open")
    round_(wctx)
    t = queue.issue_ticket(wctx, hall.kiosk, hall.a).ticket
    outbox.set_contact(wctx, t.id, "0912345678", None)
    gateway.status = 400
    queue.call_next(wctx, hall.clerk, hall.c3)
    assert round_(wctx).failed == 1
    clock.advance(3600)
    assert round_(wctx).sent == 0  # not tried again
    [m] = _messages(wctx)
    assert m.state == "failed" and m.last_error
    # a gateway answering 503 for longer than webhook_give_up_hours: given up, recorded
    gateway.status = 503
    queue.recall(wctx, hall.clerk, hall.c3)
    for _ in range(30):
        round_(wctx)
        clock.advance(3600)
    second = _messages(wctx)[1]
    assert second.state == "failed" and _attempts(wctx, second.id)[-1].status == 503


def test_alert_when_n_are_ahead_once(wctx, gateway, clock):
    hall = build_hall(wctx)
    counters.set_state(wctx, hall.clerk, hall.c3, "open")
    round_(wctx)
    for _ in range(4):
        queue.issue_ticket(wctx, hall.kiosk, hall.a)
    mine = queue.issue_ticket(wctx, hall.kiosk, hall.a).ticket  # 4 ahead
    outbox.set_contact(wctx, mine.id, "0987654321", 2)
    queue.call_next(wctx, hall.clerk, hall.c3)  # 3 ahead
    queue.finish(wctx, hall.clerk, hall.c3)
    round_(wctx)
    assert gateway.received == []
    queue.call_next(wctx, hall.clerk, hall.c3)  # 2 ahead: the alert
    round_(wctx)
    queue.finish(wctx, hall.clerk, hall.c3)
    queue.call_next(wctx, hall.clerk, hall.c3)  # 1 ahead: no second alert
    round_(wctx)
    bodies = [json.loads(r["body"]) for r in gateway.received]
    assert [(b["kind"], b["people_ahead"]) for b in bodies] == [("ticket.ahead", 2)]
    assert bodies[0]["text_vi"] == "Số A005: còn 2 người trước Ông/Bà, xin mời có mặt tại sảnh."


def test_two_server_processes_write_and_send_each_message_once(db_url, tmp_path, clock, gateway):
    one = _ctx(db_url, tmp_path / "one", clock, gateway.url)
    two = _ctx(db_url, tmp_path / "two", clock, gateway.url)
    try:
        hall = build_hall(one)
        counters.set_state(one, hall.clerk, hall.c3, "open")
        round_(one)
        for _ in range(4):
            t = queue.issue_ticket(one, hall.kiosk, hall.a).ticket
            outbox.set_contact(one, t.id, "0912345678", None)
            queue.call_next(one, hall.clerk, hall.c3)
            queue.finish(one, hall.clerk, hall.c3)
        # both read the same events and try to send at the same moment
        threads = [threading.Thread(target=round_, args=(c,)) for c in (one, two, one, two)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        round_(two)
        assert len(_messages(one)) == 4
        assert sorted(gateway.delivered_ids()) == sorted(str(m.id) for m in _messages(one))
    finally:
        one.db.dispose()
        two.db.dispose()


def test_without_a_webhook_nothing_is_written_or_sent(ctx, hall, clock):
    assert not ctx.settings.webhook_url
    counters.set_state(ctx, hall.clerk, hall.c3, "open")
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.call_next(ctx, hall.clerk, hall.c3)
    assert notifications.run_once(ctx, url_of).sent == 0
    with ctx.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_phone_number_in_any_common_form_is_kept_in_one_and_anything_else_is_a_field_error(wctx, gateway):
    hall = build_hall(wctx)
    t = queue.issue_ticket(wctx, hall.kiosk, hall.a).ticket
    for typed in ("0912 345 678", "+84912345678", "84 912 345 678", "(091) 234-5678"):
        outbox.set_contact(wctx, t.id, typed, None)
        with wctx.db.reading() as s:
            assert s.scalar(select(NotificationContact.phone)) == "0912345678"
    for wrong in ("12345", "+1 415 555 0100", "0212345678", "số của tôi"):
        with pytest.raises(InvalidInput) as refused:
            outbox.set_contact(wctx, t.id, wrong, None)
        assert refused.value.extra["field"] == "phone" and "điện thoại" in refused.value.message_vi
    outbox.set_contact(wctx, t.id, "", None)  # withdrawn
    with wctx.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(NotificationContact)) == 0


def test_the_numbers_are_erased_after_their_retention(wctx, gateway, clock):
    hall = build_hall(wctx)
    counters.set_state(wctx, hall.clerk, hall.c3, "open")
    round_(wctx)
    t = queue.issue_ticket(wctx, hall.kiosk, hall.a).ticket
    outbox.set_contact(wctx, t.id, "0912345678", None)
    queue.call_next(wctx, hall.clerk, hall.c3)
    round_(wctx)
    assert retention.purge_all(wctx, SYSTEM).total == 0  # not yet
    clock.advance(31 * 86400)
    report = retention.purge_all(wctx, SYSTEM)
    assert report.as_json()["phones"] == 2  # the contact and the message's recipient
    [m] = _messages(wctx)
    assert m.recipient == "" and m.payload["to"] == "" and m.state == "delivered"
    with wctx.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(NotificationContact)) == 0


def test_the_producer_starts_from_now_and_goes_on_after_a_restart(wctx, gateway):
    hall = build_hall(wctx)
    counters.set_state(wctx, hall.clerk, hall.c3, "open")
    t = queue.issue_ticket(wctx, hall.kiosk, hall.a).ticket
    outbox.set_contact(wctx, t.id, "0912345678", None)
    queue.call_next(wctx, hall.clerk, hall.c3)  # before the feature's first round: never messaged
    assert producer.produce(wctx, url_of) == 0
    queue.recall(wctx, hall.clerk, hall.c3)
    assert producer.produce(wctx, url_of) == 1
    assert producer.produce(wctx, url_of) == 0  # the cursor is kept in the database


def test_appointments_of_tomorrow_get_one_reminder_the_afternoon_before(wctx, gateway, clock):
    from datetime import date

    from queue_server.services import appointments as appts
    from queue_server.services.context import ANONYMOUS

    hall = build_hall(wctx)
    appts.update_settings(wctx, hall.supervisor, hall.a, {
        "enabled": True, "slot_minutes": 30, "capacity": 2, "weekdays": [0, 1, 2, 3, 4],
        "windows": ["08:00-11:00"], "book_ahead_days": 14, "early_minutes": 30, "late_minutes": 15,
        "share_percent": 50})
    tuesday = date(2026, 3, 3)  # START is Monday 2 March, 08:30 in Hà Nội

    def book(start: str, phone: str):  # noqa: ANN202
        return appts.book(wctx, ANONYMOUS, client=f"ip:{phone}", site_id=hall.site_id, day=tuesday, start=start,
                          name="Nguyễn Văn An", phone=phone, service_id=hall.a)

    kept = book("09:30", "0912345678")
    gone = book("10:00", "0987654321")
    appts.cancel_booking(wctx, ANONYMOUS, gone["id"])  # a cancelled booking is not reminded
    urls = []

    def booking_url(site, booking_id: int) -> str:  # noqa: ANN001
        urls.append(booking_id)
        return f"http://hall.example/appointments/b/{booking_id}?k=key"

    notifications.run_once(wctx, url_of, booking_url)  # 08:30: too early in the day
    assert gateway.received == []
    clock.advance(7.5 * 3600 + 60)  # 16:01
    notifications.run_once(wctx, url_of, booking_url)
    notifications.run_once(wctx, url_of, booking_url)  # the day is done: nothing read or sent again
    bodies = [json.loads(r["body"]) for r in gateway.received]
    assert [(b["kind"], b["code"]) for b in bodies] == [("appointment.tomorrow", kept["code"])]
    assert bodies[0]["text_vi"] == f"Nhắc lịch hẹn {kept['code']}: Hộ tịch, 09:30 ngày mai. Mang theo mã khi đến ki-ốt."
    assert bodies[0]["to"] == "0912345678" and urls == [kept["id"]]

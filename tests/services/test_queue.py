"""The queue's use cases on both engines: what clerks and citizens see happen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from queue_server.services.context import SYSTEM
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from queue_server.services.queue import counters
from queue_server.services.queue import tickets as queue
from queue_server.store.tables import Event, Ticket


def kinds(ctx) -> list[str]:
    with ctx.db.reading() as s:
        return [e.kind for e in s.scalars(select(Event).where(Event.kind.like("ticket.%")).order_by(Event.id))]


def test_numbers_count_up_per_service_with_the_prefix(hall, ctx):
    a1 = queue.issue_ticket(ctx, hall.kiosk, hall.a)
    a2 = queue.issue_ticket(ctx, hall.kiosk, hall.a)
    b1 = queue.issue_ticket(ctx, hall.kiosk, hall.b)
    assert [a1.ticket.code, a2.ticket.code, b1.ticket.code] == ["A001", "A002", "B001"]
    assert a2.people_ahead == 1 and b1.people_ahead == 0


def test_a_new_business_day_starts_again_at_one_and_keeps_history(hall, ctx, clock):
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    clock.advance(hours=24)
    fresh = queue.issue_ticket(ctx, hall.kiosk, hall.a)
    assert fresh.ticket.code == "A001"
    with ctx.db.reading() as s:
        assert s.query(Ticket).count() == 3  # yesterday's tickets are still there


def test_the_business_day_follows_the_site_time_zone(hall, ctx, clock):
    # 23:30 UTC is 06:30 next morning in Hà Nội: a new day for the hall
    clock.set(clock.now().replace(hour=16, minute=59))
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    clock.set(clock.now().replace(hour=17, minute=1))  # 00:01 local
    assert queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket.code == "A001"


def test_call_start_finish_records_each_step_as_an_event(hall, ctx, clock):
    hall.open_all()
    issued = queue.issue_ticket(ctx, hall.kiosk, hall.a)
    called = queue.call_next(ctx, hall.supervisor, hall.c3)
    assert called.code == "A001" and called.counter_number == 3 and called.state == "called"
    clock.advance(30)
    queue.start(ctx, hall.supervisor, hall.c3)
    clock.advance(240)
    done = queue.finish(ctx, hall.supervisor, hall.c3, issued.ticket.id)
    assert done.state == "finished"
    assert kinds(ctx) == ["ticket.issued", "ticket.called", "ticket.serving", "ticket.finished"]
    with ctx.db.reading() as s:
        finished = s.scalars(select(Event).where(Event.kind == "ticket.finished")).one()
        assert finished.data["service_seconds"] == 240
        assert finished.data["counter_number"] == 3


def test_finishing_twice_is_refused(hall, ctx):
    hall.open_all()
    t = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    queue.call_next(ctx, hall.supervisor, hall.c3)
    queue.finish(ctx, hall.supervisor, hall.c3, t.id)
    with pytest.raises(Conflict) as err:
        queue.finish(ctx, hall.supervisor, hall.c3, t.id)
    assert err.value.status == 409


def test_nothing_waiting_gives_an_empty_answer_not_an_error(hall, ctx):
    hall.open_all()
    assert queue.call_next(ctx, hall.supervisor, hall.c1) is None


def test_a_counter_calls_only_its_services(hall, ctx):
    hall.open_all()
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    assert queue.call_next(ctx, hall.supervisor, hall.c2) is None  # counter 2 serves only B


def test_priority_tickets_go_first_within_the_ratio(hall, ctx, clock):
    hall.open_all()
    for _ in range(4):
        queue.issue_ticket(ctx, hall.kiosk, hall.a)
        clock.advance(5)
    old = queue.issue_ticket(ctx, hall.kiosk, hall.a, priority="elderly").ticket
    first = queue.call_next(ctx, hall.supervisor, hall.c3)
    assert first.code == old.code and first.priority == "elderly"


def test_next_finishes_the_citizen_being_served_but_not_one_only_called(hall, ctx):
    hall.open_all()
    t1 = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.call_next(ctx, hall.supervisor, hall.c3)
    with pytest.raises(Conflict, match="A001"):
        queue.call_next(ctx, hall.supervisor, hall.c3)
    queue.start(ctx, hall.supervisor, hall.c3)
    second = queue.call_next(ctx, hall.supervisor, hall.c3)
    assert second.code == "A002"
    assert queue.get_ticket(ctx, t1.id).state == "finished"


def test_recall_counts_calls_and_no_show_needs_enough_calls_or_time(hall, ctx, clock):
    hall.open_all()
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.call_next(ctx, hall.supervisor, hall.c3)
    with pytest.raises(Conflict, match="vắng mặt"):
        queue.no_show(ctx, hall.supervisor, hall.c3)
    again = queue.recall(ctx, hall.supervisor, hall.c3)
    assert again.call_count == 2
    gone = queue.no_show(ctx, hall.supervisor, hall.c3)
    assert gone.state == "no_show"
    # the counter is free again
    assert counters.get_counter(ctx, hall.c3)["current"] is None


def test_no_show_allowed_after_the_configured_seconds(hall, ctx, clock):
    hall.open_all()
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.call_next(ctx, hall.supervisor, hall.c3)
    clock.advance(ctx.settings.no_show_min_seconds)
    assert queue.no_show(ctx, hall.supervisor, hall.c3).state == "no_show"


def test_a_no_show_returns_to_the_queue_and_can_be_called_again(hall, ctx, clock):
    hall.open_all()
    t = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.call_next(ctx, hall.supervisor, hall.c3)
    clock.advance(120)
    queue.no_show(ctx, hall.supervisor, hall.c3)
    back = queue.requeue(ctx, hall.supervisor, t.id)
    assert back.state == "waiting"
    # by its original arrival it is ahead of A002
    assert queue.call_next(ctx, hall.supervisor, hall.c3).code == "A001"


def test_transfer_keeps_the_code_and_queues_by_original_arrival(hall, ctx, clock):
    hall.open_all()
    t = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    clock.advance(60)
    queue.issue_ticket(ctx, hall.kiosk, hall.b)  # B001 arrived after A001
    queue.call_next(ctx, hall.supervisor, hall.c3)
    queue.start(ctx, hall.supervisor, hall.c3)
    moved = queue.transfer(ctx, hall.supervisor, hall.c3, hall.b)
    assert moved.code == "A001" and moved.service_id == hall.b and moved.state == "waiting"
    assert moved.transfer_origin_id == t.id
    assert queue.get_ticket(ctx, t.id).state == "transferred"
    assert queue.call_next(ctx, hall.supervisor, hall.c2).code == "A001"


def test_transfer_to_the_front(hall, ctx, clock):
    hall.open_all()
    queue.issue_ticket(ctx, hall.kiosk, hall.b)
    clock.advance(60)
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.call_next(ctx, hall.supervisor, hall.c3)
    clock.advance(60)
    queue.transfer(ctx, hall.supervisor, hall.c3, hall.b, placement="front")
    assert queue.call_next(ctx, hall.supervisor, hall.c2).code == "A001"


def test_transfer_to_the_same_or_an_unknown_service_is_refused(hall, ctx):
    hall.open_all()
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.call_next(ctx, hall.supervisor, hall.c3)
    with pytest.raises(InvalidInput):
        queue.transfer(ctx, hall.supervisor, hall.c3, hall.a)
    with pytest.raises(NotFound):
        queue.transfer(ctx, hall.supervisor, hall.c3, 9999)
    assert counters.get_counter(ctx, hall.c3)["current"]["code"] == "A001"  # nothing half-done


def test_only_supervisors_call_out_of_turn_and_it_is_recorded(hall, ctx):
    hall.open_all()
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    late = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    with pytest.raises(Forbidden):
        queue.call_ticket(ctx, hall.clerk, hall.c3, late.id, "khẩn")
    with pytest.raises(InvalidInput) as refused:  # out of turn needs a reason
        queue.call_ticket(ctx, hall.supervisor, hall.c3, late.id, "  ")
    assert refused.value.extra["field"] == "reason"
    called = queue.call_ticket(ctx, hall.supervisor, hall.c3, late.id, "Công dân đến theo lịch hẹn")
    assert called.code == "A002" and called.out_of_order
    with ctx.db.reading() as s:
        ev = s.scalars(select(Event).where(Event.kind == "ticket.called")).one()
        assert ev.data["out_of_order"] is True
        assert ev.data["reason"] == "Công dân đến theo lịch hẹn"
        assert ev.data["by_name"] == hall.supervisor.name


def test_cancel_removes_a_ticket_from_the_queue(hall, ctx):
    hall.open_all()
    t = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    queue.cancel(ctx, hall.supervisor, t.id, "công dân về")
    assert queue.call_next(ctx, hall.supervisor, hall.c3) is None


def test_a_cancel_and_a_finish_of_the_same_ticket_never_both_win(hall, ctx):
    """A supervisor cancels the ticket a clerk is finishing at that moment: the clerk's
    finish waits for the cancel, then says the counter has no ticket; nothing is overwritten."""
    import threading
    import time

    from sqlalchemy import text, update

    hall.open_all()
    t = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    queue.call_next(ctx, hall.supervisor, hall.c3)
    queue.start(ctx, hall.supervisor, hall.c3)
    outcome: list[object] = []

    def clerk_finishes() -> None:
        try:
            outcome.append(queue.finish(ctx, hall.supervisor, hall.c3))
        except Conflict as exc:
            outcome.append(exc)

    with ctx.db.engine.connect() as conn:  # the cancel, held open mid-transaction
        if ctx.db.is_postgres:
            conn.execute(text("SELECT id FROM tickets WHERE id = :id FOR UPDATE"), {"id": t.id})
        conn.execute(update(Ticket).where(Ticket.id == t.id).values(state="cancelled"))
        clerk = threading.Thread(target=clerk_finishes)
        clerk.start()
        time.sleep(0.5)
        assert clerk.is_alive(), "the finish did not wait for the cancel"
        conn.commit()
    clerk.join(20)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    assert "không có số" in outcome[0].message_vi
    with ctx.db.reading() as s:
        assert s.get(Ticket, t.id).state == "cancelled"
    assert "ticket.finished" not in kinds(ctx)


def test_a_paused_counter_does_not_call(hall, ctx):
    hall.open_all()
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    counters.set_state(ctx, hall.supervisor, hall.c3, "paused")
    with pytest.raises(Conflict, match="tạm dừng"):
        queue.call_next(ctx, hall.supervisor, hall.c3)


def test_a_clerk_works_only_the_counter_they_opened(hall, ctx):
    counters.set_state(ctx, hall.clerk, hall.c3, "open")
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    with pytest.raises(Conflict, match="người khác"):
        queue.call_next(ctx, hall.clerk2, hall.c3)
    with pytest.raises(Conflict, match="người khác"):
        counters.set_state(ctx, hall.clerk2, hall.c3, "open")
    assert queue.call_next(ctx, hall.clerk, hall.c3).code == "A001"


def test_a_counter_with_a_ticket_cannot_close(hall, ctx):
    hall.open_all()
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.call_next(ctx, hall.supervisor, hall.c3)
    with pytest.raises(Conflict, match="A001"):
        counters.set_state(ctx, hall.supervisor, hall.c3, "closed")


def test_kiosks_are_rate_limited(hall, ctx):
    ctx.settings.kiosk_tickets_per_minute = 3
    for _ in range(3):
        queue.issue_ticket(ctx, hall.kiosk, hall.a)
    with pytest.raises(RateLimited):
        queue.issue_ticket(ctx, hall.kiosk, hall.a)
    ctx.clock.advance(61)
    assert queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket.code == "A004"  # no number lost to the refusal


def test_unknown_service_or_priority_is_named(hall, ctx):
    with pytest.raises(NotFound, match="123"):
        queue.issue_ticket(ctx, hall.kiosk, 123)
    with pytest.raises(InvalidInput, match="vip"):
        queue.issue_ticket(ctx, hall.kiosk, hall.a, priority="vip")


def test_tickets_left_from_yesterday_expire(hall, ctx, clock):
    hall.open_all()
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    clock.advance(hours=24)
    assert queue.expire_stale(ctx, SYSTEM) == 1
    assert queue.call_next(ctx, hall.supervisor, hall.c3) is None
    assert "ticket.expired" in kinds(ctx)


def test_the_estimate_counts_people_ahead(hall, ctx, clock):
    hall.open_all()
    for _ in range(3):
        queue.issue_ticket(ctx, hall.kiosk, hall.a)
    issued = queue.issue_ticket(ctx, hall.kiosk, hall.a)
    assert issued.people_ahead == 3
    assert issued.estimated_wait_s is not None and issued.estimated_wait_s > 0
    assert sorted(issued.counters) == [1, 3]


def test_no_open_counter_means_no_wait_estimate(hall, ctx):
    issued = queue.issue_ticket(ctx, hall.kiosk, hall.a)
    assert issued.estimated_wait_s is None and issued.counters == []


def test_time_moves_only_with_the_clock(hall, ctx, clock):
    hall.open_all()
    t = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    assert t.issued_at == clock.now().isoformat()
    clock.advance(timedelta(minutes=3).total_seconds())
    called = queue.call_next(ctx, hall.supervisor, hall.c3)
    assert called.called_at == clock.now().isoformat()


def test_a_kiosk_asking_again_with_the_same_key_gets_the_same_ticket(hall, ctx):
    first = queue.issue_ticket(ctx, hall.kiosk, hall.a, request_key="tap-0001-abcdef")
    again = queue.issue_ticket(ctx, hall.kiosk, hall.a, request_key="tap-0001-abcdef")
    other = queue.issue_ticket(ctx, hall.kiosk, hall.a, request_key="tap-0002-abcdef")
    assert again.ticket.id == first.ticket.id and again.ticket.code == "A001"
    assert other.ticket.code == "A002"  # no number was used up by the repeat
    with pytest.raises(Conflict):
        queue.issue_ticket(ctx, hall.kiosk, hall.b, request_key="tap-0001-abcdef")
    with pytest.raises(InvalidInput, match="Idempotency-Key"):
        queue.issue_ticket(ctx, hall.supervisor, hall.a, request_key="tap-0003-abcdef")


def test_a_late_repeat_of_an_issue_shows_where_the_ticket_is_now(hall, ctx):
    """The kiosk's repeat arrives after the number was already called: it shows the counter."""
    hall.open_all()
    first = queue.issue_ticket(ctx, hall.kiosk, hall.a, request_key="tap-0009-abcdef")
    queue.call_next(ctx, hall.supervisor, hall.c3)
    again = queue.issue_ticket(ctx, hall.kiosk, hall.a, request_key="tap-0009-abcdef")
    assert again.ticket.id == first.ticket.id
    assert (again.ticket.state, again.ticket.counter_number) == ("called", 3)


def test_a_hall_can_refuse_numbers_for_a_service_no_open_counter_serves(hall, ctx):
    from queue_server.services.queue import hall as hall_views
    from queue_server.store.tables import Site

    ctx.settings.issue_when_no_counter_open = False
    with pytest.raises(Conflict) as refused:
        queue.issue_ticket(ctx, hall.kiosk, hall.a)
    assert "chưa có quầy nào mở cho dịch vụ Hộ tịch" in refused.value.message_vi
    assert "No counter is open for Civil status" in refused.value.message_en
    with ctx.db.reading() as session:
        site = session.get(Site, hall.site_id)
        assert {s["code"]: s["issuing"] for s in hall_views.kiosk_services(ctx, site)} == {"HT": False, "CT": False}
    counters.set_state(ctx, hall.supervisor, hall.c3, "open")  # counter 3 serves A only
    assert queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket.code == "A001"
    with pytest.raises(Conflict):
        queue.issue_ticket(ctx, hall.kiosk, hall.b)

    ctx.settings.issue_when_no_counter_open = True  # the default: given, with the wait unknown
    issued = queue.issue_ticket(ctx, hall.kiosk, hall.b)
    assert issued.ticket.code == "B001" and issued.estimated_wait_s is None and issued.counters == []

"""The supervisor monitor's snapshot, thresholds and device heartbeats, and the supervisor's
actions as the event log records them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from queue_server.services.errors import Forbidden, InvalidInput
from queue_server.services.monitor import heartbeat, snapshot, thresholds
from queue_server.services.queue import counters
from queue_server.services.queue import tickets as queue
from queue_server.store.tables import Event, Site


@pytest.fixture(autouse=True)
def _fresh_heartbeats():
    heartbeat.forget()
    yield
    heartbeat.forget()


def snap(ctx, hall, who=None):  # noqa: ANN001, ANN201
    with ctx.db.reading() as s:
        site = s.get(Site, hall.site_id)
    return snapshot.snapshot(ctx, who or hall.supervisor, site)


def events(ctx, kind):  # noqa: ANN001, ANN201
    with ctx.db.reading() as s:
        return [e.data for e in s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id))]


def test_the_snapshot_counts_waiting_served_and_shows_each_counter(hall, ctx, clock):
    counters.set_state(ctx, hall.clerk, hall.c3, "open")
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    queue.issue_ticket(ctx, hall.kiosk, hall.a, priority="elderly")
    queue.issue_ticket(ctx, hall.kiosk, hall.b)
    clock.advance(60)
    queue.call_next(ctx, hall.clerk, hall.c3)
    queue.start(ctx, hall.clerk, hall.c3)
    clock.advance(120)
    queue.finish(ctx, hall.clerk, hall.c3)
    queue.call_next(ctx, hall.clerk, hall.c3)
    clock.advance(30)

    s = snap(ctx, hall)
    by_code = {x["code"]: x for x in s["services"]}
    assert by_code["HT"]["waiting"] == 0 and by_code["HT"]["served_today"] == 1
    assert by_code["CT"]["waiting"] == 1 and by_code["CT"]["open_counters"] == 0
    c3 = next(c for c in s["counters"] if c["id"] == hall.c3)
    assert c3["state"] == "open" and c3["clerk_name"] == "An"
    # the elderly citizen's A002 went first (priority), A001 is being called now
    assert c3["current"]["code"] == "A001" and c3["current"]["state"] == "called"
    assert c3["served_today"] == 1 and c3["service_seconds_total"] == pytest.approx(120, abs=1)
    assert [w["code"] for w in s["waiting"]] == ["B001"]
    # B is waiting and nobody serves it
    assert "no_counter_open" in [a["kind"] for a in s["alerts"]]
    assert s["last_event_id"] == max(e.id for e in _all(ctx))


def _all(ctx):  # noqa: ANN001, ANN202
    with ctx.db.reading() as s:
        return list(s.scalars(select(Event)))


def test_a_ticket_past_its_target_is_an_alert_until_it_is_called(hall, ctx, clock):
    hall.open_all()
    queue.issue_ticket(ctx, hall.kiosk, hall.a)
    assert [a for a in snap(ctx, hall)["alerts"] if a["kind"] == "wait_over_target"] == []
    clock.advance(31 * 60)
    over = [a for a in snap(ctx, hall)["alerts"] if a["kind"] == "wait_over_target"]
    assert len(over) == 1 and "A001" in over[0]["text_vi"]
    queue.call_next(ctx, hall.supervisor, hall.c3)
    assert [a for a in snap(ctx, hall)["alerts"] if a["kind"] == "wait_over_target"] == []


def test_only_supervisors_see_the_monitor(hall, ctx):
    with pytest.raises(Forbidden):
        snap(ctx, hall, hall.clerk)


def test_thresholds_that_make_no_sense_are_refused_with_the_key_named(hall, ctx):
    from queue_server.services.context import SYSTEM

    with pytest.raises(InvalidInput) as refused:
        thresholds.update(ctx, SYSTEM, hall.site_id, {"paused_too_long_minutes": 0})
    assert refused.value.extra["field"] == "monitor.paused_too_long_minutes"
    assert "paused_too_long_minutes" in refused.value.message_vi
    with pytest.raises(InvalidInput) as refused:
        thresholds.update(ctx, SYSTEM, hall.site_id, {"service_wait_target_minutes": {"XX": 10}})
    assert refused.value.extra["field"] == "monitor.service_wait_target_minutes.XX"
    with pytest.raises(Forbidden):  # configuration is the admin's
        thresholds.update(ctx, hall.supervisor, hall.site_id, {"paused_too_long_minutes": 20})
    assert events(ctx, "monitor.thresholds_changed") == []
    saved = thresholds.update(ctx, SYSTEM, hall.site_id, {"wait_target_minutes": 10,
                                                           "service_wait_target_minutes": {"CT": 40}})
    assert saved["wait_target_minutes"] == 10 and saved["paused_too_long_minutes"] == 15
    assert thresholds.get(ctx, hall.supervisor, hall.site_id) == saved
    assert snap(ctx, hall)["thresholds"]["service_wait_target_minutes"] == {"CT": 40}


def test_heartbeats_are_written_at_most_once_a_minute_or_when_the_printer_changes(hall, ctx, clock):
    assert heartbeat.beat(ctx, hall.kiosk)["recorded"] is True
    clock.advance(5)
    assert heartbeat.beat(ctx, hall.kiosk)["recorded"] is False
    assert heartbeat.beat(ctx, hall.kiosk, printer="paper_low")["recorded"] is True
    assert [e["status"] for e in events(ctx, "device.seen")] == ["", "paper_low"]
    s = snap(ctx, hall)
    kiosk = next(d for d in s["devices"] if d["id"] == hall.kiosk.id)
    assert kiosk["status"] == "paper_low" and kiosk["last_seen_at"] is not None
    kinds = {a["kind"]: a for a in s["alerts"]}
    assert "printer" in kinds and "device_silent" in kinds  # the agent never said anything
    with pytest.raises(Forbidden):
        heartbeat.beat(ctx, hall.clerk)
    with pytest.raises(InvalidInput):
        heartbeat.beat(ctx, hall.kiosk, printer="on fire")


def test_supervisor_actions_are_events_with_their_name_and_reason(hall, ctx, clock):
    counters.set_state(ctx, hall.clerk, hall.c3, "open")
    t = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    gone = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    queue.call_ticket(ctx, hall.supervisor, hall.c3, t.id, "Người khuyết tật đến muộn")
    clock.advance(200)
    queue.no_show(ctx, hall.clerk, hall.c3)
    queue.requeue(ctx, hall.supervisor, t.id, "Công dân quay lại")
    queue.cancel(ctx, hall.supervisor, gone.id, "Lấy nhầm dịch vụ")
    counters.set_state(ctx, hall.supervisor, hall.c3, "closed", reason="Hết giờ làm việc, quầy còn mở")

    called = events(ctx, "ticket.called")[-1]
    assert called["out_of_order"] is True and called["by_name"] == "giam"
    requeued = events(ctx, "ticket.requeued")[-1]
    assert requeued["reason"] == "Công dân quay lại" and requeued["by_name"] == "giam"
    assert events(ctx, "ticket.cancelled")[-1]["reason"] == "Lấy nhầm dịch vụ"
    closed = events(ctx, "counter.closed")[-1]
    assert closed["left_by"] == "An" and closed["by_name"] == "giam"
    assert closed["reason"] == "Hết giờ làm việc, quầy còn mở"
    # the out-of-order call is on the monitor, with who and why
    ooo = [a for a in snap(ctx, hall)["alerts"] if a["kind"] == "out_of_order"]
    assert len(ooo) == 1 and "Người khuyết tật đến muộn" in ooo[0]["text_vi"] and "giam" in ooo[0]["text_vi"]
    clock.advance(minutes=31)
    assert [a for a in snap(ctx, hall)["alerts"] if a["kind"] == "out_of_order"] == []

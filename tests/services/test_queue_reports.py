"""The queue report against figures worked out here from a generated day with known waits
and service times, on both engines: counts by outcome, service, counter, clerk, priority
class and channel; mean, median, 90th percentile and share within target; arrivals by
hour; ratings; out-of-order calls. The stored summary of a closed day and of a closed month
give the same figures as the live one."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest

from queue_server.services import feedback
from queue_server.services.context import SYSTEM
from queue_server.services.errors import Forbidden, InvalidInput
from queue_server.services.monitor import thresholds
from queue_server.services.queue import counters
from queue_server.services.queue import tickets as queue
from queue_server.services.reports import figures
from queue_server.store.tables import ReportCell, ReportDay


def nearest_rank(values, q):  # noqa: ANN001, ANN201
    ordered = sorted(values)
    return ordered[math.ceil(q * len(ordered)) - 1]


class Day:
    """What happened, as the test knows it."""

    def __init__(self) -> None:
        self.waits: dict[str, list[int]] = {"A": [], "B": []}
        self.services: dict[str, list[int]] = {"A": [], "B": []}
        self.by_clerk: dict[str, list[int]] = {}
        self.issued = {"A": 0, "B": 0}
        self.hours: dict[int, int] = {}
        self.kiosk = self.counter = 0
        self.elderly = 0


def play_day(ctx, hall, clock, rng, day: Day, n: int) -> None:  # noqa: ANN001
    """n citizens one after another at counter 3 (service A, clerk an) and counter 2 (B, binh):
    each waits a known time, is served a known time; a few more things happen on the side."""
    counters.set_state(ctx, hall.clerk, hall.c3, "open")
    counters.set_state(ctx, hall.clerk2, hall.c2, "open")
    for i in range(n):
        svc, counter, clerk, name = ((hall.a, hall.c3, hall.clerk, "A") if i % 3 else
                                     (hall.b, hall.c2, hall.clerk2, "B"))
        by_staff = i % 5 == 4
        elderly = i % 7 == 3
        t = queue.issue_ticket(ctx, hall.clerk if by_staff else hall.kiosk, svc,
                               priority="elderly" if elderly else "normal").ticket
        day.issued[name] += 1
        day.counter += by_staff
        day.kiosk += not by_staff
        day.elderly += elderly
        hour = (clock.now() + timedelta(hours=7)).hour
        day.hours[hour] = day.hours.get(hour, 0) + 1
        wait = rng.randrange(1, 120) * 10
        clock.advance(wait)
        assert queue.call_next(ctx, clerk, counter).id == t.id
        day.waits[name].append(wait)
        clock.advance(20)
        queue.start(ctx, clerk, counter)
        served = rng.randrange(3, 60) * 10
        clock.advance(served)
        queue.finish(ctx, clerk, counter)
        day.services[name].append(served)
        day.by_clerk.setdefault(clerk.name, []).append(served)
        if i % 4 == 0:
            feedback.give_rating(ctx, hall.kiosk, level="unsatisfied" if i % 8 == 0 else "very_satisfied",
                                 reasons=["long_wait"] if i % 8 == 0 else [], ticket_id=t.id,
                                 counter_number=3 if name == "A" else 2)
        clock.advance(rng.randrange(0, 30) * 10)
    # a citizen who never comes, one who leaves, and one called out of turn by the supervisor
    gone = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    day.issued["A"] += 1
    day.kiosk += 1
    clock.advance(60)
    queue.call_next(ctx, hall.clerk, hall.c3)
    clock.advance(61)
    queue.recall(ctx, hall.clerk, hall.c3)
    clock.advance(61)
    queue.no_show(ctx, hall.clerk, hall.c3)
    day.waits["A"].append(60)
    left = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    queue.cancel(ctx, hall.supervisor, left.id, "Công dân về")
    first = queue.issue_ticket(ctx, hall.kiosk, hall.b).ticket
    urgent = queue.issue_ticket(ctx, hall.kiosk, hall.b).ticket
    day.issued["A"] += 1
    day.issued["B"] += 2
    day.kiosk += 3
    clock.advance(30)
    queue.call_ticket(ctx, hall.supervisor, hall.c2, urgent.id, "Khách hẹn trước")
    queue.finish(ctx, hall.clerk2, hall.c2)
    queue.call_next(ctx, hall.clerk2, hall.c2)
    queue.finish(ctx, hall.clerk2, hall.c2)
    del gone, first


@pytest.fixture
def two_days(hall, ctx, clock):  # noqa: ANN001, ANN201
    rng = random.Random(7)
    thresholds.update(ctx, SYSTEM, hall.site_id, {"service_wait_target_minutes": {"HT": 5}})
    day1 = Day()
    play_day(ctx, hall, clock, rng, day1, 30)
    clock.advance(24 * 3600)  # Tuesday
    day2 = Day()
    play_day(ctx, hall, clock, rng, day2, 12)
    return day1, day2


def test_the_report_of_two_days_has_the_figures_worked_out_independently(hall, ctx, clock, two_days):
    day1, day2 = two_days
    clock.advance(24 * 3600)  # Wednesday: both days are closed
    report = figures.queue_report(ctx, hall.supervisor, start="2026-03-02", end="2026-03-03")
    waits_a = day1.waits["A"] + day2.waits["A"]
    waits_b = day1.waits["B"] + day2.waits["B"]
    a = next(r for r in report["by_service"] if r["key"] == hall.a)
    b = next(r for r in report["by_service"] if r["key"] == hall.b)

    assert a["issued"] == day1.issued["A"] + day2.issued["A"]
    assert a["no_show"] == 2
    assert a["wait"]["count"] == len(waits_a)
    assert a["wait"]["mean_s"] == pytest.approx(sum(waits_a) / len(waits_a), abs=0.1)
    assert a["wait"]["median_s"] == nearest_rank(waits_a, 0.5)
    assert a["wait"]["p90_s"] == nearest_rank(waits_a, 0.9)
    assert a["target_s"] == 300
    assert a["wait"]["within_target"] == sum(w <= 300 for w in waits_a)
    services_a = day1.services["A"] + day2.services["A"]
    assert a["service"]["count"] == len(services_a)
    assert a["service"]["median_s"] == nearest_rank(services_a, 0.5)
    assert a["service"]["p90_s"] == nearest_rank(services_a, 0.9)

    # B: the queued ones, plus two a day called out of turn / next with no wait recorded by the test
    assert b["issued"] == day1.issued["B"] + day2.issued["B"]
    assert b["out_of_order"] == 2
    assert b["target_s"] == 1800  # the default target
    assert b["wait"]["count"] == len(waits_b) + 4
    assert b["finished"] == len(waits_b) + 4

    totals = report["totals"]
    assert totals["issued"] == sum(day1.issued.values()) + sum(day2.issued.values())
    channels = {r["key"]: r["issued"] for r in report["by_channel"]}
    assert channels == {"kiosk": day1.kiosk + day2.kiosk, "counter": day1.counter + day2.counter}
    priorities = {r["key"]: r["issued"] for r in report["by_priority"]}
    assert priorities["elderly"] == day1.elderly + day2.elderly
    clerks = {r["label_vi"]: r["service"]["count"] for r in report["by_clerk"]}
    assert clerks["An"] == len(day1.by_clerk["an"]) + len(day2.by_clerk["an"])

    hours = {r["hour"]: r["tickets"] for r in report["arrivals"]["by_hour"]}
    for h, n in day1.hours.items():
        assert hours[h] >= n
    assert sum(hours.values()) == totals["issued"]
    monday = [c for c in report["arrivals"]["heatmap"] if c["weekday"] == 0]
    assert sum(c["tickets"] for c in monday) == sum(day1.issued.values())

    sat = report["satisfaction"]["overall"]
    assert sat["total"] == 8 + 3
    assert sat["unsatisfied"] == 4 + 2
    assert sat["reasons"][0]["reason"] == "long_wait" and sat["reasons"][0]["count"] == 6
    assert report["out_of_order"] == [{"actor": hall.supervisor.label, "name": "Giam", "calls": 2}]
    assert [d["day"] for d in report["by_day"]] == ["2026-03-02", "2026-03-03"]


def test_closed_days_are_kept_and_read_back_unchanged(hall, ctx, clock, two_days):
    live = figures.queue_report(ctx, hall.supervisor, start="2026-03-02", end="2026-03-03")
    with ctx.db.reading() as s:
        assert s.query(ReportDay).count() == 1  # Monday is closed, Tuesday (today) is not
    clock.advance(24 * 3600)
    first = figures.queue_report(ctx, hall.supervisor, start="2026-03-02", end="2026-03-03")
    again = figures.queue_report(ctx, hall.supervisor, start="2026-03-02", end="2026-03-03")
    with ctx.db.reading() as s:
        assert s.query(ReportDay).count() == 2
        assert s.query(ReportCell).count() > 0
    for key in ("totals", "by_service", "by_counter", "by_clerk", "satisfaction", "out_of_order"):
        assert first[key] == again[key] == live[key]


def test_a_closed_month_is_summed_once_and_equals_its_days(hall, ctx, clock, two_days):
    clock.set(clock.now() + timedelta(days=40))  # April
    by_days = figures.queue_report(ctx, hall.supervisor, start="2026-03-02", end="2026-03-31")
    month = figures.queue_report(ctx, hall.supervisor, month="2026-03")
    with ctx.db.reading() as s:
        assert s.query(ReportDay).filter(ReportDay.span == "month").count() == 1
    for key in ("totals", "by_service", "by_clerk", "satisfaction", "out_of_order"):
        assert month[key] == by_days[key]
    assert month["from"] == "2026-03-01" and month["to"] == "2026-03-31"
    assert month["days"] == 31


def test_an_empty_range_gives_empty_tables_and_a_note(hall, ctx):
    report = figures.queue_report(ctx, hall.supervisor, start="2026-02-02", end="2026-02-06")
    assert report["totals"]["issued"] == 0
    assert report["by_service"] == [] and report["by_day"] == []
    assert report["totals"]["wait"]["median_s"] is None
    assert "Không có lượt nào" in report["notes"][0]["vi"]


def test_bad_ranges_are_refused_with_the_field_named(hall, ctx):
    with pytest.raises(InvalidInput) as too_long:
        figures.queue_report(ctx, hall.supervisor, start="2016-01-01", end="2026-01-01")
    assert too_long.value.extra["field"] == "to" and "tối đa" in too_long.value.message_vi
    with pytest.raises(InvalidInput) as backwards:
        figures.queue_report(ctx, hall.supervisor, start="2026-03-05", end="2026-03-01")
    assert backwards.value.extra["field"] == "to"
    with pytest.raises(InvalidInput) as month:
        figures.queue_report(ctx, hall.supervisor, month="2026-13")
    assert month.value.extra["field"] == "month"


def test_clerks_and_kiosks_may_not_read_reports(hall, ctx):
    for who in (hall.clerk, hall.kiosk):
        with pytest.raises(Forbidden):
            figures.queue_report(ctx, who, start="2026-03-02")


def test_the_servers_rounds_keep_the_closed_days_so_a_report_summarises_nothing(hall, ctx, clock, two_days):
    clock.advance(24 * 3600)  # Wednesday
    assert figures.keep_closed(ctx) == 31  # at most 31 days a round: the last 62 days take two rounds
    assert figures.keep_closed(ctx) == 31
    assert figures.keep_closed(ctx) == 0
    with ctx.db.reading() as s:
        kept = s.query(ReportDay).count()
    report = figures.queue_report(ctx, hall.supervisor, start="2026-03-02", end="2026-03-03")
    assert report["totals"]["issued"] > 0
    with ctx.db.reading() as s:
        assert s.query(ReportDay).count() == kept


def test_the_report_counts_the_petitions_received_and_answered(hall, ctx, clock):
    from queue_server.services.context import ANONYMOUS
    from queue_server.services.feedback import petitions

    sent = [petitions.submit(ctx, ANONYMOUS, client=f"10.0.0.{i}", site_id=hall.site_id, category=cat,
                             text="Phòng chờ quá nóng, xin lắp thêm quạt.")
            for i, cat in enumerate(("facilities", "facilities", "waiting_time"))]
    petitions.answer(ctx, hall.supervisor, sent[0]["id"], "Bộ phận đã lắp thêm hai quạt trần.", close=True)
    report = figures.queue_report(ctx, hall.supervisor, start="2026-03-02", end="2026-03-02")
    p = report["petitions"]
    assert (p["received"], p["answered"], p["open"]) == (3, 1, 2)
    assert [(r["category"], r["received"]) for r in p["by_category"]] == [("facilities", 2), ("waiting_time", 1)]
    assert figures.queue_report(ctx, hall.supervisor, start="2026-03-03", end="2026-03-03")["petitions"]["received"] == 0

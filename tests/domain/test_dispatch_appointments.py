"""Dispatch rule 0, appointments: an on-time appointment is called within a bound of its slot
time, appointments never take more than their share of a counter's calls while walk-ins wait,
and walk-ins keep today's FIFO, escalation and bounded-view guarantees."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.dispatch import (
    APPOINTMENT_WINDOW,
    CounterView,
    DispatchPolicy,
    PriorityClass,
    QueueSet,
    WaitingTicket,
    appointment_quota,
    choose_next,
    decide_next,
    queue_heads,
    waiting_lines,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
N = PriorityClass.NORMAL
W = APPOINTMENT_WINDOW
SERVICES = [1, 2, 3]
STRICT = DispatchPolicy()


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def walk_in(id: int, service: int = 1, cls: PriorityClass = N, t: float = 0, front: bool = False) -> WaitingTicket:
    return WaitingTicket(id, service, cls, at(t), front, id)


def booked(id: int, service: int = 1, due: float = 0, checked_in: float = 0) -> WaitingTicket:
    return WaitingTicket(id, service, N, at(checked_in), False, id, due_at=at(due))


# ---------------------------------------------------------------- examples


def test_an_appointment_due_now_goes_before_citizens_who_waited_longer() -> None:
    waiting = [walk_in(1, t=0), walk_in(2, t=60), booked(3, due=1800, checked_in=1500)]
    decision = decide_next(waiting, CounterView(1, {1: 1}), STRICT, at(1800))
    assert decision.ticket.id == 3 and decision.reason == "appointment"


def test_an_appointment_checked_in_early_waits_for_its_slot_while_others_wait() -> None:
    waiting = [walk_in(1, t=0), booked(3, due=1800, checked_in=600)]
    assert choose_next(waiting, CounterView(1, {1: 1}), STRICT, at(1200)).id == 1
    # ... but an idle counter does not stay idle
    assert choose_next([booked(3, due=1800, checked_in=600)], CounterView(1, {1: 1}), STRICT, at(1200)).id == 3


def test_appointments_give_way_once_they_took_their_share() -> None:
    quota = {1: appointment_quota(30)}  # 3 of every 10 calls
    waiting = [walk_in(1), booked(2, due=0), booked(3, due=0)]
    three_recent = [True, True, True, False, False, False, False, False, False]
    decision = decide_next(waiting, CounterView(1, {1: 1}), STRICT, at(60), [], three_recent, quota)
    assert decision.ticket.id == 1 and decision.reason == "normal"
    two_recent = [True, True, False, False, False, False, False, False, False, True]  # the 10th is out of the window
    assert decide_next(waiting, CounterView(1, {1: 1}), STRICT, at(60), [], two_recent, quota).ticket.id == 2


def test_with_nobody_else_waiting_the_share_does_not_leave_a_counter_idle() -> None:
    quota = {1: 1}
    waiting = [booked(2, due=0)]
    assert choose_next(waiting, CounterView(1, {1: 1}), STRICT, at(60), [], [True] * 9, quota).id == 2


def test_earliest_slot_first_among_appointments_whatever_the_check_in_order() -> None:
    waiting = [booked(5, due=600, checked_in=0), booked(4, due=0, checked_in=300), booked(6, due=0, checked_in=100)]
    order = []
    queues = QueueSet(waiting, STRICT)
    for _ in range(3):
        d = queues.decide(CounterView(1, {1: 1}), at(900))
        queues.take(d.ticket)
        order.append(d.ticket.id)
    assert order == [4, 6, 5]


def test_a_counter_that_does_not_serve_the_service_never_calls_its_appointments() -> None:
    assert choose_next([booked(1, service=2)], CounterView(1, {1: 1}), STRICT, at(60)) is None


def test_share_settings_round_down_and_stay_between_one_and_nine_calls_in_ten() -> None:
    assert [appointment_quota(p) for p in (10, 25, 50, 90)] == [1, 2, 5, 9]


# ---------------------------------------------------------------- properties

classes = st.sampled_from(list(PriorityClass))
policies = st.builds(DispatchPolicy, mode=st.sampled_from(["strict", "ratio"]), ratio_priority=st.integers(1, 3),
                     ratio_normal=st.integers(1, 4), max_wait_seconds=st.none() | st.integers(60, 3600))
quotas = st.integers(1, W - 1)


@st.composite
def halls(draw: st.DrawFn, max_size: int = 40) -> list[WaitingTicket]:
    n = draw(st.integers(0, max_size))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    out = []
    for i in ids:
        service = draw(st.sampled_from(SERVICES))
        queued = at(draw(st.integers(0, 3600)))
        if draw(st.integers(0, 3)) == 0:
            out.append(WaitingTicket(i, service, N, queued, False, i, due_at=at(draw(st.integers(0, 7200)))))
        else:
            out.append(WaitingTicket(i, service, draw(classes), queued, draw(st.booleans()) and draw(st.booleans()),
                                     i))
    return out


@settings(max_examples=200, deadline=None)
@given(halls(max_size=60), st.dictionaries(st.sampled_from(SERVICES), st.integers(1, 5), max_size=3), policies,
       st.integers(3600, 9000), st.lists(classes, max_size=8), st.lists(st.booleans(), max_size=12),
       st.dictionaries(st.sampled_from(SERVICES), quotas))
def test_the_heads_of_the_lines_still_pick_exactly_what_the_whole_queue_picks(waiting, weights, policy, now_s,
                                                                              recent, recent_appts, quota) -> None:
    """The bounded view holds with appointments: one appointment line per service is read."""
    counter = CounterView(1, weights)
    heads = queue_heads(waiting)
    assert len(heads) <= len(SERVICES) * (len(PriorityClass) * 2 + 1)
    assert (decide_next(heads, counter, policy, at(now_s), recent, recent_appts, quota)
            == decide_next(waiting, counter, policy, at(now_s), recent, recent_appts, quota))


@settings(max_examples=100, deadline=None)
@given(quotas, st.lists(st.booleans(), max_size=12), st.integers(0, 2**16), policies)
def test_appointments_never_take_more_than_their_share_while_walk_ins_wait(a, history, salt, policy) -> None:
    """Appointments always due and walk-ins always waiting: every W consecutive calls hold at
    most A appointments, and (the appointments waiting all along) at least A."""
    counter = CounterView(1, {1: 1, 2: 2})
    quota = {1: a, 2: a}
    pending: list[WaitingTicket] = []
    next_id = 1
    recent_appts = list(history)
    calls: list[bool] = []
    for step in range(12 * W):
        now_s = 4000 + step * 60
        while sum(1 for t in pending if t.due_at is None) < 3:
            pending.append(walk_in(next_id, service=1 + (next_id + salt) % 2, t=now_s - (next_id * 7 + salt) % 900))
            next_id += 1
        while sum(1 for t in pending if t.due_at is not None) < 3:
            pending.append(booked(next_id, service=1 + (next_id + salt) % 2, due=now_s - (next_id * 13) % 1800))
            next_id += 1
        chosen = choose_next(pending, counter, policy, at(now_s), [], recent_appts, quota)
        pending.remove(chosen)
        recent_appts.insert(0, chosen.due_at is not None)
        calls.append(chosen.due_at is not None)
    for start in range(len(calls) - W + 1):
        assert sum(calls[start:start + W]) == a


@settings(max_examples=150, deadline=None)
@given(halls(max_size=40), quotas, st.lists(st.booleans(), max_size=12), policies, st.integers(1, 300))
def test_an_on_time_appointment_is_called_within_its_bound(waiting, a, history, policy, step) -> None:
    """Every appointment due when the counter starts calling, with k due ones before it in
    slot order, is called within ceil((k + 1) / A) x W calls, whatever the walk-ins and the
    counter's recent calls."""
    now = at(7200)  # every appointment of `halls` is due by then
    counter = CounterView(1, {s: 1 + s % 2 for s in SERVICES})
    quota = dict.fromkeys(SERVICES, a)
    due = sorted((t for t in waiting if t.due_at is not None), key=lambda t: (t.due_at, t.id))
    pending = list(waiting)
    recent_appts = list(history)
    recent: list[PriorityClass] = []
    called_at: dict[int, int] = {}
    for call in range(len(waiting)):
        chosen = choose_next(pending, counter, policy, now, recent, recent_appts, quota)
        pending.remove(chosen)
        recent.insert(0, chosen.priority)
        recent_appts.insert(0, chosen.due_at is not None)
        called_at[chosen.id] = call
        now += timedelta(seconds=step)
    for k, t in enumerate(due):
        assert called_at[t.id] < math.ceil((k + 1) / a) * W


@settings(max_examples=60, deadline=None)
@given(halls(max_size=40), st.lists(st.dictionaries(st.sampled_from(SERVICES), st.integers(1, 5), min_size=1),
                                    min_size=1, max_size=3), policies, st.integers(1, 600), quotas)
def test_walk_ins_keep_first_in_first_out_with_appointments_in_the_hall(waiting, weights, policy, step, a) -> None:
    pending = list(waiting)
    recent: dict[int, list] = {}
    booked_recent: dict[int, list] = {}
    order: list[WaitingTicket] = []
    now = at(3600)
    idle = 0
    while pending and idle < 2:
        idle += 1
        for i, w in enumerate(weights):
            chosen = choose_next(pending, CounterView(i + 1, w), policy, now, recent.setdefault(i, []),
                                 booked_recent.setdefault(i, []), dict.fromkeys(SERVICES, a))
            now += timedelta(seconds=step)
            if chosen is not None:
                idle = 0
                pending.remove(chosen)
                recent[i].insert(0, chosen.priority)
                booked_recent[i].insert(0, chosen.due_at is not None)
                order.append(chosen)
    position = {t.id: i for i, t in enumerate(order)}
    walk_ins = [t for t in order if t.due_at is None]
    for x in walk_ins:
        for y in walk_ins:
            if (x.service_id, x.priority) == (y.service_id, y.priority) and \
                    (not x.front, x.queued_at, x.id) < (not y.front, y.queued_at, y.id):
                assert position[x.id] < position[y.id]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 7200), st.sampled_from(SERVICES), classes, st.booleans(),
                       st.integers(0, 3600)), max_size=40),
    st.sampled_from(["strict", "ratio"]), st.integers(300, 3600), st.integers(30, 600), quotas,
)
def test_no_walk_in_waits_forever_with_appointments_and_max_wait(stream, mode, max_wait, gap, a) -> None:
    """Today's escalation bound, loosened only by the appointments: once overdue, a walk-in
    waits behind older walk-ins, front transfers (none here) and at most every appointment."""
    policy = DispatchPolicy(mode=mode, max_wait_seconds=max_wait)
    counter = CounterView(1, dict.fromkeys(SERVICES, 1))
    tickets = []
    for i, (appear, service, cls, is_booked, due) in enumerate(stream, start=1):
        t = (WaitingTicket(i, service, N, at(appear), False, i, due_at=at(due)) if is_booked
             else WaitingTicket(i, service, cls, at(appear), False, i))
        tickets.append((appear, t))
    bookings = sum(1 for _, t in tickets if t.due_at is not None)
    arrivals = sorted(tickets, key=lambda x: (x[0], x[1].id))
    pending: list[WaitingTicket] = []
    called: dict[int, float] = {}
    recent: list[PriorityClass] = []
    booked_recent: list[bool] = []
    now_s = 0
    while len(called) < len(tickets):
        while arrivals and arrivals[0][0] <= now_s:
            pending.append(arrivals.pop(0)[1])
        chosen = choose_next(pending, counter, policy, at(now_s), recent, booked_recent, dict.fromkeys(SERVICES, a))
        if chosen is not None:
            pending.remove(chosen)
            recent.insert(0, chosen.priority)
            booked_recent.insert(0, chosen.due_at is not None)
            called[chosen.id] = now_s
        now_s += gap
    for appear, t in tickets:
        if t.due_at is not None:
            continue
        older = sum(1 for _, o in tickets if o.due_at is None and (o.queued_at, o.id) < (t.queued_at, t.id))
        assert called[t.id] <= appear + max_wait + gap * (1 + older + bookings)


@given(halls(max_size=40), st.integers(1, 5))
def test_each_service_has_one_appointment_line_in_slot_order(waiting, per_line) -> None:
    lines = [line for line in waiting_lines(waiting, per_line) if line.appointment]
    for line in lines:
        members = sorted((t for t in waiting if t.due_at is not None and t.service_id == line.service_id),
                         key=lambda t: (t.due_at, t.id))
        assert list(line.head) == members[:per_line] and line.count == len(members)
    assert sum(line.count for line in waiting_lines(waiting, per_line)) == len(waiting)


def test_the_wait_estimate_of_an_appointment_follows_rule_0() -> None:
    """The estimate replays the same rule: an appointment due now is next, one due in half an
    hour waits for its slot, a walk-in waits behind everyone."""
    from queue_server.domain.estimate import OpenCounter, ServiceTimes, estimate_wait

    waiting = [walk_in(i, t=i) for i in range(1, 9)]
    counters = [OpenCounter(1, {1: 1})]
    times = ServiceTimes([], default_seconds=300)
    now = at(3600)
    due_now = estimate_wait(1, N, waiting, counters, times, STRICT, now, due_at=now)
    due_later = estimate_wait(1, N, waiting, counters, times, STRICT, now, due_at=now + timedelta(minutes=30))
    walk = estimate_wait(1, N, waiting, counters, times, STRICT, now)
    assert (due_now.people_ahead, due_now.wait_seconds) == (0, 0)
    assert (due_later.people_ahead, due_later.wait_seconds) == (6, 1800)  # six 5-minute calls fill the half hour
    assert (walk.people_ahead, walk.wait_seconds) == (8, 2400)

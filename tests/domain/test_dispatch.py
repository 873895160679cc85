"""Dispatch policy: who a counter calls next, told as the hall would notice it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.dispatch import (
    CounterView,
    DispatchPolicy,
    PriorityClass,
    WaitingTicket,
    choose_next,
    decide_next,
    queue_heads,
    waiting_lines,
)

T0 = datetime(2025, 3, 4, 1, 0, tzinfo=UTC)  # 8:00 in Hà Nội
N = PriorityClass.NORMAL
E = PriorityClass.ELDERLY
STRICT = DispatchPolicy()


def ticket(id: int, service: int = 1, cls: PriorityClass = N, at: float = 0, front: bool = False) -> WaitingTicket:
    return WaitingTicket(id, service, cls, T0 + timedelta(seconds=at), front, number=id)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# ---------------------------------------------------------------- examples


def test_nothing_waiting_gives_none() -> None:
    assert choose_next([], CounterView(1, {1: 1}), STRICT, at(0), []) is None


def test_counter_ignores_services_it_does_not_serve() -> None:
    waiting = [ticket(1, service=2, at=0)]
    assert choose_next(waiting, CounterView(1, {1: 1}), STRICT, at(60), []) is None
    assert choose_next(waiting, CounterView(2, {2: 1}), STRICT, at(60), []) == waiting[0]


def test_first_come_first_served_within_a_service() -> None:
    waiting = [ticket(2, at=30), ticket(1, at=10), ticket(3, at=30)]
    assert choose_next(waiting, CounterView(1, {1: 1}), STRICT, at(60), []).id == 1


def test_same_arrival_second_goes_by_id() -> None:
    waiting = [ticket(7, at=10), ticket(5, at=10)]
    assert choose_next(waiting, CounterView(1, {1: 1}), STRICT, at(60), []).id == 5


def test_strict_calls_an_elderly_citizen_before_earlier_normal_tickets() -> None:
    waiting = [ticket(1, at=0), ticket(2, at=10), ticket(3, cls=E, at=50)]
    decision = decide_next(waiting, CounterView(1, {1: 1}), STRICT, at(60), [E, E, E])
    assert decision is not None and decision.ticket.id == 3 and decision.reason == "priority"


def test_ratio_one_priority_per_two_normal() -> None:
    policy = DispatchPolicy(mode="ratio", ratio_priority=1, ratio_normal=2)
    counter = CounterView(1, {1: 1})
    waiting = [ticket(i, at=i) for i in range(1, 10)] + [ticket(100 + i, cls=E, at=i) for i in range(1, 10)]
    recent: list[PriorityClass] = []
    calls = []
    for step in range(9):
        chosen = choose_next(waiting, counter, policy, at(100 + step), recent)
        waiting.remove(chosen)
        recent.insert(0, chosen.priority)
        calls.append("P" if chosen.priority.is_priority else "N")
    assert "".join(calls) == "PNNPNNPNN"


def test_ratio_falls_back_when_one_class_is_empty() -> None:
    policy = DispatchPolicy(mode="ratio")
    waiting = [ticket(1, at=0)]
    assert choose_next(waiting, CounterView(1, {1: 1}), policy, at(10), []) == waiting[0]


def test_weight_prefers_the_main_service_when_waits_are_equal() -> None:
    counter = CounterView(1, {1: 1, 2: 3})
    waiting = [ticket(1, service=1, at=0), ticket(2, service=2, at=0)]
    assert choose_next(waiting, counter, STRICT, at(100), []).service_id == 2


def test_weight_gives_way_when_the_other_service_has_waited_long_enough() -> None:
    counter = CounterView(1, {1: 1, 2: 3})
    # service 1 waited 400 s (score 400), service 2 waited 100 s (score 300)
    waiting = [ticket(1, service=1, at=0), ticket(2, service=2, at=300)]
    assert choose_next(waiting, counter, STRICT, at(400), []).service_id == 1


def test_transferred_to_the_front_goes_first_even_before_priority() -> None:
    waiting = [ticket(1, cls=E, at=0), ticket(2, at=500, front=True), ticket(3, at=10)]
    decision = decide_next(waiting, CounterView(1, {1: 1}), STRICT, at(600), [])
    assert decision is not None and decision.ticket.id == 2 and decision.reason == "front"


def test_transferred_by_original_arrival_keeps_its_place() -> None:
    waiting = [ticket(1, at=100), ticket(2, at=50)]  # ticket 2 arrived first elsewhere, then transferred
    assert choose_next(waiting, CounterView(1, {1: 1}), STRICT, at(600), []).id == 2


def test_escalation_calls_the_long_waiting_ticket_before_priority() -> None:
    policy = DispatchPolicy(max_wait_seconds=1800)
    waiting = [ticket(1, at=0), ticket(2, cls=E, at=1700)]
    assert choose_next(waiting, CounterView(1, {1: 1}), policy, at(1799), []).id == 2
    decision = decide_next(waiting, CounterView(1, {1: 1}), policy, at(1800), [])
    assert decision is not None and decision.ticket.id == 1 and decision.reason == "overdue"


def test_escalation_ignores_weights_and_takes_the_oldest() -> None:
    policy = DispatchPolicy(max_wait_seconds=600)
    counter = CounterView(1, {1: 1, 2: 10})
    waiting = [ticket(1, service=1, at=0), ticket(2, service=2, at=100)]
    assert choose_next(waiting, counter, policy, at(1000), []).id == 1


def test_strict_priority_without_escalation_can_starve_and_escalation_prevents_it() -> None:
    """A stream of priority tickets keeps a normal ticket waiting unless max wait is set."""
    counter = CounterView(1, {1: 1})

    def calls_until_normal(policy: DispatchPolicy) -> int | None:
        waiting = [ticket(1, at=0)]
        for step in range(100):
            waiting.append(ticket(1000 + step, cls=E, at=step * 60))
            chosen = choose_next(waiting, counter, policy, at(step * 60 + 1), [])
            waiting.remove(chosen)
            if chosen.id == 1:
                return step
        return None

    assert calls_until_normal(STRICT) is None
    assert calls_until_normal(DispatchPolicy(max_wait_seconds=1800)) == 30


def test_result_is_one_of_the_waiting_tickets_and_input_is_untouched() -> None:
    waiting = (ticket(1, at=0), ticket(2, at=5))
    chosen = choose_next(waiting, CounterView(1, {1: 1}), STRICT, at(10), ())
    assert chosen in waiting and len(waiting) == 2


def test_honoured_classes_are_configurable() -> None:
    policy = DispatchPolicy(priority_classes=frozenset({PriorityClass.DISABLED}))
    waiting = [ticket(1, at=0), ticket(2, cls=E, at=10)]
    assert choose_next(waiting, CounterView(1, {1: 1}), policy, at(20), []).id == 1


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mode": "fifo"}, "mode"),
        ({"ratio_priority": 0}, "ratio_priority"),
        ({"ratio_normal": -1}, "ratio_normal"),
        ({"ratio_normal": 1.5}, "ratio_normal"),
        ({"ratio_priority": True}, "ratio_priority"),
        ({"max_wait_seconds": 0}, "max_wait_seconds"),
        ({"priority_classes": frozenset({"normal"})}, "priority_classes"),
        ({"priority_classes": frozenset({"vip"})}, "priority_classes"),
    ],
)
def test_bad_policy_values_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        DispatchPolicy(**kwargs)


def test_policy_from_config_table() -> None:
    policy = DispatchPolicy.from_mapping(
        {"mode": "ratio", "ratio_priority": 1, "ratio_normal": 3, "max_wait_seconds": 2700,
         "priority_classes": ["elderly", "pregnant"]}
    )
    assert policy.mode == "ratio" and policy.ratio_normal == 3
    assert policy.priority_classes == {PriorityClass.ELDERLY, PriorityClass.PREGNANT}
    with pytest.raises(ValueError, match="max_wait"):
        DispatchPolicy.from_mapping({"max_wait": 10})


def test_bad_weight_names_the_service() -> None:
    with pytest.raises(ValueError, match=r"weights\[4\]"):
        CounterView(1, {4: 0})


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="queued_at"):
        WaitingTicket(1, 1, N, datetime(2025, 3, 4, 8, 0))
    with pytest.raises(ValueError, match="now"):
        choose_next([], CounterView(1, {1: 1}), STRICT, datetime(2025, 3, 4, 8, 0), [])


def test_unknown_priority_class_is_refused() -> None:
    with pytest.raises(ValueError, match="priority"):
        WaitingTicket(1, 1, "vip", T0)  # type: ignore[arg-type]


# ---------------------------------------------------------------- properties

SERVICES = [1, 2, 3, 4]
classes = st.sampled_from(list(PriorityClass))


@st.composite
def waiting_lists(draw: st.DrawFn, max_size: int = 30, fronts: bool = True) -> list[WaitingTicket]:
    n = draw(st.integers(0, max_size))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    out = []
    for i in ids:
        out.append(
            WaitingTicket(
                i,
                draw(st.sampled_from(SERVICES)),
                draw(classes),
                T0 + timedelta(seconds=draw(st.integers(0, 3600))),
                draw(st.booleans()) and fronts and draw(st.booleans()),
                number=i,
            )
        )
    return out


counters = st.builds(
    CounterView,
    id=st.integers(1, 9),
    weights=st.dictionaries(st.sampled_from(SERVICES), st.integers(1, 5), max_size=4),
)
policies = st.builds(
    DispatchPolicy,
    mode=st.sampled_from(["strict", "ratio"]),
    ratio_priority=st.integers(1, 3),
    ratio_normal=st.integers(1, 4),
    max_wait_seconds=st.none() | st.integers(60, 3600),
)
recents = st.lists(classes, max_size=8)
nows = st.integers(3600, 9000).map(at)


@given(waiting_lists(), counters, policies, nows, recents)
def test_none_only_when_nothing_the_counter_serves_is_waiting(waiting, counter, policy, now, recent) -> None:
    chosen = choose_next(waiting, counter, policy, now, recent)
    eligible = [t for t in waiting if t.service_id in counter.weights]
    if chosen is None:
        assert eligible == []
    else:
        assert chosen in eligible


@given(waiting_lists(), counters, policies, nows, recents, st.randoms(use_true_random=False))
def test_same_input_same_answer_whatever_the_order(waiting, counter, policy, now, recent, rnd) -> None:
    first = choose_next(waiting, counter, policy, now, recent)
    assert choose_next(list(waiting), counter, policy, now, list(recent)) == first
    shuffled = list(waiting)
    rnd.shuffle(shuffled)
    assert choose_next(shuffled, counter, policy, now, recent) == first


@given(waiting_lists(), counters, nows)
def test_strict_never_skips_a_priority_ticket_for_a_normal_one(waiting, counter, now) -> None:
    decision = decide_next(waiting, counter, STRICT, now, [])
    has_priority = any(t.priority.is_priority and t.service_id in counter.weights for t in waiting)
    if decision is not None and decision.reason != "front" and has_priority:
        assert decision.ticket.priority.is_priority


@settings(max_examples=60)
@given(
    waiting_lists(max_size=40),
    st.lists(counters, min_size=1, max_size=3),
    policies,
    st.integers(1, 600),
)
def test_first_in_first_out_within_a_class_and_service(waiting, counter_list, policy, step) -> None:
    """Drain the hall with counters calling in turn: within a service and class the order is
    front-placed first, then arrival, then id, whatever else the policy does."""
    pending = list(waiting)
    recent: dict[int, list[PriorityClass]] = {}
    order: list[WaitingTicket] = []
    now = T0 + timedelta(seconds=3600)
    idle_rounds = 0
    while pending and idle_rounds < 2:
        idle_rounds += 1
        for index, counter in enumerate(counter_list):
            chosen = choose_next(pending, counter, policy, now, recent.setdefault(index, []))
            now += timedelta(seconds=step)
            if chosen is not None:
                idle_rounds = 0
                pending.remove(chosen)
                recent[index].insert(0, chosen.priority)
                order.append(chosen)
    position = {t.id: i for i, t in enumerate(order)}

    def queue_key(t: WaitingTicket) -> tuple[bool, datetime, int]:
        return (not t.front, t.queued_at, t.id)

    for a in order:
        for b in order:
            if (a.service_id, a.priority) == (b.service_id, b.priority) and queue_key(a) < queue_key(b):
                assert position[a.id] < position[b.id]


@settings(max_examples=60)
@given(
    st.integers(1, 4),
    st.integers(1, 5),
    recents,
    st.dictionaries(st.sampled_from(SERVICES), st.integers(1, 5), min_size=1, max_size=4),
    st.integers(0, 2**32),
)
def test_ratio_holds_over_long_runs(p, n, history, weights, salt) -> None:
    """With both classes always waiting, every run of p+n calls (after a short start) has
    exactly p priority calls, so the share converges to p/(p+n)."""
    policy = DispatchPolicy(mode="ratio", ratio_priority=p, ratio_normal=n)
    counter = CounterView(1, weights)
    services = sorted(weights)
    pending: list[WaitingTicket] = []
    next_id = 1

    def top_up(now_s: int) -> None:
        nonlocal next_id
        for cls in (N, list(PriorityClass)[1 + (next_id + salt) % 4]):
            while sum(1 for t in pending if t.priority.is_priority == cls.is_priority) < 3:
                service = services[(next_id * 7 + salt) % len(services)]
                pending.append(ticket(next_id, service=service, cls=cls, at=now_s - (next_id + salt) % 50))
                next_id += 1

    recent = list(history)
    calls: list[bool] = []
    total = 30 * (p + n)
    for step in range(total):
        now_s = 100 + step * 60
        top_up(now_s)
        chosen = choose_next(pending, counter, policy, at(now_s), recent)
        pending.remove(chosen)
        recent.insert(0, chosen.priority)
        calls.append(chosen.priority.is_priority)
    assert abs(sum(calls) - total * p / (p + n)) <= p + n
    settled = calls[2 * (p + n):]
    for start in range(len(settled) - (p + n) + 1):
        assert sum(settled[start:start + p + n]) == p


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 7200),  # appears in the queue (s)
            st.sampled_from(SERVICES),
            classes,
            st.integers(0, 900),  # for a transfer: how much earlier it first arrived
            st.booleans(),  # transferred
            st.booleans(),  # ... to the front
        ),
        max_size=40,
    ),
    st.dictionaries(st.sampled_from(SERVICES), st.integers(1, 5), min_size=4, max_size=4),
    st.sampled_from(["strict", "ratio"]),
    st.integers(300, 3600),
    st.integers(30, 600),
)
def test_no_ticket_waits_forever_with_max_wait(stream, weights, mode, max_wait, gap) -> None:
    """One counter serving every service calls every `gap` seconds. With max wait M a ticket
    is called by max(queued_at + M, appears) + gap x (1 + tickets queued before it + front
    transfers): once overdue, only older tickets or front transfers can go first."""
    policy = DispatchPolicy(mode=mode, max_wait_seconds=max_wait)
    counter = CounterView(1, weights)
    tickets = []
    for i, (appear, service, cls, earlier, transferred, front) in enumerate(stream, start=1):
        queued = appear - earlier if transferred else appear
        tickets.append((appear, WaitingTicket(i, service, cls, at(queued), transferred and front, i)))
    fronts = sum(1 for _, t in tickets if t.front)
    called: dict[int, float] = {}
    pending: list[WaitingTicket] = []
    arrivals = sorted(tickets, key=lambda x: (x[0], x[1].id))
    recent: list[PriorityClass] = []
    now_s = 0
    while len(called) < len(tickets):
        while arrivals and arrivals[0][0] <= now_s:
            pending.append(arrivals.pop(0)[1])
        chosen = choose_next(pending, counter, policy, at(now_s), recent)
        if chosen is not None:
            pending.remove(chosen)
            recent.insert(0, chosen.priority)
            called[chosen.id] = now_s
        now_s += gap
    for appear, t in tickets:
        queued_s = (t.queued_at - T0).total_seconds()
        older = sum(1 for _, o in tickets if (o.queued_at, o.id) < (t.queued_at, t.id))
        bound = max(queued_s + max_wait, appear) + gap * (1 + older + fronts - t.front)
        assert called[t.id] <= bound


# ---------------------------------------------------------------- the bounded view


honoured = st.frozensets(st.sampled_from(sorted(c for c in PriorityClass if c.is_priority)), min_size=1)
any_policies = st.builds(
    DispatchPolicy,
    mode=st.sampled_from(["strict", "ratio"]),
    ratio_priority=st.integers(1, 3),
    ratio_normal=st.integers(1, 4),
    max_wait_seconds=st.none() | st.integers(60, 3600),
    priority_classes=honoured,
)


@settings(max_examples=300, deadline=None)  # a loaded machine is no counterexample
@given(waiting_lists(max_size=60), counters, any_policies, nows, recents)
def test_the_heads_of_the_lines_pick_exactly_what_the_whole_queue_picks(waiting, counter, policy, now,
                                                                         recent) -> None:
    """What the server reads (the first ticket of each service, class and placement) is
    enough: the same ticket, for the same reason, as from every waiting ticket."""
    heads = queue_heads(waiting)
    assert len(heads) <= len(SERVICES) * len(PriorityClass) * 2
    assert decide_next(heads, counter, policy, now, recent) == decide_next(waiting, counter, policy, now, recent)


@settings(max_examples=60, deadline=None)
@given(waiting_lists(max_size=60), st.lists(counters, min_size=1, max_size=3), any_policies, st.integers(1, 600))
def test_a_hall_drained_from_the_heads_calls_in_the_same_order(waiting, counter_list, policy, step) -> None:
    """Call after call, each time deciding from the heads only, a hall is served in exactly
    the order it would be with the whole queue in view."""
    full, bounded = list(waiting), list(waiting)
    recent: dict[int, list[PriorityClass]] = {}
    now = T0 + timedelta(seconds=3600)
    for _ in range(len(waiting) + 3):
        for index, counter in enumerate(counter_list):
            r = recent.setdefault(index, [])
            a = decide_next(full, counter, policy, now, r)
            b = decide_next(queue_heads(bounded), counter, policy, now, r)
            assert a == b
            if a is not None:
                full.remove(a.ticket)
                bounded.remove(b.ticket)
                r.insert(0, a.ticket.priority)
            now += timedelta(seconds=step)


@settings(deadline=None)
@given(waiting_lists(max_size=40), st.integers(1, 5))
def test_lines_hold_their_first_tickets_in_call_order_and_count_the_rest(waiting, per_line) -> None:
    lines = waiting_lines(waiting, per_line)
    assert sum(line.count for line in lines) == len(waiting)
    for line in lines:
        members = sorted((t for t in waiting if (t.service_id, t.priority, t.front) ==
                          (line.service_id, line.priority, line.front)), key=lambda t: (t.queued_at, t.id))
        assert list(line.head) == members[:per_line]
        assert line.count == len(members) and line.complete == (len(members) <= per_line)

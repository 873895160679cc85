"""Wait estimate: what the kiosk tells a citizen taking a number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.dispatch import DispatchPolicy, PriorityClass, WaitingTicket, choose_next
from queue_server.domain.estimate import (
    MIN_SERVICE_S,
    ArrivalRate,
    DurationSample,
    NoCounterOpen,
    OpenCounter,
    ServiceTimes,
    Serving,
    WaitEstimate,
    arrival_rates,
    estimate_wait,
    naive_estimate,
)

NOW = datetime(2025, 3, 4, 2, 0, tzinfo=UTC)  # 9:00 in Hà Nội
N = PriorityClass.NORMAL
E = PriorityClass.ELDERLY
STRICT = DispatchPolicy()


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def waiting(id: int, service: int = 1, cls: PriorityClass = N, age: float = 60) -> WaitingTicket:
    return WaitingTicket(id, service, cls, ago(age), number=id)


def times(**means: float) -> ServiceTimes:
    """Ten identical samples per service: `times(s1=300, s2=120)`."""
    return ServiceTimes(
        [DurationSample(int(k[1:]), v) for k, v in means.items() for _ in range(10)]
    )


def test_nobody_ahead_and_a_free_counter_means_no_wait() -> None:
    result = estimate_wait(1, N, [], [OpenCounter(1, {1: 1})], times(s1=300), STRICT, NOW)
    assert result == WaitEstimate(people_ahead=0, wait_seconds=0, open_counters=1)


def test_no_open_counter_for_the_service_is_said_plainly() -> None:
    result = estimate_wait(2, N, [waiting(1, service=2)], [OpenCounter(1, {1: 1})], times(s1=300), STRICT, NOW)
    assert result == NoCounterOpen(service_id=2, waiting=1)
    assert isinstance(naive_estimate(2, [], [OpenCounter(1, {1: 1})], times(s1=300)), NoCounterOpen)


def test_a_busy_counter_frees_after_its_remaining_time() -> None:
    counter = OpenCounter(1, {1: 1}, serving=Serving(1, ago(100)))
    result = estimate_wait(1, N, [], [counter], times(s1=300), STRICT, NOW)
    assert result == WaitEstimate(0, 200, 1)


def test_each_person_ahead_costs_their_own_service_time() -> None:
    counter = OpenCounter(1, {1: 1, 2: 1})
    ahead = [waiting(1, service=2, age=120), waiting(2, service=1, age=60)]
    result = estimate_wait(1, N, ahead, [counter], times(s1=100, s2=500), STRICT, NOW)
    assert result == WaitEstimate(people_ahead=2, wait_seconds=600, open_counters=1)


def test_two_counters_share_the_queue() -> None:
    counters = [OpenCounter(1, {1: 1}), OpenCounter(2, {1: 1})]
    ahead = [waiting(i, age=100 - i) for i in range(1, 5)]
    result = estimate_wait(1, N, ahead, counters, times(s1=300), STRICT, NOW)
    assert result == WaitEstimate(4, 600, 2)


def test_an_elderly_citizen_goes_before_normal_tickets_in_strict_mode() -> None:
    counter = OpenCounter(1, {1: 1}, serving=Serving(1, ago(0)))
    ahead = [waiting(i, age=300) for i in range(1, 6)]
    elderly = estimate_wait(1, E, ahead, [counter], times(s1=300), STRICT, NOW)
    normal = estimate_wait(1, N, ahead, [counter], times(s1=300), STRICT, NOW)
    assert elderly == WaitEstimate(0, 300, 1)
    assert normal == WaitEstimate(5, 1800, 1)


def test_ratio_mode_gives_priority_its_share_only() -> None:
    policy = DispatchPolicy(mode="ratio", ratio_priority=1, ratio_normal=2)
    counter = OpenCounter(1, {1: 1}, recent=(E,))  # just called a priority ticket
    ahead = [waiting(1, age=300), waiting(2, age=200)]
    assert estimate_wait(1, E, ahead, [counter], times(s1=300), policy, NOW) == WaitEstimate(2, 600, 1)


def test_people_ahead_counts_only_counters_that_serve_the_service() -> None:
    counters = [OpenCounter(1, {1: 1}), OpenCounter(2, {2: 1})]
    ahead = [waiting(1, service=2, age=100), waiting(2, service=2, age=90)]
    assert estimate_wait(1, N, ahead, counters, times(s1=300, s2=300), STRICT, NOW) == WaitEstimate(0, 0, 1)


def test_a_slower_clerk_takes_longer() -> None:
    samples = [DurationSample(1, 200, counter_id=1) for _ in range(30)]
    samples += [DurationSample(1, 400, counter_id=2) for _ in range(30)]
    st = ServiceTimes(samples)
    assert st.mean(1, 2) > st.mean(1) > st.mean(1, 1)
    slow = estimate_wait(1, N, [waiting(1)], [OpenCounter(2, {1: 1})], st, STRICT, NOW)
    fast = estimate_wait(1, N, [waiting(1)], [OpenCounter(1, {1: 1})], st, STRICT, NOW)
    assert slow.wait_seconds > fast.wait_seconds


def test_a_long_running_service_is_expected_to_run_longer_still() -> None:
    """Mostly quick cases and a few long ones: after 150 s it is one of the long ones."""
    st = ServiceTimes([DurationSample(1, 120) for _ in range(7)] + [DurationSample(1, 600) for _ in range(3)])
    assert st.remaining(1, None, 0) == pytest.approx(264)
    assert st.remaining(1, None, 150) == pytest.approx(450)


def test_a_forgotten_finish_button_does_not_blow_up_the_average() -> None:
    st = ServiceTimes([DurationSample(1, 300) for _ in range(9)] + [DurationSample(1, 4 * 3600)])
    assert st.mean(1) == pytest.approx(300)


def test_without_samples_the_default_time_is_used() -> None:
    st = ServiceTimes([], default_seconds=240)
    assert estimate_wait(1, N, [waiting(1)], [OpenCounter(1, {1: 1})], st, STRICT, NOW) == WaitEstimate(1, 240, 1)


def test_priority_tickets_expected_later_delay_a_normal_ticket() -> None:
    counter = OpenCounter(1, {1: 1})
    ahead = [waiting(i, age=300 - i) for i in range(1, 4)]
    plain = estimate_wait(1, N, ahead, [counter], times(s1=300), STRICT, NOW)
    busy = estimate_wait(1, N, ahead, [counter], times(s1=300), STRICT, NOW, [ArrivalRate(1, E, 12.0)])
    assert plain == WaitEstimate(3, 900, 1)
    assert busy.wait_seconds > plain.wait_seconds
    assert busy.people_ahead == 3  # people ahead counts tickets already waiting


def test_arrival_rates_count_the_last_hour() -> None:
    issued = [(1, N, ago(10)), (1, N, ago(1000)), (1, N, ago(4000)), (2, E, ago(5))]
    assert arrival_rates(issued, NOW) == [ArrivalRate(1, N, 2.0), ArrivalRate(2, E, 1.0)]


def test_naive_estimate_is_people_times_average_over_counters() -> None:
    counters = [OpenCounter(1, {1: 1}), OpenCounter(2, {1: 1, 2: 1})]
    ahead = [waiting(1), waiting(2), waiting(3), waiting(4, service=2)]
    result = naive_estimate(1, ahead, counters, times(s1=100, s2=300))
    assert result == WaitEstimate(people_ahead=3, wait_seconds=300, open_counters=2)


def test_estimate_does_not_change_the_waiting_list() -> None:
    ahead = (waiting(1), waiting(2))
    estimate_wait(1, N, ahead, [OpenCounter(1, {1: 1})], times(s1=300), STRICT, NOW)
    assert ahead == (waiting(1), waiting(2))


# ---------------------------------------------------------------- property


@st.composite
def halls(draw: st.DrawFn):
    services = [1, 2, 3]
    durations = {s: draw(st.integers(30, 900)) for s in services}
    counters = []
    for cid in range(1, draw(st.integers(1, 4)) + 1):
        weights = draw(st.dictionaries(st.sampled_from(services), st.integers(1, 4), min_size=1, max_size=3))
        serving = None
        if draw(st.booleans()):
            s = draw(st.sampled_from(services))
            serving = Serving(s, ago(draw(st.integers(0, durations[s] - 1))))
        recent = tuple(draw(st.lists(st.sampled_from(list(PriorityClass)), max_size=4)))
        counters.append(OpenCounter(cid, weights, serving, recent))
    n = draw(st.integers(0, 25))
    tickets = [
        WaitingTicket(
            i,
            draw(st.sampled_from(services)),
            draw(st.sampled_from(list(PriorityClass))),
            ago(draw(st.integers(0, 3000))),
            front=draw(st.integers(0, 9)) == 0,
        )
        for i in range(1, n + 1)
    ]
    policy = DispatchPolicy(
        mode=draw(st.sampled_from(["strict", "ratio"])),
        ratio_priority=draw(st.integers(1, 2)),
        ratio_normal=draw(st.integers(1, 3)),
        max_wait_seconds=draw(st.none() | st.integers(600, 3600)),
    )
    return durations, counters, tickets, policy, draw(st.sampled_from(services)), draw(st.sampled_from(list(PriorityClass)))


@settings(max_examples=80)
@given(halls())
def test_when_every_service_takes_exactly_its_average_the_estimate_comes_true(hall) -> None:
    """Play the hall forward with choose_next itself and fixed service times: the new
    ticket is called exactly when and after whom the estimate said."""
    durations, counters, tickets, policy, service, cls = hall
    st_ = ServiceTimes([DurationSample(s, d) for s, d in durations.items() for _ in range(10)])
    estimate = estimate_wait(service, cls, tickets, counters, st_, policy, NOW)
    if not any(service in c.weights for c in counters):
        assert isinstance(estimate, NoCounterOpen)
        return

    new = WaitingTicket(len(tickets) + 1, service, cls, NOW)
    pending = [*tickets, new]
    free = sorted(
        (durations[c.serving.service_id] - (NOW - c.serving.since).total_seconds() if c.serving else 0.0, c.id)
        for c in counters
    )
    by_id = {c.id: c for c in counters}
    recent = {c.id: list(c.recent) for c in counters}
    ahead = 0
    while True:
        at_s, cid = free.pop(0)
        chosen = choose_next(pending, by_id[cid].view, policy, NOW + timedelta(seconds=at_s), recent[cid])
        if chosen is None:
            continue
        if chosen.id == new.id:
            break
        pending.remove(chosen)
        recent[cid].insert(0, chosen.priority)
        ahead += service in by_id[cid].weights
        free.append((at_s + durations[chosen.service_id], cid))
        free.sort()
    assert estimate == WaitEstimate(ahead, round(at_s), sum(service in c.weights for c in counters))


# ---------------------------------------------------------------- long queues: bounded replay


EXACT = 10**9  # a replay budget no queue reaches: the whole queue replayed, as before


def long_queue(n: int, services: tuple[int, ...] = (1,), every_priority: int = 0) -> list[WaitingTicket]:
    return [waiting(i, service=services[i % len(services)],
                    cls=E if every_priority and i % every_priority == 0 else N, age=2 * (n - i) + 1)
            for i in range(1, n + 1)]


def test_a_long_queue_is_estimated_like_the_full_replay() -> None:
    """3,000 people ahead at two counters: the replay of the first calls and the closed
    form for the rest tell what replaying all 3,000 calls tells."""
    queue = long_queue(3000)
    counters = [OpenCounter(1, {1: 1}), OpenCounter(2, {1: 1})]
    bounded = estimate_wait(1, N, queue, counters, times(s1=300), STRICT, NOW)
    full = estimate_wait(1, N, queue, counters, times(s1=300), STRICT, NOW, replay_calls=EXACT)
    assert full == WaitEstimate(3000, 3000 * 300 // 2, 2)
    assert bounded.people_ahead == 3000
    assert abs(bounded.wait_seconds - full.wait_seconds) <= 0.01 * full.wait_seconds


def test_clerks_who_finish_each_ticket_the_second_they_call_it_still_get_an_estimate() -> None:
    """Every recorded service took 0 s (start and finish pressed together): the kiosk still
    answers, with the shortest time a ticket is expected to take, at any queue length (the
    long queue's remainder divided by the mean, and a kiosk got a 500 for every number)."""
    zero = ServiceTimes([DurationSample(1, 0.0, counter_id=c) for c in (1, 2) for _ in range(10)])
    counters = [OpenCounter(1, {1: 1}), OpenCounter(2, {1: 1})]
    for n in (3, 3000):
        result = estimate_wait(1, N, long_queue(n), counters, zero, STRICT, NOW)
        assert result.people_ahead == n
        assert result.wait_seconds == pytest.approx((n // 2) * MIN_SERVICE_S, rel=0.05)  # two counters


@pytest.mark.parametrize("mode", ["strict", "ratio"])
def test_a_long_mixed_queue_at_shared_counters_stays_close_to_the_full_replay(mode: str) -> None:
    """Two services sharing weighted counters, a priority ticket in every 25, recent arrivals:
    the bounded estimate stays within 10 % of replaying everything."""
    queue = long_queue(2000, services=(1, 2), every_priority=25)
    counters = [OpenCounter(1, {1: 3, 2: 1}), OpenCounter(2, {1: 1, 2: 3}), OpenCounter(3, {2: 1}),
                OpenCounter(4, {1: 1}, serving=Serving(1, ago(60)))]
    policy = DispatchPolicy(mode=mode, max_wait_seconds=3600)
    rates = [ArrivalRate(1, N, 20), ArrivalRate(2, N, 10), ArrivalRate(1, E, 2)]
    for service, cls in ((1, N), (2, N), (1, E)):
        bounded = estimate_wait(service, cls, queue, counters, times(s1=240, s2=420), policy, NOW, rates)
        full = estimate_wait(service, cls, queue, counters, times(s1=240, s2=420), policy, NOW, rates,
                             replay_calls=EXACT)
        assert abs(bounded.wait_seconds - full.wait_seconds) <= 0.1 * max(full.wait_seconds, 600), (service, cls)
        assert abs(bounded.people_ahead - full.people_ahead) <= 0.1 * max(full.people_ahead, 20), (service, cls)


def test_a_short_queue_is_still_replayed_call_by_call() -> None:
    """Below the replay's bound nothing is extrapolated: the answer is the full replay's."""
    queue = long_queue(40, services=(1, 2), every_priority=7)
    counters = [OpenCounter(1, {1: 3, 2: 1}), OpenCounter(2, {2: 1})]
    for service in (1, 2):
        assert estimate_wait(service, N, queue, counters, times(s1=200, s2=300), STRICT, NOW) == estimate_wait(
            service, N, queue, counters, times(s1=200, s2=300), STRICT, NOW, replay_calls=EXACT)


def test_the_floor_is_a_round_of_the_quickest_service_per_counter_at_most_45_s() -> None:
    from queue_server.domain.estimate import FLOOR_MIN_S, floor_seconds

    assert floor_seconds(3, 1, 600) == 3 * FLOOR_MIN_S and floor_seconds(3, 2, 600) == FLOOR_MIN_S
    assert floor_seconds(1, 2, 600) == 0 and floor_seconds(3, 1, 12) == 36 and floor_seconds(0, 1, 600) == 0


@settings(max_examples=250, deadline=None)
@given(halls(), st.sampled_from([1, 2, 4, 8, 16, 64]))
def test_several_people_ahead_never_read_as_your_turn_now(hall, replay_calls) -> None:
    """However short the replay (the closed form takes over sooner), N ahead at C counters
    is never promised in less than N // C rounds of the quickest service there. Without the
    floor in the closed form, a replay of 2-16 calls breaks this."""
    from queue_server.domain.estimate import FLOOR_MIN_S

    durations, counters, tickets, policy, service, cls = hall
    st_ = ServiceTimes([DurationSample(s, d) for s, d in durations.items() for _ in range(10)])
    result = estimate_wait(service, cls, tickets, counters, st_, policy, NOW, replay_calls=replay_calls)
    if isinstance(result, NoCounterOpen):
        return
    quickest = min(durations[s] for c in counters if service in c.weights for s in c.weights)
    rounds = result.people_ahead // result.open_counters
    assert result.wait_seconds >= round(rounds * min(FLOOR_MIN_S, quickest))

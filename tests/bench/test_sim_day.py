"""The simulated hall day behind the estimate benchmark is itself sound."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.sim_day import make_day, simulate


@pytest.fixture(scope="module", params=[3, 4])  # one ratio-mode day, one strict-mode day
def day(request: pytest.FixtureRequest):
    return simulate(make_day(request.param, scale=0.4))


def test_every_ticket_issued_is_called_exactly_once(day) -> None:
    assert day.tickets, "the day has arrivals"
    called = Counter(call.ticket_id for call in day.calls)
    assert set(called) == {t.id for t in day.tickets}
    assert max(called.values()) == 1
    assert day.left_waiting == 0


def test_ticket_records_match_the_calls(day) -> None:
    by_id = {t.id: t for t in day.tickets}
    for call in day.calls:
        t = by_id[call.ticket_id]
        assert (t.called_s, t.counter_id, t.service_id) == (call.called_s, call.counter_id, call.service_id)
        assert t.called_s >= t.issued_s


def test_counters_call_only_their_services_and_one_ticket_at_a_time(day) -> None:
    weights = {c.id: c.weights for c in day.config.counters}
    for counter_id in weights:
        calls = sorted((c for c in day.calls if c.counter_id == counter_id), key=lambda c: c.called_s)
        assert all(c.service_id in weights[counter_id] for c in calls)
        for before, after in zip(calls, calls[1:], strict=False):
            assert after.called_s >= before.free_s


def test_numbers_are_issued_only_while_the_kiosk_is_open(day) -> None:
    for t in day.tickets:
        hour = t.issued_s / 3600
        assert 7.5 <= hour < 11.25 or 13.5 <= hour < 16.75


def test_same_seed_same_day() -> None:
    a = simulate(make_day(5, scale=0.3))
    b = simulate(make_day(5, scale=0.3))
    assert a.tickets == b.tickets and a.calls == b.calls
    assert simulate(make_day(6, scale=0.3)).tickets != a.tickets


def test_every_estimate_is_a_wait_in_seconds(day) -> None:
    for t in day.tickets:
        assert t.estimate.wait_seconds >= 0 and t.naive.wait_seconds >= 0
        assert t.estimate.open_counters >= 1
    ours, naive = day.mae()
    assert ours >= 0 and naive >= 0

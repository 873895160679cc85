"""The monitor's rules: thresholds that make no sense are refused by name, and each alert
holds exactly while its condition does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from queue_server.domain.monitor import (
    CounterState,
    DeviceState,
    HallState,
    Happening,
    ServiceState,
    ThresholdError,
    Thresholds,
    alerts,
    next_change,
)

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def kinds(state: HallState, t: Thresholds | None = None, now: datetime = NOW) -> list[str]:
    return [a.kind for a in alerts(state, t or Thresholds(), now)]


@pytest.mark.parametrize(("data", "key"), [
    ({"paused_too_long_minutes": 0}, "paused_too_long_minutes"),
    ({"wait_target_minutes": -5}, "wait_target_minutes"),
    ({"device_silent_minutes": 1.5}, "device_silent_minutes"),
    ({"called_not_started_calls": True}, "called_not_started_calls"),
    ({"called_not_started_calls": "3"}, "called_not_started_calls"),
    ({"lockout_alert_minutes": 10**6}, "lockout_alert_minutes"),
    ({"service_wait_target_minutes": {"HT": 0}}, "service_wait_target_minutes.HT"),
    ({"service_wait_target_minutes": [1]}, "service_wait_target_minutes"),
    ({"pause_minutes": 5}, "pause_minutes"),
])
def test_a_threshold_that_makes_no_sense_is_refused_with_its_key(data, key):
    with pytest.raises(ThresholdError) as refused:
        Thresholds.from_mapping(data)
    assert refused.value.key == key


def test_thresholds_default_and_round_trip():
    t = Thresholds.from_mapping({"wait_target_minutes": 20, "service_wait_target_minutes": {"CT": 45}})
    assert Thresholds.from_mapping(t.as_json()) == t
    assert t.target_minutes("CT") == 45 and t.target_minutes("HT") == 20
    assert Thresholds.from_mapping(None) == Thresholds()


def service(oldest_minutes: float | None, *, waiting: int = 1, open_counters: int = 1, code: str = "HT") -> ServiceState:
    oldest = None if oldest_minutes is None else NOW - timedelta(minutes=oldest_minutes)
    return ServiceState(1, code, "Hộ tịch", waiting if oldest is not None else 0, oldest, "A001", open_counters)


def test_a_ticket_past_its_services_target_raises_an_alert_which_clears_once_it_is_called():
    assert kinds(HallState(services=[service(29)])) == []
    over = alerts(HallState(services=[service(31)]), Thresholds(), NOW)
    assert [a.kind for a in over] == ["wait_over_target"]
    assert "A001" in over[0].text_vi and over[0].threshold == "wait_target_minutes"
    assert kinds(HallState(services=[service(None)])) == []  # called: nobody waits any more
    # a service's own target wins over the site's
    t = Thresholds.from_mapping({"service_wait_target_minutes": {"HT": 10}})
    assert [a.threshold for a in alerts(HallState(services=[service(11)]), t, NOW)] == ["service_wait_target_minutes"]


def test_people_waiting_with_no_counter_open():
    assert kinds(HallState(services=[service(1, open_counters=0)])) == ["no_counter_open"]
    t = Thresholds.from_mapping({"no_counter_open_waiting": 3})
    assert kinds(HallState(services=[service(1, waiting=2, open_counters=0)]), t) == []


def test_counters_called_too_often_or_paused_too_long():
    called = CounterState(1, 3, "open", NOW, "A001", "called", 3)
    assert kinds(HallState(counters=[called])) == ["called_not_started"]
    serving = CounterState(1, 3, "open", NOW, "A001", "serving", 5)
    assert kinds(HallState(counters=[serving])) == []
    paused = CounterState(2, 4, "paused", NOW - timedelta(minutes=16))
    assert kinds(HallState(counters=[paused])) == ["paused_too_long"]
    assert kinds(HallState(counters=[paused]), Thresholds.from_mapping({"paused_too_long_minutes": 20})) == []


def test_devices_silent_or_out_of_paper():
    seen = DeviceState(1, "kiosk", "Ki-ốt 1", NOW - timedelta(minutes=1))
    assert kinds(HallState(devices=[seen])) == []
    assert kinds(HallState(devices=[DeviceState(1, "kiosk", "Ki-ốt 1", NOW - timedelta(minutes=4))])) == ["device_silent"]
    assert kinds(HallState(devices=[DeviceState(2, "display", "TV", None)])) == ["device_silent"]
    low = DeviceState(1, "kiosk", "Ki-ốt 1", NOW, "paper_low")
    assert kinds(HallState(devices=[low])) == ["printer"]


def test_happenings_stay_alerts_for_their_window():
    h = [Happening("print_failed", NOW - timedelta(minutes=5), "7", "in lỗi", "print failed"),
         Happening("lockout", NOW - timedelta(minutes=40), "8", "khoá", "locked"),
         Happening("out_of_order", NOW - timedelta(minutes=1), "9", "gọi", "called")]
    assert kinds(HallState(happenings=h)) == ["print_failed", "out_of_order"]
    assert kinds(HallState(happenings=h), Thresholds.from_mapping({"lockout_alert_minutes": 60})) == [
        "print_failed", "out_of_order", "lockout"]


def test_the_next_change_is_when_an_alert_would_appear_or_clear_with_time_alone():
    t = Thresholds()  # target 30 min, paused 15 min, devices 5 min ... (the defaults)
    state = HallState(services=[service(29)],
                      counters=[CounterState(7, 2, "paused", NOW - timedelta(minutes=10))],
                      devices=[DeviceState(3, "kiosk", "Ki-ốt 1", NOW - timedelta(minutes=1))])
    soonest = next_change(state, t, NOW)
    # the ticket reaches its target in one minute: the soonest of the three
    assert soonest == NOW + timedelta(minutes=1)
    assert kinds(state, t, soonest - timedelta(seconds=1)) == [] and "wait_over_target" in kinds(state, t, soonest
                                                                                                 + timedelta(seconds=1))
    # past every deadline, and with nothing waiting or paused: nothing changes by time alone
    assert next_change(HallState(services=[service(None)]), t, NOW) is None

"""The supervisor monitor's rules: its alert thresholds (checked, with the wrong key named)
and which alerts hold for a given state of the hall at a given time.

Pure: the state is plain data read by services/monitor, the time is passed in. The
monitor page (web/supervisor/monitor.js) applies the same rules to the state it keeps from
the event stream; tests/domain/test_monitor.py is the reference both follow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# key -> (default, upper bound); every threshold is a whole number >= 1
THRESHOLDS: dict[str, tuple[int, int]] = {
    "wait_target_minutes": (30, 24 * 60),  # a ticket waiting longer than its service's target
    "called_not_started_calls": (3, 50),  # called this many times and not started
    "paused_too_long_minutes": (15, 24 * 60),  # a counter paused longer than this
    "no_counter_open_waiting": (1, 10000),  # this many waiting for a service no open counter serves
    "device_silent_minutes": (3, 24 * 60),  # a kiosk, display or agent not seen for this long
    "print_failure_alert_minutes": (30, 24 * 60),  # how long a print failure stays an alert
    "out_of_order_alert_minutes": (30, 24 * 60),  # how long an out-of-order call stays an alert
    "lockout_alert_minutes": (30, 24 * 60),  # how long a login lockout stays an alert
}
SERVICE_TARGETS = "service_wait_target_minutes"  # {service code: minutes}: overrides wait_target_minutes
PRINTER_TROUBLE = ("paper_low", "paper_out", "offline", "error")


class ThresholdError(ValueError):
    """A threshold that makes no sense; `key` names it (e.g. "paused_too_long_minutes")."""

    def __init__(self, key: str, problem_vi: str, problem_en: str) -> None:
        super().__init__(f"{key}: {problem_en}")
        self.key = key
        self.problem_vi = problem_vi
        self.problem_en = problem_en


def _whole(key: str, value: Any, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ThresholdError(key, "phải là số nguyên", "must be a whole number")
    if value < 1:
        raise ThresholdError(key, f"phải lớn hơn 0 (đã nhập {value})", f"must be greater than 0 (got {value})")
    if value > high:
        raise ThresholdError(key, f"không được quá {high} (đã nhập {value})", f"must be at most {high} (got {value})")
    return value


@dataclass(frozen=True)
class Thresholds:
    wait_target_minutes: int = THRESHOLDS["wait_target_minutes"][0]
    called_not_started_calls: int = THRESHOLDS["called_not_started_calls"][0]
    paused_too_long_minutes: int = THRESHOLDS["paused_too_long_minutes"][0]
    no_counter_open_waiting: int = THRESHOLDS["no_counter_open_waiting"][0]
    device_silent_minutes: int = THRESHOLDS["device_silent_minutes"][0]
    print_failure_alert_minutes: int = THRESHOLDS["print_failure_alert_minutes"][0]
    out_of_order_alert_minutes: int = THRESHOLDS["out_of_order_alert_minutes"][0]
    lockout_alert_minutes: int = THRESHOLDS["lockout_alert_minutes"][0]
    service_wait_target_minutes: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Thresholds:
        """Thresholds from stored or submitted settings; unknown keys and values that make no
        sense (zero, negative, not a whole number) raise ThresholdError naming the key."""
        data = dict(data or {})
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == SERVICE_TARGETS:
                if not isinstance(value, Mapping):
                    raise ThresholdError(key, "phải là bảng mã dịch vụ → số phút", "must map service codes to minutes")
                values[key] = {str(code): _whole(f"{key}.{code}", minutes, THRESHOLDS["wait_target_minutes"][1])
                               for code, minutes in value.items()}
            elif key in THRESHOLDS:
                values[key] = _whole(key, value, THRESHOLDS[key][1])
            else:
                raise ThresholdError(key, "không phải một ngưỡng cảnh báo", "is not a monitor threshold")
        return cls(**values)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in THRESHOLDS}
        out[SERVICE_TARGETS] = dict(self.service_wait_target_minutes)
        return out

    def target_minutes(self, service_code: str) -> int:
        return self.service_wait_target_minutes.get(service_code, self.wait_target_minutes)


# -- the state the rules look at ------------------------------------------------------------

@dataclass(frozen=True)
class ServiceState:
    id: int
    code: str
    name_vi: str
    waiting: int
    oldest_queued_at: datetime | None  # the longest-waiting ticket now
    oldest_code: str | None = None
    open_counters: int = 0  # open counters serving it


@dataclass(frozen=True)
class CounterState:
    id: int
    number: int
    state: str  # open | paused | closed
    since: datetime | None
    current_code: str | None = None
    current_state: str | None = None  # called | serving
    call_count: int = 0


@dataclass(frozen=True)
class DeviceState:
    id: int
    kind: str  # kiosk | display | agent
    name: str
    last_seen_at: datetime | None
    printer: str = ""  # "" | ok | paper_low | paper_out | offline | error (kiosks)


@dataclass(frozen=True)
class Happening:
    """Something that happened once and stays an alert for a while: a print failure, an
    out-of-order call, a login lockout."""

    kind: str  # print_failed | out_of_order | lockout
    at: datetime
    key: str  # what it is about (ticket code, username ...), part of the alert's identity
    text_vi: str
    text_en: str


@dataclass(frozen=True)
class HallState:
    services: Sequence[ServiceState] = ()
    counters: Sequence[CounterState] = ()
    devices: Sequence[DeviceState] = ()
    happenings: Sequence[Happening] = ()


@dataclass(frozen=True)
class Alert:
    kind: str
    key: str  # unique per alert: the page keeps one row per key
    threshold: str  # the setting that decides it
    since: datetime | None
    text_vi: str
    text_en: str

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "threshold": self.threshold,
                "since": self.since.isoformat() if self.since else None, "text_vi": self.text_vi,
                "text_en": self.text_en}


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def alerts(state: HallState, t: Thresholds, now: datetime) -> list[Alert]:
    """Every alert that holds at `now`, in a stable order (by kind, then key)."""
    out: list[Alert] = []
    for s in state.services:
        target = t.target_minutes(s.code)
        if s.oldest_queued_at is not None and now - s.oldest_queued_at > timedelta(minutes=target):
            waited = _minutes(now - s.oldest_queued_at)
            out.append(Alert("wait_over_target", f"wait:{s.id}", SERVICE_TARGETS if s.code in
                             t.service_wait_target_minutes else "wait_target_minutes",
                             s.oldest_queued_at + timedelta(minutes=target),
                             f"{s.code} {s.name_vi}: số {s.oldest_code or ''} đã chờ {waited} phút (mục tiêu {target} phút)",
                             f"{s.code}: {s.oldest_code or ''} has waited {waited} min (target {target} min)"))
        if s.waiting >= t.no_counter_open_waiting and s.open_counters == 0:
            out.append(Alert("no_counter_open", f"nocounter:{s.id}", "no_counter_open_waiting", None,
                             f"{s.code} {s.name_vi}: {s.waiting} người chờ nhưng không quầy nào mở",
                             f"{s.code}: {s.waiting} waiting and no counter open"))
    for c in state.counters:
        if c.current_state == "called" and c.call_count >= t.called_not_started_calls:
            out.append(Alert("called_not_started", f"calls:{c.id}", "called_not_started_calls", None,
                             f"Quầy {c.number}: số {c.current_code} đã gọi {c.call_count} lần, chưa đến",
                             f"Counter {c.number}: {c.current_code} called {c.call_count} times, not started"))
        if c.state == "paused" and c.since is not None and now - c.since > timedelta(minutes=t.paused_too_long_minutes):
            out.append(Alert("paused_too_long", f"paused:{c.id}", "paused_too_long_minutes",
                             c.since + timedelta(minutes=t.paused_too_long_minutes),
                             f"Quầy {c.number} tạm dừng đã {_minutes(now - c.since)} phút",
                             f"Counter {c.number} paused for {_minutes(now - c.since)} min"))
    for d in state.devices:
        silent = d.last_seen_at is None or now - d.last_seen_at > timedelta(minutes=t.device_silent_minutes)
        if silent:
            seen_vi = "chưa từng kết nối" if d.last_seen_at is None else f"mất liên lạc {_minutes(now - d.last_seen_at)} phút"
            seen_en = "never seen" if d.last_seen_at is None else f"not seen for {_minutes(now - d.last_seen_at)} min"
            out.append(Alert("device_silent", f"silent:{d.id}", "device_silent_minutes", d.last_seen_at,
                             f"{d.name} ({d.kind}): {seen_vi}", f"{d.name} ({d.kind}): {seen_en}"))
        elif d.printer in PRINTER_TROUBLE:
            out.append(Alert("printer", f"printer:{d.id}", "device_silent_minutes", None,
                             f"{d.name}: máy in {PRINTER_VI[d.printer]}", f"{d.name}: printer {d.printer.replace('_', ' ')}"))
    windows = {"print_failed": ("print_failure_alert_minutes", t.print_failure_alert_minutes),
               "out_of_order": ("out_of_order_alert_minutes", t.out_of_order_alert_minutes),
               "lockout": ("lockout_alert_minutes", t.lockout_alert_minutes)}
    for h in state.happenings:
        setting, minutes = windows[h.kind]
        if h.at <= now < h.at + timedelta(minutes=minutes):
            out.append(Alert(h.kind, f"{h.kind}:{h.key}", setting, h.at, h.text_vi, h.text_en))
    order = {k: i for i, k in enumerate(ALERT_KINDS)}
    return sorted(out, key=lambda a: (order[a.kind], a.key))


def next_change(state: HallState, t: Thresholds, now: datetime) -> datetime | None:
    """The soonest instant after `now` at which `alerts` would change with time alone (a
    ticket passing its target, a pause growing too long, a device falling silent, a past
    happening leaving its window), so a page asks again then rather than polling; None when
    nothing would change without a new event."""
    times: list[datetime] = []
    for s in state.services:
        if s.oldest_queued_at is not None:
            times.append(s.oldest_queued_at + timedelta(minutes=t.target_minutes(s.code)))
    for c in state.counters:
        if c.state == "paused" and c.since is not None:
            times.append(c.since + timedelta(minutes=t.paused_too_long_minutes))
    for d in state.devices:
        if d.last_seen_at is not None:
            times.append(d.last_seen_at + timedelta(minutes=t.device_silent_minutes))
    windows = {"print_failed": t.print_failure_alert_minutes, "out_of_order": t.out_of_order_alert_minutes,
               "lockout": t.lockout_alert_minutes}
    for h in state.happenings:
        times.append(h.at + timedelta(minutes=windows[h.kind]))
    later = [x for x in times if x > now]
    return min(later) if later else None


PRINTER_VI = {"paper_low": "sắp hết giấy", "paper_out": "hết giấy", "offline": "không phản hồi", "error": "báo lỗi"}
ALERT_KINDS = ("wait_over_target", "no_counter_open", "called_not_started", "paused_too_long", "printer",
               "print_failed", "device_silent", "out_of_order", "lockout")

__all__ = ["THRESHOLDS", "SERVICE_TARGETS", "ThresholdError", "Thresholds", "ServiceState", "CounterState",
           "DeviceState", "Happening", "HallState", "Alert", "alerts", "next_change", "ALERT_KINDS"]

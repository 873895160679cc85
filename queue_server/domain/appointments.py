"""Appointments (đặt lịch hẹn): the pure rules.

- `SlotRule`: what a supervisor sets for one service (slot length, places per slot, which
  weekdays and hours, how far ahead booking opens, the check-in tolerance, the share of
  calls appointments may take), checked so that a wrong value names its field.
- `slot_starts`: the slots of one day, cut from the rule's hours *inside* the site's working
  sessions of that day (WorkCalendar: Tết, public holidays and days given off have none; a
  swapped working Saturday has the sessions of a working day and counts as a Monday).
- `booking_refusal`: why a slot cannot be booked now (no appointments at this service, not
  a slot, a day off, past, too far ahead), or None.
- `check_in_refusal`: too early or too late to check in for a slot, or None.
- Booking codes: 8 characters, "H" then 7 from an alphabet without 0/O, 1/I/L.

No clock, no I/O: times are passed in (aware datetimes, local times in the site's zone).
The dispatch rule for appointments is in dispatch.py (rule 0).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, TypeAlias

from queue_server.domain.working_days import Session, WorkCalendar, WorkingHours, parse_session

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "Refusal",
    "SlotRule",
    "booking_refusal",
    "check_in_refusal",
    "code_is_well_formed",
    "new_code",
    "normalize_code",
    "slot_starts",
    "working_sessions",
]

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_PREFIX = "H"

WEEKDAY_NAMES_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# bounds of each setting (the supervisor page shows them; the API refuses outside them)
LIMITS: Mapping[str, tuple[int, int]] = {
    "slot_minutes": (5, 240),
    "capacity": (1, 200),
    "book_ahead_days": (0, 90),
    "early_minutes": (0, 240),
    "late_minutes": (0, 240),
    "share_percent": (10, 90),
}

RefusalCode: TypeAlias = Literal["closed", "not_a_slot", "day_off", "past", "too_far", "too_early", "too_late"]


@dataclass(frozen=True)
class Refusal:
    """Why a booking or a check-in is refused, in words (Vietnamese, then English)."""

    code: RefusalCode
    vi: str
    en: str
    facts: Mapping[str, Any] = field(default_factory=dict)


def _int(name: str, value: object) -> int:
    low, high = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return value


@dataclass(frozen=True)
class SlotRule:
    """One service's appointment settings.

    weekdays: 0 = Monday ... 6 = Sunday (only days the site's calendar makes working days
        give slots). windows: the hours appointments are taken, e.g. 08:00-11:00; cut to the
        site's sessions. book_ahead_days: a slot can be booked at most this many days ahead
        (0: today only). early_minutes/late_minutes: check-in tolerance around the slot start;
        a booking not checked in by start + late_minutes is a no-show. share_percent: the
        largest share of a counter's calls appointments may take while walk-ins wait.
    """

    enabled: bool = False
    slot_minutes: int = 30
    capacity: int = 2
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    windows: tuple[Session, ...] = (Session(time(8, 0), time(11, 0)), Session(time(14, 0), time(16, 30)))
    book_ahead_days: int = 14
    early_minutes: int = 30
    late_minutes: int = 15
    share_percent: int = 50

    def __post_init__(self) -> None:
        if not isinstance(self.enabled, bool):
            raise ValueError(f"enabled must be true or false, got {self.enabled!r}")
        for name in LIMITS:
            _int(name, getattr(self, name))
        days = self.weekdays
        if isinstance(days, (str, bytes)) or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6
                                                     for d in days):
            raise ValueError(f"weekdays must list days 0 (Monday) to 6 (Sunday), got {days!r}")
        object.__setattr__(self, "weekdays", frozenset(days))
        windows = tuple(sorted(self.windows))
        for a, b in zip(windows, windows[1:], strict=False):
            if b.start < a.end:
                raise ValueError(f"windows must not overlap: {a} and {b}")
        if self.enabled and not windows:
            raise ValueError("windows: give at least one range of hours, e.g. 08:00-11:00")
        if self.enabled and not self.weekdays:
            raise ValueError("weekdays: choose at least one day")
        object.__setattr__(self, "windows", windows)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> SlotRule:
        """From stored or submitted JSON; an unknown key or a wrong value raises ValueError
        whose text starts with the field's name."""
        known = {"enabled", "weekdays", "windows", *LIMITS}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown setting (known: {', '.join(sorted(known))})")
        kwargs = dict(values)
        if "windows" in kwargs:
            raw = kwargs["windows"]
            if isinstance(raw, str) or not isinstance(raw, Sequence):
                raise ValueError(f"windows must be a list like [\"08:00-11:00\"], got {raw!r}")
            try:
                kwargs["windows"] = tuple(parse_session(str(w)) for w in raw)
            except ValueError as exc:
                raise ValueError(f"windows: {exc}") from None
        if "weekdays" in kwargs:
            raw = kwargs["weekdays"]
            if isinstance(raw, str) or not isinstance(raw, Sequence):
                raise ValueError(f"weekdays must be a list of days 0-6, got {raw!r}")
            kwargs["weekdays"] = frozenset(raw) if all(isinstance(d, int) for d in raw) else raw
        return cls(**kwargs)

    def to_mapping(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "slot_minutes": self.slot_minutes, "capacity": self.capacity,
                "weekdays": sorted(self.weekdays), "windows": [str(w) for w in self.windows],
                "book_ahead_days": self.book_ahead_days, "early_minutes": self.early_minutes,
                "late_minutes": self.late_minutes, "share_percent": self.share_percent}


def working_sessions(day: date, calendar: WorkCalendar, hours: WorkingHours) -> tuple[Session, ...]:
    """The site's sessions of `day` (none on a day off)."""
    return calendar.sessions(day, hours)


def _weekday_for_rule(day: date, calendar: WorkCalendar) -> int:
    """A swapped working day (a Saturday worked in exchange) counts as a Monday."""
    hy = calendar.year(day.year)
    if hy is not None and day in hy.working_days:
        return 0
    return day.weekday()


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def slot_starts(rule: SlotRule, day: date, calendar: WorkCalendar, hours: WorkingHours) -> list[time]:
    """The start times of `day`'s slots, in order: each window of the rule cut to the site's
    working sessions of that day, cut into whole slots of `slot_minutes` from the start of
    each overlap. Empty when appointments are off, on a weekday the rule leaves out, and on
    every day the calendar gives off (Tết, public holidays, days off in exchange)."""
    if not rule.enabled or _weekday_for_rule(day, calendar) not in rule.weekdays:
        return []
    starts: list[time] = []
    for session in working_sessions(day, calendar, hours):
        for window in rule.windows:
            begin = max(_minutes(session.start), _minutes(window.start))
            end = min(_minutes(session.end), _minutes(window.end))
            t = begin
            while t + rule.slot_minutes <= end:
                starts.append(time(t // 60, t % 60))
                t += rule.slot_minutes
    return sorted(set(starts))


def _day_words(day: date) -> tuple[str, str]:
    return (f"{WEEKDAY_NAMES_VI[day.weekday()]} {day:%d/%m/%Y}", f"{WEEKDAY_NAMES_EN[day.weekday()]} {day:%d/%m/%Y}")


def booking_refusal(rule: SlotRule, day: date, start: time, now_local: datetime, calendar: WorkCalendar,
                    hours: WorkingHours) -> Refusal | None:
    """Why the slot of `day` at `start` cannot be booked at `now_local` (site time), or None.
    A full slot is decided by the store (a conditional update), not here."""
    if not rule.enabled:
        return Refusal("closed", "Dịch vụ này chưa nhận đặt lịch hẹn.",
                       "This service does not take appointments.")
    vi_day, en_day = _day_words(day)
    if not calendar.is_working_day(day, hours):
        off = calendar.day_off(day)
        if off is not None:
            return Refusal("day_off", f"{vi_day} là ngày nghỉ ({off.name_vi}): không nhận lịch hẹn.",
                           f"{en_day} is a day off ({off.name_en or off.name_vi}): no appointments.",
                           {"day": day.isoformat(), "holiday_vi": off.name_vi, "holiday_en": off.name_en})
        return Refusal("day_off", f"{vi_day} không phải ngày làm việc: không nhận lịch hẹn.",
                       f"{en_day} is not a working day: no appointments.", {"day": day.isoformat()})
    if start not in slot_starts(rule, day, calendar, hours):
        return Refusal("not_a_slot", f"Không có khung giờ {start:%H:%M} ngày {vi_day} (starts_at).",
                       f"There is no slot at {start:%H:%M} on {en_day} (starts_at).", {"field": "starts_at"})
    today = now_local.date()
    starts_at = datetime.combine(day, start, now_local.tzinfo)
    if starts_at <= now_local:
        return Refusal("past", f"Khung giờ {start:%H:%M} ngày {vi_day} đã qua; hãy chọn khung giờ khác.",
                       f"The slot at {start:%H:%M} on {en_day} has passed; choose another.")
    if (day - today).days > rule.book_ahead_days:
        last = today + timedelta(days=rule.book_ahead_days)
        return Refusal("too_far", f"Chỉ đặt lịch trước tối đa {rule.book_ahead_days} ngày (đến {last:%d/%m/%Y}).",
                       f"Appointments open at most {rule.book_ahead_days} days ahead (until {last:%d/%m/%Y}).",
                       {"last_day": last.isoformat()})
    return None


def check_in_window(rule: SlotRule, starts_at: datetime) -> tuple[datetime, datetime]:
    """From when to when a booking of the slot starting at `starts_at` may check in."""
    return (starts_at - timedelta(minutes=rule.early_minutes), starts_at + timedelta(minutes=rule.late_minutes))


def check_in_refusal(rule: SlotRule, starts_at: datetime, now: datetime, zone: Any) -> Refusal | None:
    """Too early or too late to check in at `now` for the slot starting at `starts_at`."""
    opens, closes = check_in_window(rule, starts_at)
    local = starts_at.astimezone(zone)
    if now < opens:
        at = opens.astimezone(zone)
        same_day = at.date() == now.astimezone(zone).date()
        when_vi = f"{at:%H:%M}" if same_day else f"{at:%H:%M} ngày {at:%d/%m/%Y}"
        when_en = f"{at:%H:%M}" if same_day else f"{at:%H:%M} on {at:%d/%m/%Y}"
        return Refusal("too_early",
                       f"Lịch hẹn lúc {local:%H:%M} ngày {local:%d/%m/%Y}: chỉ xác nhận có mặt từ {when_vi}. "
                       "Ông/Bà có thể lấy số thường ngay bây giờ.",
                       f"Your appointment is at {local:%H:%M} on {local:%d/%m/%Y}: check-in opens at {when_en}. "
                       "You can take a walk-in number now.",
                       {"opens_at": opens.isoformat(), "starts_at": starts_at.isoformat()})
    if now > closes:
        return Refusal("too_late",
                       f"Lịch hẹn lúc {local:%H:%M} ngày {local:%d/%m/%Y} đã quá giờ xác nhận "
                       f"({rule.late_minutes} phút sau giờ hẹn). Ông/Bà vui lòng lấy số thường.",
                       f"Your appointment at {local:%H:%M} on {local:%d/%m/%Y} is past its check-in time "
                       f"({rule.late_minutes} min after the slot). Please take a walk-in number.",
                       {"closed_at": closes.isoformat(), "starts_at": starts_at.isoformat()})
    return None


# -- booking codes -------------------------------------------------------------------------

_CODE_RE = re.compile(f"^{CODE_PREFIX}[{CODE_ALPHABET}]{{{CODE_LENGTH - 1}}}$")


def new_code(choice: Any = secrets.choice) -> str:
    """A fresh booking code: "H" and 7 random characters of CODE_ALPHABET (about 2.7e10)."""
    return CODE_PREFIX + "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH - 1))


def normalize_code(raw: str) -> str:
    """What a citizen typed or a scanner read, as a code: upper case, without spaces, dots or
    dashes (0, 1, I, L and O are not code characters, so a code is never misread as another)."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    return re.sub(r"[\s\-_.]", "", text)[:40]


def code_is_well_formed(code: str) -> bool:
    return bool(_CODE_RE.match(code))

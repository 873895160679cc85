"""Numbers taken from a phone (lấy số từ xa): the pure rules.

A citizen takes a number from the public page with a mobile phone number (the limit key, no
SMS is sent). The ticket waits outside the queue ("absent", chưa có mặt) until it checks in
at the hall (the kiosk, or the QR poster at the entrance), within a check-in window; one that
never checks in expires. These functions decide, from plain data and a time passed in:

- `normalize_mobile`: 0912 345 678, +84 912 345 678, 84912345678 -> "0912345678";
- check-in codes: "R" + 7 characters of CODE_ALPHABET (no 0/O, 1/I/L: nothing to misread);
- `RemoteRules` (what a hall configures) and its validation, with field names;
- `taking_refusal`: whether a number may be taken now (service open, hours, quota);
- `checkin_deadline`: until when a number may check in;
- `queue_time`: where a checked-in ticket enters its line.

Nothing here reads a clock, a database or a request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.domain.phone_numbers import normalize_phone

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
REMOTE_PREFIX = "R"  # appointment booking codes start with "H"
PLACEMENTS = ("taken", "checkin")

CHECKIN_MINUTES_MIN, CHECKIN_MINUTES_MAX = 5, 480
QUOTA_MAX = 9999

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


# -- the phone number ---------------------------------------------------------------------------

def normalize_mobile(raw: str) -> str | None:
    """A Vietnamese mobile number in its one stored form (0 + 9 digits), or None
    (domain/phone_numbers.py, shared with appointments and text messages)."""
    return normalize_phone(raw)


# -- check-in codes -----------------------------------------------------------------------------

def new_checkin_code(randbelow: Callable[[int], int], prefix: str = REMOTE_PREFIX) -> str:
    """A fresh code: `prefix` and 7 characters drawn with `randbelow` (secrets.randbelow)."""
    return prefix + "".join(CODE_ALPHABET[randbelow(len(CODE_ALPHABET))] for _ in range(CODE_LENGTH - 1))


def clean_code(raw: object) -> str | None:
    """A typed or scanned code in its stored form, or None when it cannot be a code at all.

    Case, spaces and dashes do not matter (a scanner may send the QR's content as a URL
    ending in the code: the last path part or the `c=` parameter is taken)."""
    if not isinstance(raw, str) or len(raw) > 200:
        return None
    text = raw.strip()
    query = re.search(r"[?&]c=([^&#]*)", text, re.IGNORECASE)
    if query:  # a QR that holds a link (a kiosk may have upper-cased it): ".../checkin?c=RABC2345"
        text = query.group(1)
    elif "/" in text:  # ... or ".../RABC2345"
        text = re.split(r"[?#]", text)[0].rstrip("/").rsplit("/", 1)[-1]
    text = re.sub(r"[\s\-]", "", text).upper()
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text[1:]) or not text[0].isalpha():
        return None
    return text


def code_kind(code: str) -> str:
    """Which book a clean code belongs to: "remote" (R...), "appointment" (H...) or "unknown"."""
    return {"R": "remote", "H": "appointment"}.get(code[:1], "unknown")


# -- what a hall configures ---------------------------------------------------------------------

@dataclass(frozen=True)
class RemoteRules:
    """A site's rules for remote numbers (off by default). Times are the site's local time.

    hours_from / hours_until: when numbers may be taken, within the working sessions (None:
    the sessions themselves). checkin_minutes: a number must check in within this many
    minutes of being taken. expire_at: a number not checked in expires at this local time of
    day at the latest (None: at the end of the day's last working session). placement: where
    a checked-in ticket enters its line ("taken": its place from when it was taken;
    "checkin": at the back, from the check-in)."""

    enabled: bool = False
    hours_from: time | None = None
    hours_until: time | None = None
    checkin_minutes: int = 60
    expire_at: time | None = None
    placement: str = "taken"


class RuleError(ValueError):
    def __init__(self, field: str, vi: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field, self.vi, self.en = field, vi, en


def parse_hhmm(value: Any, field: str) -> time | None:
    if value in (None, ""):
        return None
    m = _HHMM.match(value) if isinstance(value, str) else None
    if not m:
        raise RuleError(field, f"{field}: giờ phải viết dạng HH:MM, ví dụ 07:30.",
                        f"{field}: a time is written HH:MM, e.g. 07:30.")
    return time(int(m.group(1)), int(m.group(2)))


def rules_from(raw: dict[str, Any]) -> RemoteRules:
    """Rules from the admin's JSON, checked; RuleError names the first wrong field."""
    known = {"enabled", "hours_from", "hours_until", "checkin_minutes", "expire_at", "placement"}
    for key in raw:
        if key not in known:
            raise RuleError(key, f"Không có thiết lập “{key}”.", f"Unknown setting {key!r}.")
    enabled = raw.get("enabled", False)
    if not isinstance(enabled, bool):
        raise RuleError("enabled", "enabled: phải là true hoặc false.", "enabled: must be true or false.")
    start, end = parse_hhmm(raw.get("hours_from"), "hours_from"), parse_hhmm(raw.get("hours_until"), "hours_until")
    if start is not None and end is not None and not start < end:
        raise RuleError("hours_until", "Giờ kết thúc lấy số phải sau giờ bắt đầu.",
                        "hours_until must be after hours_from.")
    minutes = raw.get("checkin_minutes", 60)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not (
            CHECKIN_MINUTES_MIN <= minutes <= CHECKIN_MINUTES_MAX):
        raise RuleError("checkin_minutes",
                        f"checkin_minutes: số phút từ {CHECKIN_MINUTES_MIN} đến {CHECKIN_MINUTES_MAX}.",
                        f"checkin_minutes: a number of minutes from {CHECKIN_MINUTES_MIN} to {CHECKIN_MINUTES_MAX}.")
    placement = raw.get("placement", "taken")
    if placement not in PLACEMENTS:
        raise RuleError("placement", "placement: chọn “taken” (giữ chỗ từ lúc lấy số) hoặc “checkin” "
                        "(xếp từ lúc có mặt).", "placement: 'taken' or 'checkin'.")
    return RemoteRules(enabled, start, end, minutes, parse_hhmm(raw.get("expire_at"), "expire_at"), placement)


def check_quota(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= QUOTA_MAX:
        raise RuleError("daily_quota", f"daily_quota: số lượt từ 0 đến {QUOTA_MAX}.",
                        f"daily_quota: a whole number from 0 to {QUOTA_MAX}.")
    return value


# -- deciding -----------------------------------------------------------------------------------

Span = tuple[time, time]


def taking_windows(rules: RemoteRules, sessions: Sequence[Span]) -> list[Span]:
    """The spans of the day in which numbers may be taken: each working session cut to the
    configured hours (empty on a day off)."""
    low = rules.hours_from or time.min
    high = rules.hours_until or time.max
    out = []
    for start, end in sessions:
        a, b = max(start, low), min(end, high)
        if a < b:
            out.append((a, b))
    return out


@dataclass(frozen=True)
class Refusal:
    reason: str  # "disabled" | "service_disabled" | "closed" | "quota"
    vi: str
    en: str


def taking_refusal(rules: RemoteRules, service_enabled: bool, quota: int, taken_today: int,
                   sessions: Sequence[Span], local_now: time) -> Refusal | None:
    """Why a remote number may not be taken now for a service, or None when it may."""
    if not rules.enabled:
        return Refusal("disabled", "Điểm phục vụ này chưa nhận lấy số từ xa.",
                       "This hall does not give numbers remotely.")
    if not service_enabled:
        return Refusal("service_disabled", "Dịch vụ này không nhận lấy số từ xa.",
                       "This service does not give numbers remotely.")
    windows = taking_windows(rules, sessions)
    if not any(a <= local_now < b for a, b in windows):
        if not windows:
            return Refusal("closed", "Hôm nay không phải ngày làm việc: chưa lấy số từ xa được.",
                           "Today is not a working day: no remote numbers.")
        hours = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in windows)
        return Refusal("closed", f"Chỉ lấy số từ xa trong giờ {hours}.", f"Remote numbers are given only {hours}.")
    if taken_today >= quota:
        return Refusal("quota", f"Đã hết {quota} lượt lấy số từ xa hôm nay của dịch vụ này. "
                       "Ông/Bà vẫn có thể đến lấy số tại ki-ốt.",
                       f"All {quota} remote numbers of this service for today are taken. "
                       "You can still take a number at the kiosk.")
    return None


def checkin_deadline(rules: RemoteRules, taken_at: datetime, sessions: Sequence[Span], tz: str) -> datetime:
    """Until when a number taken at `taken_at` (UTC) may check in: `checkin_minutes` after
    taking it, but never after `expire_at` nor after the end of the day's last session."""
    zone = ZoneInfo(tz)
    local = taken_at.astimezone(zone)
    limit = taken_at + timedelta(minutes=rules.checkin_minutes)
    ends = [rules.expire_at] if rules.expire_at is not None else []
    if sessions:
        ends.append(max(end for _, end in sessions))
    for end in ends:
        at = datetime.combine(local.date(), end, zone).astimezone(taken_at.tzinfo)
        if at > taken_at:
            limit = min(limit, at)
    return limit


def queue_time(rules: RemoteRules, taken_at: datetime, checked_in_at: datetime) -> datetime:
    """The time that orders a checked-in ticket in its line (see docs/remote-numbers.md)."""
    return taken_at if rules.placement == "taken" else checked_in_at

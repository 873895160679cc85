"""Agencies' rules (một cửa liên thông): a procedure's processing route, each step's deadline
in the receiving agency's working time, the off-route rule and the apology forecast.

Pure: plain data in, plain data out; no clock, no database. The use cases in
queue_server/services/agencies/ call these with local times of the receiving agency's site.

* A route is a list of steps `{"agency": "QLDT", "share": 0.6}`: the agency's code at the
  procedure's site, or "SITECODE:AGENCYCODE" for another site's agency; `share` is the
  fraction of the procedure's legal time the step has (0 < share ≤ 1, all shares ≤ 1
  together; the rest is the desk's, for receiving and returning).
* A step's deadline (`step_deadline`) is the hand-off time plus share × the legal time,
  counted in the receiving agency's working time (`AgencyTime`: its hours and extra days
  off over the site's calendar): working days → share × days × the working minutes of a
  day; working hours → share × hours; calendar days → share × days of calendar time;
  "within the day" → share × one working day.
* Off-route (`plan_handoff`): a hand-off to an agency that is not the route's next step
  takes the next step's place and its share; past the end of the route it has no share and
  its deadline is the dossier's due date.
* Forecast (`forecast`): when will the dossier be done if every remaining step uses its
  time, starting from max(now, the current step's deadline)?
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from queue_server.domain.dossiers import FieldError, Timing, timing
from queue_server.domain.working_days import Session, TimeUnit, WorkCalendar, WorkingHours

MAX_STEPS = 20
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_EPSILON = 1e-9


# ------------------------------------------------------------------------ routes


@dataclass(frozen=True)
class RouteStep:
    agency: str  # "QLDT" (the procedure's site) or "PHUONG-1:QLDT"
    share: float

    @property
    def site_code(self) -> str | None:
        return self.agency.split(":", 1)[0] if ":" in self.agency else None

    @property
    def agency_code(self) -> str:
        return self.agency.split(":", 1)[1] if ":" in self.agency else self.agency

    def as_json(self) -> dict[str, Any]:
        return {"agency": self.agency, "share": self.share}


def agency_ref(raw: Any) -> str | None:
    """An agency reference as stored ("QLDT" or "SITE:QLDT", codes upper-cased), or None."""
    if not isinstance(raw, str):
        return None
    parts = [p.strip() for p in raw.strip().split(":")]
    if not 1 <= len(parts) <= 2 or not all(_CODE.match(p) for p in parts):
        return None
    if len(parts) == 2:
        return f"{parts[0]}:{parts[1].upper()}"  # site codes keep their case (sites.code is as typed)
    return parts[0].upper()


def parse_route(raw: Any, *, prefix: str = "route") -> tuple[list[RouteStep], list[FieldError]]:
    """The route's steps, or every field error at once (Vietnamese first, naming the field)."""
    if not isinstance(raw, list):
        return [], [FieldError(prefix, "Quy trình phải là danh sách các bước.", "The route must be a list of steps.")]
    errors: list[FieldError] = []
    if len(raw) > MAX_STEPS:
        errors.append(FieldError(prefix, f"Quy trình có tối đa {MAX_STEPS} bước.", f"At most {MAX_STEPS} steps."))
    steps: list[RouteStep] = []
    for i, item in enumerate(raw[:MAX_STEPS]):
        path = f"{prefix}[{i}]"
        if not isinstance(item, Mapping):
            errors.append(FieldError(path, "Mỗi bước gồm cơ quan (agency) và tỷ lệ thời gian (share).",
                                     "Each step has an agency and a share."))
            continue
        ref = agency_ref(item.get("agency"))
        if ref is None:
            errors.append(FieldError(f"{path}.agency", "Mã cơ quan xử lý không hợp lệ (ví dụ QLDT hoặc MÃĐIỂM:QLDT).",
                                     "Not an agency code (e.g. QLDT, or SITECODE:QLDT for another site)."))
        share = item.get("share")
        if isinstance(share, bool) or not isinstance(share, int | float) or not math.isfinite(share) \
                or not 0 < share <= 1:
            errors.append(FieldError(f"{path}.share", "Tỷ lệ thời gian phải lớn hơn 0 và không quá 1.",
                                     "The share must be more than 0 and at most 1."))
            share = None
        if ref is not None and share is not None:
            steps.append(RouteStep(agency=ref, share=float(share)))
    if not errors and sum(s.share for s in steps) > 1 + _EPSILON:
        errors.append(FieldError(prefix, "Tổng tỷ lệ thời gian các bước không được quá 1 (100%).",
                                 "The steps' shares add up to more than 1 (100%)."))
    return (steps, []) if not errors else ([], errors)


def desk_share(route: Sequence[RouteStep]) -> float:
    """What the route leaves to the desk (receiving and returning)."""
    return max(0.0, 1.0 - sum(s.share for s in route))


# ------------------------------------------------------------------------ working time


@dataclass(frozen=True)
class AgencyTime:
    """An agency's working time: its hours (or the site's) over the site's calendar, with its
    own extra days off."""

    hours: WorkingHours
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    days_off: frozenset[date] = frozenset()

    def sessions(self, day: date) -> tuple[Session, ...]:
        return () if day in self.days_off else self.calendar.sessions(day, self.hours)

    @property
    def day_minutes(self) -> int:
        """The working minutes of a full working day (the longest weekday's)."""
        return max(sum(s.minutes for s in day) for day in self.hours.weekly)


def parse_days_off(raw: Any, *, prefix: str = "days_off") -> tuple[list[date], list[FieldError]]:
    if raw is None:
        return [], []
    if not isinstance(raw, list) or len(raw) > 366:
        return [], [FieldError(prefix, "Ngày nghỉ riêng là danh sách ngày YYYY-MM-DD (tối đa 366).",
                               "Days off are a list of YYYY-MM-DD dates (at most 366).")]
    out: list[date] = []
    for i, item in enumerate(raw):
        try:
            out.append(date.fromisoformat(str(item)))
        except ValueError:
            return [], [FieldError(f"{prefix}[{i}]", "Ngày phải viết YYYY-MM-DD.", "Write the date as YYYY-MM-DD.")]
    return sorted(set(out)), []


_MAX_DAYS_SCANNED = 3660


def add_working_minutes(start_local: datetime, minutes: int, where: AgencyTime) -> datetime:
    """The moment `minutes` working minutes after `start_local` (aware, the agency's zone).
    Zero minutes: `start_local` itself."""
    if minutes <= 0:
        return start_local
    tz = start_local.tzinfo
    remaining = minutes
    day = start_local.date()
    now = start_local.hour * 60 + start_local.minute + (1 if start_local.second or start_local.microsecond else 0)
    for _ in range(_MAX_DAYS_SCANNED):
        for session in where.sessions(day):
            start = max(session.start.hour * 60 + session.start.minute, now)
            end = session.end.hour * 60 + session.end.minute
            if start >= end:
                continue
            if end - start >= remaining:
                at = start + remaining
                return datetime.combine(day, time(at // 60, at % 60), tzinfo=tz)
            remaining -= end - start
        day += timedelta(days=1)
        now = 0
    raise ValueError(f"no working hours within ten years after {start_local.date()}: check the agency's hours")


def allotted(share: float, quantity: int, unit: TimeUnit | str, where: AgencyTime) -> tuple[str, int]:
    """A step's time: ("working_minutes", n) or ("calendar_minutes", n)."""
    unit = TimeUnit(unit)
    if unit is TimeUnit.DAYS:
        return "calendar_minutes", math.ceil(share * quantity * 24 * 60 - _EPSILON)
    if unit is TimeUnit.HOURS:
        return "working_minutes", math.ceil(share * quantity * 60 - _EPSILON)
    days = 1 if unit is TimeUnit.SAME_DAY else quantity
    return "working_minutes", math.ceil(share * days * where.day_minutes - _EPSILON)


def step_deadline(start_local: datetime, share: float, quantity: int, unit: TimeUnit | str,
                  where: AgencyTime) -> datetime:
    """When a step handed over at `start_local` with `share` of the legal time is due."""
    kind, minutes = allotted(share, quantity, unit, where)
    if kind == "calendar_minutes":
        return start_local + timedelta(minutes=minutes)
    return add_working_minutes(start_local, minutes, where)


# ------------------------------------------------------------------------ hand-offs


@dataclass(frozen=True)
class HandoffPlan:
    route_index: int | None  # the route step this hand-off fulfils (or replaces, off-route)
    share: float | None  # None: no share left, the step is due with the dossier
    off_route: bool


def next_index(done_indexes: Iterable[tuple[int | None, str]]) -> int:
    """The route step the next hand-off should go to, from the agency rows so far in order as
    (route_index, outcome): after a supplement request the same step again, else the next."""
    nxt = 0
    for index, outcome in done_indexes:
        if index is None:
            continue
        nxt = index if outcome == "supplement" else index + 1
    return nxt


def plan_handoff(route: Sequence[RouteStep], index: int, target: str) -> HandoffPlan:
    """A hand-off to `target` (an agency reference, as the route writes it) when the route's
    next step is `index`: on the route it takes that step and its share; off the route it
    replaces that step (its share), or past the route's end it has no share."""
    if index < len(route) and route[index].agency == target:
        return HandoffPlan(index, route[index].share, False)
    if index < len(route):
        return HandoffPlan(index, route[index].share, True)
    return HandoffPlan(None, None, True)


def mark(done_local: datetime, due_local: datetime | None) -> Timing | None:
    """The control slip's mark of a step done at `done_local` (none without a deadline)."""
    return timing(done_local, due_local) if due_local is not None else None


def is_late(now: datetime, step_due: datetime | None, done: datetime | None) -> bool:
    return step_due is not None and done is None and now > step_due


def forecast(now_local: datetime, current_due_local: datetime | None,
             remaining: Sequence[tuple[float, AgencyTime]], quantity: int, unit: TimeUnit | str) -> datetime:
    """When the dossier will be done if every remaining step (share, its agency's time; the
    desk's return share last) uses all its time, from max(now, the current step's deadline)."""
    at = max(now_local, current_due_local) if current_due_local is not None else now_local
    for share, where in remaining:
        if share > 0:
            at = step_deadline(at.astimezone(now_local.tzinfo), share, quantity, unit, where)
    return at


__all__ = ["RouteStep", "parse_route", "agency_ref", "desk_share", "AgencyTime", "parse_days_off",
           "add_working_minutes", "allotted", "step_deadline", "HandoffPlan", "next_index", "plan_handoff",
           "mark", "is_late", "forecast", "MAX_STEPS"]

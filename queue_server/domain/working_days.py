"""Working days and the appointment date of a dossier (ngày hẹn trả kết quả).

A hall counts a procedure's processing time in working days (ngày làm việc), calendar days
(ngày), working hours (giờ) or "within the day" (trong ngày). Which days are worked comes
from three things:

* the site's working hours per weekday (`WorkingHours`; default Monday–Friday
  07:30–11:30 and 13:30–17:00, Saturday optional);
* the year's holiday file (`HolidayYear`, parsed from assets/holidays/vn-YYYY.json by the
  caller): public holidays of the Labour Code 2019 art. 112, compensatory days, and
  swapped days (a Saturday worked in exchange for a bridge day off);
* for a year without a holiday file, the statutory holidays computed by the caller (the
  `holidays` package's Vietnam calendar: Tết, Giỗ Tổ and the fixed-date holidays with their
  compensatory days, `WorkCalendar.statutory`), but no swapped working days, which only the
  government's yearly plan decides; `DueDate.calendar_missing_years` says so, so the
  receipt can print a warning and the supervisor can be told. A year neither gives counts
  weekends only.

Counting rules (Bộ luật Dân sự 2015, arts. 147–148, which apply when a procedure's own law
says nothing else):

* working_days N: the day of receipt is not counted (art. 147(2)); the period is the N
  working days that follow it, and it ends at the close of the N-th (art. 148(1)). A
  dossier received on a Saturday, a holiday or after hours therefore counts from the next
  working day, like one received during hours the day before.
* days N (calendar days): the N-th day after receipt; if that day is not a working day,
  the period ends at the close of the next working day (art. 148(5)).
* hours N: counted from the moment of receipt (art. 147(1)) through working hours only.
* same_day: returned at the close of the day of receipt; a dossier received after the
  cutoff (15:00 by default; e.g. Nghị định 23/2015/NĐ-CP art. 7 for chứng thực), or on a
  day that is not a working day, is returned at the close of the next working day.

"The close of a day" is the end of that day's last working session (17:00 by default):
the appointment printed on the receipt is always inside working hours.

Everything here is pure: data in, dates out; no clock and no file reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

# ---------------------------------------------------------------------------- hours


@dataclass(frozen=True, order=True)
class Session:
    """One block of working time in a day, e.g. 07:30–11:30."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"a session must end after it starts: {self.start}-{self.end}")

    @property
    def minutes(self) -> int:
        return _minutes(self.end) - _minutes(self.start)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


_WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SESSION_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

MORNING = Session(time(7, 30), time(11, 30))
AFTERNOON = Session(time(13, 30), time(17, 0))


@dataclass(frozen=True)
class WorkingHours:
    """Sessions for each weekday (index 0 = Monday) and for a swapped working day.

    A weekday with no sessions is not a working day. A swapped working day (a Saturday the
    government moves a working day to) uses `swapped_day` sessions, by default a normal
    Monday's. A hall that opens on Saturday mornings and counts Saturday as a working day
    gives Saturday sessions here; one that only receives dossiers on Saturday without
    counting it should leave Saturday empty.
    """

    weekly: tuple[tuple[Session, ...], ...]
    swapped_day: tuple[Session, ...] = ()

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("working hours need sessions for 7 weekdays (Monday first)")
        for sessions in (*self.weekly, self.swapped_day):
            for a, b in zip(sessions, sessions[1:], strict=False):
                if not a.end <= b.start:
                    raise ValueError(f"sessions must be in order and not overlap: {a} then {b}")
        if not any(self.weekly):
            raise ValueError("working hours need at least one working weekday")
        if not self.swapped_day:
            first = next(s for s in self.weekly if s)
            object.__setattr__(self, "swapped_day", first)

    @classmethod
    def standard(cls, saturday: Sequence[Session] = ()) -> WorkingHours:
        """Monday–Friday 07:30–11:30 and 13:30–17:00 (the usual state office hours);
        optionally Saturday sessions."""
        day = (MORNING, AFTERNOON)
        return cls(weekly=(day, day, day, day, day, tuple(saturday), ()), swapped_day=day)

    @classmethod
    def from_config(cls, spec: Mapping[str, Any]) -> WorkingHours:
        """From a configuration table such as
        ``{"mon": ["07:30-11:30", "13:30-17:00"], ..., "sat": ["07:30-11:30"]}``.
        Weekdays not named have no sessions; an optional "swapped_day" key gives the
        sessions of a swapped working Saturday."""
        unknown = set(spec) - set(_WEEKDAY_KEYS) - {"swapped_day"}
        if unknown:
            raise ValueError(f"unknown weekday keys in working hours: {sorted(unknown)}")
        weekly = tuple(tuple(parse_session(s) for s in spec.get(key, ())) for key in _WEEKDAY_KEYS)
        swapped = tuple(parse_session(s) for s in spec.get("swapped_day", ()))
        return cls(weekly=weekly, swapped_day=swapped)

    def to_config(self) -> dict[str, list[str]]:
        out = {key: [str(s) for s in sessions] for key, sessions in zip(_WEEKDAY_KEYS, self.weekly, strict=True)}
        out["swapped_day"] = [str(s) for s in self.swapped_day]
        return out


def parse_session(text: str) -> Session:
    m = _SESSION_RE.match(text)
    if not m:
        raise ValueError(f"a session is written HH:MM-HH:MM, got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
        raise ValueError(f"not a time of day in {text!r}")
    return Session(time(h1, m1), time(h2, m2))


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


# ------------------------------------------------------------------------ holidays


class DayOffKind(StrEnum):
    HOLIDAY = "holiday"  # a public holiday itself (ngày nghỉ lễ, tết)
    COMPENSATORY = "compensatory"  # nghỉ bù: a holiday fell on a weekly rest day
    SWAPPED_OFF = "swapped_off"  # hoán đổi: a working day given off, worked on another day


class WorkDayKind(StrEnum):
    SWAPPED_WORK = "swapped_work"  # làm bù: a rest day worked in exchange for a day off


@dataclass(frozen=True)
class DayOff:
    day: date
    kind: DayOffKind
    name_vi: str
    name_en: str
    confirmed: bool


@dataclass(frozen=True)
class ExtraWorkingDay:
    day: date
    kind: WorkDayKind
    name_vi: str
    name_en: str
    confirmed: bool
    swapped_with: date | None = None


@dataclass(frozen=True)
class HolidayYear:
    """One year's days off and extra working days. `confirmed` is False while any entry is
    an estimate (e.g. Tết days before the government has published the year's plan)."""

    year: int
    days_off: Mapping[date, DayOff]
    working_days: Mapping[date, ExtraWorkingDay]
    confirmed: bool
    status: str = "official"

    @property
    def unconfirmed_dates(self) -> tuple[date, ...]:
        items: list[DayOff | ExtraWorkingDay] = [*self.days_off.values(), *self.working_days.values()]
        return tuple(sorted(i.day for i in items if not i.confirmed))


class HolidayFileError(ValueError):
    """A holiday file is wrong; `errors` lists every problem with its location."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_holiday_year(doc: Mapping[str, Any], where: str = "") -> HolidayYear:
    """Parse and check one holiday file (already decoded from JSON).

    Raises HolidayFileError listing every problem (wrong year of a date, a day both off
    and worked, a swapped day without its partner, unknown kinds, ...)."""
    errors: list[str] = []
    prefix = f"{where}: " if where else ""

    def err(path: str, vi: str, en: str) -> None:
        errors.append(f"{prefix}{path}: {vi} / {en}")

    if doc.get("format") != "motcua-holidays":
        err("format", "phải là \"motcua-holidays\"", "must be \"motcua-holidays\"")
    year = doc.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2200:
        err("year", "năm không hợp lệ", "invalid year")
        raise HolidayFileError(errors)
    status = doc.get("status", "official")
    if status not in ("official", "provisional"):
        err("status", "phải là official hoặc provisional", "must be official or provisional")

    def parse_day(path: str, value: Any) -> date | None:
        if not isinstance(value, str) or not _DATE_RE.match(value):
            err(path, "ngày phải viết YYYY-MM-DD", "dates are written YYYY-MM-DD")
            return None
        try:
            d = date.fromisoformat(value)
        except ValueError:
            err(path, "ngày không tồn tại", "no such date")
            return None
        if d.year != year:
            err(path, f"ngày không thuộc năm {year}", f"date is not in {year}")
            return None
        return d

    def names(path: str, entry: Mapping[str, Any]) -> tuple[str, str]:
        name = entry.get("name")
        if not isinstance(name, Mapping) or not isinstance(name.get("vi"), str) or not name["vi"].strip():
            err(f"{path}.name.vi", "thiếu tên tiếng Việt", "missing Vietnamese name")
            return "", ""
        en = name.get("en", "")
        return name["vi"].strip(), en.strip() if isinstance(en, str) else ""

    def confirmed(path: str, entry: Mapping[str, Any]) -> bool:
        value = entry.get("confirmed")
        if not isinstance(value, bool):
            err(f"{path}.confirmed", "phải là true hoặc false", "must be true or false")
            return False
        return value

    days_off: dict[date, DayOff] = {}
    swaps_off: dict[date, date | None] = {}
    for i, entry in enumerate(_list(doc, "days_off", err)):
        path = f"days_off[{i}]"
        if not isinstance(entry, Mapping):
            err(path, "phải là một đối tượng", "must be an object")
            continue
        d = parse_day(f"{path}.date", entry.get("date"))
        try:
            kind = DayOffKind(entry.get("kind"))
        except ValueError:
            err(f"{path}.kind", "loại ngày nghỉ không hợp lệ", "kind must be holiday, compensatory or swapped_off")
            kind = None
        vi, en = names(path, entry)
        ok = confirmed(path, entry)
        if d is None or kind is None:
            continue
        if d in days_off:
            err(f"{path}.date", "ngày nghỉ bị lặp", "day off listed twice")
            continue
        if kind is DayOffKind.SWAPPED_OFF:
            partner = entry.get("swapped_with")
            swaps_off[d] = parse_day(f"{path}.swapped_with", partner) if partner is not None else None
            if partner is None:
                err(f"{path}.swapped_with", "ngày hoán đổi cần ngày làm bù", "a swapped day off needs its working day")
        days_off[d] = DayOff(d, kind, vi, en, ok)

    working: dict[date, ExtraWorkingDay] = {}
    for i, entry in enumerate(_list(doc, "working_days", err)):
        path = f"working_days[{i}]"
        if not isinstance(entry, Mapping):
            err(path, "phải là một đối tượng", "must be an object")
            continue
        d = parse_day(f"{path}.date", entry.get("date"))
        try:
            wkind = WorkDayKind(entry.get("kind"))
        except ValueError:
            err(f"{path}.kind", "loại ngày làm việc không hợp lệ", "kind must be swapped_work")
            wkind = None
        vi, en = names(path, entry)
        ok = confirmed(path, entry)
        partner_raw = entry.get("swapped_with")
        partner = parse_day(f"{path}.swapped_with", partner_raw) if partner_raw is not None else None
        if d is None or wkind is None:
            continue
        if d in days_off:
            err(f"{path}.date", "ngày vừa nghỉ vừa làm việc", "a day cannot be both off and worked")
            continue
        if d in working:
            err(f"{path}.date", "ngày làm bù bị lặp", "working day listed twice")
            continue
        if partner is None or swaps_off.get(partner, "missing") != d:
            err(f"{path}.swapped_with", "không khớp với ngày nghỉ hoán đổi", "does not match a swapped day off")
        working[d] = ExtraWorkingDay(d, wkind, vi, en, ok, partner)

    for d, partner in swaps_off.items():
        if partner is not None and partner not in working:
            err(f"days_off[{d.isoformat()}].swapped_with",
                "ngày làm bù không có trong working_days", "its working day is not listed in working_days")

    if errors:
        raise HolidayFileError(errors)
    all_confirmed = status == "official" and all(x.confirmed for x in (*days_off.values(), *working.values()))
    return HolidayYear(year=year, days_off=days_off, working_days=working, confirmed=all_confirmed,
                       status=status)


def _list(doc: Mapping[str, Any], key: str, err: Any) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        err(key, "phải là một danh sách", "must be a list")
        return []
    return value


# ------------------------------------------------------------------------ calendar


@dataclass(frozen=True)
class WorkCalendar:
    """Holiday years by year: `years` from the shipped files (the authority, swapped working
    days included), `statutory` for years without a file (public holidays computed from the
    Labour Code rules; swapped days unknown). A year in neither is treated as weekends-only.
    `statutory` may be a lazy mapping: it is only ever read by year."""

    years: Mapping[int, HolidayYear] = field(default_factory=dict)
    statutory: Mapping[int, HolidayYear] = field(default_factory=dict)

    @classmethod
    def from_documents(cls, docs: Iterable[Mapping[str, Any]],
                       statutory: Mapping[int, HolidayYear] | None = None) -> WorkCalendar:
        """Build from decoded holiday files; raises HolidayFileError with every problem of
        every file (a year given twice is an error)."""
        years: dict[int, HolidayYear] = {}
        errors: list[str] = []
        for i, doc in enumerate(docs):
            try:
                hy = parse_holiday_year(doc, where=f"[{i}] {doc.get('year', '?')}")
            except HolidayFileError as exc:
                errors.extend(exc.errors)
                continue
            if hy.year in years:
                errors.append(f"[{i}] {hy.year}: năm bị lặp / year given twice")
                continue
            years[hy.year] = hy
        if errors:
            raise HolidayFileError(errors)
        return cls(years=years, statutory=statutory if statutory is not None else {})

    def knows(self, year: int) -> bool:
        """Whether a holiday file covers `year` (swapped working days known)."""
        return year in self.years

    def year(self, year: int) -> HolidayYear | None:
        """The file's year, else the statutory one, else None (weekends only)."""
        hy = self.years.get(year)
        return hy if hy is not None else self.statutory.get(year)

    def sessions(self, day: date, hours: WorkingHours) -> tuple[Session, ...]:
        """The working sessions of `day` (empty when it is not a working day)."""
        hy = self.year(day.year)
        if hy is not None:
            if day in hy.days_off:
                return ()
            if day in hy.working_days:
                return hours.swapped_day
        return hours.weekly[day.weekday()]

    def is_working_day(self, day: date, hours: WorkingHours) -> bool:
        return bool(self.sessions(day, hours))

    def day_off(self, day: date) -> DayOff | None:
        hy = self.year(day.year)
        return hy.days_off.get(day) if hy else None


# ------------------------------------------------------------------------ due dates


class TimeUnit(StrEnum):
    WORKING_DAYS = "working_days"
    DAYS = "days"
    HOURS = "hours"
    SAME_DAY = "same_day"


@dataclass(frozen=True)
class DueDate:
    """When the result is due. `calendar_missing_years` lists the years with no holiday file
    (counted with the statutory holidays but without swapped working days, or weekends only
    when even those are unknown); `calendar_unconfirmed_years` those whose file is still an
    estimate."""

    at: datetime
    calendar_missing_years: frozenset[int] = frozenset()
    calendar_unconfirmed_years: frozenset[int] = frozenset()

    @property
    def calendar_complete(self) -> bool:
        return not self.calendar_missing_years


# A calendar in which no working day turns up within ten years is broken, not busy.
_MAX_DAYS_SCANNED = 3660


class _Walker:
    """Walks days through the calendar, remembering which years it looked at."""

    def __init__(self, calendar: WorkCalendar, hours: WorkingHours) -> None:
        self.calendar = calendar
        self.hours = hours
        self.missing: set[int] = set()
        self.unconfirmed: set[int] = set()

    def sessions(self, day: date) -> tuple[Session, ...]:
        hy = self.calendar.years.get(day.year)
        if hy is None:
            self.missing.add(day.year)
        elif not hy.confirmed:
            self.unconfirmed.add(day.year)
        return self.calendar.sessions(day, self.hours)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        for _ in range(_MAX_DAYS_SCANNED):
            day += timedelta(days=1)
            if self.sessions(day):
                return day
        raise ValueError(f"no working day within ten years after {day}: check the calendar and hours")

    def close_of(self, day: date, tz: Any) -> datetime:
        return datetime.combine(day, self.sessions(day)[-1].end, tzinfo=tz)

    def result(self, at: datetime) -> DueDate:
        return DueDate(at=at, calendar_missing_years=frozenset(self.missing),
                       calendar_unconfirmed_years=frozenset(self.unconfirmed))


def due_at(
    received_local: datetime,
    quantity: int,
    unit: TimeUnit | str,
    calendar: WorkCalendar,
    hours: WorkingHours,
    same_day_cutoff: time = time(15, 0),
) -> DueDate:
    """The appointment (date and time) for a dossier received at `received_local`, the
    site's wall-clock time (naive, or aware in the site's zone: the answer keeps its tzinfo).

    `quantity` is the procedure's processing time in `unit` (ignored for same_day). See the
    module docstring for the counting rules."""
    unit = TimeUnit(unit)
    if unit is not TimeUnit.SAME_DAY and (not isinstance(quantity, int) or isinstance(quantity, bool)
                                          or quantity < 1):
        raise ValueError(f"processing time must be a positive whole number of {unit.value}, got {quantity!r}")
    tz = received_local.tzinfo
    walk = _Walker(calendar, hours)
    received_day = received_local.date()

    if unit is TimeUnit.SAME_DAY:
        sessions = walk.sessions(received_day)
        clock = received_local.time().replace(tzinfo=None)
        if sessions and clock <= same_day_cutoff and clock < sessions[-1].end:
            return walk.result(walk.close_of(received_day, tz))
        return walk.result(walk.close_of(walk.next_working_day(received_day), tz))

    if unit is TimeUnit.WORKING_DAYS:
        day = received_day
        for _ in range(quantity):
            day = walk.next_working_day(day)
        return walk.result(walk.close_of(day, tz))

    if unit is TimeUnit.DAYS:
        day = received_day + timedelta(days=quantity)
        if not walk.sessions(day):
            day = walk.next_working_day(day)
        return walk.result(walk.close_of(day, tz))

    # HOURS: consume working minutes from the moment of receipt.
    remaining = quantity * 60
    day = received_day
    now = _minutes(received_local.time())
    if received_local.second or received_local.microsecond:
        now += 1  # a started minute is not a whole working minute
    for _ in range(_MAX_DAYS_SCANNED):
        for session in walk.sessions(day):
            start = max(_minutes(session.start), now)
            end = _minutes(session.end)
            if start >= end:
                continue
            if end - start >= remaining:
                at = start + remaining
                return walk.result(datetime.combine(day, time(at // 60, at % 60), tzinfo=tz))
            remaining -= end - start
        day += timedelta(days=1)
        now = 0
    raise ValueError(f"no working hours within ten years after {received_day}: check the calendar and hours")

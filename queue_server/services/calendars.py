"""Reading the per-year holiday files (assets/holidays/vn-YYYY.json) into a WorkCalendar,
and the statutory holidays of the years without a file.

The rules live in queue_server.domain.working_days and take parsed data; this module is
the file side: it finds the files, decodes the JSON, and reports every problem with the
file it came from.

For a year with no file, the public holidays come from the `holidays` package's Vietnam
calendar (Labour Code 2019 art. 112: 1/1, Tết, Giỗ Tổ Hùng Vương 10/3 lunar, 30/4, 1/5,
2/9 and its adjacent day, with the compensatory days of art. 112(3) and the package's own
rule for Tết days that fall on a weekend). The package reads its translation files when a
calendar is built, so it is used here and the domain gets plain `HolidayYear` data. What
the package cannot know is the government's yearly plan: which Saturday is worked in
exchange for a bridge day off (ngày làm bù). The files stay the authority for their years,
and a due date that touches a year without a file says so (`calendar_notice`).

A year made or corrected in /admin (table `holiday_years`, services/admin/holidays.py) is
over the shipped file of that year: `admin_holiday_years(session)` reads them and
`with_admin_years` lays them over the files' calendar (dossier_settings does both, so every
due date goes through `work_calendar`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain.working_days import (
    DayOff,
    DayOffKind,
    ExtraWorkingDay,
    HolidayFileError,
    HolidayYear,
    WorkCalendar,
    WorkDayKind,
    parse_holiday_year,
)
from queue_server.store.tables import HolidayYear as HolidayYearRow

HOLIDAYS_DIR = Path(__file__).resolve().parents[2] / "assets" / "holidays"


def read_holiday_documents(directory: Path | None = None, pattern: str = "vn-*.json") -> list[dict[str, Any]]:
    """Decoded holiday files of `directory` (default assets/holidays), sorted by name.

    Raises HolidayFileError naming each file that is not valid JSON."""
    folder = Path(directory) if directory is not None else HOLIDAYS_DIR
    docs: list[dict[str, Any]] = []
    errors: list[str] = []
    for path in sorted(folder.glob(pattern)):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{exc.lineno}:{exc.colno}: JSON không hợp lệ / invalid JSON: {exc.msg}")
            continue
        if not isinstance(doc, dict):
            errors.append(f"{path.name}: phải là một đối tượng JSON / must be a JSON object")
            continue
        docs.append(doc)
    if errors:
        raise HolidayFileError(errors)
    return docs


# The years the package's lunar tables cover (Tết is in them); outside, a year has no
# statutory calendar and is counted with weekends only.
_LIBRARY_YEARS = range(1995, 2100)


@functools.lru_cache(maxsize=256)
def statutory_holiday_year(year: int) -> HolidayYear | None:
    """Vietnam's public holidays of `year` as the `holidays` package computes them, as a
    HolidayYear with status "statutory" (never confirmed): days it lists without its
    observed rule are holidays, those its observed rule adds are compensatory days; the
    Saturdays it knows were worked in exchange (past years only) are swapped working days.
    None when the package has no Tết for that year."""
    if year not in _LIBRARY_YEARS:
        return None
    vi = holidays.country_holidays("VN", years=year, language="vi")
    en = holidays.country_holidays("VN", years=year, language="en_US")
    plain = holidays.country_holidays("VN", years=year, observed=False)
    if not vi.get_named("Tết Nguyên Đán", lookup="exact"):
        return None
    days_off = {
        d: DayOff(d, DayOffKind.HOLIDAY if d in plain else DayOffKind.COMPENSATORY, vi[d], en.get(d, ""), False)
        for d in sorted(vi) if d.year == year}
    working = {
        d: ExtraWorkingDay(d, WorkDayKind.SWAPPED_WORK, "Ngày làm bù", "Swapped working day", False)
        for d in sorted(vi.weekend_workdays) if d.year == year and d not in days_off}
    return HolidayYear(year=year, days_off=days_off, working_days=working, confirmed=False, status="statutory")


class StatutoryYears(Mapping[int, HolidayYear]):
    """The statutory holiday years, computed when first asked for (a due date looks at one
    or two years; building all of them at start-up would be wasted)."""

    def __getitem__(self, year: int) -> HolidayYear:
        hy = statutory_holiday_year(year) if isinstance(year, int) else None
        if hy is None:
            raise KeyError(year)
        return hy

    def __iter__(self) -> Iterator[int]:
        return (y for y in _LIBRARY_YEARS if statutory_holiday_year(y) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def load_work_calendar(directory: Path | None = None) -> WorkCalendar:
    """The WorkCalendar of every holiday file in `directory` (default assets/holidays), with
    the statutory holidays for the years that have no file."""
    return WorkCalendar.from_documents(read_holiday_documents(directory), statutory=StatutoryYears())


@functools.lru_cache(maxsize=64)
def _stored_year(text: str) -> HolidayYear | None:
    try:
        return parse_holiday_year(json.loads(text), where="holiday_years")
    except (HolidayFileError, ValueError):
        return None  # checked when saved; a hand-edited row is left out, the file counts


def admin_holiday_years(session: Session) -> dict[int, HolidayYear]:
    """The years made or corrected in /admin (a few small rows, parsed once per content)."""
    out: dict[int, HolidayYear] = {}
    for row in session.scalars(select(HolidayYearRow).order_by(HolidayYearRow.year)):
        hy = _stored_year(json.dumps(row.data, sort_keys=True, ensure_ascii=False))
        if hy is not None and hy.year == row.year:
            out[row.year] = hy
    return out


def with_admin_years(calendar: WorkCalendar, years: Mapping[int, HolidayYear]) -> WorkCalendar:
    """`calendar` with the /admin years over its files' years."""
    if not years:
        return calendar
    return WorkCalendar(years={**calendar.years, **years}, statutory=calendar.statutory)


def calendar_notice(missing_years: Iterable[int]) -> dict[str, str] | None:
    """What a receipt, the reception page and the supervisor are told when a due date's
    range touches years without a holiday file: Vietnamese first, English second. None
    when every year has its file."""
    years = sorted(missing_years)
    if not years:
        return None
    listed = ", ".join(str(y) for y in years)
    return {
        "vi": (f"Chưa có lịch nghỉ lễ chính thức năm {listed}: ngày hẹn đã trừ các ngày nghỉ lễ, Tết theo "
               f"Bộ luật Lao động nhưng chưa biết ngày làm bù (hoán đổi ngày làm việc) của năm {listed}, "
               "nên có thể được điều chỉnh."),
        "en": (f"No official holiday calendar for {listed}: the date skips the statutory public holidays "
               f"and Tết, but the swapped working days of {listed} are not known, so it may change."),
    }


__all__ = ["HOLIDAYS_DIR", "read_holiday_documents", "load_work_calendar", "statutory_holiday_year",
           "StatutoryYears", "calendar_notice", "admin_holiday_years", "with_admin_years"]

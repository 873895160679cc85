"""The holiday calendar tab of /admin: which years the hall's due dates count with, and a
year's holidays and swapped working days added or corrected from the browser.

A year saved here is a row of `holiday_years` (a holiday document, the shipped files'
format) and is over the shipped file of that year (assets/holidays/vn-YYYY.json) for every
due date, through the calendar seam (`dossier_settings` → `work_calendar`). Removing it
gives the year back to its file (or to the `holidays` package's statutory days). Each save
or removal is one event `admin.holidays_updated` / `admin.holidays_removed` with who and
what changed; a save made from an older version is refused (409) with the changes since.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain.working_days import DayOffKind, HolidayFileError, parse_holiday_year
from queue_server.services.admin import _NOT_IN_NAMES, _admin_event, _event_site, _stale, require
from queue_server.services.calendars import read_holiday_documents, statutory_holiday_year
from queue_server.services.context import Actor, Context
from queue_server.services.dossiers.setup import parse_dossier_settings
from queue_server.services.errors import InvalidInput, not_found
from queue_server.store.tables import HolidayYear as HolidayYearRow

YEAR_MIN, YEAR_MAX = 2000, 2100
ENTRIES_MAX = 60
NAME_MAX = 200
DAY_OFF_KINDS = tuple(k.value for k in DayOffKind)
KIND_NAMES_VI = {"holiday": "ngày lễ, tết", "compensatory": "nghỉ bù", "swapped_off": "nghỉ hoán đổi"}


def _check_year(year: int) -> int:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidInput(f"year: năm phải từ {YEAR_MIN} đến {YEAR_MAX}.", f"year: must be {YEAR_MIN}..{YEAR_MAX}.",
                           field="year")
    return year


def _file_documents(ctx: Context) -> dict[int, dict[str, Any]]:
    from pathlib import Path

    folder = parse_dossier_settings(ctx.settings.extra.get("dossiers")).holidays_dir
    return {int(d["year"]): d for d in read_holiday_documents(Path(folder) if folder else None)
            if isinstance(d.get("year"), int)}


def _entries(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """A holiday document as the page edits it."""
    def name(e: dict[str, Any], lang: str) -> str:
        n = e.get("name") or {}
        return str(n.get(lang) or "") if isinstance(n, dict) else ""

    return {
        "days_off": [{"date": e.get("date"), "kind": e.get("kind"), "name_vi": name(e, "vi"), "name_en": name(e, "en"),
                      "confirmed": bool(e.get("confirmed", False))} for e in doc.get("days_off") or []],
        "working_days": [{"date": e.get("date"), "swapped_with": e.get("swapped_with"), "name_vi": name(e, "vi"),
                          "name_en": name(e, "en"), "confirmed": bool(e.get("confirmed", False))}
                         for e in doc.get("working_days") or []],
    }


def _statutory_entries(year: int) -> dict[str, list[dict[str, Any]]] | None:
    hy = statutory_holiday_year(year)
    if hy is None:
        return None
    return {
        "days_off": [{"date": d.day.isoformat(), "kind": d.kind.value, "name_vi": d.name_vi, "name_en": d.name_en,
                      "confirmed": False} for d in sorted(hy.days_off.values(), key=lambda d: d.day)],
        "working_days": [],  # the package cannot know the government's swaps ahead
    }


def list_years(ctx: Context, actor: Actor) -> dict[str, Any]:
    """The years around today and every year with a file or a saved calendar: where each
    one's holidays come from (admin, file, library, none)."""
    require(actor, "supervisor")
    files = _file_documents(ctx)
    with ctx.db.reading() as session:
        rows = {r.year: r for r in session.scalars(select(HolidayYearRow))}
    this_year = ctx.clock.now().year
    years = sorted({*files, *rows, *range(this_year - 1, this_year + 3)})
    out = []
    for y in years:
        row = rows.get(y)
        if row is not None:
            source, status = "admin", row.data.get("status", "official")
        elif y in files:
            source, status = "file", files[y].get("status", "official")
        elif statutory_holiday_year(y) is not None:
            source, status = "library", "statutory"
        else:
            source, status = "none", "weekends"
        out.append({"year": y, "source": source, "status": status, "file": y in files,
                    "version": row.version if row is not None else None,
                    "updated_at": row.updated_at.isoformat() if row is not None else None,
                    "updated_by": row.updated_by if row is not None else None})
    return {"years": out, "file_years": sorted(files), "this_year": this_year}


def get_year(ctx: Context, actor: Actor, year: int) -> dict[str, Any]:
    """A year as the page edits it: the saved one, else its file, else the statutory days."""
    require(actor, "supervisor")
    _check_year(year)
    with ctx.db.reading() as session:
        row = session.get(HolidayYearRow, year)
        if row is not None:
            return {"year": year, "source": "admin", "status": row.data.get("status", "official"),
                    "version": row.version, "file": year in _file_documents(ctx), **_entries(row.data)}
    files = _file_documents(ctx)
    if year in files:
        return {"year": year, "source": "file", "status": files[year].get("status", "official"), "version": None,
                "file": True, **_entries(files[year])}
    statutory = _statutory_entries(year)
    if statutory is not None:
        return {"year": year, "source": "library", "status": "provisional", "version": None, "file": False,
                **statutory}
    return {"year": year, "source": "none", "status": "provisional", "version": None, "file": False,
            "days_off": [], "working_days": []}


# -- checking what the page sent ----------------------------------------------------------

def _document(year: int, status: str, days_off: list[dict[str, Any]], working_days: list[dict[str, Any]]
              ) -> dict[str, Any]:
    """The holiday document of what the page sent, or InvalidInput listing every problem,
    each naming its field (days_off[2].date ...), Vietnamese first."""
    errors: list[dict[str, str]] = []

    def err(field: str, vi: str, en: str) -> None:
        errors.append({"field": field, "message": f"{field}: {vi}", "message_en": f"{field}: {en}"})

    if status not in ("official", "provisional"):
        err("status", "phải là official (chính thức) hoặc provisional (dự kiến)", "must be official or provisional")
    for key, items in (("days_off", days_off), ("working_days", working_days)):
        if len(items) > ENTRIES_MAX:
            err(key, f"tối đa {ENTRIES_MAX} ngày", f"at most {ENTRIES_MAX} days")

    def day(field: str, value: Any) -> date | None:
        try:
            d = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            d = None
        if d is None:
            err(field, "ngày phải viết YYYY-MM-DD và có thật", "a date is written YYYY-MM-DD and must exist")
            return None
        if d.year != year:
            err(field, f"ngày {d:%d/%m/%Y} không thuộc năm {year}", f"{d.isoformat()} is not in {year}")
            return None
        return d

    def name(field: str, value: Any, required: bool) -> str:
        text = unicodedata.normalize("NFC", str(value or "").strip())
        if required and not text:
            err(field, "cần tên ngày (tiếng Việt)", "the day needs a (Vietnamese) name")
        elif _NOT_IN_NAMES.search(text):
            err(field, "tên không được chứa ký tự điều khiển", "a name may not hold control characters")
        elif len(text) > NAME_MAX:
            err(field, f"tối đa {NAME_MAX} ký tự", f"at most {NAME_MAX} characters")
        return text

    confirmed_default = status == "official"
    offs: dict[date, dict[str, Any]] = {}
    off_index: dict[date, int] = {}
    for i, e in enumerate(days_off):
        d = day(f"days_off[{i}].date", e.get("date"))
        kind = e.get("kind")
        if kind not in DAY_OFF_KINDS:
            err(f"days_off[{i}].kind", "loại phải là holiday (lễ, tết), compensatory (nghỉ bù) hoặc swapped_off "
                "(nghỉ hoán đổi)", "kind must be holiday, compensatory or swapped_off")
        vi = name(f"days_off[{i}].name_vi", e.get("name_vi"), True)
        en = name(f"days_off[{i}].name_en", e.get("name_en"), False)
        if d is None:
            continue
        if d in offs:
            err(f"days_off[{i}].date", f"ngày {d:%d/%m/%Y} đã có ở dòng {off_index[d] + 1}",
                f"{d.isoformat()} is listed twice")
            continue
        off_index[d] = i
        offs[d] = {"date": d.isoformat(), "kind": kind, "name": {"vi": vi, "en": en},
                   "confirmed": bool(e.get("confirmed", confirmed_default))}
    works: dict[date, dict[str, Any]] = {}
    paid: set[date] = set()
    for i, e in enumerate(working_days):
        d = day(f"working_days[{i}].date", e.get("date"))
        partner = day(f"working_days[{i}].swapped_with", e.get("swapped_with"))
        vi = name(f"working_days[{i}].name_vi", e.get("name_vi") or "Ngày làm bù", True)
        en = name(f"working_days[{i}].name_en", e.get("name_en") or "Swapped working day", False)
        if d is None:
            continue
        if d.weekday() < 5:
            err(f"working_days[{i}].date", f"ngày làm bù {d:%d/%m/%Y} phải là thứ Bảy hoặc Chủ nhật",
                f"a swapped working day must be a Saturday or Sunday ({d.isoformat()} is a weekday)")
            continue
        if d in offs:
            err(f"working_days[{i}].date", f"ngày {d:%d/%m/%Y} vừa là ngày nghỉ vừa là ngày làm bù",
                f"{d.isoformat()} cannot be both a day off and a working day")
            continue
        if d in works:
            err(f"working_days[{i}].date", f"ngày làm bù {d:%d/%m/%Y} bị lặp", f"{d.isoformat()} is listed twice")
            continue
        if partner is not None:
            if partner not in offs or offs[partner]["kind"] != "swapped_off":
                err(f"working_days[{i}].swapped_with",
                    f"ngày {partner:%d/%m/%Y} phải có trong danh sách ngày nghỉ với loại «nghỉ hoán đổi»",
                    f"{partner.isoformat()} must be listed as a day off of kind swapped_off")
            elif partner in paid:
                err(f"working_days[{i}].swapped_with", f"ngày nghỉ {partner:%d/%m/%Y} đã được làm bù bởi ngày khác",
                    f"{partner.isoformat()} is already paid back by another working day")
            else:
                paid.add(partner)
                offs[partner]["swapped_with"] = d.isoformat()
        works[d] = {"date": d.isoformat(), "kind": "swapped_work", "swapped_with": partner.isoformat() if partner else None,
                    "name": {"vi": vi, "en": en}, "confirmed": bool(e.get("confirmed", confirmed_default))}
    for d, entry in offs.items():
        if entry["kind"] == "swapped_off" and d not in paid:
            err(f"days_off[{off_index[d]}].kind",
                f"ngày nghỉ hoán đổi {d:%d/%m/%Y} cần một ngày làm bù (thứ Bảy) trỏ tới nó",
                f"the swapped day off {d.isoformat()} needs a working day that pays it back")
    if errors:
        first = errors[0]
        n = len(errors)
        raise InvalidInput(f"Lịch nghỉ năm {year} có {n} chỗ chưa đúng, chưa lưu gì. {first['message']}",
                           f"The {year} calendar has {n} problem{'s' if n > 1 else ''}; nothing was saved. "
                           f"{first['message_en']}", field=first["field"], errors=errors)
    doc = {"format": "motcua-holidays", "version": 1, "country": "VN", "year": year, "status": status,
           "days_off": [offs[d] for d in sorted(offs)], "working_days": [works[d] for d in sorted(works)]}
    try:
        parse_holiday_year(doc)
    except HolidayFileError as exc:  # the file rules, should anything above have let it through
        raise InvalidInput(f"Lịch nghỉ năm {year} chưa đúng: {exc.errors[0]}",
                           f"The {year} calendar is not valid: {exc.errors[0]}", field="days_off",
                           errors=[{"field": "days_off", "message": e, "message_en": e} for e in exc.errors]) from None
    return doc


def _dates(doc: dict[str, Any] | None, key: str) -> list[str]:
    return [f"{e['date']} {e['name']['vi']}" for e in (doc or {}).get(key, [])]


def save_year(ctx: Context, actor: Actor, year: int, *, status: str, days_off: list[dict[str, Any]],
              working_days: list[dict[str, Any]], version: int | None = None,
              site_id: int | None = None) -> dict[str, Any]:
    """Save `year`'s holidays and swapped working days (over its shipped file). With
    `version` (what the editor read), a year saved since is refused (409)."""
    require(actor, "admin", site_id)
    _check_year(year)
    doc = _document(year, status, days_off, working_days)
    files = _file_documents(ctx)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        row = session.get(HolidayYearRow, year, with_for_update=True)
        where = _event_site(session, site_id, actor)
        if row is not None and version is not None and version != row.version:
            current = {"year": year, "version": row.version, **_entries(row.data)}
            raise _stale(session, "lịch nghỉ năm", "holiday calendar of", str(year), version, current,
                         "admin.holidays_updated", where, lambda e: e.data.get("year") == year)
        before = row.data if row is not None else files.get(year)
        changes: dict[str, list[Any]] = {}
        for key in ("days_off", "working_days"):
            if _dates(before, key) != _dates(doc, key):
                changes[key] = [_dates(before, key), _dates(doc, key)]
        if (before or {}).get("status") != status:
            changes["status"] = [(before or {}).get("status"), status]
        if row is None:
            row = HolidayYearRow(year=year, data=doc, version=1, updated_at=now, updated_by=actor.name or actor.label)
            session.add(row)
        elif row.data != doc:
            row.data, row.version = doc, row.version + 1
            row.updated_at, row.updated_by = now, actor.name or actor.label
        session.flush()
        if where is not None:
            _admin_event(session, where, "admin.holidays_updated", actor, now, year=year, version=row.version,
                         over_file=year in files, changes=changes)
        return {"year": year, "source": "admin", "status": status, "version": row.version, "file": year in files,
                **_entries(doc)}

    return ctx.db.transaction(work)


def remove_year(ctx: Context, actor: Actor, year: int, *, site_id: int | None = None) -> dict[str, Any]:
    """Forget the year saved here: its file (or the statutory days) counts again."""
    require(actor, "admin", site_id)
    _check_year(year)

    def work(session: Session) -> None:
        row = session.get(HolidayYearRow, year, with_for_update=True)
        if row is None:
            raise not_found("lịch nghỉ đã lưu của năm", "Saved holiday calendar of", year)
        session.delete(row)
        if (where := _event_site(session, site_id, actor)) is not None:
            _admin_event(session, where, "admin.holidays_removed", actor, ctx.clock.now(), year=year,
                         changes={"days_off": [_dates(row.data, "days_off"), []]})

    ctx.db.transaction(work)
    return get_year(ctx, actor, year)


__all__ = ["list_years", "get_year", "save_year", "remove_year"]

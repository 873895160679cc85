"""The queue report of a site over a range of days: what the head of unit reads.

    queue_report(ctx, actor, site=..., start=..., end=...) or (..., month="2026-11")
        -> {site, from, to, totals, by_service, by_counter, by_clerk, by_priority, by_channel,
            by_day, arrivals{by_hour, heatmap}, satisfaction{...}, out_of_order[...], notes[...]}

Read from the days' summaries (services.reports.days): a year of a busy hall is a few
thousand cells, whatever the number of tickets. Supervisors and admins only: the report
names clerks and counts priority classes.
"""

from __future__ import annotations

import re
from collections import Counter as Tally
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from queue_server.domain import reports as rules
from queue_server.services import admin
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Forbidden, InvalidInput
from queue_server.services.feedback import ratings
from queue_server.services.monitor import thresholds as monitor_thresholds
from queue_server.services.reports import days as summaries
from queue_server.store.tables import Counter, Service, Site, User

MAX_DAYS = 3 * 366
PRIORITY_NAMES = {"normal": ("Thông thường", "Normal"), "elderly": ("Người cao tuổi", "Elderly"),
                  "disabled": ("Người khuyết tật", "Disabled"), "pregnant": ("Phụ nữ mang thai", "Pregnant"),
                  "meritorious": ("Người có công", "Meritorious")}
CHANNEL_NAMES = {"kiosk": ("Ki-ốt lấy số", "Kiosk"), "counter": ("Cán bộ cấp tại quầy", "Issued at a counter"),
                 "remote": ("Lấy số từ xa (điện thoại)", "Remote (phone)"),
                 "appointment": ("Đặt lịch hẹn", "Appointment")}
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
COUNTS = ("issued", "transferred_in", "finished", "no_show", "cancelled", "transferred", "expired", "out_of_order")


def _parse_day(value: str | date | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"Ngày “{value}” phải viết theo dạng YYYY-MM-DD.", f"{name} must be a date, YYYY-MM-DD.",
                           field=name) from None


def month_range(month: str) -> tuple[date, date]:
    try:
        year, mon = (int(p) for p in str(month).split("-"))
        first = date(year, mon, 1)
    except ValueError:
        raise InvalidInput(f"Tháng “{month}” phải viết theo dạng YYYY-MM (ví dụ 2026-11).",
                           "month must be YYYY-MM (e.g. 2026-11).", field="month") from None
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def day_range(start: str | date | None, end: str | date | None, month: str | None, today: date) -> tuple[date, date]:
    if month:
        return month_range(month)
    lo = _parse_day(start, "from") or today
    hi = _parse_day(end, "to") or lo
    if hi < lo:
        raise InvalidInput("Ngày kết thúc đứng trước ngày bắt đầu.", "The end date is before the start date.", field="to")
    if (hi - lo).days + 1 > MAX_DAYS:
        raise InvalidInput(f"Một báo cáo trải dài tối đa {MAX_DAYS} ngày (3 năm); hãy chọn khoảng ngắn hơn.",
                           f"A report covers at most {MAX_DAYS} days (3 years); choose a shorter range.", field="to")
    return lo, hi


def _figures(cell: summaries.Cell) -> dict[str, Any]:
    wait = asdict(rules.Durations.of(cell.wait_hist, cell.wait_sum_s))
    n = wait["count"]
    wait["within_target"] = cell.wait_within if n else None
    wait["within_target_share"] = round(cell.wait_within / n, 4) if n else None
    return {**{k: cell.counts.get(k, 0) for k in COUNTS}, "wait": wait,
            "service": asdict(rules.Durations.of(cell.service_hist, cell.service_sum_s))}


def natural(text: str) -> list[Any]:
    """"Quầy 2" before "Quầy 10"."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


def _require(actor: Actor, site_id: int) -> None:
    if not actor.has_role("supervisor"):
        raise Forbidden("Báo cáo chỉ dành cho giám sát viên và quản trị viên.",
                        "Reports are for supervisors and administrators.")
    if not actor.in_site(site_id):
        raise Forbidden("Bạn không có quyền ở điểm phục vụ này.", "You have no rights at this site.")


def queue_report(ctx: Context, actor: Actor, *, site: str | int | None = None, start: str | date | None = None,
                 end: str | date | None = None, month: str | None = None) -> dict[str, Any]:
    s = admin.resolve_site(ctx, site if site not in (None, "") else actor.site_id)
    _require(actor, s.id)
    now = ctx.clock.now()
    today = summaries.local_today(now, s.timezone)
    lo, hi = day_range(start, end, month, today)
    with ctx.db.reading() as session:
        site_row = session.get(Site, s.id)
        services = {x.id: x for x in session.scalars(select(Service).where(Service.site_id == s.id))}
        counters = {c.id: c for c in session.scalars(select(Counter).where(Counter.site_id == s.id))}
        thresholds = monitor_thresholds.of_site(site_row)
    targets = {sid: thresholds.target_minutes(svc.code) * 60 for sid, svc in services.items()}
    default_target = thresholds.wait_target_minutes * 60
    store = summaries.Store(ctx.db, s.id, s.timezone, today, now, targets, default_target)
    last = min(hi, today)
    summary = store.range(lo, last) if lo <= last else []
    daily = store.daily_totals(lo, last) if lo <= last else {}
    ids = ({int(c.key) for d in summary for c in d.cells if c.dim == "clerk" and c.key.isdigit()}
           | {r["clerk_id"] for d in summary for r in d.ratings}
           | {int(a[5:]) for d in summary for a in d.out_of_order if a.startswith("user:") and a[5:].isdigit()}) - {0}

    with ctx.db.reading() as session:
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    report = _assemble(s, lo, hi, summary, daily, services, counters, users, targets, default_target, now)
    report["petitions"] = _petitions(ctx, s, lo, hi)
    return report


def _petitions(ctx: Context, site: Site, lo: date, hi: date) -> dict[str, Any]:
    """Feedback and petitions received in the range, by category, and how many are answered."""
    from queue_server.domain.petitions import CATEGORIES
    from queue_server.store.tables import Petition

    zone = ZoneInfo(site.timezone)
    start = datetime.combine(lo, time(0), tzinfo=zone)
    end = datetime.combine(hi + timedelta(days=1), time(0), tzinfo=zone)
    answered = func.sum(case((Petition.answered_at.is_not(None), 1), else_=0))
    still_open = func.sum(case((Petition.state.in_(("new", "in_progress")), 1), else_=0))
    with ctx.db.reading() as session:
        rows = session.execute(select(Petition.category, func.count(), answered, still_open)
                               .where(Petition.site_id == site.id, Petition.created_at >= start,
                                      Petition.created_at < end)
                               .group_by(Petition.category)).all()
    by = {cat: (n, int(a or 0), int(o or 0)) for cat, n, a, o in rows}
    return {"received": sum(v[0] for v in by.values()), "answered": sum(v[1] for v in by.values()),
            "open": sum(v[2] for v in by.values()),
            "by_category": [{"category": k, "label_vi": names[0], "label_en": names[1], "received": by[k][0],
                             "answered": by[k][1], "open": by[k][2]} for k, names in CATEGORIES.items() if k in by]}


def _assemble(site: Site, lo: date, hi: date, summary: list[summaries.Summary], daily: dict[date, summaries.Cell],
              services: dict[int, Service],
              counters: dict[int, Counter], users: dict[int, User], targets: dict[int, int], default_target: int,
              now: datetime) -> dict[str, Any]:
    whole = summaries.merge("range", lo, hi, summary)
    merged = {(c.dim, c.key): c for c in whole.cells}
    total = merged.get(("total", ""), summaries.Cell("total", ""))

    def label(dim: str, key: Any) -> tuple[str, str]:
        if dim == "service":
            svc = services.get(key)
            return (f"{svc.code} – {svc.name_vi}", f"{svc.code} – {svc.name_en or svc.name_vi}") if svc \
                else (f"Dịch vụ #{key}", f"Service #{key}")
        if dim == "counter":
            if not key:
                return ("Chưa được gọi", "Never called")
            c = counters.get(key)
            return (f"Quầy {c.number}" + (f" – {c.name}" if c and c.name and c.name != f"Quầy {c.number}" else "")
                    if c else f"Quầy #{key}", f"Counter {c.number}" if c else f"Counter #{key}")
        if dim == "clerk":
            if not key:
                return ("Chưa được gọi", "Never called")
            u = users.get(key)
            name = (u.full_name or u.username) if u else f"#{key}"
            return (name, name)
        if dim == "priority":
            return PRIORITY_NAMES.get(key, (key, key))
        return CHANNEL_NAMES.get(key, (key, key))

    def sort_key(dim: str, key: Any) -> Any:
        if dim == "service":
            svc = services.get(key)
            return (svc.sort_order if svc else 9999, svc.code if svc else "")
        if dim == "counter":
            c = counters.get(key)
            return (0 if key else 1, c.number if c else 9999)
        if dim == "priority":
            return (key != "normal", key)
        return (key == 0, natural(str(label(dim, key)[0])))

    tables: dict[str, list[dict[str, Any]]] = {}
    for dim in summaries.DIMS[1:]:
        rows = {(int(k) if dim in ("service", "counter", "clerk") else k): c for (d, k), c in merged.items() if d == dim}
        tables[f"by_{dim}"] = [
            {"key": key, "label_vi": label(dim, key)[0], "label_en": label(dim, key)[1],
             **({"target_s": targets.get(key, default_target)} if dim == "service" else {}), **_figures(c)}
            for key, c in sorted(rows.items(), key=lambda kv: sort_key(dim, kv[0]))]

    hours: Tally = Tally()
    for (_wd, h), n in whole.hours.items():
        hours[h] += n
    weekdays = whole.weekdays
    heatmap = [{"weekday": wd, "weekday_vi": WEEKDAYS_VI[wd], "hour": h, "tickets": n,
                "per_day": round(n / weekdays[wd], 1) if weekdays.get(wd) else 0.0}
               for (wd, h), n in sorted(whole.hours.items())]

    return {
        "site": {"id": site.id, "code": site.code, "name": site.name, "timezone": site.timezone},
        "from": lo.isoformat(), "to": hi.isoformat(), "generated_at": now.isoformat(),
        "days": sum(weekdays.values()), "histogram_step_s": rules.STEP_S,
        "totals": _figures(total),
        **tables,
        "by_day": [{"day": d.isoformat(), **_figures(c)} for d, c in sorted(daily.items())
                   if c.counts.get("issued") or c.counts.get("transferred_in")],
        "arrivals": {"by_hour": [{"hour": h, "tickets": hours[h]} for h in sorted(hours)],
                     "heatmap": heatmap, "days_by_weekday": {str(k): v for k, v in sorted(weekdays.items())}},
        "satisfaction": _satisfaction(whole, services, counters, users),
        "out_of_order": _out_of_order(whole, users),
        "notes": _notes(whole, total, lo, hi),
    }


def _satisfaction(whole: summaries.Summary, services: dict[int, Service], counters: dict[int, Counter],
                  users: dict[int, User]) -> dict[str, Any]:
    def blank() -> dict[str, Any]:
        return {**dict.fromkeys(ratings.LEVELS, 0), "total": 0, "reasons": Tally()}

    overall = blank()
    by: dict[str, dict[Any, dict[str, Any]]] = {"service": {}, "counter": {}, "clerk": {}}
    for r in whole.ratings:
        if r["level"] not in ratings.LEVELS:
            continue
        for bucket in (overall, by["service"].setdefault(r["service_id"], blank()),
                       by["counter"].setdefault(r["counter_id"], blank()),
                       by["clerk"].setdefault(r["clerk_id"], blank())):
            bucket[r["level"]] += r["count"]
            bucket["total"] += r["count"]
            bucket["reasons"].update(r.get("reasons") or {})

    def done(b: dict[str, Any]) -> dict[str, Any]:
        happy = b["very_satisfied"] + b["satisfied"]
        return {**{k: b[k] for k in (*ratings.LEVELS, "total")},
                "satisfied_share": round(happy / b["total"], 4) if b["total"] else None,
                "reasons": [{"reason": k, "label_vi": ratings.REASONS.get(k, (k, k))[0],
                             "label_en": ratings.REASONS.get(k, (k, k))[1], "count": n}
                            for k, n in b["reasons"].most_common()]}

    def name(dim: str, key: Any) -> str:
        if not key:
            return "Không rõ"
        if dim == "service":
            return f"{services[key].code} – {services[key].name_vi}" if key in services else f"#{key}"
        if dim == "counter":
            return f"Quầy {counters[key].number}" if key in counters else f"#{key}"
        u = users.get(key)
        return (u.full_name or u.username) if u else f"#{key}"

    return {"overall": done(overall), "levels": [{"level": k, "label_vi": v[0], "label_en": v[1]}
                                                 for k, v in ratings.LEVEL_NAMES.items()],
            **{f"by_{dim}": [{"key": k, "label_vi": name(dim, k), **done(b)} for k, b in sorted(
                rows.items(), key=lambda kv: natural(name(dim, kv[0])))] for dim, rows in by.items()}}


def _out_of_order(whole: summaries.Summary, users: dict[int, User]) -> list[dict[str, Any]]:
    calls = Tally(whole.out_of_order)
    out = []
    for actor, n in calls.most_common():
        kind, _, ident = actor.partition(":")
        u = users.get(int(ident)) if kind == "user" and ident.isdigit() else None
        out.append({"actor": actor, "name": (u.full_name or u.username) if u else actor, "calls": n})
    return out


def _notes(whole: summaries.Summary, total: summaries.Cell, lo: date, hi: date) -> list[dict[str, str]]:
    notes = []
    if not total.counts.get("issued") and not total.counts.get("transferred_in"):
        notes.append({"vi": f"Không có lượt nào từ {lo:%d/%m/%Y} đến {hi:%d/%m/%Y}: các bảng để trống.",
                      "en": f"No tickets from {lo:%d/%m/%Y} to {hi:%d/%m/%Y}: the tables are empty."})
    if sum(whole.weekdays.values()) < (hi - lo).days + 1:
        notes.append({"vi": "Các ngày sau hôm nay chưa có số liệu.", "en": "Days after today have no figures yet."})
    return notes


def month_label(month: str) -> str:
    first, _ = month_range(month)
    return f"tháng {first.month}/{first.year}"


def keep_closed(ctx: Context, *, days_back: int = 62, limit: int = 31) -> int:
    """Summarise and keep the closed days of the last `days_back` days (at most `limit` a
    round) and the last closed month, so the morning's report reads kept summaries only.
    Run by the server every maintenance round; returns how many summaries it made."""
    from queue_server.store.tables import ReportDay

    made = 0
    now = ctx.clock.now()
    with ctx.db.reading() as session:
        sites = list(session.scalars(select(Site)))
    for site in sites:
        today = summaries.local_today(now, site.timezone)
        lo = today - timedelta(days=days_back)
        with ctx.db.reading() as session:
            kept = set(session.scalars(select(ReportDay.business_day).where(
                ReportDay.site_id == site.id, ReportDay.span == "day", ReportDay.business_day >= lo,
                ReportDay.version == summaries.VERSION)))
            services = {x.id: x.code for x in session.scalars(select(Service).where(Service.site_id == site.id))}
        t = monitor_thresholds.of_site(site)
        store = summaries.Store(ctx.db, site.id, site.timezone, today, now,
                                {sid: t.target_minutes(code) * 60 for sid, code in services.items()},
                                t.wait_target_minutes * 60)
        missing = [lo + timedelta(days=i) for i in range(days_back) if lo + timedelta(days=i) not in kept]
        for day in missing[:limit]:
            store.days(day, day)
            made += 1
        last_month_end = today.replace(day=1) - timedelta(days=1)
        if len(missing) <= limit:  # every day of the last month is kept now: their sum is cheap
            store.range(last_month_end.replace(day=1), last_month_end)
    return made

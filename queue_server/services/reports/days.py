"""One business day of a site summarised for the queue reports, in SQL.

`summarise(conn, site_id, day, tz)` aggregates the day's tickets by (service, counter,
clerk, priority class, channel) into cells holding counts by outcome and waits and service
times as histograms (domain.reports), the arrivals by local hour, the ratings given that
day and the out-of-order calls by who made them. Each query reads one day through an index.

`Store(...).range(lo, hi)` gives a range as closed whole months plus single days: a closed
day (before today, every ticket final) or month is read from `report_days`/`report_cells`,
summarised and kept the first time it is needed; today and any day still open are
summarised afresh and not kept. A month is the sum of its days (`merge`).

Waits are measured from issue to first call (a ticket transferred in: from its transfer);
service times from start (or the call, when the clerk never pressed start) to finish.
"""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, cast, delete, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from queue_server.domain import reports as rules
from queue_server.store.tables import Event, ReportCell, ReportDay, Ticket

VERSION = 1
OPEN_STATES = ("waiting", "called", "serving", "absent")  # absent: a remote number not checked in yet
OUTCOMES = ("finished", "no_show", "cancelled", "transferred", "expired", "waiting", "called", "serving", "absent")
_T = Ticket.__table__
_E = Event.__table__


DIMS = ("total", "service", "counter", "clerk", "priority", "channel")


@dataclass
class Cell:
    """One row of one report table for one day (or, summed, for a range)."""

    dim: str
    key: str
    counts: Tally = field(default_factory=Tally)
    wait_hist: rules.Histogram = field(default_factory=dict)
    wait_sum_s: float = 0.0
    wait_within: int = 0
    service_hist: rules.Histogram = field(default_factory=dict)
    service_sum_s: float = 0.0

    def add(self, other: Cell) -> None:
        self.counts.update(other.counts)
        rules.add(self.wait_hist, other.wait_hist)
        self.wait_sum_s += other.wait_sum_s
        self.wait_within += other.wait_within
        rules.add(self.service_hist, other.service_hist)
        self.service_sum_s += other.service_sum_s


@dataclass
class Summary:
    """A day's (span "day") or a whole month's (span "month", the sum of its days) figures."""

    span: str
    first: date
    last: date
    cells: list[Cell]
    hours: dict[tuple[int, int], int]  # (weekday, local hour) -> tickets issued
    weekdays: dict[int, int]  # weekday -> days of it covered
    ratings: list[dict[str, Any]]  # {service_id, counter_id, clerk_id, level, count, reasons{}}
    out_of_order: dict[str, int]  # actor label -> calls

    def extras(self) -> dict[str, Any]:
        return {"hours": {f"{wd}:{h}": n for (wd, h), n in sorted(self.hours.items())},
                "weekdays": {str(wd): n for wd, n in sorted(self.weekdays.items())},
                "ratings": self.ratings, "out_of_order": self.out_of_order}

    @classmethod
    def from_extras(cls, span: str, first: date, last: date, extras: dict[str, Any]) -> Summary:
        hours = {}
        for k, n in (extras.get("hours") or {}).items():
            wd, _, h = k.partition(":")
            hours[(int(wd), int(h))] = n
        return cls(span, first, last, [], hours, {int(k): n for k, n in (extras.get("weekdays") or {}).items()},
                   list(extras.get("ratings") or []), dict(extras.get("out_of_order") or {}))


def merge(span: str, first: date, last: date, parts: list[Summary]) -> Summary:
    cells: dict[tuple[str, str], Cell] = {}
    hours: Tally = Tally()
    weekdays: Tally = Tally()
    ratings: dict[tuple, dict[str, Any]] = {}
    out_of_order: Tally = Tally()
    for p in parts:
        for c in p.cells:
            into = cells.get((c.dim, c.key))
            if into is None:
                into = cells[(c.dim, c.key)] = Cell(c.dim, c.key)
            into.add(c)
        hours.update(p.hours)
        weekdays.update(p.weekdays)
        out_of_order.update(p.out_of_order)
        for r in p.ratings:
            key = (r["service_id"], r["counter_id"], r["clerk_id"], r["level"])
            into_r = ratings.setdefault(key, {**r, "count": 0, "reasons": {}})
            into_r["count"] += r["count"]
            for reason, n in (r.get("reasons") or {}).items():
                into_r["reasons"][reason] = into_r["reasons"].get(reason, 0) + n
    return Summary(span, first, last, list(cells.values()), dict(hours), dict(weekdays), list(ratings.values()),
                   dict(out_of_order))


def _seconds(conn: Connection, later: Any, earlier: Any) -> ColumnElement[float]:
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _bucket(seconds: ColumnElement[float]) -> ColumnElement[int]:
    """domain.reports.bucket_of in SQL: whole seconds rounded, then ceil(s / STEP_S)."""
    whole = cast(func.round(seconds), Integer)
    return case((whole <= 0, literal(0)), else_=(whole + (rules.STEP_S - 1)) / rules.STEP_S)


def _hour(conn: Connection, column: Any) -> ColumnElement[int]:
    if conn.dialect.name == "postgresql":
        return cast(func.extract("hour", func.timezone("UTC", column)), Integer)
    return cast(func.strftime("%H", column), Integer)


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def _bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    return (datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC),
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC))


def summarise(conn: Connection, site_id: int, day: date, tz: str, targets_s: dict[int, int],
              default_target_s: int) -> Summary:
    """`targets_s`: each service's wait target in seconds (others: `default_target_s`)."""
    of_day = and_(_T.c.site_id == site_id, _T.c.business_day == day)
    original = _T.c.transfer_origin_id.is_(None)
    wait_s = _seconds(conn, _T.c.called_at, case((original, _T.c.issued_at), else_=_T.c.queued_at))
    service_s = _seconds(conn, _T.c.finished_at, func.coalesce(_T.c.serving_at, _T.c.last_called_at))
    finished = and_(_T.c.state == "finished", _T.c.finished_at.is_not(None))
    wait_b = case((_T.c.called_at.is_not(None), _bucket(wait_s)))
    service_b = case((finished, _bucket(service_s)))
    channel = _T.c.channel
    keys = (_T.c.service_id, func.coalesce(_T.c.counter_id, 0), func.coalesce(_T.c.clerk_id, 0), _T.c.priority,
            channel, _T.c.state, original, _T.c.out_of_order, wait_b, service_b)
    stmt = (select(*keys, func.count(), func.sum(case((_T.c.called_at.is_not(None), wait_s))),
                   func.sum(case((finished, service_s))))
            .where(of_day).group_by(*keys))
    cells: dict[tuple[str, str], Cell] = {}
    for svc, counter, clerk, prio, chan, state, orig, ooo, wb, sb, n, wsum, ssum in conn.execute(stmt):
        target_b = targets_s.get(svc, default_target_s) // rules.STEP_S
        for dim, key in (("total", ""), ("service", svc), ("counter", counter), ("clerk", clerk),
                         ("priority", prio), ("channel", chan)):
            cell = cells.get((dim, str(key)))
            if cell is None:
                cell = cells[(dim, str(key))] = Cell(dim, str(key))
            cell.counts["issued" if orig else "transferred_in"] += n
            cell.counts[state] += n
            if ooo:
                cell.counts["out_of_order"] += n
            if wb is not None:
                cell.wait_hist[int(wb)] = cell.wait_hist.get(int(wb), 0) + n
                cell.wait_sum_s += float(wsum or 0)
                if int(wb) <= target_b:
                    cell.wait_within += n
            if sb is not None:
                cell.service_hist[int(sb)] = cell.service_hist.get(int(sb), 0) + n
                cell.service_sum_s += float(ssum or 0)

    zone = ZoneInfo(tz)
    hours: dict[tuple[int, int], int] = {}
    hour = _hour(conn, _T.c.issued_at)
    for utc_hour, n in conn.execute(select(hour, func.count()).where(of_day, original).group_by(hour)):
        at = datetime.combine(day, time(int(utc_hour)), tzinfo=UTC)
        local = at.astimezone(zone)
        if local.date() != day:  # the UTC hour's date is a guess: a Vietnamese day spans two UTC dates
            local = (at + timedelta(days=1 if local.date() < day else -1)).astimezone(zone)
        hours[(day.weekday(), local.hour)] = hours.get((day.weekday(), local.hour), 0) + n

    lo, hi = _bounds(day, tz)
    ratings: dict[tuple, dict[str, Any]] = {}
    rated = (select(_E.c.data, _T.c.service_id, _T.c.counter_id, _T.c.clerk_id)
             .select_from(_E.outerjoin(_T, _T.c.id == _E.c.ticket_id))
             .where(_E.c.site_id == site_id, _E.c.kind == "rating.given", _E.c.at >= lo, _E.c.at < hi))
    for data, svc, counter, clerk in conn.execute(rated):
        level = (data or {}).get("level")
        if not isinstance(level, str):
            continue
        key = (svc or 0, counter or 0, clerk or 0, level)
        r = ratings.setdefault(key, {"service_id": key[0], "counter_id": key[1], "clerk_id": key[2],
                                     "level": level, "count": 0, "reasons": {}})
        r["count"] += 1
        for reason in (data or {}).get("reasons") or []:
            if isinstance(reason, str):
                r["reasons"][reason] = r["reasons"].get(reason, 0) + 1

    out_of_order: Tally = Tally()
    flagged = select(_T.c.id).where(of_day, _T.c.out_of_order.is_(True))
    calls = select(_E.c.actor, _E.c.data).where(_E.c.site_id == site_id, _E.c.kind == "ticket.called",
                                                 _E.c.at >= lo, _E.c.at < hi,
                                                 _E.c.ticket_id.in_(flagged))
    for actor, data in conn.execute(calls):
        if (data or {}).get("out_of_order"):
            out_of_order[actor or "?"] += 1
    return Summary("day", day, day, list(cells.values()), hours, {day.weekday(): 1}, list(ratings.values()),
                   dict(out_of_order))


# -- stored summaries of closed days and months ----------------------------------------------

def _is_closed(conn: Connection, site_id: int, first: date, last: date, today: date) -> bool:
    """Every day before today and every ticket of those days final."""
    if last >= today:
        return False
    still_open = conn.execute(select(func.count()).select_from(_T).where(
        _T.c.site_id == site_id, _T.c.business_day >= first, _T.c.business_day <= last,
        _T.c.state.in_(OPEN_STATES))).scalar_one()
    return still_open == 0


def _hist_json(hist: rules.Histogram) -> dict[str, int]:
    return {str(b): n for b, n in sorted(hist.items())}


def _store(conn: Connection, site_id: int, s: Summary, now: datetime) -> None:
    at = {"site_id": site_id, "span": s.span, "business_day": s.first}
    conn.execute(delete(ReportCell.__table__).where(*(getattr(ReportCell, k) == v for k, v in at.items())))
    conn.execute(delete(ReportDay.__table__).where(*(getattr(ReportDay, k) == v for k, v in at.items())))
    conn.execute(ReportDay.__table__.insert(), {**at, "last_day": s.last, "version": VERSION, "computed_at": now,
                                                "extras": s.extras()})
    if s.cells:
        conn.execute(ReportCell.__table__.insert(), [{
            **at, "dim": c.dim, "key": c.key, "counts": dict(c.counts),
            "wait_hist": _hist_json(c.wait_hist), "wait_sum_s": c.wait_sum_s, "wait_within": c.wait_within,
            "service_hist": _hist_json(c.service_hist), "service_sum_s": c.service_sum_s} for c in s.cells])


def _load(conn: Connection, site_id: int, span: str, lo: date, hi: date, *, dims: tuple[str, ...] = DIMS,
          ) -> dict[date, Summary]:
    """Stored summaries of `span` starting from lo to hi (only cells of `dims`)."""
    out: dict[date, Summary] = {}
    for first, last, extras in conn.execute(select(ReportDay.business_day, ReportDay.last_day, ReportDay.extras).where(
            ReportDay.site_id == site_id, ReportDay.span == span, ReportDay.business_day >= lo,
            ReportDay.business_day <= hi, ReportDay.version == VERSION)):
        out[first] = Summary.from_extras(span, first, last, extras or {})
    c = ReportCell.__table__.c
    rows = conn.execute(select(c.business_day, c.dim, c.key, c.counts, c.wait_hist, c.wait_sum_s, c.wait_within,
                               c.service_hist, c.service_sum_s)
                        .where(c.site_id == site_id, c.span == span, c.business_day >= lo, c.business_day <= hi,
                               c.dim.in_(dims)))
    for d, dim, key, counts, wh, ws, wi, sh, ss in rows:
        summary = out.get(d)
        if summary is None:  # cells of a summary of an older version: ignored, summarised again
            continue
        summary.cells.append(Cell(dim, key, Tally(counts or {}), {int(b): n for b, n in (wh or {}).items()},
                                  ws or 0.0, wi or 0, {int(b): n for b, n in (sh or {}).items()}, ss or 0.0))
    return out


def _months(lo: date, hi: date) -> list[tuple[date, date]]:
    """The whole calendar months inside lo..hi."""
    out = []
    first = lo if lo.day == 1 else (lo.replace(day=28) + timedelta(days=4)).replace(day=1)
    while True:
        nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        if nxt - timedelta(days=1) > hi:
            return out
        out.append((first, nxt - timedelta(days=1)))
        first = nxt


class Store:
    """Summaries of a site's days and months: read when kept, made (and kept when closed) when not."""

    def __init__(self, db: Any, site_id: int, tz: str, today: date, now: datetime, targets_s: dict[int, int],
                 default_target_s: int, *, keep: bool = True) -> None:
        self.db, self.site_id, self.tz, self.today, self.now = db, site_id, tz, today, now
        self.targets_s, self.default_target_s, self.keep = targets_s, default_target_s, keep

    def days(self, lo: date, hi: date) -> list[Summary]:
        wanted = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
        if not wanted:
            return []
        with self.db.connection() as conn:
            have = _load(conn, self.site_id, "day", lo, hi)
        out = []
        for day in wanted:
            if day not in have:
                with self.db.connection() as conn:
                    have[day] = summarise(conn, self.site_id, day, self.tz, self.targets_s, self.default_target_s)
                    closed = _is_closed(conn, self.site_id, day, day, self.today)
                if closed and self.keep:
                    self._put(have[day])
            out.append(have[day])
        return out

    def range(self, lo: date, hi: date) -> list[Summary]:
        """lo..hi (hi before or on today) as closed whole months plus single days."""
        months = [(a, b) for a, b in _months(lo, hi) if b < self.today]
        with self.db.connection() as conn:
            kept = _load(conn, self.site_id, "month", lo, hi)
        out: list[Summary] = []
        cursor = lo
        for first, last in months:
            out.extend(self.days(cursor, first - timedelta(days=1)) if cursor < first else [])
            month = kept.get(first)
            if month is None:
                month = merge("month", first, last, self.days(first, last))
                with self.db.connection() as conn:
                    closed = _is_closed(conn, self.site_id, first, last, self.today)
                if closed and self.keep:
                    self._put(month)
            out.append(month)
            cursor = last + timedelta(days=1)
        if cursor <= hi:
            out.extend(self.days(cursor, hi))
        return out

    def daily_totals(self, lo: date, hi: date) -> dict[date, Cell]:
        """Each day's whole-day cell (for the trend chart): kept days read, others made."""
        with self.db.connection() as conn:
            kept = _load(conn, self.site_id, "day", lo, hi, dims=("total",))
        out = {}
        for i in range((hi - lo).days + 1):
            day = lo + timedelta(days=i)
            summary = kept.get(day) or self.days(day, day)[0]
            out[day] = next((c for c in summary.cells if c.dim == "total"), Cell("total", ""))
        return out

    def _put(self, summary: Summary) -> None:
        def work(session: Any) -> None:
            _store(session.connection(), self.site_id, summary, self.now)

        try:
            self.db.transaction(work)
        except IntegrityError:  # another process kept the same summary at the same moment: theirs is as good
            pass

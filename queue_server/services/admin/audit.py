"""The administration audit trail: who changed what in a hall's set-up, and when, read from
the event log (each admin change is one event, written in the change's transaction).

A page of the trail is one indexed read (site, kinds, time; newest first) with a LIMIT, and
the next page starts below the last id seen: the log is never read whole."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from queue_server.services.admin import require
from queue_server.services.context import Actor, Context
from queue_server.services.errors import InvalidInput, not_found
from queue_server.store.tables import Event, Site

# the kinds of the trail: every change the administration page (or the API, or the CLI) makes
AUDIT_KINDS = (
    "admin.site_updated", "admin.service_created", "admin.service_updated", "admin.service_deleted",
    "admin.counter_created", "admin.counter_updated", "admin.user_created", "admin.user_updated",
    "admin.device_created", "admin.device_revoked", "monitor.thresholds_changed", "catalog.imported",
    "admin.remote_settings_changed", "admin.remote_service_changed",
    "admin.holidays_updated", "admin.holidays_removed",
    "appointment.settings_changed",
    "admin.agency_created", "admin.agency_updated", "admin.route_changed",
)
PAGE_MAX = 200


def browse(ctx: Context, actor: Actor, site_id: int, *, who: str | None = None, kind: str | None = None,
           since: date | None = None, until: date | None = None, before_id: int | None = None,
           limit: int = 50) -> dict[str, Any]:
    """A page of the site's audit trail, newest first, filtered by the actor's label
    (`user:5`), one kind, and a range of days in the site's time zone (both ends included).
    `next_before_id` continues to the older events, None at the end."""
    require(actor, "supervisor", site_id)
    if kind is not None and kind not in AUDIT_KINDS:
        raise InvalidInput(f"Loại sự kiện “{kind}” không thuộc nhật ký quản trị.",
                           f"{kind!r} is not a kind of the audit trail.", field="kind", kinds=list(AUDIT_KINDS))
    for name, day in (("since", since), ("until", until)):
        if day is not None and not 1900 <= day.year <= 2200:
            raise InvalidInput(f"{name}: ngày phải trong khoảng năm 1900–2200.", f"{name}: a day in 1900-2200.",
                               field=name)
    if since and until and since > until:
        raise InvalidInput("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.", "since must not be after until.",
                           field="since")
    limit = max(1, min(limit, PAGE_MAX))
    with ctx.db.reading() as session:
        site = session.get(Site, site_id)
        if site is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        zone = ZoneInfo(site.timezone)
        stmt = select(Event).where(Event.site_id == site_id,
                                   Event.kind.in_([kind] if kind else list(AUDIT_KINDS)))
        if who:
            stmt = stmt.where(Event.actor == who)
        if since:
            stmt = stmt.where(Event.at >= datetime.combine(since, time(), zone))
        if until:
            stmt = stmt.where(Event.at < datetime.combine(until + timedelta(days=1), time(), zone))
        if before_id:
            stmt = stmt.where(Event.id < before_id)
        rows = list(session.scalars(stmt.order_by(Event.id.desc()).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "events": [{"id": e.id, "at": e.at.isoformat(), "kind": e.kind, "actor": e.actor,
                        "by_name": (e.data or {}).get("by_name") or e.actor, "data": e.data} for e in rows],
            "next_before_id": rows[-1].id if more and rows else None,
            "kinds": list(AUDIT_KINDS),
        }

"""A service's appointment settings: read them, change them (one audit event per change),
and the site's working calendar and hours that slots are cut from.

`site_calendar` is the one place that says which calendar and hours a site's appointments
follow; today they are the dossier desk's (`[dossiers]` working_hours, per site if set, and
the holiday files), the same ones a dossier's due date uses.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain.appointments import LIMITS, SlotRule
from queue_server.domain.working_days import WorkCalendar, WorkingHours
from queue_server.events import log
from queue_server.services.admin import require
from queue_server.services.context import Actor, Context
from queue_server.services.dossiers.setup import dossier_settings, work_calendar
from queue_server.services.errors import Conflict, InvalidInput, not_found
from queue_server.services.site_setup import site_hours
from queue_server.store.tables import AppointmentSetting, Service, Site

SETTINGS_EVENT = "appointment.settings_changed"


def site_calendar(ctx: Context, site: Site) -> tuple[WorkCalendar, WorkingHours]:
    """The holiday calendar and the working hours of `site` (Tết, holidays, swapped days)."""
    own = dossier_settings(ctx).for_site(site)
    return work_calendar(own), site_hours(own, site)


def rule_of(row: AppointmentSetting | None) -> SlotRule:
    """The stored rule (a service never set up takes no appointments)."""
    if row is None:
        return SlotRule()
    try:
        return SlotRule.from_mapping(row.rule or {})
    except ValueError:
        return SlotRule()  # a rule stored by an older version that no longer holds: closed


def load_rule(session: Session, service_id: int) -> SlotRule:
    return rule_of(session.get(AppointmentSetting, service_id))


def _service_json(s: Service, row: AppointmentSetting | None) -> dict[str, Any]:
    return {"service_id": s.id, "service_code": s.code, "service_name_vi": s.name_vi, "service_name_en": s.name_en,
            "rule": rule_of(row).to_mapping(), "version": row.version if row else 0}


def get_settings(ctx: Context, actor: Actor, site_id: int) -> dict[str, Any]:
    """Every active service of the site with its appointment settings (supervisor+)."""
    require(actor, "supervisor", site_id)
    with ctx.db.reading() as session:
        if session.get(Site, site_id) is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        services = list(session.scalars(select(Service).where(Service.site_id == site_id, Service.active)
                                        .order_by(Service.sort_order, Service.id)))
        rows = {r.service_id: r for r in session.scalars(
            select(AppointmentSetting).where(AppointmentSetting.site_id == site_id))}
        return {"site_id": site_id, "services": [_service_json(s, rows.get(s.id)) for s in services],
                "limits": {k: list(v) for k, v in LIMITS.items()}}


def check_rule(data: dict[str, Any]) -> SlotRule:
    """The rule as submitted, or a 422 naming the wrong field (Vietnamese, then English)."""
    try:
        return SlotRule.from_mapping(data)
    except (TypeError, ValueError) as exc:
        text = str(exc)
        field = text.split(" ", 1)[0].rstrip(":")
        raise InvalidInput(f"Cài đặt lịch hẹn không hợp lệ ({field}): {text}",
                           f"Invalid appointment setting ({field}): {text}", field=field) from None


def update_settings(ctx: Context, actor: Actor, service_id: int, data: dict[str, Any],
                    version: int | None = None) -> dict[str, Any]:
    """Replace a service's settings (supervisor+ of its site). `version` (from the read) makes
    a save from a stale page a 409 instead of overwriting someone else's change."""
    rule = check_rule(data)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        service = session.get(Service, service_id)
        if service is None or not service.active:
            raise not_found("dịch vụ", "Service", service_id)
        require(actor, "supervisor", service.site_id)
        row = session.get(AppointmentSetting, service_id, with_for_update=True)
        current = row.version if row else 0
        if version is not None and version != current:
            raise Conflict("Cài đặt đã được người khác thay đổi; hãy tải lại trang.",
                           "Someone else changed these settings; reload the page.", version=current)
        before = rule_of(row).to_mapping()
        after = rule.to_mapping()
        if row is None:
            row = AppointmentSetting(service_id=service.id, site_id=service.site_id, rule=after, version=1,
                                     updated_at=now)
            session.add(row)
        elif before != after:
            row.rule, row.version, row.updated_at = after, row.version + 1, now
        if before != after or current == 0:
            changed = sorted(k for k in after if before.get(k) != after[k])
            log.append(session, site_id=service.site_id, kind=SETTINGS_EVENT, at=now, actor=actor.label,
                       data={"service_id": service.id, "service_code": service.code, "changed": changed,
                             "before": before, "after": after, "by_name": actor.name or actor.label})
        session.flush()
        return _service_json(service, row)

    return ctx.db.transaction(work)

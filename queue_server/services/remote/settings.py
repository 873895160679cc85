"""A site's rules for remote numbers and its services' quotas: read by the use cases, changed
by an administrator (each change one audit event, `admin.remote_settings_changed` or
`admin.remote_service_changed`, with what changed as [before, after])."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain import remote as rules_
from queue_server.domain.remote import RemoteRules, RuleError
from queue_server.services.admin import _admin_event, require
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Conflict, InvalidInput, not_found
from queue_server.store.tables import RemoteService, RemoteSettings, Service, Site

SETTINGS_EVENT = "admin.remote_settings_changed"
SERVICE_EVENT = "admin.remote_service_changed"


def _hhmm(t: time | None) -> str:
    return t.strftime("%H:%M") if t is not None else ""


def rules_of(row: RemoteSettings | None) -> RemoteRules:
    if row is None:
        return RemoteRules()
    return RemoteRules(enabled=row.enabled, hours_from=rules_.parse_hhmm(row.hours_from, "hours_from"),
                       hours_until=rules_.parse_hhmm(row.hours_until, "hours_until"),
                       checkin_minutes=row.checkin_minutes,
                       expire_at=rules_.parse_hhmm(row.expire_at, "expire_at"), placement=row.placement)


def read_rules(session: Session, site_id: int) -> RemoteRules:
    return rules_of(session.get(RemoteSettings, site_id))


def rules_json(r: RemoteRules, version: int = 0) -> dict[str, Any]:
    return {"enabled": r.enabled, "hours_from": _hhmm(r.hours_from), "hours_until": _hhmm(r.hours_until),
            "checkin_minutes": r.checkin_minutes, "expire_at": _hhmm(r.expire_at), "placement": r.placement,
            "version": version}


@dataclass
class ServiceRule:
    service: Service
    enabled: bool
    daily_quota: int


def service_rules(session: Session, site_id: int) -> list[ServiceRule]:
    """Every active service of the site with its remote rule (none: off, quota 0)."""
    services = session.scalars(select(Service).where(Service.site_id == site_id, Service.active.is_(True))
                               .order_by(Service.sort_order, Service.code))
    rows = {r.service_id: r for r in session.scalars(select(RemoteService).where(RemoteService.site_id == site_id))}
    return [ServiceRule(s, bool(rows[s.id].enabled) if s.id in rows else False,
                        rows[s.id].daily_quota if s.id in rows else 0) for s in services]


def get_settings(ctx: Context, actor: Actor, site_id: int) -> dict[str, Any]:
    require(actor, "supervisor", site_id)
    with ctx.db.reading() as session:
        if session.get(Site, site_id) is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        row = session.get(RemoteSettings, site_id)
        return {**rules_json(rules_of(row), row.version if row else 0), "site_id": site_id,
                "services": [{"service_id": r.service.id, "code": r.service.code, "name_vi": r.service.name_vi,
                              "name_en": r.service.name_en, "enabled": r.enabled, "daily_quota": r.daily_quota}
                             for r in service_rules(session, site_id)]}


def _invalid(exc: RuleError) -> InvalidInput:
    return InvalidInput(exc.vi, exc.en, field=exc.field)


def update_settings(ctx: Context, actor: Actor, site_id: int, changes: dict[str, Any], *,
                    version: int | None = None) -> dict[str, Any]:
    """Change some of a site's rules (the rest stay); a save from an older `version` is a 409."""
    require(actor, "admin", site_id)

    def work(session: Session) -> dict[str, Any]:
        if session.get(Site, site_id) is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        now = ctx.clock.now()
        row = session.get(RemoteSettings, site_id, with_for_update=True)
        current = rules_json(rules_of(row), row.version if row else 0)
        if version is not None and version != current["version"]:
            raise Conflict(f"Thiết lập lấy số từ xa đã được người khác sửa (phiên bản {version} → "
                           f"{current['version']}). Hãy tải lại rồi lưu lần nữa.",
                           f"The remote number settings were changed by someone else (version {version} → "
                           f"{current['version']}). Reload and save again.", current=current)
        merged = {k: v for k, v in current.items() if k != "version"} | changes
        try:
            new = rules_.rules_from(merged)
        except RuleError as exc:
            raise _invalid(exc) from None
        after = rules_json(new)
        changed = {k: [current[k], after[k]] for k in after if k != "version" and current[k] != after[k]}
        if row is None:
            row = RemoteSettings(site_id=site_id, version=0, updated_at=now)
            session.add(row)
        if changed or row.version == 0:
            row.enabled, row.checkin_minutes, row.placement = new.enabled, new.checkin_minutes, new.placement
            row.hours_from, row.hours_until, row.expire_at = after["hours_from"], after["hours_until"], after["expire_at"]
            row.version += 1
            row.updated_at = now
        _admin_event(session, site_id, SETTINGS_EVENT, actor, now, version=row.version, changes=changed)
        return rules_json(new, row.version)

    return ctx.db.transaction(work)


def update_service(ctx: Context, actor: Actor, service_id: int, *, enabled: bool | None = None,
                   daily_quota: int | None = None) -> dict[str, Any]:
    """Open or close a service for remote numbers, or change its daily quota."""
    if daily_quota is not None:
        try:
            rules_.check_quota(daily_quota)
        except RuleError as exc:
            raise _invalid(exc) from None

    def work(session: Session) -> dict[str, Any]:
        service = session.get(Service, service_id)
        if service is None:
            raise not_found("dịch vụ", "Service", service_id)
        require(actor, "admin", service.site_id)
        now = ctx.clock.now()
        row = session.get(RemoteService, service_id, with_for_update=True)
        if row is None:
            row = RemoteService(service_id=service_id, site_id=service.site_id, enabled=False, daily_quota=0)
            session.add(row)
        changed: dict[str, list[Any]] = {}
        for name, value in (("enabled", enabled), ("daily_quota", daily_quota)):
            if value is not None and getattr(row, name) != value:
                changed[name] = [getattr(row, name), value]
                setattr(row, name, value)
        _admin_event(session, service.site_id, SERVICE_EVENT, actor, now, service=service.code,
                     service_id=service.id, changes=changed)
        return {"service_id": service.id, "code": service.code, "enabled": row.enabled,
                "daily_quota": row.daily_quota}

    return ctx.db.transaction(work)

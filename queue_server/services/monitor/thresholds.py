"""The monitor's alert thresholds, stored on the site (`sites.monitor`, JSON) and checked by
domain.monitor.Thresholds: a value that makes no sense is refused with its key named."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain.monitor import SERVICE_TARGETS, ThresholdError, Thresholds
from queue_server.events import log
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Forbidden, InvalidInput, not_found
from queue_server.store.tables import Service, Site


def of_site(site: Site) -> Thresholds:
    """The site's thresholds (stored ones were checked when set; a hand-edited bad value
    falls back to the defaults rather than breaking the monitor)."""
    try:
        return Thresholds.from_mapping(site.monitor or {})
    except ThresholdError:
        return Thresholds()


def check(data: dict[str, Any]) -> Thresholds:
    try:
        return Thresholds.from_mapping(data)
    except ThresholdError as exc:
        raise InvalidInput(f"Ngưỡng cảnh báo “{exc.key}” {exc.problem_vi}.",
                           f"Monitor threshold '{exc.key}' {exc.problem_en}.", field=f"monitor.{exc.key}") from None


def get(ctx: Context, actor: Actor, site_id: int) -> dict[str, Any]:
    _require(actor, site_id, "supervisor")
    with ctx.db.reading() as session:
        site = session.get(Site, site_id)
        if site is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        return of_site(site).as_json()


def update(ctx: Context, actor: Actor, site_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change some thresholds (admin); the others keep their values. Recorded as an event
    (`monitor.thresholds_changed`, staff only), which also updates open monitor pages."""
    _require(actor, site_id, "admin")

    def work(session: Session) -> dict[str, Any]:
        site = session.scalars(select(Site).where(Site.id == site_id).with_for_update()).one_or_none()
        if site is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        merged = {**of_site(site).as_json(), **changes}
        thresholds = check(merged)
        codes = set(session.scalars(select(Service.code).where(Service.site_id == site_id)))
        unknown = sorted(set(thresholds.service_wait_target_minutes) - codes)
        if unknown:
            raise InvalidInput(f"Ngưỡng cảnh báo “{SERVICE_TARGETS}.{unknown[0]}”: không có dịch vụ mã {unknown[0]}.",
                               f"Monitor threshold '{SERVICE_TARGETS}.{unknown[0]}': no service has code {unknown[0]}.",
                               field=f"monitor.{SERVICE_TARGETS}.{unknown[0]}")
        site.monitor = thresholds.as_json()
        log.append(session, site_id=site.id, kind="monitor.thresholds_changed", at=ctx.clock.now(),
                   actor=actor.label, data={"thresholds": site.monitor, "by_name": actor.name or actor.label})
        return site.monitor

    return ctx.db.transaction(work)


def _require(actor: Actor, site_id: int, role: str) -> None:
    if not actor.has_role(role) or not actor.in_site(site_id):
        raise Forbidden("Bạn không có quyền xem hoặc đổi ngưỡng cảnh báo của điểm này.",
                        f"This needs the {role} role at this site.")

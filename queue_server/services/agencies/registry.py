"""The agencies of each site (cơ quan, phòng ban xử lý hồ sơ) and the procedures' processing
routes: admin use cases, and the lookups the hand-offs need (an agency by its route
reference, a procedure's route, an agency's working time)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain import agencies as rules
from queue_server.domain.agencies import AgencyTime, RouteStep
from queue_server.domain.working_days import WorkingHours
from queue_server.events import log
from queue_server.services import admin
from queue_server.services.context import Actor, Context
from queue_server.services.dossiers.setup import (
    DossierSettings,
    dossier_settings,
    find_procedure,
    work_calendar,
)
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from queue_server.services.site_setup import parse_working_hours, site_hours
from queue_server.store.tables import INT4_MAX, Agency, ProcedureRoute, Site, row_id

# -- who may see and change them ----------------------------------------------------------------


def require_reader(actor: Actor, site_id: int | None = None) -> None:
    """Staff of the hall (clerk or higher) read every agency of their site; a processor its own."""
    if actor.has_role("clerk"):
        if site_id is not None and not actor.in_site(site_id):
            raise Forbidden("Bạn không có quyền ở điểm phục vụ này.", "You have no rights at this site.")
        return
    if actor.has_role("processor") and actor.agency_id is not None:
        return
    raise Forbidden("Cần đăng nhập bằng tài khoản cán bộ.", "Staff only.")


def agency_json(a: Agency, site: Site | None) -> dict[str, Any]:
    return {"id": a.id, "site_id": a.site_id, "site_code": site.code if site else None, "code": a.code,
            "name_vi": a.name_vi, "name_en": a.name_en, "active": a.active, "sort_order": a.sort_order,
            "hours": a.hours, "days_off": list(a.days_off or [])}


def get_agency(session: Session, ident: Any) -> Agency:
    ident = row_id(ident, INT4_MAX)
    agency = session.get(Agency, ident) if ident is not None else None
    if agency is None:
        raise NotFound(f"Không tìm thấy cơ quan xử lý {ident}.", f"Agency {ident} not found.", field="agency_id")
    return agency


# -- admin ------------------------------------------------------------------------------------


def list_agencies(ctx: Context, actor: Actor, *, site: str | int | None = None) -> list[dict[str, Any]]:
    """The agencies of a site, any site for the hall's staff (their names are no secret and a
    desk may hand to another site's department); a processor: its own agency first, then the
    active agencies of the site (its own by default) it may forward to."""
    if not actor.has_role("clerk") and actor.has_role("processor"):
        require_reader(actor)
        with ctx.db.reading() as session:
            own = get_agency(session, actor.agency_id)
            where = admin.resolve_site(ctx, site) if site not in (None, "") else session.get(Site, own.site_id)
            others = session.scalars(select(Agency).where(Agency.site_id == where.id, Agency.active.is_(True),
                                                          Agency.id != own.id)
                                     .order_by(Agency.sort_order, Agency.id))
            # its own agency first, then those it may forward to (names only: no hours, no days off)
            return [agency_json(own, session.get(Site, own.site_id)),
                    *({**agency_json(a, where), "hours": None, "days_off": []} for a in others)]
    s = admin.resolve_site(ctx, site if site not in (None, "") else actor.site_id)
    require_reader(actor)  # any site's: a ward's desk hands to a city's departments
    with ctx.db.reading() as session:
        rows = session.scalars(select(Agency).where(Agency.site_id == s.id).order_by(Agency.sort_order, Agency.id))
        return [agency_json(a, s) for a in rows]


def _hours(raw: Any) -> dict[str, list[str]] | None:
    if raw in (None, {}):
        return None
    try:
        return parse_working_hours(raw)
    except InvalidInput as exc:
        field = str(exc.extra.get("field", "working_hours")).replace("working_hours", "hours")
        raise InvalidInput(exc.message_vi.replace("working_hours", "hours"),
                           exc.message_en.replace("working_hours", "hours"), field=field) from None


def _days_off(raw: Any) -> list[str]:
    days, errors = rules.parse_days_off(raw)
    if errors:
        raise InvalidInput(errors[0].message_vi, errors[0].message_en, field=errors[0].field)
    return [d.isoformat() for d in days]


def _code(raw: str) -> str:
    ref = rules.agency_ref(raw)
    if ref is None or ":" in ref:
        raise InvalidInput("code: mã cơ quan gồm chữ, số, dấu chấm, gạch (tối đa 40 ký tự), ví dụ QLDT.",
                           "code: letters, digits, '.', '_' or '-' (at most 40), e.g. QLDT.", field="code")
    return ref


def create_agency(ctx: Context, actor: Actor, *, site: str | int | None, code: str, name_vi: str,
                  name_en: str = "", hours: Any = None, days_off: Any = None, sort_order: int = 0) -> dict[str, Any]:
    s = admin.resolve_site(ctx, site if site not in (None, "") else actor.site_id)
    admin.require(actor, "admin", s.id)
    code = _code(code)
    name_vi = admin.display_name(name_vi, "name_vi")
    if not name_vi:
        raise InvalidInput("name_vi: cần tên cơ quan xử lý.", "name_vi: the agency needs a name.", field="name_vi")
    name_en = admin.display_name(name_en or "", "name_en")
    clean_hours, clean_days = _hours(hours), _days_off(days_off)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        if session.scalars(select(Agency.id).where(Agency.site_id == s.id, Agency.code == code)).first():
            raise Conflict(f"Đã có cơ quan xử lý mã {code} ở điểm này.", f"Agency {code} already exists here.",
                           field="code")
        a = Agency(site_id=s.id, code=code, name_vi=name_vi, name_en=name_en, hours=clean_hours,
                   days_off=clean_days, active=True, sort_order=sort_order, created_at=now)
        session.add(a)
        session.flush()
        log.append(session, site_id=s.id, kind="admin.agency_created", at=now, actor=actor.label,
                   data={"agency_id": a.id, "code": code, "name_vi": name_vi})
        return agency_json(a, session.get(Site, s.id))

    return ctx.db.transaction(admin._unique(work))


def update_agency(ctx: Context, actor: Actor, agency_id: int, **fields: Any) -> dict[str, Any]:
    """Change name_vi, name_en, active, hours, days_off, sort_order (those given)."""
    clean: dict[str, Any] = {}
    if "name_vi" in fields and fields["name_vi"] is not None:
        clean["name_vi"] = admin.display_name(fields["name_vi"], "name_vi")
        if not clean["name_vi"]:
            raise InvalidInput("name_vi: cần tên cơ quan xử lý.", "name_vi: the agency needs a name.", field="name_vi")
    if "name_en" in fields and fields["name_en"] is not None:
        clean["name_en"] = admin.display_name(fields["name_en"], "name_en")
    if "hours" in fields:
        clean["hours"] = _hours(fields["hours"])
    if "days_off" in fields:
        clean["days_off"] = _days_off(fields["days_off"])
    for key in ("active", "sort_order"):
        if fields.get(key) is not None:
            clean[key] = fields[key]

    def work(session: Session) -> dict[str, Any]:
        a = get_agency(session, agency_id)
        admin.require(actor, "admin", a.site_id)
        changed = {k: v for k, v in clean.items() if getattr(a, k) != v}
        for key, value in changed.items():
            setattr(a, key, value)
        log.append(session, site_id=a.site_id, kind="admin.agency_updated", at=ctx.clock.now(), actor=actor.label,
                   data={"agency_id": a.id, "code": a.code, "changed": sorted(changed)})
        return agency_json(a, session.get(Site, a.site_id))

    return ctx.db.transaction(work)


# -- routes -----------------------------------------------------------------------------------


def resolve_ref(session: Session, site: Site, ref: str) -> Agency | None:
    """The agency a route names: a code of `site`, or "SITECODE:CODE" of another site."""
    site_id = site.id
    code = ref
    if ":" in ref:
        site_code, code = ref.split(":", 1)
        other = session.scalars(select(Site).where(Site.code == site_code)).one_or_none()
        if other is None:
            return None
        site_id = other.id
    return session.scalars(select(Agency).where(Agency.site_id == site_id, Agency.code == code)).one_or_none()


def ref_of(agency: Agency, agency_site: Site, procedure_site_id: int) -> str:
    """How a route writes `agency` as seen from a procedure of `procedure_site_id`."""
    return agency.code if agency.site_id == procedure_site_id else f"{agency_site.code}:{agency.code}"


def route_of(session: Session, site_id: int, procedure_code: str) -> list[RouteStep]:
    row = session.get(ProcedureRoute, (site_id, procedure_code))
    if row is None:
        return []
    steps, _errors = rules.parse_route(row.route)
    return steps


def route_json(session: Session, site: Site, steps: list[RouteStep]) -> list[dict[str, Any]]:
    out = []
    for step in steps:
        a = resolve_ref(session, site, step.agency)
        out.append({"agency_id": a.id if a else None, "agency_code": step.agency_code,
                    "site_code": step.site_code or site.code, "name_vi": a.name_vi if a else step.agency,
                    "name_en": a.name_en if a else "", "share": step.share})
    return out


def _procedure_site(ctx: Context, actor: Actor, site: str | int | None) -> Site:
    return admin.resolve_site(ctx, site if site not in (None, "") else actor.site_id)


def get_route(ctx: Context, actor: Actor, procedure_code: str, *, site: str | int | None = None) -> dict[str, Any]:
    s = _procedure_site(ctx, actor, site)
    require_reader(actor, s.id)
    with ctx.db.reading() as session:
        return {"procedure_code": procedure_code, "site_code": s.code,
                "route": route_json(session, s, route_of(session, s.id, procedure_code))}


def set_route(ctx: Context, actor: Actor, procedure_code: str, route: Any, *,
              site: str | int | None = None) -> dict[str, Any]:
    """Name a procedure's processing route (an empty list: none, the desk handles it alone)."""
    s = _procedure_site(ctx, actor, site)
    admin.require(actor, "admin", s.id)
    steps, errors = rules.parse_route(route)
    if errors:
        raise InvalidInput(errors[0].message_vi, errors[0].message_en, field=errors[0].field,
                           errors=[e.as_json() for e in errors])
    settings = dossier_settings(ctx, holidays=False)

    def work(session: Session) -> dict[str, Any]:
        if find_procedure(session, settings, s.id, procedure_code) is None:
            raise NotFound(f"Không có thủ tục {procedure_code} trong danh mục.",
                           f"Procedure {procedure_code} is not in the catalogue.", field="procedure_code")
        site_row = session.get(Site, s.id)
        for i, step in enumerate(steps):
            a = resolve_ref(session, site_row, step.agency)
            if a is None or not a.active:
                raise InvalidInput(f"route[{i}].agency: không có cơ quan xử lý {step.agency} (đang hoạt động).",
                                   f"route[{i}].agency: no active agency {step.agency}.", field=f"route[{i}].agency")
        now = ctx.clock.now()
        row = session.get(ProcedureRoute, (s.id, procedure_code))
        if row is None:
            row = ProcedureRoute(site_id=s.id, procedure_code=procedure_code, route=[], updated_at=now)
            session.add(row)
        row.route = [step.as_json() for step in steps]
        row.updated_at = now
        log.append(session, site_id=s.id, kind="admin.route_changed", at=now, actor=actor.label,
                   data={"procedure_code": procedure_code, "route": row.route})
        return {"procedure_code": procedure_code, "site_code": s.code, "route": route_json(session, site_row, steps)}

    return ctx.db.transaction(work)


# -- working time -------------------------------------------------------------------------------


def agency_time(settings: DossierSettings, site: Site, agency: Agency | None) -> AgencyTime:
    """The working time of `agency` (None: the desk of `site`): its hours or the site's, the
    site's holiday calendar, its own days off."""
    hours = site_hours(settings, site)
    if agency is not None and agency.hours:
        try:
            hours = WorkingHours.from_config(agency.hours)
        except (TypeError, ValueError):
            pass  # checked when saved
    days = frozenset(date.fromisoformat(d) for d in (agency.days_off or [])) if agency is not None else frozenset()
    return AgencyTime(hours=hours, calendar=work_calendar(settings.for_site(site)), days_off=days)


__all__ = ["list_agencies", "create_agency", "update_agency", "get_route", "set_route", "route_of", "route_json",
           "resolve_ref", "ref_of", "agency_time", "agency_json", "get_agency", "require_reader"]

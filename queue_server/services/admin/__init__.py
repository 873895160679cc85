"""Administration: sites, services, counters, users and devices (here), the audit trail of
admin changes (audit), device pairing QR codes (pairing) and the first start (first_start)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.domain.business_day import business_day
from queue_server.domain.tickets import validate_prefix
from queue_server.events import log
from queue_server.services import auth, login_throttle
from queue_server.services.context import DEVICE_KINDS, Actor, Context
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, not_found
from queue_server.services.queue.policy import validate_policy
from queue_server.store.tables import (
    Agency,
    Counter,
    CounterService,
    Device,
    Event,
    Procedure,
    Service,
    Site,
    Ticket,
    TicketSequence,
    User,
    row_id,
)


def require(actor: Actor, role: str, site_id: int | None = None) -> None:
    if not actor.has_role(role):
        raise Forbidden("Bạn không có quyền quản trị.", f"This needs the {role} role.")
    if site_id is not None and not actor.in_site(site_id):
        raise Forbidden("Bạn không có quyền ở điểm phục vụ này.", "You have no rights at this site.")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


# Characters a name shown on screens, slips and LED boards never holds: control characters
# (an ESC reaches a printer as a command) and bidirectional overrides (they make a screen
# show text other than what is stored). Markup characters are allowed: pages show names as
# text, never as HTML.
_NOT_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NAME_MAX = 200  # the columns' size


def display_name(text: str, field: str) -> str:
    """A name as stored (NFC, trimmed), or a 422 naming `field` when it cannot be shown as it is."""
    clean = nfc(text)
    if _NOT_IN_NAMES.search(clean):
        raise InvalidInput(f"{field}: tên không được chứa ký tự điều khiển hay ký tự đảo chiều văn bản.",
                           f"{field}: a name may not hold control or text-direction characters.", field=field)
    if len(clean) > NAME_MAX:
        raise InvalidInput(f"{field}: tối đa {NAME_MAX} ký tự.", f"{field}: at most {NAME_MAX} characters.",
                           field=field)
    return clean


def _admin_event(session: Session, site_id: int, kind: str, actor: Actor, now, *,  # noqa: ANN001
                 counter_id: int | None = None, **data: Any) -> None:
    """One event per change, with who made it (their label and name): the audit trail."""
    data = {**data, "by_name": actor.name or actor.label}
    log.append(session, site_id=site_id, kind=kind, at=now, actor=actor.label, counter_id=counter_id, data=data)


def _set(row: Any, changes: dict[str, list[Any]], key: str, value: Any) -> None:
    """Set a column, noting [before, after] in `changes` when it differs."""
    before = getattr(row, key)
    if before != value:
        changes[key] = [before, value]
        setattr(row, key, value)


def _event_site(session: Session, site_id: int | None, actor: Actor) -> int | None:
    """The site an event about an instance-wide row (a user of every site) is filed under."""
    if site_id is not None:
        return site_id
    if actor.site_id is not None:
        return actor.site_id
    return session.scalar(select(Site.id).order_by(Site.id).limit(1))


def _unique(work):  # noqa: ANN001, ANN202
    """Turn a unique-constraint failure into a 409 that names the clash."""

    def run(session: Session) -> Any:
        try:
            with session.begin_nested():
                return work(session)
        except IntegrityError as exc:
            raise Conflict("Đã có bản ghi trùng (mã, tiền tố, số quầy hoặc tên đăng nhập).",
                           f"Duplicate value: {str(exc.orig).splitlines()[0]}") from None

    return run


FIELD_NAMES_VI = {"name": "tên", "timezone": "múi giờ", "agency_code": "mã cơ quan", "policy": "quy tắc gọi số",
                  "working_hours": "giờ làm việc", "public_url": "địa chỉ công khai",
                  "display_notice": "dòng thông báo màn hình sảnh", "services": "dịch vụ và trọng số", "name_vi": "tên tiếng Việt",
                  "name_en": "tên tiếng Anh", "group_vi": "nhóm", "group_en": "nhóm (tiếng Anh)", "prefix": "tiền tố",
                  "number_width": "độ dài số", "sort_order": "thứ tự", "active": "trạng thái hoạt động"}
STALE_SCAN = 200  # the newest update events of a kind read to say what changed since a version


def _stale(session: Session, what_vi: str, what_en: str, label: str, version: int, current: dict[str, Any],
           kind: str, site_id: int, match, *, counter_id: int | None = None) -> Conflict:  # noqa: ANN001
    """The refusal of a save made from an old version: the record as it is now, and the
    changes made since `version` (from the event log: a bounded read of the newest events)."""
    stmt = select(Event).where(Event.site_id == site_id, Event.kind == kind)
    if counter_id is not None:
        stmt = stmt.where(Event.counter_id == counter_id)
    changes = []
    for e in session.scalars(stmt.order_by(Event.id.desc()).limit(STALE_SCAN)):
        if (match is None or match(e)) and int(e.data.get("version") or 0) > version and e.data.get("changes"):
            changes.append({"at": e.at.isoformat(), "by": e.data.get("by_name") or e.actor, "actor": e.actor,
                            "version": e.data["version"], "changes": e.data["changes"]})
    changes.reverse()
    fields = sorted({f for c in changes for f in c["changes"]})
    named_vi = ", ".join(FIELD_NAMES_VI.get(f, f) for f in fields) or "?"
    named = ", ".join(fields) or "?"
    return Conflict(f"{what_vi.capitalize()} {label} đã được người khác sửa sau khi bạn mở (phiên bản {version} → "
                    f"{current['version']}; đã đổi: {named_vi}). Hãy xem lại rồi lưu lần nữa.",
                    f"The {what_en} {label} was changed by someone else after you opened it (version {version} → "
                    f"{current['version']}; changed: {named}). Review it and save again.",
                    current=current, changes=changes)


# -- sites -------------------------------------------------------------------------------

def site_json(site: Site) -> dict[str, Any]:
    return {"id": site.id, "code": site.code, "name": site.name, "agency_code": site.agency_code,
            "timezone": site.timezone, "policy": site.policy}


def _check_tz(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Múi giờ “{tz}” không tồn tại.", f"Unknown time zone {tz!r}.", field="timezone") from None
    return tz


def create_site(ctx: Context, actor: Actor, *, code: str, name: str, agency_code: str = "",
                timezone: str = "Asia/Ho_Chi_Minh", policy: dict[str, Any] | None = None) -> dict[str, Any]:
    require(actor, "admin")
    _check_tz(timezone)
    pol = validate_policy(policy or {})

    @_unique
    def work(session: Session) -> dict[str, Any]:
        site = Site(code=code, name=display_name(name, "name"), agency_code=agency_code, timezone=timezone, policy=pol,
                    created_at=ctx.clock.now())
        session.add(site)
        session.flush()
        return site_json(site)

    return ctx.db.transaction(work)


def site_setup_json(ctx: Context, site: Site) -> dict[str, Any]:
    """The site as /admin edits it: its own hours, address and notice (empty: the
    configuration's), what is in effect, and its version."""
    from queue_server.services import site_setup

    return {**site_json(site), "version": site.version, "working_hours": site.working_hours,
            "hours_in_effect": site_setup.site_hours(ctx, site).to_config(),
            "public_url": site.public_url or "", "public_url_in_effect": site_setup.public_url(ctx, site),
            "display_notice": site.display_notice or ""}


def update_site(ctx: Context, actor: Actor, site_id: int, *, version: int | None = None,
                **changes: Any) -> dict[str, Any]:
    """Change a site: names, time zone, policy, and its own setup (working hours, public
    address, display notice; None or "" gives them back to the configuration). With
    `version` (what the editor read), a site changed since is refused (409) with each change."""
    from queue_server.services import site_setup

    require(actor, "admin", site_id)
    hours = changes.pop("working_hours", KEEP)
    if hours is not KEEP and hours is not None:
        hours = site_setup.parse_working_hours(hours)
    url = site_setup.check_public_url(changes["public_url"]) if changes.get("public_url") is not None else None
    notice = site_setup.check_notice(changes["display_notice"]) if changes.get("display_notice") is not None else None

    def work(session: Session) -> dict[str, Any]:
        site = session.get(Site, site_id, with_for_update=True)
        if site is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        if version is not None and version != site.version:
            raise _stale(session, "điểm phục vụ", "site", site.code, version, site_json(site) | {"version": site.version},
                         "admin.site_updated", site.id, None)
        changed: dict[str, list[Any]] = {}
        if changes.get("timezone") is not None:
            _set(site, changed, "timezone", _check_tz(changes["timezone"]))
        if changes.get("name") is not None:
            _set(site, changed, "name", display_name(changes["name"], "name"))
        if changes.get("agency_code") is not None:
            _set(site, changed, "agency_code", changes["agency_code"])
        if changes.get("policy") is not None:
            _set(site, changed, "policy", validate_policy(changes["policy"]))
        if hours is not KEEP:
            _set(site, changed, "working_hours", hours or None)
        if url is not None:
            _set(site, changed, "public_url", url)
        if notice is not None:
            _set(site, changed, "display_notice", notice)
        if changed:
            site.version += 1
        now = ctx.clock.now()
        _admin_event(session, site.id, "admin.site_updated", actor, now, site=site.code, version=site.version,
                     changes=changed)
        if "display_notice" in changed:  # the hall displays follow it live (a public event, no one's name)
            log.append(session, site_id=site.id, kind="hall.notice_changed", at=now, actor=actor.label,
                       data={"notice": site.display_notice})
        session.flush()
        return site_setup_json(ctx, site)

    return ctx.db.transaction(work)


def list_sites_setup(ctx: Context, actor: Actor) -> list[dict[str, Any]]:
    """The sites `actor` may see, as /admin edits them (supervisor+)."""
    require(actor, "supervisor")
    with ctx.db.reading() as session:
        return [site_setup_json(ctx, s) for s in session.scalars(select(Site).order_by(Site.id)) if actor.in_site(s.id)]


def get_site(ctx: Context, actor: Actor, site_id: int) -> dict[str, Any]:
    require(actor, "supervisor", site_id)
    with ctx.db.reading() as session:
        site = session.get(Site, site_id)
        if site is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        return site_setup_json(ctx, site)


def list_sites(ctx: Context) -> list[dict[str, Any]]:
    with ctx.db.reading() as session:
        return [site_json(s) for s in session.scalars(select(Site).order_by(Site.id))]


def resolve_site(ctx: Context, ref: str | int | None) -> Site:
    """A site by id or code; the configured default (or the first) when none is named."""
    with ctx.db.reading() as session:
        site = None
        if ref in (None, ""):
            code = ctx.settings.site_code
            site = (session.scalars(select(Site).where(Site.code == code)).one_or_none() if code
                    else session.scalars(select(Site).order_by(Site.id).limit(1)).first())
        elif (ident := row_id(ref)) is not None:
            site = session.get(Site, ident)
        if site is None and ref not in (None, ""):
            site = session.scalars(select(Site).where(Site.code == str(ref))).one_or_none()
        if site is None:
            raise not_found("điểm phục vụ", "Site", ref if ref not in (None, "") else "(mặc định/default)")
        session.expunge(site)
        return site


# -- services ----------------------------------------------------------------------------

def service_json(s: Service) -> dict[str, Any]:
    return {"id": s.id, "site_id": s.site_id, "code": s.code, "name_vi": s.name_vi, "name_en": s.name_en,
            "group_vi": s.group_vi, "group_en": s.group_en, "prefix": s.prefix, "number_width": s.number_width,
            "sort_order": s.sort_order, "active": s.active, "version": s.version}


def _check_service_fields(fields: dict[str, Any]) -> None:
    if "prefix" in fields and fields["prefix"] is not None:
        try:
            validate_prefix(fields["prefix"])
        except ValueError:
            raise InvalidInput("Tiền tố số phải là 1–3 chữ cái in hoa A–Z.",
                               "prefix must be 1-3 capital letters A-Z.", field="prefix") from None
    width = fields.get("number_width")
    if width is not None and not 1 <= int(width) <= 6:
        raise InvalidInput("Độ dài số phải từ 1 đến 6 chữ số.", "number_width must be 1..6.", field="number_width")
    for key in ("name_vi", "name_en", "group_vi", "group_en"):
        if key in fields and fields[key] is not None:
            fields[key] = display_name(fields[key], key)
    if "name_vi" in fields and not fields["name_vi"]:
        raise InvalidInput("Tên dịch vụ không được để trống.", "name_vi must not be empty.", field="name_vi")


def create_service(ctx: Context, actor: Actor, site_id: int, **fields: Any) -> dict[str, Any]:
    require(actor, "admin", site_id)
    _check_service_fields(fields)

    @_unique
    def work(session: Session) -> dict[str, Any]:
        if session.get(Site, site_id) is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        service = Service(site_id=site_id, **fields)
        session.add(service)
        session.flush()
        _admin_event(session, site_id, "admin.service_created", actor, ctx.clock.now(), service=service.code,
                     service_id=service.id)
        return service_json(service)

    return ctx.db.transaction(work)


def update_service(ctx: Context, actor: Actor, service_id: int, *, version: int | None = None,
                   **fields: Any) -> dict[str, Any]:
    """Change a service. With `version` (what the editor read), a service changed since is
    refused (409) with each change made meanwhile, by whom and when."""
    fields = {k: v for k, v in fields.items() if v is not None}
    _check_service_fields(fields)

    @_unique
    def work(session: Session) -> dict[str, Any]:
        service = session.get(Service, service_id, with_for_update=True)
        if service is None:
            raise not_found("dịch vụ", "Service", service_id)
        require(actor, "admin", service.site_id)
        if version is not None and version != service.version:
            raise _stale(session, "dịch vụ", "service", service.code, version, service_json(service),
                         "admin.service_updated", service.site_id, lambda e: e.data.get("service_id") == service.id)
        changed: dict[str, list[Any]] = {}
        for key, value in fields.items():
            _set(service, changed, key, value)
        if changed:
            service.version += 1
        _admin_event(session, service.site_id, "admin.service_updated", actor, ctx.clock.now(), service=service.code,
                     service_id=service.id, version=service.version, changes=changed)
        return service_json(service)

    return ctx.db.transaction(work)


def delete_service(ctx: Context, actor: Actor, service_id: int) -> dict[str, Any]:
    """Delete a service made by mistake. One that has tickets (today's queue, or the history
    that reports and the audit read) is refused with the reason: deactivate it instead."""

    def work(session: Session) -> dict[str, Any]:
        service = session.get(Service, service_id, with_for_update=True)
        if service is None:
            raise not_found("dịch vụ", "Service", service_id)
        require(actor, "admin", service.site_id)
        site = session.get(Site, service.site_id)
        today = business_day(ctx.clock.now(), site.timezone)
        label = f"{service.code} ({service.name_vi})"
        todays = session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.service_id == service.id, Ticket.business_day == today)) or 0
        if todays:
            raise Conflict(f"Không thể xóa dịch vụ {label}: hôm nay đã có {todays} số thứ tự của dịch vụ này. "
                           "Hãy ngừng hoạt động dịch vụ (bỏ chọn «Đang hoạt động») thay vì xóa.",
                           f"Cannot delete service {service.code}: it has {todays} ticket(s) today. "
                           "Deactivate it instead.", reason="tickets_today", tickets_today=todays)
        if session.scalar(select(Ticket.id).where(Ticket.service_id == service.id).limit(1)) is not None:
            raise Conflict(f"Không thể xóa dịch vụ {label}: dịch vụ đã có số thứ tự những ngày trước (lịch sử và báo "
                           "cáo cần giữ). Hãy ngừng hoạt động dịch vụ thay vì xóa.",
                           f"Cannot delete service {service.code}: it has tickets of earlier days (kept for history "
                           "and reports). Deactivate it instead.", reason="tickets_earlier")
        procedures = session.scalar(select(func.count()).select_from(Procedure).where(
            Procedure.service_id == service.id)) or 0
        if procedures:
            raise Conflict(f"Không thể xóa dịch vụ {label}: {procedures} thủ tục trong danh mục đang dẫn tới dịch vụ "
                           "này. Hãy ngừng hoạt động dịch vụ, hoặc nạp lại danh mục trước.",
                           f"Cannot delete service {service.code}: {procedures} catalogue procedure(s) lead to it. "
                           "Deactivate it instead, or import the catalogue again first.", reason="procedures")
        counters = list(session.scalars(select(Counter.number).join(CounterService).where(
            CounterService.service_id == service.id).order_by(Counter.number)))
        session.execute(delete(CounterService).where(CounterService.service_id == service.id))
        session.execute(delete(TicketSequence).where(TicketSequence.service_id == service.id))
        targets = dict((site.monitor or {}).get("service_wait_target_minutes") or {})
        if targets.pop(service.code, None) is not None:
            site.monitor = {**site.monitor, "service_wait_target_minutes": targets}
        gone = service_json(service)
        session.delete(service)
        _admin_event(session, site.id, "admin.service_deleted", actor, ctx.clock.now(), service=service.code,
                     service_id=service.id, counters=counters)
        return gone

    return ctx.db.transaction(work)


def list_services(ctx: Context, site_id: int, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    with ctx.db.reading() as session:
        stmt = select(Service).where(Service.site_id == site_id).order_by(Service.sort_order, Service.code)
        if not include_inactive:
            stmt = stmt.where(Service.active.is_(True))
        return [service_json(s) for s in session.scalars(stmt)]


# -- counters ----------------------------------------------------------------------------

def _set_counter_services(session: Session, counter: Counter, services: list[dict[str, Any]] | dict[int, int]) -> None:
    weights = services if isinstance(services, dict) else {int(s["service_id"]): int(s.get("weight", 1)) for s in services}
    for sid, weight in weights.items():
        svc = session.get(Service, sid)
        if svc is None or svc.site_id != counter.site_id:
            raise not_found("dịch vụ", "Service", sid)
        if weight < 1:
            raise InvalidInput("Trọng số phải từ 1 trở lên.", "weight must be >= 1.", field="services.weight")
    counter.services = [CounterService(service_id=sid, weight=w) for sid, w in sorted(weights.items())]


def _weights(counter: Counter) -> list[list[int]]:
    return [[cs.service_id, cs.weight] for cs in sorted(counter.services, key=lambda cs: cs.service_id)]


def counter_json(c: Counter) -> dict[str, Any]:
    return {"id": c.id, "site_id": c.site_id, "number": c.number, "name": c.name, "state": c.state,
            "version": c.version, "services": [{"service_id": cs.service_id, "weight": cs.weight} for cs in c.services]}


def create_counter(ctx: Context, actor: Actor, site_id: int, *, number: int, name: str = "",
                   services: list[dict[str, Any]] | dict[int, int] | None = None) -> dict[str, Any]:
    require(actor, "admin", site_id)
    if number < 1:
        raise InvalidInput("Số quầy phải từ 1 trở lên.", "number must be >= 1.", field="number")

    @_unique
    def work(session: Session) -> dict[str, Any]:
        if session.get(Site, site_id) is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        counter = Counter(site_id=site_id, number=number, name=display_name(name, "name") or f"Quầy {number}", state="closed")
        session.add(counter)
        session.flush()
        _set_counter_services(session, counter, services or [])
        session.flush()
        _admin_event(session, site_id, "admin.counter_created", actor, ctx.clock.now(), counter_id=counter.id,
                     counter_number=number)
        return counter_json(counter)

    return ctx.db.transaction(work)


def update_counter(ctx: Context, actor: Actor, counter_id: int, *, name: str | None = None,
                   services: list[dict[str, Any]] | None = None, version: int | None = None) -> dict[str, Any]:
    """Change a counter's name or services. With `version` (what the editor read), a counter
    changed since is refused (409) with each change made meanwhile, by whom and when."""

    def work(session: Session) -> dict[str, Any]:
        counter = session.get(Counter, counter_id, with_for_update=True)
        if counter is None:
            raise not_found("quầy", "Counter", counter_id)
        require(actor, "admin", counter.site_id)
        if version is not None and version != counter.version:
            raise _stale(session, "quầy", "counter", str(counter.number), version, counter_json(counter),
                         "admin.counter_updated", counter.site_id, None, counter_id=counter.id)
        changed: dict[str, list[Any]] = {}
        if name is not None:
            _set(counter, changed, "name", display_name(name, "name"))
        if services is not None:
            before = _weights(counter)
            _set_counter_services(session, counter, services)
            if _weights(counter) != before:
                changed["services"] = [before, _weights(counter)]
        if changed:
            counter.version += 1
        session.flush()
        _admin_event(session, counter.site_id, "admin.counter_updated", actor, ctx.clock.now(), counter_id=counter.id,
                     counter_number=counter.number, version=counter.version, changes=changed)
        return counter_json(counter)

    return ctx.db.transaction(work)


def list_counters(ctx: Context, actor: Actor, site_id: int) -> list[dict[str, Any]]:
    require(actor, "supervisor", site_id)
    with ctx.db.reading() as session:
        return [counter_json(c) for c in session.scalars(select(Counter).where(Counter.site_id == site_id)
                                                          .order_by(Counter.number))]


# -- users -------------------------------------------------------------------------------

def user_json(u: User) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "full_name": u.full_name, "role": u.role, "site_id": u.site_id,
            "agency_id": u.agency_id, "active": u.active}


def _processor_site(session: Session, role: str, agency_id: int | None, site_id: Any) -> int | None:
    """A processor's site is its agency's (422 naming agency_id without one, or naming
    site_id when another site is given); any other role has no agency (422 naming agency_id)."""
    if role != "processor":
        if agency_id is not None:
            raise InvalidInput("agency_id: chỉ tài khoản cán bộ xử lý (processor) thuộc một cơ quan xử lý.",
                               "agency_id: only a processor account belongs to an agency.", field="agency_id")
        return site_id
    if agency_id is None:
        raise InvalidInput("agency_id: tài khoản cán bộ xử lý cần chọn cơ quan xử lý.",
                           "agency_id: a processor account needs its agency.", field="agency_id")
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise InvalidInput(f"agency_id: không có cơ quan xử lý {agency_id}.", f"agency_id: no agency {agency_id}.",
                           field="agency_id")
    if site_id is not None and site_id is not KEEP and site_id != agency.site_id:
        raise InvalidInput("site_id: cán bộ xử lý thuộc điểm phục vụ của cơ quan mình.",
                           "site_id: a processor belongs to its agency's site.", field="site_id")
    return agency.site_id


def new_password() -> str:
    """A password an admin reads out or copies once: 12 letters and digits, no look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def create_user(ctx: Context, actor: Actor, *, username: str, password: str | None = None, role: str,
                full_name: str = "", site_id: int | None = None, agency_id: int | None = None) -> dict[str, Any]:
    """Create an account; with no password given, one is made and returned once (`password`).
    A processor names its agency (`agency_id`) and belongs to the agency's site."""
    auth.validate_role(role)
    with ctx.db.reading() as session:
        site_id = _processor_site(session, role, agency_id, site_id)
    _require_over_user(actor, site_id)
    made = password is None
    password = new_password() if made else password
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise InvalidInput("Tên đăng nhập chỉ gồm chữ, số, dấu chấm, gạch.",
                           "username may hold letters, digits, '.', '_' and '-' only.", field="username")
    digest = auth.hash_password(password)

    @_unique
    def work(session: Session) -> dict[str, Any]:
        user = User(username=username, full_name=display_name(full_name, "full_name"), role=role, password_hash=digest, site_id=site_id,
                    agency_id=agency_id, active=True, created_at=ctx.clock.now())
        session.add(user)
        session.flush()
        if (where := _event_site(session, site_id, actor)) is not None:
            _admin_event(session, where, "admin.user_created", actor, ctx.clock.now(), user=username, user_id=user.id,
                         role=role, user_site_id=site_id, agency_id=agency_id)
        return {**user_json(user), "password": password} if made else user_json(user)

    return ctx.db.transaction(work)


KEEP = object()  # update_user(site_id=KEEP): the user stays at their site


def _require_over_user(actor: Actor, site_id: int | None) -> None:
    """Who may make or change an account at `site_id` (None: every site): an admin of that
    site; for an account of every site, an admin of every site (a site's admin never makes
    or changes one with more reach than their own)."""
    require(actor, "admin", site_id)
    if site_id is None and actor.kind != "system" and actor.site_id is not None:
        raise Forbidden("Chỉ quản trị viên của mọi điểm mới tạo hay sửa được tài khoản dùng cho mọi điểm.",
                        "Only an administrator of every site may make or change an account of every site.")


def update_user(ctx: Context, actor: Actor, user_id: int, *, password: str | None = None, role: str | None = None,
                full_name: str | None = None, active: bool | None = None, site_id: Any = KEEP,
                agency_id: Any = KEEP) -> dict[str, Any]:
    digest = auth.hash_password(password) if password is not None else None
    if role is not None:
        auth.validate_role(role)

    def work(session: Session) -> dict[str, Any]:
        user = session.get(User, user_id)
        if user is None:
            raise not_found("người dùng", "User", user_id)
        _require_over_user(actor, user.site_id)
        changed: dict[str, list[Any]] = {}
        new_role = role if role is not None else user.role
        new_agency = user.agency_id if agency_id is KEEP else agency_id
        if new_role != "processor" and agency_id is KEEP:
            new_agency = None  # no longer a processor: no longer an agency's
        new_site = site_id
        if new_role == "processor" or new_agency is not None:
            new_site = _processor_site(session, new_role, new_agency, site_id)
        if new_agency != user.agency_id:
            _set(user, changed, "agency_id", new_agency)
        if new_site is not KEEP and new_site != user.site_id:
            _require_over_user(actor, new_site)
            if new_site is not None and session.get(Site, new_site) is None:
                raise not_found("điểm phục vụ", "Site", new_site)
            _set(user, changed, "site_id", new_site)
        if digest:
            user.password_hash = digest
            changed["password"] = ["", "(đặt lại / reset)"]  # never the password, not even its hash
        if role is not None:
            _set(user, changed, "role", role)
        if full_name is not None:
            _set(user, changed, "full_name", display_name(full_name, "full_name"))
        if active is not None:
            _set(user, changed, "active", active)
        if (where := _event_site(session, user.site_id, actor)) is not None:
            _admin_event(session, where, "admin.user_updated", actor, ctx.clock.now(), user=user.username,
                         user_id=user.id, changes=changed)
        if digest:  # a new password is the way out of a lockout
            login_throttle.record_success(session, login_throttle.keys(user.username, ""))
        auth.revoke_everywhere(session)  # a role or an account changed: every process re-reads its sessions
        return user_json(user)

    return ctx.db.transaction(work)


def reset_password(ctx: Context, actor: Actor, user_id: int) -> dict[str, Any]:
    """A new password made here, in this answer only; the user's sessions end."""
    password = new_password()
    return {**update_user(ctx, actor, user_id, password=password), "password": password}


def list_users(ctx: Context, actor: Actor) -> list[dict[str, Any]]:
    require(actor, "supervisor")
    with ctx.db.reading() as session:
        return [user_json(u) for u in session.scalars(select(User).order_by(User.username))
                if u.site_id is None or actor.in_site(u.site_id)]


# -- devices -----------------------------------------------------------------------------

def device_json(d: Device) -> dict[str, Any]:
    return {"id": d.id, "site_id": d.site_id, "kind": d.kind, "name": d.name, "active": d.active,
            "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None}


def create_device(ctx: Context, actor: Actor, site_id: int, *, kind: str, name: str) -> dict[str, Any]:
    """Register a device; the token is in the answer once and never again."""
    require(actor, "admin", site_id)
    if kind not in DEVICE_KINDS:
        raise InvalidInput(f"Loại thiết bị “{kind}” không hợp lệ (chọn: {', '.join(DEVICE_KINDS)}).",
                           f"Unknown device kind {kind!r} (choose: {', '.join(DEVICE_KINDS)}).", field="kind")
    token = auth.new_device_token()

    def work(session: Session) -> dict[str, Any]:
        if session.get(Site, site_id) is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        device = Device(site_id=site_id, kind=kind, name=display_name(name, "name"), token_hash=auth.token_hash(token), active=True,
                        created_at=ctx.clock.now())
        session.add(device)
        session.flush()
        _admin_event(session, site_id, "admin.device_created", actor, ctx.clock.now(), device=name, device_kind=kind)
        return {**device_json(device), "token": token}

    return ctx.db.transaction(work)


def revoke_device(ctx: Context, actor: Actor, device_id: int) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        device = session.get(Device, device_id)
        if device is None:
            raise not_found("thiết bị", "Device", device_id)
        require(actor, "admin", device.site_id)
        device.active = False
        _admin_event(session, device.site_id, "admin.device_revoked", actor, ctx.clock.now(), device=device.name)
        auth.revoke_everywhere(session)  # every process forgets the device's token within a second
        return device_json(device)

    result = ctx.db.transaction(work)
    return result


def list_devices(ctx: Context, actor: Actor, site_id: int) -> list[dict[str, Any]]:
    require(actor, "supervisor", site_id)
    with ctx.db.reading() as session:
        return [device_json(d) for d in session.scalars(select(Device).where(Device.site_id == site_id))]

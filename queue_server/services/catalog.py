"""The procedure catalogue in the database: import a catalogue file for a site, read it back.

`import_catalog(ctx, actor, report, site=...)` takes a checked catalogue (the domain's
CatalogReport, see catalog_files.read_catalog_file) and replaces the site's fields and
procedures in ONE transaction. Nothing is written when the file has any error, or when it
does not fit the site (a service prefix already used by another service): every problem is
reported with its location, like the file checker does.

Queue services and counters: the catalogue file is the source of truth for the queues a
hall's procedures go to. A service the site lacks (matched by code) is created from the
catalogue; a counter number the site lacks is created with the catalogue's services and
weights. Existing services and counters are never changed or removed here (tickets point
at them and admins may have tuned them); differences are reported as warnings. Each
procedure is linked to its service's row (`procedures.service_id`).

Re-importing the same file changes nothing but the import time; the catalogue's version
(a hash of what kiosks receive) changes only when the content does, and kiosks cache by it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from queue_server.domain.catalog import (
    CHANNEL_NAMES,
    LEVEL_NAMES,
    UNIT_NAMES,
    Catalog,
    CatalogReport,
    Channel,
    DocumentRequirement,
    Issue,
    Procedure,
    Text,
)
from queue_server.events import log
from queue_server.services import admin
from queue_server.services.context import Actor, Context
from queue_server.services.errors import InvalidInput, NotFound
from queue_server.store.tables import CatalogField, Counter, CounterService, Service, Setting, Site
from queue_server.store.tables import Procedure as ProcedureRow


class CatalogImportError(InvalidInput):
    """The catalogue cannot be imported; `errors` lists every problem with its location."""

    code = "catalog_invalid"

    def __init__(self, errors: list[Issue], warnings: list[Issue] | None = None) -> None:
        super().__init__(
            f"Danh mục có {len(errors)} lỗi, chưa nhập gì.",
            f"The catalogue has {len(errors)} errors; nothing was imported.",
            errors=[_issue_json(e) for e in errors],
        )
        self.errors = list(errors)
        self.warnings = list(warnings or [])


@dataclass
class ImportResult:
    site_id: int
    site_code: str
    version: str
    fields: int
    procedures: int
    created_services: list[str] = field(default_factory=list)
    created_counters: list[int] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    changed: bool = True

    def as_json(self) -> dict[str, Any]:
        return {"site_id": self.site_id, "site_code": self.site_code, "version": self.version,
                "fields": self.fields, "procedures": self.procedures, "created_services": self.created_services,
                "created_counters": self.created_counters, "changed": self.changed,
                "warnings": [_issue_json(w) for w in self.warnings]}


def _issue_json(issue: Issue) -> dict[str, str]:
    return {"path": issue.path, "vi": issue.vi, "en": issue.en}


# -- what kiosks receive -----------------------------------------------------------------

def _text(t: Text | None) -> dict[str, str] | None:
    return None if t is None else {"vi": t.vi, "en": t.en or t.vi}


def _channel_json(ch: Channel) -> dict[str, Any]:
    pt = ch.processing_time
    return {
        "kind": ch.kind.value,
        "kind_name": _text(CHANNEL_NAMES[ch.kind]),
        "fee": {"amount_vnd": ch.fee.amount_vnd, "note": _text(ch.fee.note)},
        "processing_time": {"quantity": pt.quantity, "unit": pt.unit.value,
                            "text": {"vi": pt.describe("vi"), "en": pt.describe("en")},
                            "unit_name": _text(UNIT_NAMES[pt.unit]), "note": _text(pt.note)},
        "note": _text(ch.note),
    }


def _document_json(d: DocumentRequirement) -> dict[str, Any]:
    return {"name": _text(d.name), "originals": d.originals, "certified_copies": d.certified_copies,
            "photocopies": d.photocopies, "show_original": d.show_original, "required": d.required,
            "form": _text(d.form), "note": _text(d.note)}


def procedure_json(p: Procedure) -> dict[str, Any]:
    """Everything a kiosk shows about a procedure (texts as {"vi", "en"}, English filled in)."""
    return {
        "code": p.code,
        "code_confirmed": p.code_confirmed,
        "name": _text(p.name),
        "field": p.field,
        "level": p.level.value,
        "level_name": _text(LEVEL_NAMES[p.level]),
        "agency": _text(p.agency),
        "subjects": [_text(s) for s in p.subjects],
        "channels": [_channel_json(c) for c in p.channels],
        "documents": [_document_json(d) for d in p.documents],
        "steps": [_text(s) for s in p.steps],
        "requirements": [_text(r) for r in p.requirements],
        "result": _text(p.result),
        "where": _text(p.where),
        "legal_basis": [_text(b) for b in p.legal_basis],
        "service": p.service,
        "keywords": list(p.keywords),
    }


def _version(fields: list[dict[str, Any]], procedures: list[dict[str, Any]]) -> str:
    canonical = json.dumps({"fields": fields, "procedures": procedures}, ensure_ascii=False, sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def _meta_key(site_id: int) -> str:
    return f"catalog:{site_id}"


# -- import ------------------------------------------------------------------------------

def _fit_to_site(session: Session, site: Site, catalog: Catalog) -> tuple[list[Issue], list[Issue]]:
    """Problems of this catalogue against what the site already has (errors, warnings)."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    existing = {s.code: s for s in session.scalars(select(Service).where(Service.site_id == site.id))}
    taken = {s.prefix: s.code for s in existing.values()}
    for i, svc in enumerate(catalog.services):
        have = existing.get(svc.code)
        if have is None:
            owner = taken.get(svc.prefix)
            if owner is not None:
                errors.append(Issue(f"services[{i}].prefix",
                                    f"tiền tố {svc.prefix!r} đã dùng cho dịch vụ {owner!r} của điểm phục vụ",
                                    f"prefix {svc.prefix!r} is already used by service {owner!r} at this site"))
            continue
        if have.prefix != svc.prefix:
            warnings.append(Issue(f"services[{i}].prefix",
                                  f"điểm phục vụ dùng tiền tố {have.prefix!r}, giữ nguyên",
                                  f"the site uses prefix {have.prefix!r}; kept"))
        if not have.active:
            warnings.append(Issue(f"services[{i}]", f"dịch vụ {svc.code!r} đang tắt: không lấy số được",
                                  f"service {svc.code!r} is inactive: no tickets can be taken for it"))
    return errors, warnings


def _create_missing(session: Session, site: Site, catalog: Catalog) -> tuple[dict[str, int], list[str], list[int]]:
    services = {s.code: s for s in session.scalars(select(Service).where(Service.site_id == site.id))}
    created_services: list[str] = []
    for order, svc in enumerate(catalog.services, start=1):
        if svc.code in services:
            continue
        row = Service(site_id=site.id, code=svc.code, prefix=svc.prefix, number_width=svc.number_width,
                      name_vi=svc.name.vi, name_en=svc.name.en, group_vi=svc.group.vi if svc.group else "",
                      group_en=svc.group.en if svc.group else "", sort_order=order, active=True)
        session.add(row)
        services[svc.code] = row
        created_services.append(svc.code)
    session.flush()
    numbers = set(session.scalars(select(Counter.number).where(Counter.site_id == site.id)))
    created_counters: list[int] = []
    for plan in catalog.counters:
        if plan.number in numbers:
            continue
        counter = Counter(site_id=site.id, number=plan.number, name=plan.name.vi, state="closed")
        counter.services = [CounterService(service_id=services[cs.service].id, weight=cs.weight)
                            for cs in plan.services]
        session.add(counter)
        created_counters.append(plan.number)
    session.flush()
    return {code: row.id for code, row in services.items()}, created_services, created_counters


def import_catalog(ctx: Context, actor: Actor, report: CatalogReport, *, site: str | int | None = None,
                   source: str = "") -> ImportResult:
    """Replace the site's catalogue with `report`'s, or raise CatalogImportError listing every problem."""
    if report.catalog is None or report.errors:
        raise CatalogImportError(list(report.errors), list(report.warnings))
    catalog = report.catalog
    target = admin.resolve_site(ctx, site)
    admin.require(actor, "admin", target.id)

    def work(session: Session) -> ImportResult:
        now = ctx.clock.now()
        # one import per site at a time: lock the site row (PostgreSQL; SQLite's writer lock does the rest)
        row = session.scalars(select(Site).where(Site.id == target.id).with_for_update()).one()
        errors, warnings = _fit_to_site(session, row, catalog)
        if errors:
            raise CatalogImportError(errors, [*report.warnings, *warnings])
        service_ids, created_services, created_counters = _create_missing(session, row, catalog)
        session.execute(delete(ProcedureRow).where(ProcedureRow.site_id == row.id))
        session.execute(delete(CatalogField).where(CatalogField.site_id == row.id))
        session.flush()
        fields_json = []
        for order, f in enumerate(catalog.fields, start=1):
            session.add(CatalogField(site_id=row.id, code=f.code, name_vi=f.name.vi, name_en=f.name.en,
                                     sort_order=order))
            fields_json.append({"code": f.code, "name": _text(f.name)})
        procs_json = []
        for p in catalog.procedures:
            data = procedure_json(p)
            session.add(ProcedureRow(site_id=row.id, code=p.code, field_code=p.field, name_vi=p.name.vi,
                                     name_en=p.name.en, service_id=service_ids.get(p.service), data=data))
            procs_json.append(data)
        version = _version(fields_json, procs_json)
        meta = session.get(Setting, _meta_key(row.id))
        previous = json.loads(meta.value).get("version") if meta is not None else None
        value = json.dumps({"version": version, "imported_at": now.isoformat(), "source": source,
                            "demo": catalog.demo, "hall": {"name": _text(catalog.hall.name),
                                                           "agency": _text(catalog.hall.agency)}},
                           ensure_ascii=False)
        if meta is None:
            session.add(Setting(key=_meta_key(row.id), value=value))
        else:
            meta.value = value
        result = ImportResult(row.id, row.code, version, len(catalog.fields), len(catalog.procedures),
                              created_services, created_counters, [*report.warnings, *warnings],
                              changed=previous != version or bool(created_services or created_counters))
        log.append(session, site_id=row.id, kind="catalog.imported", at=now, actor=actor.label,
                   data={"version": version, "procedures": result.procedures, "fields": result.fields,
                         "created_services": created_services, "created_counters": created_counters,
                         "source": source})
        return result

    return ctx.db.transaction(work)


CATALOG_UPLOAD_MAX = 8 * 1024 * 1024  # a province's catalogue is a few hundred kB


def import_uploaded(ctx: Context, actor: Actor, site_id: int, data: bytes, filename: str = "") -> ImportResult:
    """A catalogue file uploaded in /admin, checked and imported as `motcua catalog import`
    does: nothing imported when anything is wrong, every problem listed (CatalogImportError)."""
    from queue_server.services.catalog_files import read_catalog_bytes

    admin.require(actor, "admin", site_id)
    name = (filename or "catalog.json").replace("\\", "/").rsplit("/", 1)[-1][:120] or "catalog.json"
    if not data:
        raise InvalidInput("file: chưa chọn tệp danh mục, hoặc tệp rỗng.", "file: no catalogue file, or it is empty.",
                           field="file")
    if len(data) > CATALOG_UPLOAD_MAX:
        raise InvalidInput(f"file: tệp danh mục lớn quá {CATALOG_UPLOAD_MAX // (1024 * 1024)} MB.",
                           f"file: the catalogue file is larger than {CATALOG_UPLOAD_MAX // (1024 * 1024)} MB.",
                           field="file")
    return import_catalog(ctx, actor, read_catalog_bytes(data, name), site=site_id, source=name)


# -- reading -----------------------------------------------------------------------------

def catalog_version(ctx: Context, site: Site) -> str:
    """The version (ETag) of a site's catalogue; "empty" when none was imported."""
    with ctx.db.reading() as session:
        meta = session.get(Setting, _meta_key(site.id))
        return json.loads(meta.value)["version"] if meta is not None else "empty"


def site_catalog(ctx: Context, site: Site) -> dict[str, Any]:
    """The whole catalogue of a site as kiosks cache it: fields, procedures (with the service
    id each one queues for), the services they use, and the version."""
    with ctx.db.reading() as session:
        meta_row = session.get(Setting, _meta_key(site.id))
        meta = json.loads(meta_row.value) if meta_row is not None else {}
        fields = list(session.scalars(select(CatalogField).where(CatalogField.site_id == site.id)
                                      .order_by(CatalogField.sort_order, CatalogField.code)))
        procs = list(session.scalars(select(ProcedureRow).where(ProcedureRow.site_id == site.id)
                                     .order_by(ProcedureRow.id)))
        services = {s.id: s for s in session.scalars(select(Service).where(Service.site_id == site.id))}
        return {
            "version": meta.get("version", "empty"),
            "imported_at": meta.get("imported_at"),
            "demo": meta.get("demo", False),
            "site": {"id": site.id, "code": site.code, "name": site.name, "timezone": site.timezone},
            "hall": meta.get("hall"),
            "fields": [{"code": f.code, "name": {"vi": f.name_vi, "en": f.name_en or f.name_vi},
                        "procedures": sum(1 for p in procs if p.field_code == f.code)} for f in fields],
            "services": [{"id": s.id, "code": s.code, "prefix": s.prefix, "name": {"vi": s.name_vi,
                          "en": s.name_en or s.name_vi}, "active": s.active}
                         for s in sorted(services.values(), key=lambda s: (s.sort_order, s.code))],
            "procedures": [_row_json(p, services) for p in procs],
        }


def _row_json(p: ProcedureRow, services: dict[int, Service]) -> dict[str, Any]:
    service = services.get(p.service_id) if p.service_id is not None else None
    return {**p.data, "service_id": p.service_id if service is not None and service.active else None}


def get_procedure(ctx: Context, site: Site, code: str) -> dict[str, Any]:
    with ctx.db.reading() as session:
        row = session.scalars(select(ProcedureRow).where(ProcedureRow.site_id == site.id,
                                                         ProcedureRow.code == code)).one_or_none()
        if row is None:
            raise NotFound(f"Không tìm thấy thủ tục {code}.", f"Procedure {code} not found.", ident=code)
        services = {s.id: s for s in session.scalars(select(Service).where(Service.site_id == site.id))}
        return _row_json(row, services)


__all__ = ["CatalogImportError", "ImportResult", "import_catalog", "import_uploaded", "CATALOG_UPLOAD_MAX", "site_catalog", "catalog_version",
           "get_procedure", "procedure_json"]

"""What dossier reception needs besides the database: the `[dossiers]` settings, the
working-day calendar, and the procedures (the catalogue seam).

Settings (TOML table `[dossiers]`, all optional):

    [dossiers]
    same_day_cutoff = "15:00"         # same-day procedures received later are due next working day
    due_soon_working_days = 1         # flag open dossiers this many working days before they are due
    holidays_dir = ""                 # default assets/holidays (vn-YYYY.json)
    catalog_file = ""                 # used only while the site has no imported catalogue
    place = "An Bình"                 # "An Bình, ngày 02 tháng 3 năm 2026" on forms (default: from the site name)
    agency_name = "ỦY BAN NHÂN DÂN PHƯỜNG AN BÌNH"   # forms' header (default: the site name)
    lookup_failures_per_client = 10   # wrong lookups allowed per client (a phone, a browser) and window
    lookup_failures_per_kiosk = 60    # a kiosk is one client for many citizens: it gets more
    lookup_failures_per_code = 20     # wrong lookups allowed per dossier code and window
    lookup_window_minutes = 15
    printer_url = ""                  # where the server prints receipt slips (e.g. tcp://10.0.0.7:9100)
    [dossiers.working_hours]
    mon = ["07:30-11:30", "13:30-17:00"]  # ... tue..sun; default Monday–Friday as here

    [dossiers.sites.phuong-an-binh]   # one hall's own values (site code), over those above:
    same_day_cutoff = "16:00"         # working_hours, same_day_cutoff, due_soon_working_days,
    printer_url = "tcp://10.0.0.7:9100"   # place, agency_name, printer_url
    [dossiers.sites.phuong-an-binh.working_hours]   # replaces the whole week
    mon = ["07:30-11:30", "13:30-17:00"]  # ... and tue..fri the same
    sat = ["07:30-11:30"]

Procedures: the seam is `find_procedure` / `list_procedures`. They read the site's
imported catalogue (table `procedures`, whose `data` is the kiosk's procedure JSON) and,
only while a site has none imported, the catalogue file (the demo ward by default).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.config import ConfigError
from queue_server.domain.catalog import Procedure as CatalogProcedure
from queue_server.domain.working_days import HolidayYear, TimeUnit, WorkCalendar, WorkingHours
from queue_server.services.context import Context
from queue_server.store.tables import Procedure, Site

# ------------------------------------------------------------------------ settings


@dataclass(frozen=True)
class DossierSettings:
    hours: WorkingHours = field(default_factory=WorkingHours.standard)
    same_day_cutoff: time = time(15, 0)
    due_soon_working_days: int = 1
    holidays_dir: str = ""
    catalog_file: str = ""
    place: str = ""
    agency_name: str = ""
    lookup_failures_per_client: int = 10
    lookup_failures_per_kiosk: int = 60
    lookup_failures_per_code: int = 20
    lookup_window_minutes: int = 15
    lookup_slow_seconds: int = 30  # a client over its limit may still try once this often
    printer_url: str = ""
    # a site's own values (by site code), for a server that runs several halls
    sites: Mapping[str, DossierSettings] = field(default_factory=dict, compare=False)
    # the holiday years made in /admin (over the files'); filled by dossier_settings(ctx)
    calendar_years: Mapping[int, HolidayYear] = field(default_factory=dict, compare=False)

    def for_site(self, site: SiteLike | None) -> DossierSettings:
        """The settings that apply at `site` (its own values over the instance's)."""
        return self.sites.get(site.code, self) if site is not None else self


class SiteLike(Protocol):
    code: str
    timezone: str


class SiteRef(NamedTuple):
    """A site named without the database (e.g. `motcua dossier due --site`)."""

    code: str
    timezone: str


# what one hall may set for itself under [dossiers.sites.<site code>]
SITE_KEYS = ("working_hours", "same_day_cutoff", "due_soon_working_days", "place", "agency_name", "printer_url")

_INT_KEYS = ("due_soon_working_days", "lookup_failures_per_client", "lookup_failures_per_kiosk",
             "lookup_failures_per_code",
             "lookup_window_minutes", "lookup_slow_seconds")
_STR_KEYS = ("holidays_dir", "catalog_file", "place", "agency_name", "printer_url")


def parse_dossier_settings(raw: dict[str, Any] | None) -> DossierSettings:
    """Check the `[dossiers]` table; a wrong value is a ConfigError naming the key."""
    raw = dict(raw or {})
    per_site = raw.pop("sites", {})
    if not isinstance(per_site, dict) or not all(isinstance(v, dict) for v in per_site.values()):
        raise ConfigError("[dossiers.sites] must hold one table per site code, e.g. [dossiers.sites.phuong-an-binh]")
    base = _parse_table(raw, "[dossiers]")
    sites = {}
    for code, own in per_site.items():
        unknown = sorted(set(own) - set(SITE_KEYS))
        if unknown:
            raise ConfigError(f"[dossiers.sites.{code}]: {unknown[0]!r} cannot be set per site "
                              f"(per site: {', '.join(SITE_KEYS)})")
        sites[code] = _parse_table({**raw, **own}, f"[dossiers.sites.{code}]")
    return dataclasses.replace(base, sites=sites)


def _parse_table(raw: dict[str, Any], where: str) -> DossierSettings:
    known = {"working_hours", "same_day_cutoff", *_INT_KEYS, *_STR_KEYS}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    kwargs: dict[str, Any] = {}
    if "working_hours" in raw:
        try:
            kwargs["hours"] = WorkingHours.from_config(raw["working_hours"])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where[:-1]}.working_hours]: {exc}") from None
    if "same_day_cutoff" in raw:
        text = str(raw["same_day_cutoff"])
        if not re.fullmatch(r"\d{1,2}:\d{2}", text):
            raise ConfigError(f"{where} same_day_cutoff must be HH:MM, got {text!r}")
        try:
            kwargs["same_day_cutoff"] = time.fromisoformat(text.zfill(5))
        except ValueError:
            raise ConfigError(f"{where} same_day_cutoff is not a time of day: {text!r}") from None
    for key in _INT_KEYS:
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{where} {key} must be a whole number ≥ 0, got {value!r}")
            kwargs[key] = value
    for key in _STR_KEYS:
        if key in raw:
            kwargs[key] = str(raw[key])
    return DossierSettings(**kwargs)


def dossier_settings(ctx: Context, *, holidays: bool = True) -> DossierSettings:
    """The `[dossiers]` settings, with the holiday years made in /admin (one small read, made
    here so that no due date reads the database inside another transaction). A caller that
    counts no working day and is inside a read already passes holidays=False."""
    from queue_server.services.calendars import admin_holiday_years

    base = parse_dossier_settings(ctx.settings.extra.get("dossiers"))
    if not holidays:
        return base
    with ctx.db.reading() as session:
        years = admin_holiday_years(session)
    if not years:
        return base
    sites = {code: dataclasses.replace(own, calendar_years=years) for code, own in base.sites.items()}
    return dataclasses.replace(base, calendar_years=years, sites=sites)


@functools.lru_cache(maxsize=8)
def _calendar(directory: str) -> WorkCalendar:
    from queue_server.services.calendars import load_work_calendar

    return load_work_calendar(Path(directory) if directory else None)


def work_calendar(settings: DossierSettings) -> WorkCalendar:
    """The holiday calendar: the files (read once per directory and kept), with the years
    made in /admin over them. The one calendar seam of due dates."""
    from queue_server.services.calendars import with_admin_years

    return with_admin_years(_calendar(settings.holidays_dir), settings.calendar_years)


# ------------------------------------------------------------------------ procedures


@dataclass(frozen=True)
class DocumentSpec:
    name_vi: str
    name_en: str
    originals: int
    certified_copies: int
    photocopies: int
    show_original: bool
    required: bool

    def as_json(self) -> dict[str, Any]:
        return {"name": {"vi": self.name_vi, "en": self.name_en}, "originals": self.originals,
                "certified_copies": self.certified_copies, "photocopies": self.photocopies,
                "show_original": self.show_original, "required": self.required}


@dataclass(frozen=True)
class ChannelSpec:
    kind: str
    quantity: int
    unit: TimeUnit
    fee_vnd: int

    def describe(self, lang: str = "vi") -> str:
        from queue_server.domain.catalog import ProcessingTime

        return ProcessingTime(self.quantity, self.unit).describe(lang)


@dataclass(frozen=True)
class ProcedureInfo:
    """What reception needs of a procedure (from the imported catalogue or the file)."""

    code: str
    name_vi: str
    name_en: str
    field: str
    agency_vi: str
    channels: tuple[ChannelSpec, ...]
    documents: tuple[DocumentSpec, ...]

    def channel(self, kind: str | None) -> ChannelSpec | None:
        if kind:
            return next((c for c in self.channels if c.kind == kind), None)
        return self.channels[0] if self.channels else None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": {"vi": self.name_vi, "en": self.name_en}, "field": self.field,
            "agency": self.agency_vi,
            "channels": [{"kind": c.kind, "quantity": c.quantity, "unit": c.unit.value, "fee_vnd": c.fee_vnd,
                          "text": {"vi": c.describe("vi"), "en": c.describe("en")}} for c in self.channels],
            "documents": [d.as_json() for d in self.documents],
        }


def _vi(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("vi") or "")
    return str(value or "")


def _en(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("en") or value.get("vi") or "")
    return str(value or "")


def procedure_from_json(data: dict[str, Any]) -> ProcedureInfo:
    """From the `procedures.data` JSON written by the catalogue import."""
    channels = []
    for ch in data.get("channels", []):
        pt = ch.get("processing_time")
        if not pt or not pt.get("unit"):
            continue  # the import refuses this; never guess a time limit at the counter
        channels.append(ChannelSpec(kind=ch.get("kind", ""), quantity=int(pt.get("quantity", 1) or 1),
                                    unit=TimeUnit(pt.get("unit", "working_days")),
                                    fee_vnd=int((ch.get("fee") or {}).get("amount_vnd", 0) or 0)))
    docs = tuple(DocumentSpec(name_vi=_vi(d.get("name")), name_en=_en(d.get("name")),
                              originals=int(d.get("originals", 0) or 0),
                              certified_copies=int(d.get("certified_copies", 0) or 0),
                              photocopies=int(d.get("photocopies", 0) or 0),
                              show_original=bool(d.get("show_original", False)),
                              required=bool(d.get("required", True)))
                 for d in data.get("documents", []))
    return ProcedureInfo(code=data["code"], name_vi=_vi(data.get("name")), name_en=_en(data.get("name")),
                         field=data.get("field", ""), agency_vi=_vi(data.get("agency")), channels=tuple(channels),
                         documents=docs)


def procedure_from_catalog(p: CatalogProcedure) -> ProcedureInfo:
    return ProcedureInfo(
        code=p.code, name_vi=p.name.vi, name_en=p.name.en or p.name.vi, field=p.field, agency_vi=p.agency.vi,
        channels=tuple(ChannelSpec(kind=c.kind.value, quantity=c.processing_time.quantity, unit=c.processing_time.unit,
                                   fee_vnd=c.fee.amount_vnd) for c in p.channels),
        documents=tuple(DocumentSpec(name_vi=d.name.vi, name_en=d.name.en or d.name.vi, originals=d.originals,
                                     certified_copies=d.certified_copies, photocopies=d.photocopies,
                                     show_original=d.show_original, required=d.required) for d in p.documents),
    )


@functools.lru_cache(maxsize=4)
def _file_procedures(path: str) -> dict[str, ProcedureInfo]:
    from queue_server.services.catalog_files import DEMO_CATALOG, load_catalog_file

    catalog = load_catalog_file(Path(path) if path else DEMO_CATALOG)
    return {p.code: procedure_from_catalog(p) for p in catalog.procedures}


def _site_has_catalogue(session: Session, site_id: int) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Procedure).where(Procedure.site_id == site_id)))


def find_procedure(session: Session, settings: DossierSettings, site_id: int, code: str) -> ProcedureInfo | None:
    if _site_has_catalogue(session, site_id):
        row = session.scalars(select(Procedure).where(Procedure.site_id == site_id,
                                                      Procedure.code == code)).one_or_none()
        return procedure_from_json({"code": row.code, **(row.data or {})}) if row is not None else None
    return _file_procedures(settings.catalog_file).get(code)


def list_procedures(session: Session, settings: DossierSettings, site_id: int) -> list[ProcedureInfo]:
    if _site_has_catalogue(session, site_id):
        rows = session.scalars(select(Procedure).where(Procedure.site_id == site_id).order_by(Procedure.id))
        return [procedure_from_json({"code": r.code, **(r.data or {})}) for r in rows]
    return list(_file_procedures(settings.catalog_file).values())


def procedure_from_file(settings: DossierSettings, code: str) -> ProcedureInfo | None:
    """For the CLI without a database."""
    return _file_procedures(settings.catalog_file).get(code)


# ------------------------------------------------------------------------ site texts


def agency_code(site: Site) -> str:
    return (site.agency_code or site.code).strip().upper()


def agency_header(settings: DossierSettings, site: Site) -> str:
    return (settings.for_site(site).agency_name or site.name).upper()


def place_name(settings: DossierSettings, site: Site) -> str:
    settings = settings.for_site(site)
    if settings.place:
        return settings.place
    name = re.sub(r"^(UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+", "", site.name.strip(), flags=re.IGNORECASE)
    return name or site.name


__all__ = ["DossierSettings", "parse_dossier_settings", "dossier_settings", "work_calendar", "ProcedureInfo",
           "ChannelSpec", "DocumentSpec", "find_procedure", "list_procedures", "procedure_from_file",
           "procedure_from_json", "procedure_from_catalog", "agency_code", "agency_header", "place_name", "SiteRef",
           "SITE_KEYS"]

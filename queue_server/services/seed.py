"""Load a hall description (site, services, counters, users) into the database.

Used by `motcua demo` (assets/demo/hall.json) and `motcua config import`. The whole file
is checked first; nothing is written when any part is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from queue_server.services import admin
from queue_server.services.context import SYSTEM, Context
from queue_server.services.errors import ServiceError
from queue_server.store.tables import Counter, Service, Site, User

ASSETS = Path(__file__).resolve().parents[2] / "assets"
DEMO_HALL = ASSETS / "demo" / "hall.json"


class HallFileError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def check_hall(spec: dict[str, Any]) -> list[str]:
    """Every problem in a hall description, each with its location."""
    errors: list[str] = []
    site = spec.get("site")
    if not isinstance(site, dict) or not site.get("code") or not site.get("name"):
        errors.append("site: cần code và name / needs code and name")
    codes: set[str] = set()
    prefixes: set[str] = set()
    for i, svc in enumerate(spec.get("services", [])):
        for key in ("code", "prefix", "name_vi"):
            if not svc.get(key):
                errors.append(f"services[{i}].{key}: thiếu / missing")
        if svc.get("code") in codes:
            errors.append(f"services[{i}].code: trùng mã {svc.get('code')!r} / duplicate code")
        if svc.get("prefix") in prefixes:
            errors.append(f"services[{i}].prefix: trùng tiền tố {svc.get('prefix')!r} / duplicate prefix")
        codes.add(svc.get("code"))
        prefixes.add(svc.get("prefix"))
    numbers: set[int] = set()
    for i, counter in enumerate(spec.get("counters", [])):
        if not isinstance(counter.get("number"), int) or counter["number"] < 1:
            errors.append(f"counters[{i}].number: phải là số nguyên dương / must be a positive integer")
        if counter.get("number") in numbers:
            errors.append(f"counters[{i}].number: trùng số quầy / duplicate counter number")
        numbers.add(counter.get("number"))
        for code in counter.get("services", {}):
            if code not in codes:
                errors.append(f"counters[{i}].services.{code}: dịch vụ không tồn tại / unknown service")
    for i, user in enumerate(spec.get("users", [])):
        if user.get("role") not in ("clerk", "supervisor", "admin"):
            errors.append(f"users[{i}].role: phải là clerk, supervisor hoặc admin")
        if len(user.get("password", "")) < 8:
            errors.append(f"users[{i}].password: cần ít nhất 8 ký tự / at least 8 characters")
    return errors


def load_hall(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    """Create what is missing of the hall (idempotent: existing rows are kept)."""
    errors = check_hall(spec)
    if errors:
        raise HallFileError(errors)
    with ctx.db.reading() as session:
        site = session.scalars(select(Site).where(Site.code == spec["site"]["code"])).one_or_none()
        site_id = site.id if site else None
    if site_id is None:
        site_id = admin.create_site(ctx, SYSTEM, **spec["site"])["id"]
    with ctx.db.reading() as session:
        existing = {s.code: s.id for s in session.scalars(select(Service).where(Service.site_id == site_id))}
        counters = {c.number for c in session.scalars(select(Counter).where(Counter.site_id == site_id))}
        users = {u.username for u in session.scalars(select(User))}
    for svc in spec.get("services", []):
        if svc["code"] not in existing:
            existing[svc["code"]] = admin.create_service(ctx, SYSTEM, site_id, **svc)["id"]
    for counter in spec.get("counters", []):
        if counter["number"] not in counters:
            weights = {existing[code]: w for code, w in counter.get("services", {}).items()}
            admin.create_counter(ctx, SYSTEM, site_id, number=counter["number"], name=counter.get("name", ""),
                                 services=weights)
    for user in spec.get("users", []):
        if user["username"] not in users:
            admin.create_user(ctx, SYSTEM, site_id=site_id, **user)
    return {"site_id": site_id, "services": existing}


def read_hall_file(path: Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HallFileError([f"{path}: không tìm thấy tệp / file not found"]) from None
    except json.JSONDecodeError as exc:
        raise HallFileError([f"{path}:{exc.lineno}:{exc.colno}: JSON không hợp lệ / invalid JSON: {exc.msg}"]) from None


def export_hall(ctx: Context, site_code: str | None = None) -> dict[str, Any]:
    """The hall as a description file (users without passwords)."""
    site = admin.resolve_site(ctx, site_code)
    with ctx.db.reading() as session:
        services = list(session.scalars(select(Service).where(Service.site_id == site.id).order_by(Service.sort_order)))
        codes = {s.id: s.code for s in services}
        counters = list(session.scalars(select(Counter).where(Counter.site_id == site.id).order_by(Counter.number)))
        return {
            "site": {k: v for k, v in admin.site_json(site).items() if k != "id"},
            "services": [{k: v for k, v in admin.service_json(s).items() if k not in ("id", "site_id", "active")}
                         for s in services],
            "counters": [{"number": c.number, "name": c.name,
                          "services": {codes[cs.service_id]: cs.weight for cs in c.services}} for c in counters],
        }


__all__ = ["check_hall", "load_hall", "read_hall_file", "export_hall", "HallFileError", "ServiceError"]

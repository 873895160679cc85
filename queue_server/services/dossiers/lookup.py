"""Public progress lookup: a citizen (phone, kiosk, the receipt's QR) asks with the dossier
code and the lookup code printed on the receipt.

* The answer shows the procedure, state, timeline and appointment, and the applicant's
  name masked (N*** V** A); never the ID number, phone, e-mail or address.
* A wrong lookup code answers exactly like an unknown dossier (same status, same body),
  and both are counted as failures.
* Failures are counted per client (hashed address or kiosk) and per dossier code in the
  database (`rate_counters`, fixed windows), so the limit holds across server processes.
  Once a client or a code is over its limit, every lookup from it answers 429 with
  Retry-After, even a correct one (so a guesser cannot learn it hit).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from queue_server.domain import dossiers as rules
from queue_server.domain.dossiers import DossierState
from queue_server.services.context import Context
from queue_server.services.dossiers.format import DELIVERY_NAMES, local, vi_datetime
from queue_server.services.dossiers.reception import STEP_NAMES, due_state_of
from queue_server.services.dossiers.setup import DossierSettings, SiteRef, dossier_settings
from queue_server.services.errors import NotFound, RateLimited
from queue_server.store.tables import Dossier, DossierStep, RateCounter, Site

_DUMMY = "~" * rules.LOOKUP_LENGTH  # compared against when the dossier does not exist


def not_found() -> NotFound:
    return NotFound("Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này. Hãy kiểm tra lại giấy tiếp nhận.",
                    "No dossier matches this dossier code and lookup code. Please check your receipt.")


def _key(kind: str, value: str) -> str:
    return f"lookup:{kind}:" + hashlib.sha256(value.encode()).hexdigest()[:32]


def _blocked(session: Session, key: str, now: datetime, window: timedelta, limit: int) -> int | None:
    """Seconds until `key` may try again, or None when it is under its limit."""
    row = session.get(RateCounter, key)
    if row is None or row.window_start <= now - window or row.count < limit:
        return None
    return max(1, int((row.window_start + window - now).total_seconds()) + 1)


def _bump(session: Session, key: str, now: datetime, window: timedelta) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(RateCounter).values(key=key, window_start=now, count=0)
                    .on_conflict_do_nothing(index_elements=["key"]))
    expired = RateCounter.window_start <= now - window
    return session.execute(
        update(RateCounter).where(RateCounter.key == key)
        .values(count=case((expired, 1), else_=RateCounter.count + 1),
                window_start=case((expired, now), else_=RateCounter.window_start))
        .returning(RateCounter.count)
        .execution_options(synchronize_session=False)
    ).scalar_one()


@dataclass
class _Outcome:
    view: dict[str, Any] | None = None
    retry_after: int | None = None


def lookup(ctx: Context, *, code: str, key: str, client: str) -> dict[str, Any]:
    """The public view of a dossier, NotFound (unknown or wrong key), or RateLimited."""
    settings = dossier_settings(ctx)
    code_n = rules.normalize_dossier_code(code)[:80]
    key_n = rules.normalize_lookup_code(key)[:20]
    window = timedelta(minutes=settings.lookup_window_minutes or 15)
    client_key, code_key = _key("c", client), _key("d", code_n)

    def work(session: Session) -> _Outcome:
        now = ctx.clock.now()
        per_client = (settings.lookup_failures_per_kiosk if client.startswith("device:")
                      else settings.lookup_failures_per_client)
        waits = [w for w in (_blocked(session, client_key, now, window, per_client),
                             _blocked(session, code_key, now, window, settings.lookup_failures_per_code))
                 if w is not None]
        if waits:
            return _Outcome(retry_after=max(waits))
        d = session.scalars(select(Dossier).where(Dossier.code == code_n)).one_or_none() if code_n else None
        stored = d.lookup_code if d is not None else _DUMMY
        if hmac.compare_digest(stored.encode(), key_n.encode()) and d is not None:
            return _Outcome(view=public_view(session, d, settings, now))
        _bump(session, client_key, now, window)
        _bump(session, code_key, now, window)
        session.execute(delete(RateCounter).where(RateCounter.key.like("lookup:%"),
                                                  RateCounter.window_start < now - timedelta(days=1)))
        return _Outcome()

    outcome = ctx.db.transaction(work)
    if outcome.retry_after is not None:
        raise RateLimited("Tra cứu sai quá nhiều lần. Vui lòng thử lại sau ít phút hoặc hỏi cán bộ tại quầy.",
                          "Too many wrong lookups. Please try again in a few minutes or ask at the counter.",
                          retry_after=outcome.retry_after)
    if outcome.view is None:
        raise not_found()
    return outcome.view


_PUBLIC_STEP_DATA = {"supplement_requested": ("missing",)}


def public_view(session: Session, d: Dossier, settings: DossierSettings, now: datetime) -> dict[str, Any]:
    site = session.get(Site, d.site_id) or SiteRef("", "Asia/Ho_Chi_Minh")
    tz = site.timezone
    state = DossierState(d.state)
    ds = due_state_of(d, settings, now, site)
    steps = []
    for s in session.scalars(select(DossierStep).where(DossierStep.dossier_id == d.id).order_by(DossierStep.id)):
        names = STEP_NAMES.get(s.kind, (s.kind, s.kind))
        item = {"kind": s.kind, "name_vi": names[0], "name_en": names[1], "at": s.at.isoformat(),
                "at_vi": vi_datetime(local(s.at, tz)), "agency": s.to_agency or s.from_agency,
                "timing": s.timing or None,
                "timing_vi": rules.TIMING_NAMES[rules.Timing(s.timing)][0] if s.timing else None}
        for key in _PUBLIC_STEP_DATA.get(s.kind, ()):
            item[key] = s.data.get(key)
        if s.kind == "apology":
            item["new_appointment_vi"] = vi_datetime(local(datetime.fromisoformat(s.data["new_appointment_at"]), tz))
        steps.append(item)
    delivery = DELIVERY_NAMES.get(d.result_delivery, (d.result_delivery, d.result_delivery))
    return {
        "code": d.code,
        "site": site.name if site else "",
        "procedure": {"code": d.procedure_code, "name_vi": d.procedure_name_vi, "name_en": d.procedure_name_en},
        "applicant": rules.mask_name(d.applicant_name),
        "state": state.value, "state_vi": rules.STATE_NAMES[state][0], "state_en": rules.STATE_NAMES[state][1],
        "received_at": d.received_at.isoformat(), "received_at_vi": vi_datetime(local(d.received_at, tz)),
        "appointment_at": d.appointment_at.isoformat(), "appointment_at_vi": vi_datetime(local(d.appointment_at, tz)),
        "due_at": d.due_at.isoformat(), "due_at_vi": vi_datetime(local(d.due_at, tz)),
        "due_state": ds.value if ds else None, "due_state_vi": rules.DUE_STATE_NAMES[ds][0] if ds else None,
        "due_state_en": rules.DUE_STATE_NAMES[ds][1] if ds else None,
        "current_agency": d.current_agency if state in rules.OPEN_STATES else None,
        "result_delivery_vi": delivery[0], "result_delivery_en": delivery[1],
        "returned_at": d.returned_at.isoformat() if d.returned_at else None,
        "calendar_missing_years": d.calendar_missing_years,
        "timeline": steps,
    }


__all__ = ["lookup", "public_view", "not_found"]

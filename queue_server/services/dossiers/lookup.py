"""Public progress lookup: a citizen (phone, kiosk, the receipt's QR) asks with the dossier
code and the lookup code printed on the receipt.

* The answer shows the procedure, state, timeline and appointment, and the applicant's
  name masked (N*** V** A); never the ID number, phone, e-mail or address.
* A wrong lookup code answers exactly like an unknown dossier (same status, same body),
  and both are counted as failures.
* Only failures count, per client (hashed address, or the kiosk) and per dossier code, in the
  database (`rate_counters`, fixed windows), so the limits hold across server processes.
  The limits stop guessing without letting a prankster shut a citizen out:
  - a client over its failure limit is slowed, not shut out: it may still try once every
    `lookup_slow_seconds` (other tries answer 429 with Retry-After, unchecked), so a citizen
    behind the same address as a guesser waits seconds, not a quarter of an hour;
  - a dossier over its failure limit ("under attack") is checked only for clients with
    fewer than DIRTY_FAILURES recent failures: the owner's phone, which has made no mistakes,
    still sees its dossier; a guesser needs a fresh address for every few more guesses.
  The guessing bound these give is in docs/dossiers.md.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from queue_server.domain import dossiers as rules
from queue_server.domain.dossiers import DossierState
from queue_server.services import rate_counters
from queue_server.services.calendars import calendar_notice
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


DIRTY_FAILURES = 3  # a client with this many recent failures may not check a dossier under attack


def _count(session: Session, key: str, now: datetime, window: timedelta) -> tuple[int, datetime | None]:
    """Failures of `key` in its current window, and when that window began."""
    row = session.get(RateCounter, key)
    if row is None or row.window_start <= now - window:
        return 0, None
    return row.count, row.window_start


def _wait(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _mark(session: Session, key: str, now: datetime) -> None:
    """Remember `now` as `key`'s last checked try (the slowed client's turn)."""
    row = session.get(RateCounter, key)
    if row is None:
        session.add(RateCounter(key=key, window_start=now, count=1))
    else:
        row.window_start = now


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
    client_key, code_key, slow_key = _key("c", client), _key("d", code_n), _key("s", client)

    def work(session: Session) -> _Outcome:
        now = ctx.clock.now()
        kiosk = client.startswith("device:")
        per_client = settings.lookup_failures_per_kiosk if kiosk else settings.lookup_failures_per_client
        client_failures, client_since = _count(session, client_key, now, window)
        if client_failures >= per_client:  # slowed: one checked try every lookup_slow_seconds
            slow = timedelta(seconds=settings.lookup_slow_seconds)
            row = session.get(RateCounter, slow_key)
            if row is not None and row.window_start > now - slow:
                return _Outcome(retry_after=_wait(row.window_start + slow, now))
            _mark(session, slow_key, now)
        code_failures, _ = _count(session, code_key, now, window)
        dirty = client_failures >= (per_client if kiosk else DIRTY_FAILURES)
        if code_failures >= settings.lookup_failures_per_code and dirty and client_since is not None:
            return _Outcome(retry_after=_wait(client_since + window, now))
        d = session.scalars(select(Dossier).where(Dossier.code == code_n)).one_or_none() if code_n else None
        stored = d.lookup_code if d is not None else _DUMMY
        if hmac.compare_digest(stored.encode(), key_n.encode()) and d is not None:
            return _Outcome(view=public_view(session, d, settings, now))
        rate_counters.bump(session, client_key, now, window)
        rate_counters.bump(session, code_key, now, window)
        session.execute(delete(RateCounter).where(RateCounter.key.like("lookup:%"),
                                                  RateCounter.window_start < now - timedelta(days=1)))
        return _Outcome()

    outcome = ctx.db.transaction(work)
    if outcome.retry_after is not None:
        wait = outcome.retry_after
        vi, en = (f"{wait} giây", f"{wait} seconds") if wait < 120 else ("ít phút", "a few minutes")
        raise RateLimited(f"Tra cứu sai quá nhiều lần. Vui lòng thử lại sau {vi} hoặc hỏi cán bộ tại quầy.",
                          f"Too many wrong lookups. Please try again in {en} or ask at the counter.",
                          retry_after=wait)
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
        "calendar_notice": calendar_notice(d.calendar_missing_years),
        "timeline": steps,
        **_agencies_part(session, d, site),
    }


def _agencies_part(session: Session, d: Dossier, site: Any) -> dict[str, Any]:
    from queue_server.services.agencies.views import public_additions

    return public_additions(session, d, site) if isinstance(site, Site) else {"held_by": None, "handoffs": [],
                                                                               "route": []}


__all__ = ["lookup", "public_view", "not_found"]

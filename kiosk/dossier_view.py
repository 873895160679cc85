"""The dossier lookup without the screen: what a scanned receipt holds, and the server's
lookup reply turned into the words and dates the kiosk shows.

    parse_scan("https://hall/dossiers/lookup?code=000.00.06.H56-260302-0001&key=ABC234")
        -> ("000.00.06.H56-260302-0001", "ABC234")
    view = DossierView.from_reply(reply, "Asia/Ho_Chi_Minh", "vi")
    view.status, view.due, view.overdue, view.timeline[0].when  # "02/03/2026 09:00 (Thứ Hai)"

The reply is `GET /api/v1/dossiers/lookup` (queue_server/services/dossier_lookup.py):
procedure, state and due state with Vietnamese and English names, the applicant's name
already masked by the server, ISO times in UTC, and the timeline. Dates are shown in the
hall's time zone as dd/mm/yyyy hh:mm with the weekday in words. Pure functions: no Kivy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus
from zoneinfo import ZoneInfo

from kiosk.strings import WEEKDAYS, t

_CODE = re.compile(r"[?&]code=([^&#\s]+)", re.IGNORECASE)
_KEY = re.compile(r"[?&]key=([^&#\s]+)", re.IGNORECASE)
# "17 giờ 00 phút, Thứ Ba, ngày 03/03/2026": the server's Vietnamese wording of a time
_VI_TIME = re.compile(r"(\d{1,2}) giờ (\d{2}) phút.*?ngày (\d{2})/(\d{2})/(\d{4})")

TIMINGS = {"early": "timing_early", "on_time": "timing_on_time", "late": "timing_late"}
STATE_TONES = {"received": "info", "in_progress": "info", "supplement_requested": "warn", "result_ready": "ok",
               "returned": "ok", "refused": "bad"}


def parse_scan(text: str) -> tuple[str, str] | None:
    """(dossier code, lookup code) from the receipt's QR content (a lookup URL, in any
    letter case since the code box upper-cases what it gets), or None for anything else."""
    code, key = _CODE.search(text or ""), _KEY.search(text or "")
    if not code or not key:
        return None
    code_text = re.sub(r"\s", "", unquote_plus(code.group(1))).upper()
    key_text = re.sub(r"[\s\-]", "", unquote_plus(key.group(1))).upper()
    return (code_text, key_text) if code_text and key_text else None


def clean_code(text: str) -> str:
    """A dossier code as the server stores it: no spaces, capitals."""
    return re.sub(r"\s", "", text or "").upper()


def clean_key(text: str) -> str:
    """A lookup code as the server stores it: no spaces or dashes, capitals."""
    return re.sub(r"[\s\-]", "", text or "").upper()


def local_time(value: str | None, timezone: str, lang: str = "vi") -> str:
    """"03/03/2026 17:00 (Thứ Ba)" for an ISO time, in the hall's time zone; "" if none."""
    if not value:
        return ""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return value
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    try:
        at = at.astimezone(ZoneInfo(timezone or "Asia/Ho_Chi_Minh"))
    except Exception:  # noqa: BLE001 - an unknown zone still shows a time
        pass
    return _format(at, lang)


def _format(at: datetime, lang: str) -> str:
    day = WEEKDAYS[at.weekday()][1 if lang == "en" else 0]
    return f"{at:%d/%m/%Y %H:%M} ({day})"


def vi_time_to_text(text: str | None, lang: str = "vi") -> str:
    """The server's "17 giờ 00 phút, Thứ Ba, ngày 03/03/2026" as "03/03/2026 17:00 (Thứ Ba)"."""
    m = _VI_TIME.search(text or "")
    if not m:
        return text or ""
    hour, minute, day, month, year = (int(g) for g in m.groups())
    try:
        return _format(datetime(year, month, day, hour, minute), lang)
    except ValueError:
        return text or ""


@dataclass
class Step:
    """One line of the timeline: when, what, where, and whether it was on time (in words)."""

    when: str
    name: str
    agency: str = ""
    timing: str = ""
    late: bool = False
    details: list[str] = field(default_factory=list)


@dataclass
class DossierView:
    code: str
    procedure: str
    procedure_code: str
    status: str
    tone: str  # info | warn | ok | bad: the colour of the status box (the words say it too)
    applicant: str
    received: str
    due: str
    first_due: str  # the first appointment when an apology moved it, else ""
    due_state: str  # on_track | due_soon | overdue | "" (closed or paused)
    due_state_text: str
    current_agency: str
    delivery: str
    missing: list[str]
    calendar_note: str
    timeline: list[Step]

    @property
    def overdue(self) -> bool:
        return self.due_state == "overdue"

    @classmethod
    def from_reply(cls, reply: dict[str, Any], timezone: str, lang: str = "vi") -> DossierView:
        en = lang == "en"

        def word(base: str) -> str:
            return str((reply.get(f"{base}_en") if en else None) or reply.get(f"{base}_vi") or "")

        proc = reply.get("procedure") or {}
        state = str(reply.get("state") or "")
        steps = []
        for s in reply.get("timeline") or []:
            timing = s.get("timing") or ""
            details = []
            if s.get("missing"):
                details.append(t("dossier_missing_docs", lang, items="; ".join(s["missing"])))
            if s.get("new_appointment_vi"):
                details.append(t("dossier_new_date", lang, due=vi_time_to_text(s["new_appointment_vi"], lang)))
            steps.append(Step(
                when=local_time(s.get("at"), timezone, lang),
                name=str((s.get("name_en") if en else None) or s.get("name_vi") or s.get("kind") or ""),
                agency=str(s.get("agency") or ""),
                timing=t(TIMINGS[timing], lang) if timing in TIMINGS else str(s.get("timing_vi") or ""),
                late=timing == "late", details=details))
        missing: list[str] = []
        if state == "supplement_requested":
            asked = [s for s in reply.get("timeline") or [] if s.get("kind") == "supplement_requested"]
            missing = list(asked[-1].get("missing") or []) if asked else []
        years = reply.get("calendar_missing_years") or []
        appointment, due = reply.get("appointment_at"), reply.get("due_at")
        return cls(
            code=str(reply.get("code") or ""),
            procedure=str((proc.get("name_en") if en else None) or proc.get("name_vi") or ""),
            procedure_code=str(proc.get("code") or ""),
            status=word("state") or state,
            tone=STATE_TONES.get(state, "info"),
            applicant=str(reply.get("applicant") or ""),
            received=local_time(reply.get("received_at"), timezone, lang),
            due=local_time(appointment or due, timezone, lang),
            first_due=local_time(due, timezone, lang) if due and appointment and due != appointment else "",
            due_state=str(reply.get("due_state") or ""),
            due_state_text=word("due_state"),
            current_agency=str(reply.get("current_agency") or ""),
            delivery=word("result_delivery"),
            missing=missing,
            calendar_note=t("dossier_calendar", lang, years=", ".join(str(y) for y in years)) if years else "",
            timeline=steps,
        )


__all__ = ["parse_scan", "clean_code", "clean_key", "local_time", "vi_time_to_text", "DossierView", "Step"]

"""Citizens' feedback and petitions (phản ánh, kiến nghị, Nghị định 20/2008/NĐ-CP): a citizen
sends one from the public page /feedback or a kiosk and gets a code; supervisors read the
inbox, move it through its states and write the answer; the citizen reads the answer back
with the code.

    submit(ctx, actor, client=..., site=..., category=..., text=..., name=..., phone=...)
        -> event `petition.submitted`; returns the code (shown once, never again)
    inbox(ctx, actor, site_id, state=..., category=..., page=..., page_size=...)   supervisor+
    detail(ctx, actor, petition_id)   supervisor+; with the contact, and when there is one an
        event `petition.contact_read` (who read personal data, Nghị định 13/2023/NĐ-CP)
    change_state(ctx, actor, petition_id, state)   -> event `petition.state_changed`
    answer(ctx, actor, petition_id, answer, close=False)   -> event `petition.answered`
        (and `petition.state_changed` when `close` closes it at once)
    read_back(ctx, code=..., client=...)   public: category, state, answer, dates

Events carry the petition's id, code, category, channel and states, never its text, the
citizen's name or phone, nor the answer (the table holds those; the event log is kept for
ever, the contact only until the retention purge). None of these kinds has a public form.

Limits, counted in the database (`rate_counters`, fixed windows) so they hold across server
processes: a web client (hashed address) sends at most SUBMITS_PER_HOUR_WEB an hour, a kiosk
SUBMITS_PER_HOUR_KIOSK; a client whose read-backs miss READ_FAILURES_PER_WINDOW times in
READ_WINDOW is answered 429 until the window ends (a mistyped code, caught by the check
character, is not a miss: it names no petition).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.domain import petitions as rules
from queue_server.domain.dossiers import normalize_phone
from queue_server.domain.petitions import CATEGORIES, STATE_NAMES, PetitionState
from queue_server.events import log
from queue_server.services import rate_counters
from queue_server.services.admin import display_name
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited, not_found
from queue_server.store.tables import Petition, RateCounter, Site

SUBMITS_PER_HOUR_WEB = 5
SUBMITS_PER_HOUR_KIOSK = 60
READ_FAILURES_PER_WINDOW = 20
READ_WINDOW = timedelta(minutes=15)
PAGE_SIZE_MAX = 100

# Characters a petition's text never holds: control characters but the line break and the
# tab, and the bidirectional overrides (they make a screen show text other than what is
# stored); the same rule as names (services/admin.py), lines allowed.
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# -- checks ----------------------------------------------------------------------------------

def _text(raw: str, field: str, *, low: int, high: int) -> str:
    clean = unicodedata.normalize("NFC", (raw or "").replace("\r\n", "\n").replace("\r", "\n"))
    clean = clean.replace("\t", " ").strip()
    clean = re.sub(r"\n{3,}", "\n\n", clean)
    if _NOT_IN_TEXT.search(clean):
        raise InvalidInput(f"{field}: nội dung không được chứa ký tự điều khiển hay ký tự đảo chiều văn bản.",
                           f"{field}: the text may not hold control or text-direction characters.", field=field)
    if len(clean) < low:
        raise InvalidInput(f"{field}: hãy viết ít nhất {low} ký tự.", f"{field}: write at least {low} characters.",
                           field=field)
    if len(clean) > high:
        raise InvalidInput(f"{field}: tối đa {high} ký tự.", f"{field}: at most {high} characters.", field=field)
    return clean


def _category(category: str) -> str:
    if category not in CATEGORIES:
        raise InvalidInput(f"Loại phản ánh “{category}” không có (chọn: {', '.join(CATEGORIES)}).",
                           f"Unknown category {category!r} (choose: {', '.join(CATEGORIES)}).", field="category")
    return category


def _contact(name: str, phone: str) -> tuple[str, str]:
    name = display_name(name or "", "name")
    if len(name) > rules.CONTACT_NAME_MAX:
        raise InvalidInput(f"name: tối đa {rules.CONTACT_NAME_MAX} ký tự.",
                           f"name: at most {rules.CONTACT_NAME_MAX} characters.", field="name")
    phone_clean = ""
    if (phone or "").strip():
        normal = normalize_phone(phone)
        if normal is None:
            raise InvalidInput("Số điện thoại không đúng (ví dụ 0912 345 678).",
                               "Not a Vietnamese phone number (e.g. 0912 345 678).", field="phone")
        phone_clean = normal
    if name and not phone_clean:
        raise InvalidInput("Để nhận trả lời, hãy ghi số điện thoại (hoặc bỏ trống cả họ tên).",
                           "To get an answer, give a phone number (or leave the name empty too).", field="phone")
    return name, phone_clean


def require_supervisor(actor: Actor, site_id: int | None = None) -> None:
    if not actor.has_role("supervisor"):
        raise Forbidden("Chỉ giám sát hoặc quản trị mới xem và xử lý phản ánh, kiến nghị.",
                        "Only supervisors and administrators handle feedback and petitions.")
    if site_id is not None and not actor.in_site(site_id):
        raise Forbidden("Bạn không có quyền ở điểm phục vụ này.", "You have no rights at this site.")


def _channel(actor: Actor) -> str:
    if actor.kind == "device" and actor.role == "kiosk":
        return "kiosk"
    return "staff" if actor.kind in ("user", "system") else "web"


# -- views -----------------------------------------------------------------------------------

def _names(p: Petition) -> dict[str, Any]:
    state = PetitionState(p.state)
    cat = CATEGORIES.get(p.category, (p.category, p.category))
    return {"category": p.category, "category_vi": cat[0], "category_en": cat[1], "state": p.state,
            "state_vi": STATE_NAMES[state][0], "state_en": STATE_NAMES[state][1]}


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def public_view(p: Petition) -> dict[str, Any]:
    """What the citizen reads back with the code: never the name or the phone, nor who answered."""
    return {"code": rules.format_code(p.code), **_names(p), "created_at": p.created_at.isoformat(),
            "state_changed_at": p.state_changed_at.isoformat(), "answer": p.answer,
            "answered_at": _iso(p.answered_at)}


def staff_row(p: Petition) -> dict[str, Any]:
    """A line of the inbox: no contact (that is shown, and the reading logged, in `detail`)."""
    return {"id": p.id, "site_id": p.site_id, "code": rules.format_code(p.code), **_names(p), "channel": p.channel,
            "excerpt": p.text[:140], "has_contact": bool(p.contact_phone), "contact_erased": p.contact_erased_at
            is not None, "answered": bool(p.answer), "created_at": p.created_at.isoformat(),
            "state_changed_at": p.state_changed_at.isoformat()}


def staff_view(p: Petition) -> dict[str, Any]:
    return {**staff_row(p), "text": p.text, "contact_name": p.contact_name, "contact_phone": p.contact_phone,
            "answer": p.answer, "answered_by_name": p.answered_by_name, "answered_at": _iso(p.answered_at),
            "contact_erased_at": _iso(p.contact_erased_at),
            "moves": sorted(s.value for s in rules.MOVES[PetitionState(p.state)]),
            "may_answer": rules.may_answer(p.state)}


def options(site: Site | None = None) -> dict[str, Any]:
    """Categories and states with their labels (what the page and the kiosk show), and the
    hall where petitions are received (the page publishes it)."""
    return {"categories": [{"code": k, "vi": v[0], "en": v[1]} for k, v in CATEGORIES.items()],
            "states": [{"code": s.value, "vi": v[0], "en": v[1]} for s, v in STATE_NAMES.items()],
            "text_min": rules.TEXT_MIN, "text_max": rules.TEXT_MAX, "answer_max": rules.ANSWER_MAX,
            "site": {"id": site.id, "code": site.code, "name": site.name} if site else None}


def _event_data(p: Petition, **extra: Any) -> dict[str, Any]:
    return {"petition_id": p.id, "code": rules.format_code(p.code), "category": p.category, "channel": p.channel,
            "state": p.state, **extra}


# -- use cases -------------------------------------------------------------------------------

def submit(ctx: Context, actor: Actor, *, client: str, site_id: int, category: str, text: str,
           name: str = "", phone: str = "") -> dict[str, Any]:
    """Store a petition (`petition.submitted`); the answer holds the code the citizen keeps."""
    if actor.kind == "device" and actor.role != "kiosk":
        raise Forbidden("Chỉ ki-ốt mới gửi được phản ánh.", "Only kiosks among devices may send petitions.")
    if not actor.in_site(site_id):
        raise Forbidden("Thiết bị này không thuộc điểm phục vụ đó.", "This device belongs to another site.")
    category = _category(category)
    body = _text(text, "text", low=rules.TEXT_MIN, high=rules.TEXT_MAX)
    contact_name, contact_phone = _contact(name, phone)
    channel = _channel(actor)
    limit = SUBMITS_PER_HOUR_KIOSK if channel == "kiosk" else SUBMITS_PER_HOUR_WEB
    key = f"petition:s:{client}"[:120]

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        if channel != "staff" and rate_counters.count(session, key, now, timedelta(hours=1)) >= limit:
            wait = rate_counters.seconds_left(session, key, now, timedelta(hours=1))
            raise RateLimited(f"Đã gửi {limit} phản ánh trong một giờ từ máy này. Vui lòng thử lại sau "
                              f"{max(1, wait // 60)} phút hoặc gặp cán bộ tại quầy.",
                              f"{limit} petitions were sent from here in the last hour; please try again in "
                              f"{max(1, wait // 60)} min or ask at a counter.", retry_after=wait)
        if session.get(Site, site_id) is None:
            raise not_found("điểm phục vụ", "Site", site_id)
        p = None
        for _ in range(5):  # a clash of two random codes is rare; try again with a new one
            candidate = Petition(site_id=site_id, code=rules.new_code(), category=category, text=body,
                                 contact_name=contact_name, contact_phone=contact_phone, channel=channel,
                                 state=PetitionState.NEW.value, answer="", answered_by_name="", created_at=now,
                                 state_changed_at=now)
            try:
                with session.begin_nested():
                    session.add(candidate)
                    session.flush()
                p = candidate
                break
            except IntegrityError:
                continue
        if p is None:
            raise Conflict("Không tạo được mã, hãy gửi lại.", "Could not make a code; please send again.")
        if channel != "staff":
            rate_counters.bump(session, key, now, timedelta(hours=1))
        log.append(session, site_id=site_id, kind="petition.submitted", at=now, actor=actor.label,
                   data=_event_data(p, has_contact=bool(contact_phone),
                                    device=actor.name if actor.kind == "device" else ""))
        return {"id": p.id, **public_view(p), "has_contact": bool(contact_phone)}

    return ctx.db.transaction(work)


def inbox(ctx: Context, actor: Actor, site_id: int, *, state: str | None = None, category: str | None = None,
          page: int = 1, page_size: int = 20) -> dict[str, Any]:
    """A page of a site's petitions, newest first, with the count of each state."""
    require_supervisor(actor, site_id)
    if state and state not in {s.value for s in PetitionState}:
        raise InvalidInput(f"Trạng thái “{state}” không có.", f"Unknown state {state!r}.", field="state")
    if category:
        _category(category)
    page = max(1, page)
    page_size = min(max(1, page_size), PAGE_SIZE_MAX)
    with ctx.db.reading() as session:
        where = [Petition.site_id == site_id]
        if state:
            where.append(Petition.state == state)
        if category:
            where.append(Petition.category == category)
        total = session.scalar(select(func.count()).select_from(Petition).where(*where)) or 0
        rows = session.scalars(select(Petition).where(*where).order_by(Petition.created_at.desc(), Petition.id.desc())
                               .offset((page - 1) * page_size).limit(page_size))
        items = [staff_row(p) for p in rows]
        counts = dict(session.execute(select(Petition.state, func.count()).where(Petition.site_id == site_id)
                                      .group_by(Petition.state)).all())
    return {"items": items, "total": int(total), "page": page, "page_size": page_size,
            "pages": max(1, -(-int(total) // page_size)),
            "counts": {s.value: int(counts.get(s.value, 0)) for s in PetitionState}}


def _load(session: Session, actor: Actor, petition_id: int, *, lock: bool = False) -> Petition:
    stmt = select(Petition).where(Petition.id == petition_id)
    if lock:
        stmt = stmt.with_for_update()
    p = session.scalars(stmt).one_or_none()
    if p is None or not actor.in_site(p.site_id):
        raise not_found("phản ánh", "Petition", petition_id)
    return p


def detail(ctx: Context, actor: Actor, petition_id: int) -> dict[str, Any]:
    """One petition with its text and contact; reading a contact is logged (`petition.contact_read`)."""
    require_supervisor(actor)

    def work(session: Session) -> dict[str, Any]:
        p = _load(session, actor, petition_id)
        if p.contact_name or p.contact_phone:
            log.append(session, site_id=p.site_id, kind="petition.contact_read", at=ctx.clock.now(),
                       actor=actor.label, data={"petition_id": p.id, "code": rules.format_code(p.code)})
        return staff_view(p)

    return ctx.db.transaction(work)


def change_state(ctx: Context, actor: Actor, petition_id: int, state: str) -> dict[str, Any]:
    """Move a petition to `state` (see domain/petitions.py MOVES); 409 when it may not go there."""
    require_supervisor(actor)
    if state not in {s.value for s in PetitionState}:
        raise InvalidInput(f"Trạng thái “{state}” không có.", f"Unknown state {state!r}.", field="state")

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        p = _load(session, actor, petition_id, lock=True)
        if not rules.may_move(p.state, state):
            here, there = STATE_NAMES[PetitionState(p.state)], STATE_NAMES[PetitionState(state)]
            hint_vi = " (muốn trả lời thì viết câu trả lời)" if state == PetitionState.ANSWERED.value else ""
            hint_en = " (to answer, write the answer)" if state == PetitionState.ANSWERED.value else ""
            raise Conflict(f"Phản ánh {rules.format_code(p.code)} đang “{here[0]}”, không chuyển sang "
                           f"“{there[0]}” được{hint_vi}.",
                           f"Petition {rules.format_code(p.code)} is {here[1].lower()}; it cannot become "
                           f"{there[1].lower()}{hint_en}.")
        before = p.state
        p.state, p.state_changed_at = state, now
        log.append(session, site_id=p.site_id, kind="petition.state_changed", at=now, actor=actor.label,
                   data=_event_data(p, from_state=before))
        return staff_view(p)

    return ctx.db.transaction(work)


def answer(ctx: Context, actor: Actor, petition_id: int, text: str, *, close: bool = False) -> dict[str, Any]:
    """Write (or rewrite) the answer the citizen will read; the petition becomes answered, or
    closed with `close`."""
    require_supervisor(actor)
    body = _text(text, "answer", low=1, high=rules.ANSWER_MAX)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        p = _load(session, actor, petition_id, lock=True)
        if not rules.may_answer(p.state):
            raise Conflict(f"Phản ánh {rules.format_code(p.code)} đã đóng; mở lại (Đang xử lý) rồi mới trả lời.",
                           f"Petition {rules.format_code(p.code)} is closed; reopen it before answering.")
        before = p.state
        p.answer, p.answered_at = body, now
        p.answered_by_id = actor.id if actor.kind == "user" else None
        p.answered_by_name = actor.name or actor.label
        p.state, p.state_changed_at = PetitionState.ANSWERED.value, now
        log.append(session, site_id=p.site_id, kind="petition.answered", at=now, actor=actor.label,
                   data=_event_data(p, from_state=before, rewritten=before == PetitionState.ANSWERED.value))
        if close:
            p.state = PetitionState.CLOSED.value
            log.append(session, site_id=p.site_id, kind="petition.state_changed", at=now, actor=actor.label,
                       data=_event_data(p, from_state=PetitionState.ANSWERED.value))
        return staff_view(p)

    return ctx.db.transaction(work)


@dataclass
class _Read:
    view: dict[str, Any] | None = None
    retry_after: int | None = None


def _unknown_code() -> NotFound:
    return NotFound("Không tìm thấy phản ánh với mã này. Hãy kiểm tra lại mã đã được cấp.",
                    "No petition has this code. Please check the code you were given.")


def read_back(ctx: Context, *, code: str, client: str) -> dict[str, Any]:
    """The public view of the petition with this code; NotFound, or RateLimited after many misses."""
    normal = rules.normalize_code(code)[:20]
    if not rules.code_is_well_formed(normal):
        raise InvalidInput("Mã tra cứu gồm 9 ký tự (ví dụ ABC-DEF-GHK); mã này có ký tự sai hoặc thiếu. "
                           "Hãy kiểm tra lại.",
                           "A petition code has 9 characters (e.g. ABC-DEF-GHK); this one has a wrong or missing "
                           "character. Please check it.", field="code")
    key = f"petition:r:{client}"[:120]

    def work(session: Session) -> _Read:
        now = ctx.clock.now()
        if rate_counters.count(session, key, now, READ_WINDOW) >= READ_FAILURES_PER_WINDOW:
            return _Read(retry_after=rate_counters.seconds_left(session, key, now, READ_WINDOW))
        p = session.scalars(select(Petition).where(Petition.code == normal)).one_or_none()
        if p is not None:
            return _Read(view=public_view(p))
        rate_counters.bump(session, key, now, READ_WINDOW)
        session.execute(delete(RateCounter).where(RateCounter.key.like("petition:%"),
                                                  RateCounter.window_start < now - timedelta(days=1)))
        return _Read()

    outcome = ctx.db.transaction(work)
    if outcome.retry_after is not None:
        wait = outcome.retry_after
        raise RateLimited("Tra cứu sai quá nhiều lần. Vui lòng thử lại sau ít phút.",
                          "Too many lookups of unknown codes. Please try again in a few minutes.", retry_after=wait)
    if outcome.view is None:
        raise _unknown_code()
    return outcome.view


__all__ = ["submit", "require_supervisor", "inbox", "detail", "change_state", "answer", "read_back", "options", "public_view",
           "SUBMITS_PER_HOUR_WEB", "SUBMITS_PER_HOUR_KIOSK", "READ_FAILURES_PER_WINDOW"]

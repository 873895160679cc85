"""Ticket use cases: issue, call next, call a given ticket, recall, start, finish,
no-show, return to the queue, transfer, cancel, expire. One transaction each; every
change appends its event in that transaction.

Concurrency: numbering increments one row per (service, day) with one upsert
(INSERT ... ON CONFLICT DO UPDATE ... RETURNING), so two kiosks never get the same number
and a rollback never leaves a gap. Calling locks the counter row, picks with the pure
dispatch policy and claims the ticket with a compare-and-set (``UPDATE ... WHERE state =
'waiting'``): if another counter claimed it first, the choice is made again. A partial
unique index keeps at most one ticket at a counter. An action at a counter locks the counter
row, then the ticket at it. None of this relies on in-process locks, so it holds across
server processes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, Update, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.domain import dispatch
from queue_server.domain.business_day import business_day
from queue_server.domain.tickets import (
    STATE_LABELS_VI,
    Action,
    TicketState,
    display_code,
    next_state,
)
from queue_server.events import log
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, RateLimited, not_found
from queue_server.services.queue import policy as site_policy
from queue_server.services.queue.procedures import check_procedure_code
from queue_server.services.queue.queries import AT_A_COUNTER, SITE_ROW, queue_heads
from queue_server.services.views import TicketView
from queue_server.store.tables import Counter, CounterService, Service, Site, Ticket, TicketSequence, User

PRIORITIES = tuple(p.value for p in dispatch.PriorityClass)
CLAIM_ATTEMPTS = 20


@dataclass
class IssuedTicket:
    ticket: TicketView
    people_ahead: int
    estimated_wait_s: int | None  # None: no open counter serves this service now
    counters: list[int]  # numbers of the open counters serving this service
    public_url: str = ""  # the site's own public address ("" when it has none): the slip's link

    def as_json(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket.as_json(),
            "people_ahead": self.people_ahead,
            "estimated_wait_s": self.estimated_wait_s,
            "counters": self.counters,
        }


# -- helpers ----------------------------------------------------------------------------

def _service(session: Session, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None or not service.active:
        raise not_found("dịch vụ", "Service", service_id)
    return service


def _site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise not_found("điểm phục vụ", "Site", site_id)
    return site


def _lock_counter(session: Session, counter_id: int) -> Counter:
    """The counter as an ORM object, locked (for the counter's own use cases)."""
    counter = session.scalars(
        select(Counter).where(Counter.id == counter_id).with_for_update()
    ).one_or_none()
    if counter is None:
        raise not_found("quầy", "Counter", counter_id)
    return counter


# -- rows on the hot paths --------------------------------------------------------------
# Issuing, calling and serving happen for every citizen: they read and write through
# Core statements built once. Loading ORM objects and building statements cost more than
# SQLite takes to run the queries (docs/performance.md).

_T = Ticket.__table__
_S = Service.__table__
_C = Counter.__table__
_CS = CounterService.__table__


class ServiceRef(NamedTuple):
    id: int
    code: str
    name_vi: str
    name_en: str


class CounterRef(NamedTuple):
    id: int
    number: int | None


@dataclass(slots=True)
class TicketRow:
    """A ticket with the names of its service, read in one query."""

    id: int
    site_id: int
    service_id: int
    business_day: date
    number: int
    code: str
    priority: str
    state: str
    issued_at: datetime
    queued_at: datetime
    called_at: datetime | None
    last_called_at: datetime | None
    serving_at: datetime | None
    finished_at: datetime | None
    counter_id: int | None
    clerk_id: int | None
    call_count: int
    out_of_order: bool
    transfer_origin_id: int | None
    procedure_code: str | None
    channel: str  # kiosk | counter | remote | appointment
    service_code: str
    service_name_vi: str
    service_name_en: str
    counter_number: int | None  # the number of `counter_id`

    @property
    def service(self) -> ServiceRef:
        return ServiceRef(self.service_id, self.service_code, self.service_name_vi, self.service_name_en)


_ROWS = select(
    *[_T.c[f.name] for f in fields(TicketRow) if f.name in _T.c],
    _S.c.code.label("service_code"), _S.c.name_vi.label("service_name_vi"), _S.c.name_en.label("service_name_en"),
    _C.c.number.label("counter_number"),
).join_from(_T, _S, _T.c.service_id == _S.c.id).outerjoin(_C, _T.c.counter_id == _C.c.id)
_ROW_BY_ID = _ROWS.where(_T.c.id == bindparam("ticket_id"))
# The ticket at a counter, its row locked on PostgreSQL: a cancel by ticket id and an
# action at the counter never both succeed.
# written as uq_tickets_at_counter's predicate (literal states): a bound IN list matches no
# partial index, and the read walked every ticket the counter had ever called
_ROW_AT_COUNTER_READ = _ROWS.where(_T.c.counter_id == bindparam("counter_id"), AT_A_COUNTER)
_ROW_AT_COUNTER = _ROW_AT_COUNTER_READ.with_for_update(of=_T)
_COUNTER_ROW = select(_C.c.id, _C.c.site_id, _C.c.number, _C.c.name, _C.c.state, _C.c.clerk_id).where(
    _C.c.id == bindparam("counter_id")).with_for_update()
_COUNTER_WEIGHTS = select(_CS.c.service_id, _CS.c.weight).where(
    _CS.c.counter_id == bindparam("counter_id")).order_by(_CS.c.service_id)
_RECENT_CLASSES = select(_T.c.priority, _T.c.due_at.is_not(None)).where(
    _T.c.counter_id == bindparam("counter_id"), _T.c.business_day == bindparam("day"),
    _T.c.called_at.is_not(None), _T.c.out_of_order.is_(False),
).order_by(_T.c.called_at.desc(), _T.c.id.desc()).limit(bindparam("n"))
# Compare-and-set: the ticket goes to this counter only if it is still in `from_states`.
_CLAIM = update(_T).where(
    _T.c.id == bindparam("ticket_id"), _T.c.state.in_(bindparam("from_states", expanding=True))
).values(
    state=TicketState.CALLED.value, counter_id=bindparam("new_counter_id"), clerk_id=bindparam("new_clerk_id"),
    called_at=func.coalesce(_T.c.called_at, bindparam("new_now", type_=_T.c.called_at.type)),
    last_called_at=bindparam("new_now", type_=_T.c.last_called_at.type), call_count=_T.c.call_count + 1,
    out_of_order=bindparam("new_out_of_order"),
)
_UPDATES: dict[tuple[str, ...], Update] = {}


def _ticket_row(conn: Connection, ticket_id: int) -> TicketRow | None:
    row = conn.execute(_ROW_BY_ID, {"ticket_id": ticket_id}).one_or_none()
    return TicketRow(*row) if row is not None else None


def _lock_counter_row(conn: Connection, counter_id: int) -> Row:
    counter = conn.execute(_COUNTER_ROW, {"counter_id": counter_id}).one_or_none()
    if counter is None:
        raise not_found("quầy", "Counter", counter_id)
    return counter


def _current(conn: Connection, counter: Counter | Row, *, lock: bool = True) -> TicketRow | None:
    """The ticket called or being served at a counter (its row locked on PostgreSQL, unless
    only reading: a display's read must not wait for a clerk's transaction)."""
    stmt = _ROW_AT_COUNTER if lock else _ROW_AT_COUNTER_READ
    row = conn.execute(stmt, {"counter_id": counter.id}).one_or_none()
    return TicketRow(*row) if row is not None else None


def _save(conn: Connection, ticket: TicketRow, **changes: Any) -> None:
    """Write `changes` to a ticket's row, and to `ticket`."""
    keys = tuple(sorted(changes))
    stmt = _UPDATES.get(keys)
    if stmt is None:
        stmt = _UPDATES[keys] = update(_T).where(_T.c.id == bindparam("ticket_id")).values(
            {k: bindparam(f"new_{k}", type_=_T.c[k].type) for k in keys})
    conn.execute(stmt, {"ticket_id": ticket.id, **{f"new_{k}": v for k, v in changes.items()}})
    for k, v in changes.items():
        setattr(ticket, k, v)


def _view_of(ticket: TicketRow, counter: Counter | Row | None = None) -> TicketView:
    if counter is None and ticket.counter_id is not None:
        counter = CounterRef(ticket.counter_id, ticket.counter_number)
    return TicketView.of(ticket, ticket.service, counter)


def _view(db: Session | Connection, ticket_id: int) -> TicketView:
    """A ticket as the API shows it, read in one query (a session's pending changes first)."""
    if isinstance(db, Session):
        db.flush()
        db = db.connection()
    row = _ticket_row(db, ticket_id)
    if row is None:
        raise not_found("số", "Ticket", ticket_id)
    return _view_of(row)


_ROWS_OF_DAY = _ROWS.where(_T.c.site_id == bindparam("site_id"), _T.c.business_day == bindparam("day"))


def tickets_of_day(conn: Connection, site_id: int, day: date, state: str | None = None) -> list[TicketRow]:
    """A site's tickets of one business day in issue order (of one state if given)."""
    stmt = _ROWS_OF_DAY.where(_T.c.state == state) if state else _ROWS_OF_DAY
    return [TicketRow(*r) for r in conn.execute(stmt.order_by(_T.c.id), {"site_id": site_id, "day": day})]


def _event(db: Session | Connection, kind: str, ticket: Ticket | TicketRow, service: Service | ServiceRef,
           actor: Actor, now: datetime, counter: Counter | Row | None = None, **extra: Any) -> None:
    data = {
        "code": ticket.code,
        "ticket_id": ticket.id,
        "service_id": ticket.service_id,
        "service_code": service.code,
        "service_name_vi": service.name_vi,
        "service_name_en": service.name_en,
        "priority": ticket.priority,
        "state": ticket.state,
        "call_count": ticket.call_count,
        "channel": getattr(ticket, "channel", "kiosk"),
    }
    if counter is not None:
        data["counter_number"] = counter.number
        data["counter_name"] = counter.name
    data.update(extra)
    log.append(db, site_id=ticket.site_id, kind=kind, at=now, ticket_id=ticket.id,
               counter_id=counter.id if counter is not None else ticket.counter_id, actor=actor.label, data=data)


def _require_site(actor: Actor, site_id: int) -> None:
    if not actor.in_site(site_id):
        raise Forbidden("Bạn không có quyền ở điểm phục vụ này.", "You have no rights at this site.")


def authorize_counter(actor: Actor, counter: Counter | Row, *, opening: bool = False) -> None:
    """Who may work a counter: the clerk signed in at it, a supervisor, or the hall agent."""
    _require_site(actor, counter.site_id)
    if actor.kind == "system" or actor.has_role("supervisor"):
        return
    if actor.kind == "device" and actor.role == "agent":
        return
    if actor.kind == "user" and actor.has_role("clerk"):
        if counter.clerk_id in (None, actor.id) and (opening or counter.clerk_id == actor.id):
            return
        if counter.clerk_id is not None and counter.clerk_id != actor.id:
            raise Conflict(
                f"Quầy {counter.number} đang do người khác phụ trách.",
                f"Counter {counter.number} is staffed by someone else.",
            )
        raise Conflict(
            f"Hãy mở quầy {counter.number} trước khi gọi số.",
            f"Open counter {counter.number} before calling numbers.",
        )
    raise Forbidden("Bạn không có quyền thao tác tại quầy.", "You may not operate counters.")


def _expect(ticket: TicketRow | None, expected_id: int | None, counter: Counter | Row) -> TicketRow:
    if ticket is None:
        raise Conflict(f"Quầy {counter.number} không có số nào đang phục vụ.",
                       f"Counter {counter.number} has no current ticket.")
    if expected_id is not None and ticket.id != expected_id:
        raise Conflict(
            f"Số đang ở quầy {counter.number} là {ticket.code}, không phải số bạn chọn.",
            f"The ticket at counter {counter.number} is {ticket.code}, not the one you chose.",
            current_ticket_id=ticket.id,
        )
    return ticket


def _transition(ticket: Ticket | TicketRow, action: Action) -> TicketState:
    target = next_state(TicketState(ticket.state), action)
    if target is None:
        raise Conflict(
            f"Số {ticket.code} đang ở trạng thái “{STATE_LABELS_VI[TicketState(ticket.state)]}”, "
            f"không thể {_ACTION_VI[action]}.",
            f"Ticket {ticket.code} is {ticket.state}; cannot {action.value.replace('_', ' ')}.",
            state=ticket.state,
        )
    return target


_ACTION_VI = {
    Action.CALL: "gọi", Action.RECALL: "gọi lại", Action.START: "bắt đầu phục vụ",
    Action.FINISH: "hoàn thành", Action.NO_SHOW: "đánh dấu vắng mặt", Action.REQUEUE: "đưa lại vào hàng chờ",
    Action.TRANSFER: "chuyển", Action.CANCEL: "huỷ", Action.EXPIRE: "cho hết hạn",
    Action.CHECK_IN: "xác nhận có mặt",
}


# -- issuing ----------------------------------------------------------------------------

_TS = TicketSequence.__table__
# One statement takes the next number: the row of (service, day) is created at 1 or
# incremented, under its row lock (PostgreSQL) or the write lock (SQLite).
_NEXT_NUMBER = {
    name: dialect.insert(_TS).values(
        service_id=bindparam("service_id"), business_day=bindparam("day"), last_number=1,
    ).on_conflict_do_update(
        index_elements=[_TS.c.service_id, _TS.c.business_day], set_={"last_number": _TS.c.last_number + 1},
    ).returning(_TS.c.last_number)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_SERVICE_TO_ISSUE = select(
    _S.c.id, _S.c.site_id, _S.c.code, _S.c.name_vi, _S.c.name_en, _S.c.prefix, _S.c.number_width, _S.c.active,
    Site.__table__.c.timezone,
).join_from(_S, Site.__table__, _S.c.site_id == Site.__table__.c.id).where(_S.c.id == bindparam("service_id"))
_ISSUED_BY_DEVICE = select(func.count()).select_from(_T).where(
    _T.c.device_id == bindparam("device_id"), _T.c.issued_at > bindparam("since", type_=_T.c.issued_at.type))
_BY_REQUEST_KEY = select(_T.c.id, _T.c.service_id, _T.c.priority).where(
    _T.c.device_id == bindparam("device_id"), _T.c.request_key == bindparam("request_key"))
_INSERT_TICKET = _T.insert()
_OPEN_COUNTER_FOR = select(_CS.c.counter_id).join_from(_CS, _C, _CS.c.counter_id == _C.c.id).where(
    _CS.c.service_id == bindparam("service_id"), _C.c.state == "open").limit(1)


def service_to_issue(conn: Connection, service_id: int) -> Row | None:
    """A service as numbering needs it (prefix, width, its site's time zone)."""
    return conn.execute(_SERVICE_TO_ISSUE, {"service_id": service_id}).one_or_none()


def insert_ticket(conn: Connection, service: Row, actor: Actor, now: datetime, *, priority: str = "normal",
                  procedure_code: str | None = None, channel: str, state: str = TicketState.WAITING.value,
                  request_key: str | None = None, due_at: datetime | None = None, **event_extra: Any) -> TicketRow:
    """Number and insert a ticket of `service` (a `service_to_issue` row) with its
    `ticket.issued` event, inside the caller's transaction. `due_at`: an appointment's time
    (dispatch's rule 0)."""
    day = business_day(now, service.timezone)
    number = conn.execute(_NEXT_NUMBER[conn.dialect.name], {"service_id": service.id, "day": day}).scalar_one()
    ticket = TicketRow(
        id=0, site_id=service.site_id, service_id=service.id, business_day=day, number=number,
        code=display_code(service.prefix, number, service.number_width), priority=priority,
        state=state, issued_at=now, queued_at=now, called_at=None, last_called_at=None,
        serving_at=None, finished_at=None, counter_id=None, clerk_id=None, call_count=0, out_of_order=False,
        transfer_origin_id=None, procedure_code=procedure_code, channel=channel, service_code=service.code,
        service_name_vi=service.name_vi, service_name_en=service.name_en, counter_number=None,
    )
    columns = {f.name: getattr(ticket, f.name) for f in fields(TicketRow) if f.name in _T.c and f.name != "id"}
    ticket.id = conn.execute(_INSERT_TICKET, {
        **columns, "front": False, "device_id": actor.id if actor.kind == "device" else None,
        "request_key": request_key, "due_at": due_at,
    }).inserted_primary_key[0]
    if due_at is not None:
        event_extra["due_at"] = due_at.isoformat()
    _event(conn, "ticket.issued", ticket, ticket.service, actor, now, number=number, **event_extra)
    return ticket


def issue_ticket(ctx: Context, actor: Actor, service_id: int, *, priority: str = "normal",
                 procedure_code: str | None = None, request_key: str | None = None) -> IssuedTicket:
    """Give the next number of a service (committed before anything is printed).

    With `request_key` (a kiosk's Idempotency-Key), asking again with the same key returns
    the ticket the first request made instead of a second number.
    """
    if request_key is not None and (actor.kind != "device" or not 8 <= len(request_key) <= 64):
        raise InvalidInput("Idempotency-Key chỉ dành cho ki-ốt và dài 8–64 ký tự.",
                           "An Idempotency-Key is for kiosks and has 8-64 characters.", field="Idempotency-Key")
    if priority not in PRIORITIES:
        raise InvalidInput(
            f"Đối tượng ưu tiên “{priority}” không hợp lệ (chọn: {', '.join(PRIORITIES)}).",
            f"Unknown priority class {priority!r} (choose: {', '.join(PRIORITIES)}).",
            field="priority",
        )
    if not (actor.kind == "system" or actor.has_role("clerk") or (actor.kind == "device" and actor.role == "kiosk")):
        raise Forbidden("Chỉ ki-ốt hoặc cán bộ mới được cấp số.", "Only kiosks and staff may issue tickets.")
    procedure_code = check_procedure_code(ctx, service_id, procedure_code)

    def work(session: Session) -> TicketRow:
        conn = session.connection()
        now = ctx.clock.now()
        if request_key is not None:
            earlier = conn.execute(_BY_REQUEST_KEY, {"device_id": actor.id, "request_key": request_key}).one_or_none()
            if earlier is not None:
                if earlier.service_id != service_id or earlier.priority != priority:
                    raise Conflict("Mã yêu cầu này đã dùng cho một số khác.",
                                   "This Idempotency-Key was used for a different ticket.")
                return _ticket_row(conn, earlier.id)
        service = conn.execute(_SERVICE_TO_ISSUE, {"service_id": service_id}).one_or_none()
        if service is None or not service.active:
            raise not_found("dịch vụ", "Service", service_id)
        _require_site(actor, service.site_id)
        if not ctx.settings.issue_when_no_counter_open and conn.execute(
                _OPEN_COUNTER_FOR, {"service_id": service.id}).first() is None:
            raise Conflict(
                f"Hiện chưa có quầy nào mở cho dịch vụ {service.name_vi}; ki-ốt chưa cấp số cho dịch vụ này. "
                "Vui lòng chờ quầy mở hoặc hỏi cán bộ hướng dẫn.",
                f"No counter is open for {service.name_en or service.name_vi} yet, so no numbers are given for it; "
                "please wait for a counter to open or ask at the information desk.")
        if actor.kind == "device":
            limit = ctx.settings.kiosk_tickets_per_minute
            recent = conn.execute(_ISSUED_BY_DEVICE, {"device_id": actor.id, "since": now - timedelta(minutes=1)})
            if recent.scalar_one() >= limit:
                raise RateLimited(
                    "Ki-ốt đã cấp quá nhiều số trong một phút. Vui lòng chờ giây lát.",
                    f"This kiosk issued {limit} tickets in the last minute; please wait a moment.",
                    retry_after=10,
                )
        return insert_ticket(conn, service, actor, now, priority=priority, procedure_code=procedure_code,
                             channel="kiosk" if actor.kind == "device" else "counter", request_key=request_key)

    try:
        ticket = ctx.db.transaction(work)
    except IntegrityError:  # the same key raced in from a second connection: return that ticket
        ticket = ctx.db.transaction(work)
    # The estimate is advice, not state: computed after the commit so the write lock
    # (SQLite) and row locks (PostgreSQL) are held no longer than numbering needs.
    from queue_server.services.queue.estimates import estimate_for_ticket

    with ctx.db.connection() as conn:
        est = estimate_for_ticket(conn, ticket, ctx.clock.now())
        own = conn.execute(_PUBLIC_URL, {"site_id": ticket.site_id}).scalar() or ""
    return IssuedTicket(_view_of(ticket), est.people_ahead, est.wait_s, est.counters, own)


_PUBLIC_URL = select(Site.public_url).where(Site.id == bindparam("site_id"))


# -- calling ----------------------------------------------------------------------------

def _recent_calls(conn: Connection, counter: Row, day: date,
                  n: int) -> tuple[list[dispatch.PriorityClass], list[bool]]:
    """The classes of the counter's latest `n` in-turn calls today (ratio policy) and which of
    its latest calls were appointments (their share), newest first: one index read."""
    window = max(n, dispatch.APPOINTMENT_WINDOW - 1)
    rows = conn.execute(_RECENT_CLASSES, {"counter_id": counter.id, "day": day, "n": window}).all()
    return [dispatch.PriorityClass(p) for p, _ in rows[:n]], [bool(a) for _, a in rows]


def _claim(conn: Connection, ticket_id: int, counter: Row, actor: Actor, now: datetime,
           out_of_order: bool = False, from_states: tuple[str, ...] = ("waiting",)) -> TicketRow | None:
    """Compare-and-set: take the ticket for this counter if nobody else did."""
    result = conn.execute(_CLAIM, {
        "ticket_id": ticket_id, "from_states": list(from_states), "new_counter_id": counter.id,
        "new_clerk_id": counter.clerk_id if out_of_order and counter.clerk_id else
        (actor.id if actor.is_user else counter.clerk_id), "new_now": now,
        "new_out_of_order": out_of_order,
    })
    if result.rowcount != 1:
        return None
    return _ticket_row(conn, ticket_id)


def _ready_to_call(conn: Connection, counter: Row, actor: Actor, now: datetime) -> None:
    if counter.state != "open":
        state_vi = {"paused": "đang tạm dừng", "closed": "đang đóng"}.get(counter.state, counter.state)
        raise Conflict(f"Quầy {counter.number} {state_vi}: hãy mở quầy trước khi gọi số.",
                       f"Counter {counter.number} is {counter.state}; open it before calling.")
    current = _current(conn, counter)
    if current is None:
        return
    if current.state == TicketState.SERVING.value:
        _finish(conn, current, counter, actor, now)  # "next" ends the citizen being served
        return
    raise Conflict(
        f"Quầy {counter.number} đang gọi số {current.code}: hãy bấm Bắt đầu, Gọi lại hoặc Vắng mặt trước.",
        f"Counter {counter.number} is calling {current.code}: start, recall or mark no-show first.",
        current_ticket_id=current.id,
    )


def call_next(ctx: Context, actor: Actor, counter_id: int) -> TicketView | None:
    """Call the ticket the dispatch policy picks for this counter; None when nobody waits."""

    def work(session: Session) -> TicketView | None:
        conn = session.connection()
        now = ctx.clock.now()
        counter = _lock_counter_row(conn, counter_id)
        authorize_counter(actor, counter)
        _ready_to_call(conn, counter, actor, now)
        site = conn.execute(SITE_ROW, {"site_id": counter.site_id}).one()
        pol = site_policy.dispatch_policy(site)
        day = business_day(now, site.timezone)
        weights = {sid: w for sid, w in conn.execute(_COUNTER_WEIGHTS, {"counter_id": counter.id})}
        view = dispatch.CounterView(id=counter.id, weights=weights)
        recent, recent_appointments = _recent_calls(conn, counter, day, pol.recent_window)
        quota = site_policy.appointment_quotas(conn, list(weights))
        for _ in range(CLAIM_ATTEMPTS):
            candidates = queue_heads(conn, day, list(weights))
            choice = dispatch.choose_next(candidates, view, pol, now, recent, recent_appointments, quota)
            if choice is None:
                return None
            ticket = _claim(conn, choice.id, counter, actor, now)
            if ticket is not None:
                _event(conn, "ticket.called", ticket, ticket.service, actor, now, counter)
                return _view_of(ticket, counter)
            # another counter took it: look again
        raise Conflict("Hệ thống đang bận, vui lòng bấm gọi lại.", "Too much contention; press call again.")

    return ctx.db.transaction(work)


def _reason(reason: str, *, required: bool) -> str:
    reason = " ".join((reason or "").split())[:200]
    if required and not reason:
        raise InvalidInput("Hãy ghi lý do.", "Give a reason.", field="reason")
    return reason


def supervisor_marks(actor: Actor, reason: str) -> dict[str, str]:
    """What a supervisor's action adds to its event: who (by name) and why."""
    marks = {"by_name": actor.name or actor.label}
    if reason:
        marks["reason"] = reason
    return marks


def call_ticket(ctx: Context, actor: Actor, counter_id: int, ticket_id: int, reason: str = "") -> TicketView:
    """A supervisor calls a given ticket out of turn, with a reason: the event records it as
    out of order, with the supervisor's name and the reason."""
    if not actor.has_role("supervisor"):
        raise Forbidden("Chỉ giám sát viên được gọi số không theo thứ tự.",
                        "Only supervisors may call a ticket out of turn.")
    reason = _reason(reason, required=True)

    def work(session: Session) -> TicketView:
        conn = session.connection()
        now = ctx.clock.now()
        counter = _lock_counter_row(conn, counter_id)
        authorize_counter(actor, counter)
        _ready_to_call(conn, counter, actor, now)
        ticket = _ticket_row(conn, ticket_id)
        if ticket is None or ticket.site_id != counter.site_id:
            raise not_found("số", "Ticket", ticket_id)
        site = conn.execute(SITE_ROW, {"site_id": counter.site_id}).one()
        if ticket.business_day != business_day(now, site.timezone):
            raise Conflict(f"Số {ticket.code} thuộc ngày {ticket.business_day:%d/%m/%Y}, không phải hôm nay.",
                           f"Ticket {ticket.code} belongs to {ticket.business_day}, not today.")
        if ticket.state not in ("waiting", "no_show"):
            _transition(ticket, Action.CALL)
        claimed = _claim(conn, ticket.id, counter, actor, now, out_of_order=True,
                         from_states=("waiting", "no_show"))
        if claimed is None:
            raise Conflict(f"Số {ticket.code} vừa được quầy khác gọi.", f"Ticket {ticket.code} was just called elsewhere.")
        _event(conn, "ticket.called", claimed, claimed.service, actor, now, counter, out_of_order=True,
               **supervisor_marks(actor, reason))
        return _view_of(claimed, counter)

    return ctx.db.transaction(work)


# -- at the counter ---------------------------------------------------------------------

def _at_counter(ctx: Context, actor: Actor, counter_id: int, expected_id: int | None, action: Action,
                apply) -> TicketView:  # noqa: ANN001
    def work(session: Session) -> TicketView:
        conn = session.connection()
        now = ctx.clock.now()
        counter = _lock_counter_row(conn, counter_id)
        authorize_counter(actor, counter)
        ticket = _expect(_current(conn, counter), expected_id, counter)
        _transition(ticket, action)
        apply(conn, ticket, counter, now)
        return _view_of(ticket, counter)

    return ctx.db.transaction(work)


def recall(ctx: Context, actor: Actor, counter_id: int, ticket_id: int | None = None) -> TicketView:
    def apply(conn: Connection, ticket: TicketRow, counter: Row, now: datetime) -> None:
        _save(conn, ticket, call_count=ticket.call_count + 1, last_called_at=now)
        _event(conn, "ticket.recalled", ticket, ticket.service, actor, now, counter)

    return _at_counter(ctx, actor, counter_id, ticket_id, Action.RECALL, apply)


def start(ctx: Context, actor: Actor, counter_id: int, ticket_id: int | None = None) -> TicketView:
    def apply(conn: Connection, ticket: TicketRow, counter: Row, now: datetime) -> None:
        _save(conn, ticket, state=TicketState.SERVING.value, serving_at=now)
        _event(conn, "ticket.serving", ticket, ticket.service, actor, now, counter)

    return _at_counter(ctx, actor, counter_id, ticket_id, Action.START, apply)


def _finish(conn: Connection, ticket: TicketRow, counter: Row, actor: Actor, now: datetime) -> None:
    serving_at = ticket.serving_at or ticket.last_called_at or now
    _save(conn, ticket, state=TicketState.FINISHED.value, finished_at=now, serving_at=serving_at)
    duration = (now - serving_at).total_seconds()
    _event(conn, "ticket.finished", ticket, ticket.service, actor, now, counter, service_seconds=round(duration, 1))


def finish(ctx: Context, actor: Actor, counter_id: int, ticket_id: int | None = None) -> TicketView:
    def apply(conn: Connection, ticket: TicketRow, counter: Row, now: datetime) -> None:
        _finish(conn, ticket, counter, actor, now)

    return _at_counter(ctx, actor, counter_id, ticket_id, Action.FINISH, apply)


def no_show(ctx: Context, actor: Actor, counter_id: int, ticket_id: int | None = None) -> TicketView:
    def apply(conn: Connection, ticket: TicketRow, counter: Row, now: datetime) -> None:
        min_calls = ctx.settings.no_show_min_calls
        min_seconds = ctx.settings.no_show_min_seconds
        waited = (now - (ticket.called_at or now)).total_seconds()
        if ticket.call_count < min_calls and waited < min_seconds:
            raise Conflict(
                f"Chưa thể đánh vắng mặt số {ticket.code}: hãy gọi ít nhất {min_calls} lần "
                f"hoặc chờ {min_seconds} giây từ lần gọi đầu (đã gọi {ticket.call_count} lần, {int(waited)} giây).",
                f"Ticket {ticket.code} cannot be marked no-show yet: call it {min_calls} times or wait "
                f"{min_seconds} s after the first call (called {ticket.call_count} times, {int(waited)} s ago).",
            )
        # the counter's time on this ticket ends here
        _save(conn, ticket, state=TicketState.NO_SHOW.value, finished_at=now)
        _event(conn, "ticket.no_show", ticket, ticket.service, actor, now, counter)

    return _at_counter(ctx, actor, counter_id, ticket_id, Action.NO_SHOW, apply)


def transfer(ctx: Context, actor: Actor, counter_id: int, to_service_id: int, *,
             placement: str | None = None, ticket_id: int | None = None) -> TicketView:
    """End the citizen's turn here and queue them for another service under the same code."""
    placement = placement or ctx.settings.transfer_placement
    if placement not in ("original", "front"):
        raise InvalidInput("Vị trí chuyển phải là “original” hoặc “front”.",
                           "placement must be 'original' or 'front'.", field="placement")

    def work(session: Session) -> TicketView:
        conn = session.connection()
        now = ctx.clock.now()
        counter = _lock_counter_row(conn, counter_id)
        authorize_counter(actor, counter)
        ticket = _expect(_current(conn, counter), ticket_id, counter)
        _transition(ticket, Action.TRANSFER)
        target = _service(session, to_service_id)
        if target.site_id != ticket.site_id:
            raise not_found("dịch vụ", "Service", to_service_id)
        if target.id == ticket.service_id:
            raise InvalidInput("Không thể chuyển sang chính dịch vụ đang phục vụ.",
                               "Cannot transfer to the same service.", field="service_id")
        _save(conn, ticket, state=TicketState.TRANSFERRED.value, finished_at=now,
              serving_at=ticket.serving_at or ticket.last_called_at or now)
        origin = session.get(Ticket, ticket.id)  # device and procedure travel with the citizen
        moved = Ticket(
            site_id=ticket.site_id, service_id=target.id, business_day=ticket.business_day, number=ticket.number,
            code=ticket.code, priority=ticket.priority, state=TicketState.WAITING.value,
            issued_at=ticket.issued_at, queued_at=ticket.queued_at if placement == "original" else now,
            front=placement == "front", call_count=0, out_of_order=False, transfer_origin_id=ticket.id,
            device_id=origin.device_id, procedure_code=origin.procedure_code, channel=origin.channel,
        )
        session.add(moved)
        session.flush()
        _event(conn, "ticket.transferred", ticket, ticket.service, actor, now, counter, to_service_id=target.id,
               to_service_code=target.code, to_service_name_vi=target.name_vi, new_ticket_id=moved.id,
               placement=placement)
        _event(session, "ticket.queued", moved, target, actor, now, transferred_from=ticket.id)
        return _view(session, moved.id)

    return ctx.db.transaction(work)


# -- by ticket --------------------------------------------------------------------------

def _by_ticket(ctx: Context, actor: Actor, ticket_id: int, action: Action, apply) -> TicketView:  # noqa: ANN001
    def work(session: Session) -> TicketView:
        now = ctx.clock.now()
        ticket = session.scalars(select(Ticket).where(Ticket.id == ticket_id).with_for_update()).one_or_none()
        if ticket is None:
            raise not_found("số", "Ticket", ticket_id)
        _require_site(actor, ticket.site_id)
        if not actor.has_role("clerk") and not (actor.kind == "device" and actor.role == "agent"):
            raise Forbidden("Bạn không có quyền thao tác với số này.", "You may not change tickets.")
        _transition(ticket, action)
        apply(session, ticket, now)
        return _view(session, ticket.id)

    return ctx.db.transaction(work)


def requeue(ctx: Context, actor: Actor, ticket_id: int, reason: str = "") -> TicketView:
    """A citizen marked absent comes back: the ticket waits again (by the hall's rule)."""
    reason = _reason(reason, required=False)

    def apply(session: Session, ticket: Ticket, now: datetime) -> None:
        site = _site(session, ticket.site_id)
        if ticket.business_day != business_day(now, site.timezone):
            raise Conflict(f"Số {ticket.code} thuộc ngày khác; hãy lấy số mới.",
                           f"Ticket {ticket.code} is from another day; take a new number.")
        ticket.state = TicketState.WAITING.value
        counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
        ticket.counter_id = None
        ticket.finished_at = None
        if ctx.settings.requeue_placement == "back":
            ticket.queued_at = now
        _event(session, "ticket.requeued", ticket, session.get(Service, ticket.service_id), actor, now,
               from_counter_number=counter.number if counter else None, **supervisor_marks(actor, reason))

    return _by_ticket(ctx, actor, ticket_id, Action.REQUEUE, apply)


def cancel(ctx: Context, actor: Actor, ticket_id: int, reason: str = "") -> TicketView:
    reason = _reason(reason, required=False)

    def apply(session: Session, ticket: Ticket, now: datetime) -> None:
        counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
        ticket.state = TicketState.CANCELLED.value
        ticket.finished_at = now
        _event(session, "ticket.cancelled", ticket, session.get(Service, ticket.service_id), actor, now, counter,
               **supervisor_marks(actor, reason))

    return _by_ticket(ctx, actor, ticket_id, Action.CANCEL, apply)


def expire_stale(ctx: Context, actor: Actor) -> int:
    """Close out tickets left open from past business days (run at start-up and each night)."""

    def work(session: Session) -> int:
        now = ctx.clock.now()
        count = 0
        for site in session.scalars(select(Site)):
            today = business_day(now, site.timezone)
            stale = list(session.scalars(select(Ticket).where(
                Ticket.site_id == site.id, Ticket.business_day < today,
                Ticket.state.in_(["waiting", "called", "serving", "absent"]),
            ).with_for_update()))
            for ticket in stale:
                counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
                ticket.state = TicketState.EXPIRED.value
                ticket.finished_at = now
                _event(session, "ticket.expired", ticket, session.get(Service, ticket.service_id), actor, now,
                       counter)
                count += 1
        return count

    return ctx.db.transaction(work)


def get_ticket(ctx: Context, ticket_id: int) -> TicketView:
    with ctx.db.connection() as conn:
        return _view(conn, ticket_id)


def clerk_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = session.get(User, user_id)
    return user.full_name or user.username if user else ""

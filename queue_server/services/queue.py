"""Ticket use cases: issue, call next, call a given ticket, recall, start, finish,
no-show, return to the queue, transfer, cancel, expire. One transaction each; every
change appends its event in that transaction.

Concurrency: numbering increments one row per (service, day) with UPDATE ... RETURNING,
so two kiosks never get the same number and a rollback never leaves a gap. Calling
locks the counter row, picks with the pure dispatch policy and claims the ticket with a
compare-and-set (``UPDATE ... WHERE state = 'waiting'``): if another counter claimed it
first, the choice is made again. A partial unique index keeps at most one ticket at a
counter. None of this relies on in-process locks, so it holds across server processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.domain import dispatch
from queue_server.domain.business_day import business_day
from queue_server.domain.tickets import (
    AT_COUNTER,
    STATE_LABELS_VI,
    Action,
    TicketState,
    display_code,
    next_state,
)
from queue_server.events import log
from queue_server.services import policy as site_policy
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, RateLimited, not_found
from queue_server.services.queries import waiting_tickets
from queue_server.services.views import TicketView
from queue_server.store.tables import Counter, Service, Site, Ticket, TicketSequence, User

PRIORITIES = tuple(p.value for p in dispatch.PriorityClass)
CLAIM_ATTEMPTS = 20


@dataclass
class IssuedTicket:
    ticket: TicketView
    people_ahead: int
    estimated_wait_s: int | None  # None: no open counter serves this service now
    counters: list[int]  # numbers of the open counters serving this service

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
    counter = session.scalars(
        select(Counter).where(Counter.id == counter_id).with_for_update()
    ).one_or_none()
    if counter is None:
        raise not_found("quầy", "Counter", counter_id)
    return counter


def _view(session: Session, ticket: Ticket) -> TicketView:
    service = session.get(Service, ticket.service_id)
    counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    return TicketView.of(ticket, service, counter)


def _event(session: Session, kind: str, ticket: Ticket, actor: Actor, now: datetime,
           counter: Counter | None = None, **extra: Any) -> None:
    service = session.get(Service, ticket.service_id)
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
    }
    if counter is not None:
        data["counter_number"] = counter.number
        data["counter_name"] = counter.name
    data.update(extra)
    log.append(session, site_id=ticket.site_id, kind=kind, at=now, ticket_id=ticket.id,
               counter_id=counter.id if counter else ticket.counter_id, actor=actor.label, data=data)


def _require_site(actor: Actor, site_id: int) -> None:
    if not actor.in_site(site_id):
        raise Forbidden("Bạn không có quyền ở điểm phục vụ này.", "You have no rights at this site.")


def authorize_counter(actor: Actor, counter: Counter, *, opening: bool = False) -> None:
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


def _current(session: Session, counter: Counter) -> Ticket | None:
    return session.scalars(
        select(Ticket).where(Ticket.counter_id == counter.id, Ticket.state.in_([s.value for s in AT_COUNTER]))
    ).one_or_none()


def _expect(ticket: Ticket | None, expected_id: int | None, counter: Counter) -> Ticket:
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


def _transition(ticket: Ticket, action: Action) -> TicketState:
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
}


# -- issuing ----------------------------------------------------------------------------

def _next_number(session: Session, service_id: int, day) -> int:  # noqa: ANN001
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(TicketSequence)
        .values(service_id=service_id, business_day=day, last_number=0)
        .on_conflict_do_nothing(index_elements=["service_id", "business_day"])
    )
    return session.execute(
        update(TicketSequence)
        .where(TicketSequence.service_id == service_id, TicketSequence.business_day == day)
        .values(last_number=TicketSequence.last_number + 1)
        .returning(TicketSequence.last_number)
    ).scalar_one()


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

    def work(session: Session) -> tuple[TicketView, Ticket]:
        now = ctx.clock.now()
        if request_key is not None:
            earlier = session.scalars(select(Ticket).where(
                Ticket.device_id == actor.id, Ticket.request_key == request_key)).one_or_none()
            if earlier is not None:
                if earlier.service_id != service_id or earlier.priority != priority:
                    raise Conflict("Mã yêu cầu này đã dùng cho một số khác.",
                                   "This Idempotency-Key was used for a different ticket.")
                return _view(session, earlier), earlier
        service = _service(session, service_id)
        _require_site(actor, service.site_id)
        site = _site(session, service.site_id)
        if actor.kind == "device":
            limit = ctx.settings.kiosk_tickets_per_minute
            recent = session.scalar(
                select(func.count()).select_from(Ticket).where(
                    Ticket.device_id == actor.id, Ticket.issued_at > now - timedelta(minutes=1)
                )
            )
            if recent >= limit:
                raise RateLimited(
                    "Ki-ốt đã cấp quá nhiều số trong một phút. Vui lòng chờ giây lát.",
                    f"This kiosk issued {limit} tickets in the last minute; please wait a moment.",
                    retry_after=10,
                )
        day = business_day(now, site.timezone)
        number = _next_number(session, service.id, day)
        ticket = Ticket(
            site_id=site.id, service_id=service.id, business_day=day, number=number,
            code=display_code(service.prefix, number, service.number_width), priority=priority,
            state=TicketState.WAITING.value, issued_at=now, queued_at=now, front=False, call_count=0,
            out_of_order=False, device_id=actor.id if actor.kind == "device" else None,
            procedure_code=procedure_code, request_key=request_key,
        )
        session.add(ticket)
        session.flush()
        _event(session, "ticket.issued", ticket, actor, now, number=number)
        return _view(session, ticket), ticket

    try:
        view, ticket = ctx.db.transaction(work)
    except IntegrityError:  # the same key raced in from a second connection: return that ticket
        view, ticket = ctx.db.transaction(work)
    # The estimate is advice, not state: computed after the commit so the write lock
    # (SQLite) and row locks (PostgreSQL) are held no longer than numbering needs.
    from queue_server.services.estimates import estimate_for_ticket

    with ctx.db.connection() as conn:
        est = estimate_for_ticket(conn, ticket, ctx.clock.now())
    return IssuedTicket(view, est.people_ahead, est.wait_s, est.counters)


# -- calling ----------------------------------------------------------------------------

def _recent_classes(session: Session, counter: Counter, day, n: int) -> list[dispatch.PriorityClass]:  # noqa: ANN001
    rows = session.scalars(
        select(Ticket.priority).where(
            Ticket.counter_id == counter.id, Ticket.business_day == day, Ticket.called_at.is_not(None),
            Ticket.out_of_order.is_(False),
        ).order_by(Ticket.called_at.desc(), Ticket.id.desc()).limit(n)
    )
    return [dispatch.PriorityClass(p) for p in rows]


def _claim(session: Session, ticket_id: int, counter: Counter, actor: Actor, now: datetime,
           out_of_order: bool = False, from_states: tuple[str, ...] = ("waiting",)) -> Ticket | None:
    """Compare-and-set: take the ticket for this counter if nobody else did."""
    result = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.state.in_(from_states))
        .values(
            state=TicketState.CALLED.value, counter_id=counter.id,
            clerk_id=actor.id if actor.is_user else counter.clerk_id,
            called_at=func.coalesce(Ticket.called_at, now), last_called_at=now,
            call_count=Ticket.call_count + 1, out_of_order=out_of_order,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    ticket = session.get(Ticket, ticket_id, populate_existing=True)
    return ticket


def _ready_to_call(session: Session, ctx: Context, counter: Counter, actor: Actor, now: datetime) -> None:
    if counter.state != "open":
        state_vi = {"paused": "đang tạm dừng", "closed": "đang đóng"}.get(counter.state, counter.state)
        raise Conflict(f"Quầy {counter.number} {state_vi}: hãy mở quầy trước khi gọi số.",
                       f"Counter {counter.number} is {counter.state}; open it before calling.")
    current = _current(session, counter)
    if current is None:
        return
    if current.state == TicketState.SERVING.value:
        _finish(session, current, counter, actor, now)  # "next" ends the citizen being served
        return
    raise Conflict(
        f"Quầy {counter.number} đang gọi số {current.code}: hãy bấm Bắt đầu, Gọi lại hoặc Vắng mặt trước.",
        f"Counter {counter.number} is calling {current.code}: start, recall or mark no-show first.",
        current_ticket_id=current.id,
    )


def call_next(ctx: Context, actor: Actor, counter_id: int) -> TicketView | None:
    """Call the ticket the dispatch policy picks for this counter; None when nobody waits."""

    def work(session: Session) -> TicketView | None:
        now = ctx.clock.now()
        counter = _lock_counter(session, counter_id)
        authorize_counter(actor, counter)
        _ready_to_call(session, ctx, counter, actor, now)
        site = _site(session, counter.site_id)
        pol = site_policy.dispatch_policy(site)
        day = business_day(now, site.timezone)
        weights = {cs.service_id: cs.weight for cs in counter.services}
        view = dispatch.CounterView(id=counter.id, weights=weights)
        recent = _recent_classes(session, counter, day, pol.recent_window)
        for _ in range(CLAIM_ATTEMPTS):
            candidates = waiting_tickets(session, site.id, day, list(weights))
            choice = dispatch.choose_next(candidates, view, pol, now, recent)
            if choice is None:
                return None
            ticket = _claim(session, choice.id, counter, actor, now)
            if ticket is not None:
                _event(session, "ticket.called", ticket, actor, now, counter)
                return _view(session, ticket)
            session.expire_all()  # another counter took it: look again
        raise Conflict("Hệ thống đang bận, vui lòng bấm gọi lại.", "Too much contention; press call again.")

    return ctx.db.transaction(work)


def call_ticket(ctx: Context, actor: Actor, counter_id: int, ticket_id: int) -> TicketView:
    """A supervisor calls a given ticket out of turn (recorded as out of order)."""
    if not actor.has_role("supervisor"):
        raise Forbidden("Chỉ giám sát viên được gọi số không theo thứ tự.",
                        "Only supervisors may call a ticket out of turn.")

    def work(session: Session) -> TicketView:
        now = ctx.clock.now()
        counter = _lock_counter(session, counter_id)
        authorize_counter(actor, counter)
        _ready_to_call(session, ctx, counter, actor, now)
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.site_id != counter.site_id:
            raise not_found("số", "Ticket", ticket_id)
        site = _site(session, counter.site_id)
        if ticket.business_day != business_day(now, site.timezone):
            raise Conflict(f"Số {ticket.code} thuộc ngày {ticket.business_day:%d/%m/%Y}, không phải hôm nay.",
                           f"Ticket {ticket.code} belongs to {ticket.business_day}, not today.")
        if ticket.state not in ("waiting", "no_show"):
            _transition(ticket, Action.CALL)
        claimed = _claim(session, ticket.id, counter, actor, now, out_of_order=True,
                         from_states=("waiting", "no_show"))
        if claimed is None:
            raise Conflict(f"Số {ticket.code} vừa được quầy khác gọi.", f"Ticket {ticket.code} was just called elsewhere.")
        _event(session, "ticket.called", claimed, actor, now, counter, out_of_order=True)
        return _view(session, claimed)

    return ctx.db.transaction(work)


# -- at the counter ---------------------------------------------------------------------

def _at_counter(ctx: Context, actor: Actor, counter_id: int, expected_id: int | None, action: Action,
                apply) -> TicketView:  # noqa: ANN001
    def work(session: Session) -> TicketView:
        now = ctx.clock.now()
        counter = _lock_counter(session, counter_id)
        authorize_counter(actor, counter)
        ticket = _expect(_current(session, counter), expected_id, counter)
        _transition(ticket, action)
        apply(session, ticket, counter, now)
        return _view(session, ticket)

    return ctx.db.transaction(work)


def recall(ctx: Context, actor: Actor, counter_id: int, ticket_id: int | None = None) -> TicketView:
    def apply(session: Session, ticket: Ticket, counter: Counter, now: datetime) -> None:
        ticket.call_count += 1
        ticket.last_called_at = now
        _event(session, "ticket.recalled", ticket, actor, now, counter)

    return _at_counter(ctx, actor, counter_id, ticket_id, Action.RECALL, apply)


def start(ctx: Context, actor: Actor, counter_id: int, ticket_id: int | None = None) -> TicketView:
    def apply(session: Session, ticket: Ticket, counter: Counter, now: datetime) -> None:
        ticket.state = TicketState.SERVING.value
        ticket.serving_at = now
        _event(session, "ticket.serving", ticket, actor, now, counter)

    return _at_counter(ctx, actor, counter_id, ticket_id, Action.START, apply)


def _finish(session: Session, ticket: Ticket, counter: Counter, actor: Actor, now: datetime) -> None:
    if ticket.serving_at is None:
        ticket.serving_at = ticket.last_called_at or now
    ticket.state = TicketState.FINISHED.value
    ticket.finished_at = now
    duration = (now - ticket.serving_at).total_seconds()
    _event(session, "ticket.finished", ticket, actor, now, counter, service_seconds=round(duration, 1))


def finish(ctx: Context, actor: Actor, counter_id: int, ticket_id: int | None = None) -> TicketView:
    def apply(session: Session, ticket: Ticket, counter: Counter, now: datetime) -> None:
        _finish(session, ticket, counter, actor, now)

    return _at_counter(ctx, actor, counter_id, ticket_id, Action.FINISH, apply)


def no_show(ctx: Context, actor: Actor, counter_id: int, ticket_id: int | None = None) -> TicketView:
    def apply(session: Session, ticket: Ticket, counter: Counter, now: datetime) -> None:
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
        ticket.state = TicketState.NO_SHOW.value
        ticket.finished_at = now  # the counter's time on this ticket ends here
        _event(session, "ticket.no_show", ticket, actor, now, counter)

    return _at_counter(ctx, actor, counter_id, ticket_id, Action.NO_SHOW, apply)


def transfer(ctx: Context, actor: Actor, counter_id: int, to_service_id: int, *,
             placement: str | None = None, ticket_id: int | None = None) -> TicketView:
    """End the citizen's turn here and queue them for another service under the same code."""
    placement = placement or ctx.settings.transfer_placement
    if placement not in ("original", "front"):
        raise InvalidInput("Vị trí chuyển phải là “original” hoặc “front”.",
                           "placement must be 'original' or 'front'.", field="placement")

    def work(session: Session) -> TicketView:
        now = ctx.clock.now()
        counter = _lock_counter(session, counter_id)
        authorize_counter(actor, counter)
        ticket = _expect(_current(session, counter), ticket_id, counter)
        _transition(ticket, Action.TRANSFER)
        target = _service(session, to_service_id)
        if target.site_id != ticket.site_id:
            raise not_found("dịch vụ", "Service", to_service_id)
        if target.id == ticket.service_id:
            raise InvalidInput("Không thể chuyển sang chính dịch vụ đang phục vụ.",
                               "Cannot transfer to the same service.", field="service_id")
        ticket.state = TicketState.TRANSFERRED.value
        ticket.finished_at = now
        if ticket.serving_at is None:
            ticket.serving_at = ticket.last_called_at or now
        moved = Ticket(
            site_id=ticket.site_id, service_id=target.id, business_day=ticket.business_day, number=ticket.number,
            code=ticket.code, priority=ticket.priority, state=TicketState.WAITING.value,
            issued_at=ticket.issued_at, queued_at=ticket.queued_at if placement == "original" else now,
            front=placement == "front", call_count=0, out_of_order=False, transfer_origin_id=ticket.id,
            device_id=ticket.device_id, procedure_code=ticket.procedure_code,
        )
        session.add(moved)
        session.flush()
        _event(session, "ticket.transferred", ticket, actor, now, counter, to_service_id=target.id,
               to_service_code=target.code, to_service_name_vi=target.name_vi, new_ticket_id=moved.id,
               placement=placement)
        _event(session, "ticket.queued", moved, actor, now, transferred_from=ticket.id)
        return _view(session, moved)

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
        return _view(session, ticket)

    return ctx.db.transaction(work)


def requeue(ctx: Context, actor: Actor, ticket_id: int) -> TicketView:
    """A citizen marked absent comes back: the ticket waits again (by the hall's rule)."""

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
        _event(session, "ticket.requeued", ticket, actor, now,
               from_counter_number=counter.number if counter else None)

    return _by_ticket(ctx, actor, ticket_id, Action.REQUEUE, apply)


def cancel(ctx: Context, actor: Actor, ticket_id: int, reason: str = "") -> TicketView:
    def apply(session: Session, ticket: Ticket, now: datetime) -> None:
        counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
        ticket.state = TicketState.CANCELLED.value
        ticket.finished_at = now
        _event(session, "ticket.cancelled", ticket, actor, now, counter, reason=reason[:200])

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
                Ticket.state.in_(["waiting", "called", "serving"]),
            ).with_for_update()))
            for ticket in stale:
                counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
                ticket.state = TicketState.EXPIRED.value
                ticket.finished_at = now
                _event(session, "ticket.expired", ticket, actor, now, counter)
                count += 1
        return count

    return ctx.db.transaction(work)


def get_ticket(ctx: Context, ticket_id: int) -> TicketView:
    with ctx.db.reading() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise not_found("số", "Ticket", ticket_id)
        return _view(session, ticket)


def clerk_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = session.get(User, user_id)
    return user.full_name or user.username if user else ""

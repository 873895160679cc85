"""Kiosk and counter endpoints: issue tickets, call and serve them."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, Field

from queue_server.api import offload
from queue_server.api.deps import BigId, Id, actor, get_ctx, optional_actor
from queue_server.api.types import ID_LIST, NO_NUL, IdListParam, SiteParam
from queue_server.domain.tickets import TicketState
from queue_server.events import projection
from queue_server.services import admin, site_setup
from queue_server.services.auth import ticket_key
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Forbidden, NotFound
from queue_server.services.queue import counters, hall
from queue_server.services.queue import tickets as queue
from queue_server.store.tables import INT4_MAX

router = APIRouter(prefix="/api/v1", tags=["queue"])

Priority = Literal["normal", "elderly", "disabled", "pregnant", "meritorious"]


def _site_for(ctx: Context, who: Actor, site: str | None):  # noqa: ANN202
    if site in (None, "") and who.site_id is not None:
        return admin.resolve_site(ctx, who.site_id)
    return admin.resolve_site(ctx, site)


@router.get("/kiosk/services")
def kiosk_services(site: SiteParam = None, who: Actor = Depends(optional_actor),
                   ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Services to take a number for, with people waiting and the expected wait (public)."""
    s = _site_for(ctx, who, site)
    return {"site": admin.site_json(s), "services": hall.kiosk_services(ctx, s)}


class IssueBody(BaseModel):
    service_id: Id
    priority: Priority = "normal"
    procedure_code: str | None = Field(default=None, max_length=40)


@router.post("/tickets", status_code=201)
async def issue(body: IssueBody, request: Request, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx),
                idempotency_key: str | None = Header(default=None, alias="Idempotency-Key")) -> dict[str, Any]:
    """Take a number. A kiosk may send `Idempotency-Key`: repeating the request with the same
    key (its answer was lost) returns the same ticket, never a second number."""
    issued = await offload.run(queue.issue_ticket, ctx, who, body.service_id, priority=body.priority,
                               procedure_code=body.procedure_code, request_key=idempotency_key)
    out = issued.as_json()
    if not projection.is_staff(who.kind, who.role):  # a kiosk prints the code, not the priority class
        out["ticket"] = projection.public_ticket(out["ticket"])
    key = ticket_key(request.app.state.secret, issued.ticket.id)
    out["position_url"] = site_setup.position_url_at(ctx, issued.public_url, issued.ticket.id, key)
    out["position_key"] = key
    return out


@router.get("/tickets/{ticket_id}")
def get_ticket(ticket_id: BigId, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """A ticket; devices (kiosks, displays, the agent) get its public form, without the priority class."""
    view = queue.get_ticket(ctx, ticket_id).as_json()
    return view if projection.is_staff(who.kind, who.role) else projection.public_ticket(view)


@router.get("/tickets/{ticket_id}/position")
def ticket_position(ticket_id: BigId, request: Request, k: str = Query(default="", max_length=64),
                    ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Live position of one ticket, for the citizen's phone (the key comes from the slip's QR)."""
    import hmac

    # compared as bytes: a key with letters outside ASCII (a mistyped or forged link) is simply wrong
    if not hmac.compare_digest(k.encode(), ticket_key(request.app.state.secret, ticket_id).encode()):
        raise NotFound("Không tìm thấy số này.", "Ticket not found.")
    return hall.ticket_position(ctx, ticket_id)


class CounterAction(BaseModel):
    ticket_id: BigId | None = None


class CallBody(BaseModel):
    ticket_id: BigId
    reason: str = Field(default="", max_length=200, pattern=NO_NUL)  # required by the use case (out of turn)


class ReasonBody(BaseModel):
    reason: str = Field(default="", max_length=200, pattern=NO_NUL)


class TransferBody(BaseModel):
    service_id: Id
    placement: Literal["original", "front"] | None = None
    ticket_id: BigId | None = None


class CancelBody(BaseModel):
    reason: str = Field(default="", max_length=200, pattern=NO_NUL)


@router.get("/counters")
def list_counters(site: SiteParam = None, who: Actor = Depends(optional_actor),
                  ctx: Context = Depends(get_ctx)) -> list[dict[str, Any]]:
    """The counters of a site; anyone but staff gets their public form (no clerk, no priority class)."""
    s = _site_for(ctx, who, site)
    rows = counters.list_counters(ctx, s.id)
    return rows if projection.is_staff(who.kind, who.role) else [projection.public_counter(c) for c in rows]


@router.get("/counters/{counter_id}")
def get_counter(counter_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    detail = counters.get_counter(ctx, counter_id)
    return detail if projection.is_staff(who.kind, who.role) else projection.public_counter(detail)


@router.post("/counters/{counter_id}/open")
def open_counter(counter_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return counters.set_state(ctx, who, counter_id, "open")


@router.post("/counters/{counter_id}/pause")
def pause_counter(counter_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return counters.set_state(ctx, who, counter_id, "paused")


@router.post("/counters/{counter_id}/close")
def close_counter(counter_id: Id, body: ReasonBody | None = None, who: Actor = Depends(actor),
                  ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Close a counter; a supervisor closing one a clerk left open gives a reason (recorded)."""
    return counters.set_state(ctx, who, counter_id, "closed", reason=body.reason if body else "")


@router.post("/counters/{counter_id}/call-next", responses={204: {"description": "Nobody is waiting"}})
async def call_next(counter_id: Id, who: Actor = Depends(actor), ctx: Context = Depends(get_ctx)) -> Any:
    view = await offload.run(queue.call_next, ctx, who, counter_id)
    if view is None:
        return Response(status_code=204, headers={"X-Motcua-Empty": "nobody-waiting"})
    return view.as_json()


@router.post("/counters/{counter_id}/call")
def call_ticket(counter_id: Id, body: CallBody, who: Actor = Depends(actor),
                ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """A supervisor calls a given ticket out of turn, with a reason (recorded as out of order)."""
    return queue.call_ticket(ctx, who, counter_id, body.ticket_id, body.reason).as_json()


def _counter_op(name: str, fn) -> None:  # noqa: ANN001
    async def endpoint(counter_id: Id, body: CounterAction | None = None, who: Actor = Depends(actor),
                       ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
        view = await offload.run(fn, ctx, who, counter_id, body.ticket_id if body else None)
        return view.as_json()

    endpoint.__name__ = name.replace("-", "_")
    router.post(f"/counters/{{counter_id}}/{name}")(endpoint)


_counter_op("recall", queue.recall)
_counter_op("start", queue.start)
_counter_op("finish", queue.finish)
_counter_op("no-show", queue.no_show)


@router.post("/counters/{counter_id}/transfer")
def transfer(counter_id: Id, body: TransferBody, who: Actor = Depends(actor),
             ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return queue.transfer(ctx, who, counter_id, body.service_id, placement=body.placement,
                          ticket_id=body.ticket_id).as_json()


@router.post("/tickets/{ticket_id}/requeue")
def requeue(ticket_id: BigId, body: ReasonBody | None = None, who: Actor = Depends(actor),
            ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return queue.requeue(ctx, who, ticket_id, body.reason if body else "").as_json()


@router.post("/tickets/{ticket_id}/cancel")
def cancel(ticket_id: BigId, body: CancelBody | None = None, who: Actor = Depends(actor),
           ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    return queue.cancel(ctx, who, ticket_id, body.reason if body else "").as_json()


@router.get("/tickets")
def list_tickets(site: SiteParam = None, state: TicketState | None = None, who: Actor = Depends(actor),
                 ctx: Context = Depends(get_ctx)) -> list[dict[str, Any]]:
    """Today's tickets (codes and states, no personal data) for clerks and supervisors."""
    if not who.has_role("clerk"):
        raise Forbidden("Chỉ cán bộ được xem danh sách số.", "Only staff may list tickets.")
    s = _site_for(ctx, who, site)
    return hall.todays_tickets(ctx, s, state=state.value if state else None)


@router.get("/display/snapshot")
def display_snapshot(site: SiteParam = None, counters_: str | None = Query(default=None, alias="counters", max_length=400, pattern=ID_LIST,
                                                  description="Comma-separated counter ids, e.g. 1,2,3"),
                     services: IdListParam = None, calls: int = Query(default=10, ge=0, le=100),
                     who: Actor = Depends(optional_actor), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    """Current ticket per counter, last calls, waiting per service (public: codes only)."""
    s = _site_for(ctx, who, site)
    return hall.display_snapshot(ctx, s, counters=_ints(counters_, "counters"), services=_ints(services, "services"),
                                 calls=calls)


def _ints(raw: str | None, name: str) -> list[int] | None:
    if not raw:
        return None
    try:
        ids = [int(x) for x in raw.split(",") if x.strip()]
        if any(not 1 <= i <= INT4_MAX for i in ids):
            raise ValueError(raw)
        return ids
    except ValueError:
        from queue_server.services.errors import InvalidInput

        raise InvalidInput(f"Tham số {name} phải là danh sách số, ví dụ 1,2,3.",
                           f"{name} must be a comma-separated list of numbers, e.g. 1,2,3.", field=name) from None

"""Hand-offs between the desk and the agencies (one row of the control slip, Mẫu 05, each):
the desk hands a dossier to an agency; the agency signs for it, writes processing notes,
asks the desk for a supplement (the desk issues Mẫu 02), hands it on to the next agency,
hands it back to the desk with the result, or refuses it with a reason (the desk issues
Mẫu 03); the desk signs for what comes back.

One transaction each, an event each (`dossier.handed_off`, `dossier.handoff_signed`,
`dossier.processing_note`, `dossier.supplement_asked`, `dossier.handed_back`,
`dossier.handoff_refused`), in the staff form only (no public form: events/projection.py)
and without personal data or free text. A hand-off to another site's agency is also
written to that site's stream, so the agency's inbox there reloads at once.

Rights: the desk's actions need a clerk of the dossier's site; an agency's actions a
processor of the agency holding the row (403 otherwise). Two signatures at once: the row
changes from pending by a compare-and-set UPDATE, so exactly one succeeds (409 for the other).

A hand back with the result makes the dossier "result ready" at once (the desk returns it
to the applicant as before); the desk's signature on that row only records the receipt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from queue_server.domain import agencies as rules
from queue_server.domain.dossiers import DossierAction, FieldError, clean_text
from queue_server.events import log
from queue_server.services.agencies import views
from queue_server.services.agencies.registry import agency_time, get_agency, ref_of, route_of
from queue_server.services.context import Actor, Context
from queue_server.services.dossiers import reception
from queue_server.services.dossiers.setup import DossierSettings, dossier_settings
from queue_server.services.errors import Conflict, Forbidden, NotFound
from queue_server.store.tables import INT8_MAX, Agency, Dossier, DossierHandoff, Site, row_id

# -- helpers ------------------------------------------------------------------------------------


def _forbidden_other_agency() -> Forbidden:
    return Forbidden("Hồ sơ này không thuộc cơ quan của bạn.", "This dossier is not with your agency.")


def require_processor(actor: Actor, agency_id: int | None) -> None:
    """A processor of `agency_id` (403 for anyone else, other agencies' processors included)."""
    if agency_id is None or not actor.has_role("processor") or actor.agency_id != agency_id:
        raise _forbidden_other_agency()


def _handoff(session: Session, ident: Any) -> DossierHandoff:
    ident = row_id(ident, INT8_MAX)
    h = session.get(DossierHandoff, ident) if ident is not None else None
    if h is None:
        raise NotFound(f"Không tìm thấy lượt chuyển hồ sơ {ident}.", f"Hand-off {ident} not found.")
    return h


def _dossier(session: Session, h: DossierHandoff) -> Dossier:
    return session.scalars(select(Dossier).where(Dossier.id == h.dossier_id).with_for_update()).one()


def _event(session: Session, d: Dossier, h: DossierHandoff, kind: str, actor: Actor, now: datetime,
           **extra: Any) -> None:
    """The event on the dossier's site, and on the other party's site when it is another."""
    data = {"dossier_id": d.id, "code": d.code, "procedure_code": d.procedure_code, "state": d.state,
            "handoff_id": h.id, "seq": h.seq, "from_agency_id": h.from_agency_id, "to_agency_id": h.to_agency_id,
            "to_site_id": h.to_site_id, "step_due_at": h.step_due_at.isoformat() if h.step_due_at else None,
            "timing": h.timing, "off_route": h.off_route, "handoff_state": h.state, **extra}
    sites = [d.site_id]
    for other in (h.to_site_id, _site_of(session, h.from_agency_id)):
        if other is not None and other not in sites:
            sites.append(other)
    for site_id in sites:
        log.append(session, site_id=site_id, kind=kind, at=now, ticket_id=d.ticket_id, actor=actor.label,
                   data=data)


def _site_of(session: Session, agency_id: int | None) -> int | None:
    if agency_id is None:
        return None
    a = session.get(Agency, agency_id)
    return a.site_id if a else None


def _close(h: DossierHandoff, now: datetime, zone: ZoneInfo, *, outcome: str, state: str = "done") -> None:
    """The agency hands the row on: done time, the Mẫu 05 mark against its step deadline."""
    h.done_at = now
    h.outcome = outcome
    h.state = state
    m = rules.mark(now.astimezone(zone), h.step_due_at.astimezone(zone) if h.step_due_at else None)
    h.timing = m.value if m else ""


def _next_seq(session: Session, d: Dossier) -> int:
    return (session.scalar(select(func.max(DossierHandoff.seq)).where(DossierHandoff.dossier_id == d.id)) or 0) + 1


def _open_row(session: Session, d: Dossier) -> DossierHandoff | None:
    return session.scalars(select(DossierHandoff).where(
        DossierHandoff.dossier_id == d.id, DossierHandoff.to_agency_id.is_not(None),
        DossierHandoff.state.in_(views.OPEN_HANDOFF))).first()


def _to_agency(session: Session, settings: DossierSettings, actor: Actor, d: Dossier, site: Site,
               from_agency_id: int | None, to_agency_id: Any, reason: str, now: datetime) -> DossierHandoff:
    """A new row to `to_agency_id` with its step deadline (route share, off-route rule)."""
    target = get_agency(session, to_agency_id)
    if not target.active:
        raise reception.invalid([FieldError("to_agency_id", "Cơ quan xử lý này đã ngừng hoạt động.",
                                            "This agency is no longer active.")])
    if target.id == from_agency_id:
        raise reception.invalid([FieldError("to_agency_id", "Không thể chuyển hồ sơ cho chính cơ quan mình.",
                                            "An agency cannot hand a dossier to itself.")])
    target_site = session.get(Site, target.site_id)
    steps = route_of(session, site.id, d.procedure_code)
    plan = rules.plan_handoff(steps, views.next_step_index(views.rows_of(session, d.id)),
                              ref_of(target, target_site, site.id))
    if plan.off_route and not reason:
        raise reception.invalid([FieldError("reason", "Cơ quan này không có trong quy trình của thủ tục: cần ghi lý do "
                                                      "chuyển ngoài quy trình.",
                                            "This agency is not on the procedure's route: give the reason.")])
    zone = ZoneInfo(target_site.timezone)
    if plan.share is None:
        due = d.due_at
    else:
        due = rules.step_deadline(now.astimezone(zone), plan.share, d.processing_quantity, d.processing_unit,
                                  agency_time(settings, target_site, target)).astimezone(now.tzinfo)
    h = DossierHandoff(dossier_id=d.id, seq=_next_seq(session, d), from_agency_id=from_agency_id,
                       to_agency_id=target.id, to_site_id=target.site_id, route_index=plan.route_index,
                       handed_at=now, handed_by=actor.name, received_by="", step_due_at=due, timing="",
                       off_route=plan.off_route, reason=reason, result="", outcome="", notes=[], state="pending",
                       late_flagged=False)
    session.add(h)
    session.flush()
    d.current_agency_id = target.id
    d.current_agency = target.name_vi
    return h


def _to_desk(session: Session, actor: Actor, d: Dossier, site: Site, h_from: DossierHandoff, now: datetime, *,
             result: str = "", reason: str = "") -> DossierHandoff:
    """The row back to the desk of the dossier's site (no step deadline; marked against the
    dossier's due date)."""
    zone = ZoneInfo(site.timezone)
    m = rules.mark(now.astimezone(zone), d.due_at.astimezone(zone))
    back = DossierHandoff(dossier_id=d.id, seq=_next_seq(session, d), from_agency_id=h_from.to_agency_id,
                          to_agency_id=None, to_site_id=d.site_id, route_index=None, handed_at=now,
                          handed_by=actor.name, received_by="", step_due_at=None, timing=m.value if m else "",
                          off_route=False, reason=reason, result=result, outcome="", notes=[], state="pending",
                          late_flagged=False)
    session.add(back)
    session.flush()
    d.current_agency_id = None
    d.current_agency = reception.ONE_STOP_DESK
    return back


def _held_by_actor(session: Session, actor: Actor, ident: Any, *, states: tuple[str, ...] = ("held",)
                   ) -> tuple[DossierHandoff, Dossier, Site]:
    """The row (locked) an agency acts on, its dossier (locked) and site; 403 for another
    agency's processor, 409 when the row is not in `states`."""
    h = _handoff(session, ident)
    require_processor(actor, h.to_agency_id)
    d = _dossier(session, h)
    h = session.scalars(select(DossierHandoff).where(DossierHandoff.id == h.id).with_for_update()
                        .execution_options(populate_existing=True)).one()
    if h.state not in states:
        if h.state == "pending":
            raise Conflict("Cần ký nhận hồ sơ trước khi xử lý.", "Sign for the dossier first.", state=h.state)
        raise Conflict("Lượt chuyển này đã kết thúc: cơ quan không còn giữ hồ sơ.",
                       "This hand-off is over: the agency no longer holds the dossier.", state=h.state)
    return h, d, session.get(Site, d.site_id)


def _item(session: Session, h: DossierHandoff, d: Dossier, site: Site, now: datetime) -> dict[str, Any]:
    return views.inbox_item(session, h, d, site, {}, now)


def _timeline(session: Session, d: Dossier, kind: str, actor: Actor, now: datetime, h: DossierHandoff,
              **fields: Any) -> None:
    """The dossier's timeline row (dossier_steps) beside the hand-off row; its event is ours."""
    agencies = views.agencies_of(session, [h])
    reception._step(session, d, kind, actor, now, event=False,
                    from_agency=views.party_name(agencies, h.from_agency_id),
                    to_agency=views.party_name(agencies, h.to_agency_id), **fields)


# -- the desk -----------------------------------------------------------------------------------


def hand_to_agency(ctx: Context, actor: Actor, ref: int | str, *, to_agency_id: Any, reason: str = "") -> dict[str, Any]:
    """The desk hands the dossier (at the desk) to an agency; off the route only with a reason."""
    reception.require_staff(actor)
    reason = reception._text(reason, "reason", required=False)
    settings = dossier_settings(ctx)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        d = reception._load(session, actor, ref, lock=True)
        site = reception._site(session, d.site_id)
        reception.require_staff(actor, d.site_id)
        if d.current_agency_id is not None or _open_row(session, d) is not None:
            raise Conflict(f"Hồ sơ {d.code} đang ở cơ quan xử lý, không ở bộ phận một cửa.",
                           f"Dossier {d.code} is with an agency, not at the desk.", state=d.state)
        reception._apply(d, DossierAction.HAND_OFF, now)
        h = _to_agency(session, settings, actor, d, site, None, to_agency_id, reason, now)
        _timeline(session, d, "handed_off", actor, now, h, handed_by=actor.name, reason=reason,
                  data={"handoff_id": h.id, "step_due_at": h.step_due_at.isoformat(), "off_route": h.off_route})
        _event(session, d, h, "dossier.handed_off", actor, now)
        return reception.dossier_json(session, d, settings, now=now)

    return ctx.db.transaction(work)


# -- signing (an agency, or the desk for what comes back) ------------------------------------------


def sign(ctx: Context, actor: Actor, handoff_id: Any) -> dict[str, Any]:
    """Sign for a hand-off (the receipt half of a Mẫu 05 row): exactly one signer succeeds."""

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        h = _handoff(session, handoff_id)
        if h.to_agency_id is not None:
            require_processor(actor, h.to_agency_id)
        d = _dossier(session, h)  # the dossier first, as every hand-off action locks them
        if h.to_agency_id is None:  # back at the desk: a clerk of the dossier's site signs
            reception.require_staff(actor, d.site_id)
        values: dict[str, Any] = {"received_at": now, "received_by": actor.name,
                                  "state": "held" if h.to_agency_id is not None else "done"}
        if h.to_agency_id is None:
            values |= {"done_at": now, "outcome": "received"}
        changed = session.execute(update(DossierHandoff).where(DossierHandoff.id == h.id,
                                                               DossierHandoff.state == "pending").values(**values))
        if changed.rowcount != 1:
            raise Conflict("Hồ sơ đã được ký nhận.", "This hand-off has already been signed for.", field="handoff")
        session.refresh(h)
        site = session.get(Site, d.site_id)
        _event(session, d, h, "dossier.handoff_signed", actor, now)
        return _item(session, h, d, site, now)

    return ctx.db.transaction(work)


# -- an agency's actions ------------------------------------------------------------------------------


def add_note(ctx: Context, actor: Actor, handoff_id: Any, *, text: str) -> dict[str, Any]:
    text = reception._text(text, "text", required=True)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        h, d, site = _held_by_actor(session, actor, handoff_id)
        h.notes = [*(h.notes or []), {"at": now.isoformat(), "by": actor.name, "text": text}]
        _event(session, d, h, "dossier.processing_note", actor, now, notes=len(h.notes))
        return _item(session, h, d, site, now)

    return ctx.db.transaction(work)


def ask_supplement(ctx: Context, actor: Actor, handoff_id: Any, *, missing: list[str], reason: str) -> dict[str, Any]:
    """The agency finds documents missing: the dossier goes back to the desk, which sends the
    applicant Mẫu 02 (the dossier's "waiting for documents" state); the clock stops."""
    items = [clean_text(m) for m in (missing or []) if clean_text(m)]
    if not items:
        raise reception.invalid([FieldError("missing", "Ghi rõ giấy tờ cần bổ sung.", "List what is missing.")])
    reason = reception._text(reason, "reason", required=True)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        h, d, site = _held_by_actor(session, actor, handoff_id)
        reception._apply(d, DossierAction.REQUEST_SUPPLEMENT, now)
        agency = session.get(Agency, h.to_agency_id)
        _close(h, now, ZoneInfo(site.timezone), outcome="supplement")
        back = _to_desk(session, actor, d, site, h, now, reason=reason)
        reception._step(session, d, "supplement_requested", actor, now, event=False, from_agency=agency.name_vi,
                        reason=reason, data={"missing": items, "contact": agency.name_vi, "handoff_id": h.id})
        _event(session, d, h, "dossier.supplement_asked", actor, now, back_handoff_id=back.id)
        return _item(session, h, d, site, now)

    return ctx.db.transaction(work)


def forward(ctx: Context, actor: Actor, handoff_id: Any, *, to_agency_id: Any, reason: str = "") -> dict[str, Any]:
    """Hand the dossier on to the next agency (off the route only with a reason)."""
    reason = reception._text(reason, "reason", required=False)
    settings = dossier_settings(ctx)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        h, d, site = _held_by_actor(session, actor, handoff_id)
        _close(h, now, ZoneInfo(site.timezone), outcome="forwarded")
        nxt = _to_agency(session, settings, actor, d, site, h.to_agency_id, to_agency_id, reason, now)
        _timeline(session, d, "handed_off", actor, now, nxt, handed_by=actor.name, reason=reason, timing=h.timing,
                  data={"handoff_id": nxt.id, "step_due_at": nxt.step_due_at.isoformat(), "off_route": nxt.off_route})
        _event(session, d, h, "dossier.handed_off", actor, now, next_handoff_id=nxt.id)
        _event(session, d, nxt, "dossier.handed_off", actor, now, previous_handoff_id=h.id)
        return _item(session, h, d, site, now)

    return ctx.db.transaction(work)


def hand_back(ctx: Context, actor: Actor, handoff_id: Any, *, result: str) -> dict[str, Any]:
    """Back to the desk with the result: the dossier is "result ready" at once."""
    result = reception._text(result, "result", required=True, limit=2000)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        h, d, site = _held_by_actor(session, actor, handoff_id)
        reception._apply(d, DossierAction.RESULT_READY, now)
        zone = ZoneInfo(site.timezone)
        _close(h, now, zone, outcome="returned")
        back = _to_desk(session, actor, d, site, h, now, result=result)
        d.result_ready_at = now
        _timeline(session, d, "result_ready", actor, now, back, handed_by=actor.name, timing=back.timing,
                  reason=result, data={"handoff_id": back.id})
        _event(session, d, h, "dossier.handed_back", actor, now, back_handoff_id=back.id)
        return _item(session, h, d, site, now)

    return ctx.db.transaction(work)


def refuse(ctx: Context, actor: Actor, handoff_id: Any, *, reason: str) -> dict[str, Any]:
    """The agency refuses the dossier with a reason; the desk issues Mẫu 03 and hands the
    papers back to the applicant."""
    reason = reception._text(reason, "reason", required=True)

    def work(session: Session) -> dict[str, Any]:
        now = ctx.clock.now()
        h, d, site = _held_by_actor(session, actor, handoff_id, states=("pending", "held"))
        reception._apply(d, DossierAction.REFUSE, now)
        agency = session.get(Agency, h.to_agency_id)
        _close(h, now, ZoneInfo(site.timezone), outcome="refused", state="refused")
        h.result = reason
        back = _to_desk(session, actor, d, site, h, now, reason=reason)
        reception._step(session, d, "refused", actor, now, event=False, from_agency=agency.name_vi, reason=reason,
                        data={"handoff_id": h.id})
        _event(session, d, h, "dossier.handoff_refused", actor, now, back_handoff_id=back.id)
        return _item(session, h, d, site, now)

    return ctx.db.transaction(work)


__all__ = ["hand_to_agency", "sign", "add_note", "ask_supplement", "forward", "hand_back", "refuse",
           "require_processor"]

"""What an agency holds (its inbox) and every agency's load for the head of the one-stop unit.

The inbox's lists are disjoint: `late` holds the open hand-offs past their step deadline
(signed for or not), `pending` and `held` the others; `done_recent` the last ones the
agency handed on, back or refused."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from queue_server.domain import agencies as rules
from queue_server.services import admin
from queue_server.services.agencies import views
from queue_server.services.agencies.handoffs import require_processor
from queue_server.services.agencies.registry import agency_json, get_agency
from queue_server.services.context import Actor, Context
from queue_server.store.tables import Agency, Dossier, DossierHandoff, Site

DONE_RECENT = 20


def inbox(ctx: Context, actor: Actor, agency_id: int) -> dict[str, Any]:
    """An agency's inbox: only its processors read it (403 for anyone else)."""
    require_processor(actor, agency_id)
    with ctx.db.reading() as session:
        now = ctx.clock.now()
        agency = get_agency(session, agency_id)
        open_rows = list(session.scalars(select(DossierHandoff).where(
            DossierHandoff.to_agency_id == agency.id, DossierHandoff.state.in_(views.OPEN_HANDOFF))
            .order_by(DossierHandoff.step_due_at, DossierHandoff.id)))
        done = list(session.scalars(select(DossierHandoff).where(
            DossierHandoff.to_agency_id == agency.id, DossierHandoff.state.in_(("done", "refused")))
            .order_by(DossierHandoff.done_at.desc(), DossierHandoff.id.desc()).limit(DONE_RECENT)))
        out: dict[str, Any] = {"agency": agency_json(agency, session.get(Site, agency.site_id)),
                               "pending": [], "held": [], "late": [], "done_recent": []}
        for h in open_rows:
            item = _item(session, h, now)
            late = rules.is_late(now, h.step_due_at, h.done_at)
            out["late" if late else h.state].append(item)
        out["done_recent"] = [_item(session, h, now) for h in done]
        return out


def _item(session: Session, h: DossierHandoff, now) -> dict[str, Any]:  # noqa: ANN001
    d = session.get(Dossier, h.dossier_id)
    return views.inbox_item(session, h, d, session.get(Site, d.site_id), {}, now)


def load(ctx: Context, actor: Actor, *, site: str | int | None = None) -> dict[str, Any]:
    """Each agency of a site: how many hand-offs wait to be signed for, are held, are late,
    and how many were done on time or late (supervisors and admins of the site)."""
    s = admin.resolve_site(ctx, site if site not in (None, "") else actor.site_id)
    admin.require(actor, "supervisor", s.id)
    with ctx.db.reading() as session:
        now = ctx.clock.now()
        h = DossierHandoff
        open_ = h.state.in_(views.OPEN_HANDOFF)
        late = open_ & (h.step_due_at < now)
        counts = {row.to_agency_id: row for row in session.execute(
            select(h.to_agency_id,
                   func.sum(case(((h.state == "pending") & ~late, 1), else_=0)).label("pending"),
                   func.sum(case(((h.state == "held") & ~late, 1), else_=0)).label("held"),
                   func.sum(case((late, 1), else_=0)).label("late"),
                   func.sum(case((~open_ & h.timing.in_(("early", "on_time")), 1), else_=0)).label("done_on_time"),
                   func.sum(case((~open_ & (h.timing == "late"), 1), else_=0)).label("done_late"))
            .join(Agency, Agency.id == h.to_agency_id).where(Agency.site_id == s.id).group_by(h.to_agency_id))}
        agencies = session.scalars(select(Agency).where(Agency.site_id == s.id).order_by(Agency.sort_order, Agency.id))
        out = []
        for a in agencies:
            row = counts.get(a.id)
            out.append({"agency_id": a.id, "code": a.code, "name_vi": a.name_vi, "name_en": a.name_en,
                        **{k: int(getattr(row, k) or 0) if row else 0
                           for k in ("pending", "held", "late", "done_on_time", "done_late")}})
        return {"site_code": s.code, "agencies": out}


__all__ = ["inbox", "load"]

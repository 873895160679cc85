"""Late steps and apology prompts, announced once each: `dossier.step_late` when a hand-off
passes its step deadline unfinished (its agency's site and the dossier's), and
`dossier.apology_needed` when a dossier's forecast passes its due date before any apology
(so the desk issues Mẫu 04 before the due date, not after). Run by the server's maintenance
round next to the dossiers' overdue flags, and by `POST /api/v1/agencies/sweep`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain.dossiers import OPEN_STATES
from queue_server.events import log
from queue_server.services.agencies import views
from queue_server.services.context import Actor, Context
from queue_server.services.dossiers.setup import dossier_settings
from queue_server.store.tables import Agency, Dossier, DossierHandoff, ProcedureRoute, Site

HORIZON = timedelta(days=60)  # a forecast that far ahead of the due date is looked at later


def sweep(ctx: Context, actor: Actor) -> dict[str, int]:
    settings = dossier_settings(ctx)

    def work(session: Session) -> dict[str, int]:
        now = ctx.clock.now()
        counts = {"step_late": 0, "apology_needed": 0}
        late = session.scalars(select(DossierHandoff).where(
            DossierHandoff.state.in_(views.OPEN_HANDOFF), DossierHandoff.late_flagged.is_(False),
            DossierHandoff.step_due_at < now).order_by(DossierHandoff.id).with_for_update())
        for h in late:
            d = session.get(Dossier, h.dossier_id)
            h.late_flagged = True
            counts["step_late"] += 1
            data = {"dossier_id": d.id, "code": d.code, "handoff_id": h.id, "agency_id": h.to_agency_id,
                    "step_due_at": h.step_due_at.isoformat()}
            agency = session.get(Agency, h.to_agency_id) if h.to_agency_id else None
            for site_id in dict.fromkeys([d.site_id, agency.site_id if agency else d.site_id]):
                log.append(session, site_id=site_id, kind="dossier.step_late", at=now, ticket_id=d.ticket_id,
                           actor=actor.label, data=data)
        candidates = session.scalars(select(Dossier).join(
            ProcedureRoute, (ProcedureRoute.site_id == Dossier.site_id)
            & (ProcedureRoute.procedure_code == Dossier.procedure_code)).where(
            Dossier.state.in_([s.value for s in OPEN_STATES]), Dossier.apology_prompted_at.is_(None),
            Dossier.appointment_at <= Dossier.due_at, Dossier.due_at > now, Dossier.due_at < now + HORIZON)
            .order_by(Dossier.id).with_for_update())
        sites: dict[int, Site] = {}
        for d in candidates:
            site = sites.get(d.site_id) or sites.setdefault(d.site_id, session.get(Site, d.site_id))
            forecast = views.forecast_at(session, settings, d, site, views.rows_of(session, d.id), now)
            if not views.apology_needed(d, forecast):
                continue
            d.apology_prompted_at = now
            counts["apology_needed"] += 1
            log.append(session, site_id=d.site_id, kind="dossier.apology_needed", at=now, ticket_id=d.ticket_id,
                       actor=actor.label, data={"dossier_id": d.id, "code": d.code, "due_at": d.due_at.isoformat(),
                                                "forecast_at": forecast.isoformat(),
                                                "current_agency_id": d.current_agency_id})
        return counts

    return ctx.db.transaction(work)


__all__ = ["sweep"]

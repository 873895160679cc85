"""Keeping personal data only as long as configured (Nghị định 13/2023/NĐ-CP).

A dossier closed (result returned, or refused) more than `retention_dossier_days` ago keeps
what the statistics and the logbook (Mẫu 06) need (code, procedure, applicant's name, dates,
agencies, timing) and loses the applicant's ID number, phone, email, address and delivery
address. A rating older than `retention_feedback_days` loses its free-text comment (which a
citizen may have filled with a name or a phone number); its level and reasons stay for the
reports. A petition (phản ánh, kiến nghị) answered or closed more than
`retention_feedback_days` ago loses the citizen's name and phone (kept only while the case
is open, and the retention after); its category, text, answer and dates stay. The phone
numbers citizens leave to be messaged about a ticket (services/notifications/) are deleted
`retention_notification_days` after they were given, and erased from the messages sent to
them (the messages' kind, time and delivery record stay). A number taken from a phone keeps
its limit keys (the keyed hash of the phone number and of the browser id, services/remote/)
only for its own business day: the first purge after the day erases them, whatever the
retention settings (they serve the day's limits, nothing else). A booking (đặt lịch hẹn)
whose slot began more than `retention_appointment_days` ago loses the citizen's name and
phone; its service, slot, state and ticket stay for the reports. Each purge is one
`system.purge` event per site with counts, never names.

Run daily by the server (with the dossier sweep) and by `motcua purge [--dry-run]`. A purge
works in batches, so its cost per run is bounded whatever the size of the archive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from queue_server.domain.dossiers import DossierState
from queue_server.domain.petitions import DONE as PETITION_DONE
from queue_server.events import log
from queue_server.services.context import Actor, Context
from queue_server.services.remote.checkin import erase_keys
from queue_server.store.tables import (
    Appointment,
    Dossier,
    Event,
    Notification,
    NotificationContact,
    Petition,
    RemoteTicket,
)

CLOSED = (DossierState.RETURNED.value, DossierState.REFUSED.value)
PERSONAL_FIELDS = ("applicant_id_number", "applicant_phone", "applicant_email", "applicant_address",
                   "delivery_address")
BATCH = 500


@dataclass
class PurgeReport:
    dry_run: bool
    dossiers: dict[int, int] = field(default_factory=dict)  # site id -> dossiers erased
    comments: dict[int, int] = field(default_factory=dict)  # site id -> rating comments erased
    petitions: dict[int, int] = field(default_factory=dict)  # site id -> petition contacts erased
    phones: dict[int, int] = field(default_factory=dict)  # site id -> message phone numbers erased
    remote: dict[int, int] = field(default_factory=dict)  # site id -> remote numbers' limit keys erased
    appointments: dict[int, int] = field(default_factory=dict)  # site id -> bookings' names and phones erased

    @property
    def total(self) -> int:
        return (sum(self.dossiers.values()) + sum(self.comments.values()) + sum(self.petitions.values())
                + sum(self.phones.values()) + sum(self.remote.values()) + sum(self.appointments.values()))

    def as_json(self) -> dict[str, object]:
        return {"dry_run": self.dry_run, "dossiers": sum(self.dossiers.values()),
                "comments": sum(self.comments.values()), "petitions": sum(self.petitions.values()),
                "phones": sum(self.phones.values()), "remote": sum(self.remote.values()),
                "appointments": sum(self.appointments.values())}


def _holds_personal_data():  # noqa: ANN202
    return or_(*(getattr(Dossier, name) != "" for name in PERSONAL_FIELDS))


def _dossiers_due(cutoff: datetime):  # noqa: ANN202
    return (Dossier.state.in_(CLOSED), Dossier.state_changed_at < cutoff, _holds_personal_data())


def _comments_due(cutoff: datetime):  # noqa: ANN202
    return (Event.kind == "rating.given", Event.at < cutoff, Event.data["comment"].as_string() != "")


def _petitions_due(cutoff: datetime):  # noqa: ANN202
    return (Petition.state.in_([s.value for s in PETITION_DONE]), Petition.state_changed_at < cutoff,
            or_(Petition.contact_name != "", Petition.contact_phone != ""))


def _contacts_due(cutoff: datetime):  # noqa: ANN202
    return (NotificationContact.created_at < cutoff,)


def _messages_due(cutoff: datetime):  # noqa: ANN202
    return (Notification.created_at < cutoff, Notification.recipient != "", Notification.state != "pending")


def _appointments_due(cutoff: datetime):  # noqa: ANN202
    return (Appointment.starts_at < cutoff, Appointment.state != "booked",
            or_(Appointment.name != "", Appointment.phone != ""))


def _remote_due(before_day):  # noqa: ANN001, ANN202
    return (RemoteTicket.business_day < before_day,
            or_(RemoteTicket.phone_key != "", RemoteTicket.device_key != ""))


def _per_site(session: Session, column, *where) -> dict[int, int]:  # noqa: ANN001
    rows = session.execute(select(column, func.count()).where(*where).group_by(column))
    return {site: int(n) for site, n in rows}


def _add(a: dict[int, int], b: dict[int, int]) -> dict[int, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in set(a) | set(b)}


def purge(ctx: Context, actor: Actor, *, dry_run: bool = False, batch: int = BATCH) -> PurgeReport:
    """Erase one batch of what is past its retention period; with `dry_run`, count all of it
    and change nothing."""
    settings = ctx.settings
    now = ctx.clock.now()
    report = PurgeReport(dry_run=dry_run)
    dossier_cutoff = now - timedelta(days=settings.retention_dossier_days)
    comment_cutoff = now - timedelta(days=settings.retention_feedback_days)
    phone_cutoff = now - timedelta(days=settings.retention_notification_days)
    appointment_cutoff = now - timedelta(days=settings.retention_appointment_days)

    def count(session: Session) -> None:
        if settings.retention_dossier_days > 0:
            report.dossiers = _per_site(session, Dossier.site_id, *_dossiers_due(dossier_cutoff))
        if settings.retention_feedback_days > 0:
            report.comments = _per_site(session, Event.site_id, *_comments_due(comment_cutoff))
            report.petitions = _per_site(session, Petition.site_id, *_petitions_due(comment_cutoff))
        if settings.retention_notification_days > 0:
            report.phones = _add(_per_site(session, NotificationContact.site_id, *_contacts_due(phone_cutoff)),
                                 _per_site(session, Notification.site_id, *_messages_due(phone_cutoff)))
        if settings.retention_appointment_days > 0:
            report.appointments = _per_site(session, Appointment.site_id, *_appointments_due(appointment_cutoff))
        report.remote = _per_site(session, RemoteTicket.site_id, *_remote_due((now - timedelta(days=1)).date()))

    def work(session: Session) -> None:
        # a retried transaction counts afresh
        report.dossiers, report.comments, report.petitions, report.phones, report.appointments = {}, {}, {}, {}, {}
        report.remote = erase_keys(session, (now - timedelta(days=1)).date(), batch)
        if settings.retention_dossier_days > 0:
            rows = session.scalars(select(Dossier).where(*_dossiers_due(dossier_cutoff))
                                   .order_by(Dossier.id).limit(batch).with_for_update())
            for d in rows:
                report.dossiers[d.site_id] = report.dossiers.get(d.site_id, 0) + 1
                for name in PERSONAL_FIELDS:
                    setattr(d, name, "")
        if settings.retention_feedback_days > 0:
            for e in session.scalars(select(Event).where(*_comments_due(comment_cutoff))
                                     .order_by(Event.id).limit(batch)):
                report.comments[e.site_id] = report.comments.get(e.site_id, 0) + 1
                e.data = {**e.data, "comment": "", "comment_erased": True}
            for p in session.scalars(select(Petition).where(*_petitions_due(comment_cutoff))
                                     .order_by(Petition.id).limit(batch).with_for_update()):
                report.petitions[p.site_id] = report.petitions.get(p.site_id, 0) + 1
                p.contact_name, p.contact_phone, p.contact_erased_at = "", "", now
        if settings.retention_notification_days > 0:
            for c in session.scalars(select(NotificationContact).where(*_contacts_due(phone_cutoff))
                                     .order_by(NotificationContact.id).limit(batch)):
                report.phones[c.site_id] = report.phones.get(c.site_id, 0) + 1
                session.delete(c)
            for m in session.scalars(select(Notification).where(*_messages_due(phone_cutoff))
                                     .order_by(Notification.id).limit(batch)):
                report.phones[m.site_id] = report.phones.get(m.site_id, 0) + 1
                m.recipient, m.payload = "", {**m.payload, "to": ""}
        if settings.retention_appointment_days > 0:
            for a in session.scalars(select(Appointment).where(*_appointments_due(appointment_cutoff))
                                     .order_by(Appointment.id).limit(batch).with_for_update()):
                report.appointments[a.site_id] = report.appointments.get(a.site_id, 0) + 1
                a.name, a.phone, a.personal_erased_at = "", "", now
        for site_id in sorted(set(report.dossiers) | set(report.comments) | set(report.petitions)
                              | set(report.phones) | set(report.remote) | set(report.appointments)):
            log.append(session, site_id=site_id, kind="system.purge", at=now, actor=actor.label,
                       data={"dossiers": report.dossiers.get(site_id, 0),
                             "comments": report.comments.get(site_id, 0),
                             "petitions": report.petitions.get(site_id, 0),
                             "phones": report.phones.get(site_id, 0),
                             "remote": report.remote.get(site_id, 0),
                             "appointments": report.appointments.get(site_id, 0)})

    if dry_run:
        with ctx.db.reading() as session:
            count(session)
    else:
        ctx.db.transaction(work)
    return report


def purge_all(ctx: Context, actor: Actor, *, dry_run: bool = False) -> PurgeReport:
    """`purge` batch after batch (each its own transaction) until nothing is left."""
    if dry_run:
        return purge(ctx, actor, dry_run=True)
    total = PurgeReport(dry_run=False)
    while True:
        step = purge(ctx, actor)
        for name in ("dossiers", "comments", "petitions", "phones", "remote", "appointments"):
            for site, n in getattr(step, name).items():
                getattr(total, name)[site] = getattr(total, name).get(site, 0) + n
        if step.total == 0:
            return total

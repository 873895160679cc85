"""From the event log to the outbox: "ticket called" and "N ahead" messages for the tickets
whose citizen left a phone number.

The producer reads the log after its own cursor (kept in the `settings` table, so a restart
goes on where it stopped and never messages about what happened before the feature was on),
writes the messages and moves the cursor in one transaction. Two server processes may both
read an event: the message key makes it one message. What it reads per round is the new
events and the few tickets with a contact, never the queue: "N ahead" asks the position of
each waiting ticket with such a wish (a bounded read each) only when a round held an event
that moves a queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from queue_server.domain import notifications as rules
from queue_server.events import log
from queue_server.services.context import Context
from queue_server.services.notifications.outbox import enqueue
from queue_server.store.tables import Notification, NotificationContact, Setting, Site, Ticket

CURSOR_KEY = "notifications.cursor"
BATCH = 500
CALLS = ("ticket.called", "ticket.recalled")
# events after which someone's "people ahead" may have fallen
MOVES = ("ticket.called", "ticket.cancelled", "ticket.transferred", "ticket.no_show", "ticket.expired")


def _read_cursor(session: Session) -> tuple[int, int] | None:
    value = session.scalar(select(Setting.value).where(Setting.key == CURSOR_KEY))
    if value is None:
        return None
    txid, _, eid = value.partition(":")
    return int(txid), int(eid)


def _write_cursor(session: Session, cursor: tuple[int, int]) -> None:
    value = f"{cursor[0]}:{cursor[1]}"
    if not session.execute(update(Setting).where(Setting.key == CURSOR_KEY).values(value=value)).rowcount:
        session.add(Setting(key=CURSOR_KEY, value=value))


def produce(ctx: Context, ticket_url: Callable[[int], str]) -> int:
    """One round: the messages the new events call for. Returns how many were written.
    `ticket_url(ticket_id)` is the ticket's live page (with its key) for the message."""
    from queue_server.services.queue.hall import ticket_position

    with ctx.db.reading() as session:
        cursor = _read_cursor(session)
        head = log.head(session) if cursor is None else None
        events = [] if cursor is None else log.read_after(session, cursor, limit=BATCH)
    if cursor is None:  # first round: start from now
        ctx.db.transaction(lambda s: _write_cursor(s, head))
        return 0
    if not events:
        return 0
    now = ctx.clock.now()
    calls = [e for e in events if e.kind in CALLS and e.ticket_id is not None]
    moved_sites = {e.site_id for e in events if e.kind in MOVES}
    transfers = [(e.ticket_id, e.data.get("new_ticket_id")) for e in events
                 if e.kind == "ticket.transferred" and isinstance(e.data.get("new_ticket_id"), int)]
    messages: list[dict[str, Any]] = []
    with ctx.db.reading() as session:
        codes = dict(session.execute(select(Site.id, Site.code)).all())
        came_from = {new: old for old, new in transfers}  # a call of the moved ticket in this round
        called_ids = {e.ticket_id for e in calls} | {came_from[e.ticket_id] for e in calls if e.ticket_id in came_from}
        contacts = {c.ticket_id: c for c in session.execute(
            select(NotificationContact.__table__).where(NotificationContact.ticket_id.in_(called_ids)))} \
            if called_ids else {}
        for e in calls:
            contact = contacts.get(e.ticket_id) or contacts.get(came_from.get(e.ticket_id, -1))
            if contact is None or not contact.phone:
                continue
            d = e.data
            text = rules.called_text(str(d.get("code", "")), d.get("counter_number"), int(d.get("call_count") or 1))
            messages.append(_message(codes, e.site_id, "ticket.called",
                                     f"called:{e.ticket_id}:{d.get('call_count') or 1}", contact.phone, text,
                                     {"code": d.get("code"), "counter_number": d.get("counter_number"),
                                      "url": ticket_url(e.ticket_id)}))
        wishes = []
        if moved_sites:
            wishes = list(session.execute(
                select(NotificationContact.ticket_id, NotificationContact.site_id, NotificationContact.phone,
                       NotificationContact.ahead, Ticket.code)
                .join(Ticket, Ticket.id == NotificationContact.ticket_id)
                .where(NotificationContact.site_id.in_(moved_sites), NotificationContact.ahead.is_not(None),
                       NotificationContact.phone != "", Ticket.state == "waiting")))
            sent = set(session.scalars(select(Notification.key).where(
                Notification.key.in_([f"ahead:{w.ticket_id}" for w in wishes])))) if wishes else set()
            wishes = [w for w in wishes if f"ahead:{w.ticket_id}" not in sent]
    for w in wishes:
        ahead = ticket_position(ctx, w.ticket_id)["people_ahead"]
        if ahead <= w.ahead:
            messages.append(_message(codes, w.site_id, "ticket.ahead", f"ahead:{w.ticket_id}", w.phone,
                                     rules.ahead_text(w.code, ahead),
                                     {"code": w.code, "people_ahead": ahead, "url": ticket_url(w.ticket_id)}))
    last = events[-1].cursor

    def work(session: Session) -> int:
        conn = session.connection()
        written = sum(enqueue(conn, now=now, **m) for m in messages)
        for old, new in transfers:  # the citizen's wish follows the code to its new service
            session.execute(update(NotificationContact).where(NotificationContact.ticket_id == old)
                            .values(ticket_id=new, service_id=select(Ticket.service_id).where(Ticket.id == new)
                                    .scalar_subquery()))
        _write_cursor(session, last)
        return written

    return ctx.db.transaction(work)


def _message(codes: dict[int, str], site_id: int, kind: str, key: str, phone: str, text: rules.Text,
             extra: dict[str, Any]) -> dict[str, Any]:
    return {"site_id": site_id, "kind": kind, "key": key, "recipient": phone,
            "payload": {"kind": kind, "site": codes.get(site_id, ""), "to": phone, "text_vi": text.vi,
                        "text_en": text.en, **extra}}


__all__ = ["produce", "CURSOR_KEY"]

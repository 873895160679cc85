"""The outbox: messages written once (by key) in the database, and the contacts citizens
leave to be messaged about their ticket.

A message is a row of `notifications`; its `key` is unique, so the same message written
twice (two server processes reading the same event, a retried round) is one row. Nothing is
sent from here: delivery.py sends what is due to the webhook.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from queue_server.domain import phone_numbers
from queue_server.services.context import Context
from queue_server.services.errors import InvalidInput, not_found
from queue_server.store.tables import Notification, NotificationContact, Ticket

_N = Notification.__table__
MAX_AHEAD = 50
OPEN_STATES = ("waiting", "called", "serving")


def enqueue(conn: Connection, *, site_id: int, kind: str, key: str, recipient: str, payload: dict[str, Any],
            now: datetime) -> bool:
    """Write one message unless a message with `key` exists; True when this call wrote it."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(_N)
    done = conn.execute(insert.values(
        site_id=site_id, kind=kind, key=key, recipient=recipient, payload=payload, state="pending", attempts=0,
        created_at=now, next_attempt_at=now, last_error="",
    ).on_conflict_do_nothing(index_elements=["key"]).returning(_N.c.id))
    return done.first() is not None


def set_contact(ctx: Context, ticket_id: int, phone: str, ahead: int | None) -> dict[str, Any]:
    """The phone page's "nhắn tin cho tôi": message this number when the ticket is called
    (and when `ahead` people or fewer are before it). An empty phone withdraws the wish.
    The caller has checked the ticket's key."""
    number = ""
    if phone.strip():
        try:
            number = phone_numbers.normalise(phone)
        except phone_numbers.NotAPhoneNumber as exc:
            raise InvalidInput(exc.vi, exc.en, field="phone") from None
    if ahead is not None and not 0 <= ahead <= MAX_AHEAD:
        raise InvalidInput(f"Số người phía trước phải từ 0 đến {MAX_AHEAD}.",
                           f"People ahead must be 0 to {MAX_AHEAD}.", field="ahead")

    def work(session: Session) -> dict[str, Any]:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise not_found("số", "Ticket", ticket_id)
        if ticket.state not in OPEN_STATES:
            raise InvalidInput("Số này đã xong lượt, không cần nhắn tin nữa.",
                               "This ticket's turn is over; there is nothing to message about.", field="ticket")
        session.execute(delete(NotificationContact).where(NotificationContact.ticket_id == ticket_id))
        if number:
            session.add(NotificationContact(site_id=ticket.site_id, ticket_id=ticket_id, service_id=ticket.service_id,
                                            phone=number, ahead=ahead, created_at=ctx.clock.now()))
        return {"ticket_id": ticket_id, "messages": bool(number), "ahead": ahead if number else None,
                "phone": phone_numbers.masked(number) if number else ""}

    return ctx.db.transaction(work)


__all__ = ["enqueue", "set_contact", "MAX_AHEAD"]

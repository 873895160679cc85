"""The kiosk's one check-in: whatever code it reads (a remote number's "R…" code, a
booking's "H…" code, or the booking page's address its QR holds) becomes a waiting ticket,
answered in one shape: the ticket, people ahead, the expected wait and its live page.

Remote numbers (services/remote/checkin.py) and appointments (services/appointments/) each
keep their own rules; this module only routes a code to the right one and shapes the answer.
An unknown booking code answers exactly like an unknown remote code (one 404 for both, so a
kiosk cannot be used to tell which kinds of code exist).
"""

from __future__ import annotations

from typing import Any

from queue_server.domain import remote as remote_rules
from queue_server.events import projection
from queue_server.services import appointments, site_setup
from queue_server.services.auth import ticket_key
from queue_server.services.context import Actor, Context
from queue_server.services.errors import NotFound
from queue_server.services.queue import hall
from queue_server.services.remote import checkin as remote_checkin


def check_in(ctx: Context, who: Actor, code: str, *, secret: bytes, client: str) -> dict[str, Any]:
    """Check a number in by what the kiosk read; `client` keys the misses' limit."""
    booked = appointments.code_of_page(ctx, secret, code)
    if booked is not None or remote_rules.code_kind(remote_rules.clean_code(code) or "") == "appointment":
        return _booking(ctx, who, booked or code, secret)
    done = remote_checkin.checkin_by_code(ctx, who, code, client=client)
    position = hall.ticket_position(ctx, done.ticket_id)
    return {**done.as_json(), "ticket": position["ticket"], "people_ahead": position["people_ahead"],
            "estimated_wait_s": position["estimated_wait_s"],
            "position_url": site_setup.ticket_position_url(ctx, done.ticket_id, ticket_key(secret, done.ticket_id))}


def _booking(ctx: Context, who: Actor, code: str, secret: bytes) -> dict[str, Any]:
    """A booking checks in (services/appointments/checkin.py); too early or too late is the
    appointments' 409 offering a walk-in number."""
    try:
        out = appointments.check_in_booking(ctx, who, code)
    except NotFound:
        raise remote_checkin.unknown_code() from None
    ticket = out["ticket"] if projection.is_staff(who.kind, who.role) else projection.public_ticket(out["ticket"])
    return {"ticket_id": ticket["id"], "code": ticket["code"], "service_name_vi": ticket.get("service_name_vi", ""),
            "service_name_en": ticket.get("service_name_en", ""), "already_checked_in": bool(out.get("again")),
            "kind": "appointment", "due_at": out.get("due_at"), "ticket": {**ticket, "channel": "appointment"},
            "people_ahead": out.get("people_ahead") or 0, "estimated_wait_s": out.get("estimated_wait_s"),
            "position_url": site_setup.ticket_position_url(ctx, ticket["id"], ticket_key(secret, ticket["id"]))}

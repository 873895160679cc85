"""Who may see what of an event, decided in one place: the public form of each event kind.

Every event has a staff form (the row as written: the clerk's name on a counter event, a
ticket's priority class, a cancel reason, the acting user) and, for the kinds the hall's
public screens need, a public form. The public form is an explicit allow-list of fields
per kind; a kind that is not listed here has no public form and is never sent to a public
audience (a new kind is private until someone decides otherwise, here).

Public audiences: anonymous subscribers, hall and counter displays, kiosks, the hall agent
(LED boards and speakers show and say only public things), and a citizen's phone reading
its ticket by the slip's key. Staff audiences: signed-in users (clerk, supervisor, admin; a processor for dossier kinds only)
and the system itself. What never reaches a public audience: a person's name (clerks,
applicants), a priority class (elderly, disabled, pregnant, meritorious: health and status
are sensitive personal data under Nghị định 13/2023/NĐ-CP), free-text reasons and notes,
who acted (user ids).

The same allow-lists shape the other public answers built from the same things: a ticket
(the position answer, a counter's current ticket), a counter (the display snapshot, the
public list of counters) and a call (the snapshot's last calls), so that the stream, the
snapshot and the position answer cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from queue_server.events.log import EventRecord

# -- audiences ----------------------------------------------------------------------------

STAFF_USER_ROLES = frozenset({"clerk", "supervisor", "admin"})
# A processor (an agency's staff, issue 17) gets the staff form of dossier events only: its
# inbox reloads on them; the hall's ticket events (priority classes) are none of its business.
PROCESSOR_KINDS = ("dossier.",)


def is_staff(kind: str, role: str = "") -> bool:
    """Whether an actor (by its kind and role) gets the staff form of events and views.

    Only signed-in staff and the system do. Devices never do: a display shows the hall, a
    kiosk stands in the hall, and the agent drives LED boards and speakers that everyone in
    the hall sees and hears (it needs codes, counters and states, all in the public form)."""
    return kind == "system" or (kind == "user" and role in STAFF_USER_ROLES)


def staff_kinds(kind: str, role: str) -> tuple[str, ...] | None:
    """The kinds (prefixes) of which an actor gets the staff form when it is not staff: a
    processor's dossier events; None for everyone else."""
    return PROCESSOR_KINDS if kind == "user" and role == "processor" else None


# -- events -------------------------------------------------------------------------------

# Envelope fields a public subscriber gets (not `actor`: who acted is staff business).
PUBLIC_ENVELOPE = ("id", "site_id", "kind", "at", "ticket_id", "counter_id", "data")

_TICKET = frozenset({"code", "ticket_id", "service_id", "service_code", "service_name_vi", "service_name_en",
                     "state"})
_AT_COUNTER = _TICKET | {"counter_number", "counter_name"}
_COUNTER = frozenset({"counter_number", "counter_name", "state"})

# kind -> fields of `data` a public audience may see. Not here: no public form.
PUBLIC_FIELDS: Mapping[str, frozenset[str]] = {
    "ticket.issued": _TICKET | {"number"},
    # how many times it was called: the phone page vibrates once per call, not per re-read
    # the channel (kiosk, counter, remote, appointment) lets a hall screen say "Khách hẹn trước"
    "ticket.called": _AT_COUNTER | {"call_count", "channel"},
    "ticket.recalled": _AT_COUNTER | {"call_count", "channel"},
    "ticket.serving": _AT_COUNTER,
    "ticket.finished": _AT_COUNTER,
    "ticket.no_show": _AT_COUNTER,
    # the phone of a transferred citizen follows the code to its new queue
    "ticket.transferred": _AT_COUNTER | {"to_service_id", "to_service_code", "to_service_name_vi",
                                         "new_ticket_id"},
    "ticket.queued": _TICKET | {"transferred_from"},
    "ticket.requeued": _TICKET | {"from_counter_number"},
    "ticket.cancelled": _AT_COUNTER,  # not the reason (free text a clerk typed)
    "ticket.expired": _AT_COUNTER,
    # a number taken from a phone entering the queue at the hall (never the phone number: the
    # event's data holds no limit key at all, services/remote/)
    "ticket.checked_in": _TICKET | {"channel"},
    "counter.opened": _COUNTER,  # not the clerk's name
    "counter.paused": _COUNTER,
    "counter.closed": _COUNTER,
    "hall.notice_changed": frozenset({"notice"}),  # the hall displays' notice line, set in /admin
    # petition.* (feedback and petitions) have no public form on purpose: their `code` is the
    # citizen's key to the answer, and nothing in them is for a hall screen. Their data never
    # holds the text, the name or the phone, in either form (services/feedback/petitions.py).
}


def has_public_form(kind: str) -> bool:
    return kind in PUBLIC_FIELDS


def _only(data: Mapping[str, Any], allowed: frozenset[str] | tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in allowed}


def public_data(kind: str, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The public part of an event's data, or None when the kind has no public form."""
    allowed = PUBLIC_FIELDS.get(kind)
    return None if allowed is None else _only(data, allowed)


def public_event(event: EventRecord) -> dict[str, Any] | None:
    """The public form of an event as JSON, or None: not for public audiences."""
    data = public_data(event.kind, event.data)
    if data is None:
        return None
    return {"id": event.id, "site_id": event.site_id, "kind": event.kind, "at": event.at.isoformat(),
            "ticket_id": event.ticket_id, "counter_id": event.counter_id, "data": data}


def event_for(event: EventRecord, staff: bool) -> dict[str, Any] | None:
    """The form of an event an audience gets (None: this audience does not get it)."""
    return event.as_json() if staff else public_event(event)


# -- views built from the same things -------------------------------------------------------

# A ticket as its holder's phone or a screen sees it (TicketView fields).
PUBLIC_TICKET = frozenset({"id", "code", "number", "service_id", "service_code", "service_name_vi",
                           "service_name_en", "state", "business_day", "issued_at", "called_at", "serving_at",
                           "finished_at", "counter_id", "counter_number", "transfer_origin_id", "call_count"})
# A counter's current ticket on a screen (keys of the display snapshot).
PUBLIC_CURRENT = frozenset({"ticket_id", "code", "state", "service_code", "service_name_vi", "called_at"})
# A counter on a screen or in the public list (no clerk id, no clerk name).
PUBLIC_COUNTER = frozenset({"id", "site_id", "number", "name", "state", "services", "service_ids", "current",
                            "timezone"})
PUBLIC_COUNTER_SERVICE = frozenset({"service_id", "code", "name_vi", "name_en", "prefix", "waiting"})
# A recent call on the snapshot: what the call's public event says.
PUBLIC_CALL = frozenset({"event_id", "kind", "ticket_id", "code", "counter_number", "service_code", "at",
                         "channel"})


def public_ticket(view: Mapping[str, Any]) -> dict[str, Any]:
    """A ticket view (TicketView.as_json) without its priority class and staff details."""
    return _only(view, PUBLIC_TICKET)


def public_current(current: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A counter's current ticket as screens show it (from a ticket view)."""
    if current is None:
        return None
    return _only({"ticket_id": current.get("id"), **current}, PUBLIC_CURRENT)


def public_counter(detail: Mapping[str, Any]) -> dict[str, Any]:
    """A counter (services.queue.counters.counter_detail shape) without who staffs it."""
    out = _only(detail, PUBLIC_COUNTER)
    if "services" in out:
        out["services"] = [_only(s, PUBLIC_COUNTER_SERVICE) for s in out["services"]]
    if "current" in out:
        out["current"] = public_current(out["current"])
    return out


def public_call(event: EventRecord) -> dict[str, Any] | None:
    """A call (ticket.called / ticket.recalled) as the snapshot's last calls list it."""
    data = public_data(event.kind, event.data)
    if data is None:
        return None
    return _only({"event_id": event.id, "kind": event.kind, "ticket_id": event.ticket_id, "at": event.at.isoformat(),
                  **data}, PUBLIC_CALL)


__all__ = ["PUBLIC_FIELDS", "PUBLIC_ENVELOPE", "is_staff", "staff_kinds", "has_public_form", "public_data", "public_event",
           "event_for", "public_ticket", "public_current", "public_counter", "public_call"]

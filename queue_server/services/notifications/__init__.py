"""Messages out (issue 11): an outbox of "ticket called", "N ahead" and "appointment
tomorrow" messages for a hall's SMS or Zalo gateway, delivered to a configured webhook.

- outbox.py: messages written once by key; the contacts citizens leave on the phone page;
- producer.py: from the event log to the outbox ("ticket called", "N ahead");
- reminders.py: "appointment tomorrow", the afternoon before;
- delivery.py: signed POSTs to `webhook_url`, retried with backoff, each attempt recorded.

Nothing is sent anywhere unless `webhook_url` is set. `run_once` is one round of both, run
by the server every few seconds (api/app.py).
"""

from __future__ import annotations

from collections.abc import Callable

from queue_server.services.context import Context
from queue_server.services.notifications import delivery, outbox, producer, reminders
from queue_server.services.notifications.delivery import Round
from queue_server.store.tables import Site


def run_once(ctx: Context, ticket_url: Callable[[int], str],
             booking_url: Callable[[Site, int], str] | None = None) -> Round:
    """`ticket_url(ticket_id)`: a ticket's live page; `booking_url(site, booking_id)`: a
    booking's page (without it, no appointment reminders)."""
    if not ctx.settings.webhook_url:
        return Round()
    producer.produce(ctx, ticket_url)
    if booking_url is not None:
        reminders.remind_tomorrow(ctx, booking_url)
    return delivery.deliver_due(ctx)


__all__ = ["delivery", "outbox", "producer", "reminders", "run_once"]

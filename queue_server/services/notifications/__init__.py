"""Messages out (issue 11): an outbox of "ticket called", "N ahead" and "appointment
tomorrow" messages for a hall's SMS or Zalo gateway, delivered to a configured webhook.

- outbox.py: messages written once by key; the contacts citizens leave on the phone page;
- producer.py: from the event log to the outbox;
- delivery.py: signed POSTs to `webhook_url`, retried with backoff, each attempt recorded.

Nothing is sent anywhere unless `webhook_url` is set. `run_once` is one round of both, run
by the server every few seconds (api/app.py).
"""

from __future__ import annotations

from collections.abc import Callable

from queue_server.services.context import Context
from queue_server.services.notifications import delivery, outbox, producer
from queue_server.services.notifications.delivery import Round


def run_once(ctx: Context, ticket_url: Callable[[int], str]) -> Round:
    if not ctx.settings.webhook_url:
        return Round()
    producer.produce(ctx, ticket_url)
    return delivery.deliver_due(ctx)


__all__ = ["delivery", "outbox", "producer", "run_once"]

"""Sending the outbox to the hall's webhook: signed, retried with backoff, every attempt
recorded, nothing sent twice once acknowledged.

A round takes up to `limit` due messages. Each is claimed first (a lease: a conditional
UPDATE that only one process wins), then POSTed outside any transaction, then its attempt is
recorded: a 2xx marks it delivered; a refusal that says the message is wrong (4xx other than
408 and 429) marks it failed; anything else (no answer, 5xx) waits `retry_delay_s` and is
tried again, until `webhook_give_up_hours` after it was written. A process killed between
the POST and the record leaves the lease to expire and the message is sent again with the
same `X-Motcua-Message-Id`, which the receiver uses to drop the repeat (documented in
docs/notifications.md): at-least-once delivery with an idempotency key, the only guarantee
an HTTP webhook can give.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from queue_server.domain import notifications as rules
from queue_server.services.context import Context
from queue_server.store.tables import Notification, NotificationAttempt

LEASE_EXTRA_S = 30


@dataclass
class Round:
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    retrying: int = 0


def body_of(row: Any) -> bytes:
    """The request body: the message with its id and time, as UTF-8 JSON (Vietnamese as is)."""
    data = {"id": row.id, **row.payload, "created_at": row.created_at.isoformat()}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _claim(ctx: Context, row_id: int, now: datetime) -> bool:
    lease = now + timedelta(seconds=ctx.settings.webhook_timeout_seconds + LEASE_EXTRA_S)

    def work(session: Session) -> bool:
        return session.execute(update(Notification).where(
            Notification.id == row_id, Notification.state == "pending",
            or_(Notification.lease_until.is_(None), Notification.lease_until < now),
        ).values(lease_until=lease)).rowcount == 1

    return ctx.db.transaction(work)


def _post(ctx: Context, client: httpx.Client, row: Any, now: datetime) -> tuple[int | None, str, int]:
    body = body_of(row)
    headers = {"Content-Type": "application/json; charset=utf-8", rules.MESSAGE_ID_HEADER: str(row.id),
               rules.SIGNATURE_HEADER: rules.signature(ctx.settings.webhook_secret, int(now.timestamp()), body),
               "User-Agent": "Motcua"}
    started = time.perf_counter()
    try:
        answer = client.post(ctx.settings.webhook_url, content=body, headers=headers,
                             timeout=ctx.settings.webhook_timeout_seconds)
        status, error = answer.status_code, "" if answer.is_success else answer.text[:200]
    except httpx.HTTPError as exc:
        status, error = None, f"{type(exc).__name__}: {exc}"[:200]
    return status, error, int((time.perf_counter() - started) * 1000)


def _record(ctx: Context, row: Any, status: int | None, error: str, duration_ms: int, now: datetime) -> str:
    attempts = row.attempts + 1
    if status is not None and 200 <= status < 300:
        state, values = "delivered", {"delivered_at": now, "last_error": ""}
    elif not rules.retryable(status) or now - row.created_at >= timedelta(hours=ctx.settings.webhook_give_up_hours):
        state, values = "failed", {"last_error": error or f"HTTP {status}"}
    else:
        state, values = "pending", {"last_error": error or f"HTTP {status}",
                                    "next_attempt_at": now + timedelta(seconds=rules.retry_delay_s(attempts))}

    def work(session: Session) -> None:
        session.execute(update(Notification).where(Notification.id == row.id)
                        .values(state=state, attempts=attempts, lease_until=None, **values))
        session.add(NotificationAttempt(notification_id=row.id, at=now, status=status, error=error,
                                        duration_ms=duration_ms))

    ctx.db.transaction(work)
    return state


def deliver_due(ctx: Context, *, client: httpx.Client | None = None, limit: int = 20) -> Round:
    """Send what is due now (nothing at all when no webhook is configured)."""
    done = Round()
    if not ctx.settings.webhook_url:
        return done
    now = ctx.clock.now()
    with ctx.db.reading() as session:
        due = list(session.execute(select(Notification.__table__).where(
            Notification.state == "pending", Notification.next_attempt_at <= now,
            or_(Notification.lease_until.is_(None), Notification.lease_until < now),
        ).order_by(Notification.next_attempt_at, Notification.id).limit(limit)))
    if not due:
        return done
    own = client is None
    client = client or httpx.Client()
    try:
        for row in due:
            if not _claim(ctx, row.id, now):
                continue  # another process has it
            status, error, ms = _post(ctx, client, row, ctx.clock.now())
            state = _record(ctx, row, status, error, ms, ctx.clock.now())
            done.sent += 1
            field = {"delivered": "delivered", "failed": "failed", "pending": "retrying"}[state]
            setattr(done, field, getattr(done, field) + 1)
    finally:
        if own:
            client.close()
    return done


def recent(ctx: Context, site_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    """The newest messages of a site for staff, recipients masked, with their attempts."""
    from queue_server.domain.phone_numbers import masked

    with ctx.db.reading() as session:
        rows = list(session.execute(select(Notification.__table__).where(Notification.site_id == site_id)
                                    .order_by(Notification.id.desc()).limit(limit)))
        ids = [r.id for r in rows]
        attempts: dict[int, list[dict[str, Any]]] = {}
        if ids:
            for a in session.execute(select(NotificationAttempt.__table__)
                                     .where(NotificationAttempt.notification_id.in_(ids))
                                     .order_by(NotificationAttempt.id)):
                attempts.setdefault(a.notification_id, []).append(
                    {"at": a.at.isoformat(), "status": a.status, "error": a.error, "duration_ms": a.duration_ms})
    return [{"id": r.id, "kind": r.kind, "to": masked(r.recipient) if r.recipient else "", "state": r.state,
             "attempts": r.attempts, "created_at": r.created_at.isoformat(),
             "next_attempt_at": r.next_attempt_at.isoformat() if r.state == "pending" else None,
             "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None, "last_error": r.last_error,
             "text_vi": r.payload.get("text_vi", ""), "deliveries": attempts.get(r.id, [])} for r in rows]


__all__ = ["Round", "body_of", "deliver_due", "recent"]

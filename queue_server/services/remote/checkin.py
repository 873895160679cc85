"""Check-in: a remote number enters the queue when its holder is at the hall, and expiry of
the numbers that never come.

- `checkin_by_code` (the kiosk: the code typed on the on-screen keyboard, or a scanner
  typing the QR's content): every code goes through `resolve_code`, the one place that knows
  which book a code belongs to ("R...": remote numbers; "H...": appointments, later).
  A wrong code, a malformed one and an unknown one get the same 404; a client with
  FAILURES_PER_WINDOW misses in FAILURE_WINDOW is answered 429 until the window ends.
- `checkin_by_poster` (the phone that took the number opens the URL of the QR poster at the
  hall's entrance): the poster's key is per site and per business day (`poster_key`), so a
  photo of an older poster does not work; the phone is known by its browser id (the cookie
  it took the number with).
- A check-in after the window (`expires_at`) is refused (409) and the ticket expires; a
  second check-in of the same ticket answers the first one's result again (no new event).
- `expire_due` (every sweep of the server) expires the numbers whose window has passed,
  one `ticket.expired` event each (reason "not_checked_in").
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from queue_server.domain import remote as rules
from queue_server.domain.business_day import business_day
from queue_server.domain.tickets import TicketState
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Conflict, Forbidden, NotFound, RateLimited
from queue_server.services.queue import tickets as queue
from queue_server.services.remote import limits
from queue_server.services.remote.numbers import limit_key
from queue_server.services.remote.settings import read_rules
from queue_server.store.tables import RemoteHold, RemoteTicket, Service, Site, Ticket

FAILURES_PER_WINDOW = 10
FAILURE_WINDOW = timedelta(minutes=15)


def unknown_code() -> NotFound:
    return NotFound("Không tìm thấy mã này. Hãy kiểm tra lại mã (8 ký tự, ví dụ R7K4M2QX) hoặc hỏi cán bộ "
                    "tại quầy hướng dẫn.",
                    "This code is not known. Check it (8 characters, e.g. R7K4M2QX) or ask at the information desk.",
                    field="code")


def resolve_code(session: Session, raw: object) -> RemoteTicket | None:
    """The booking a typed or scanned code names, or None (malformed, wrong or unknown: the
    same). Remote numbers start with "R"; appointment codes ("H") are resolved here too once
    appointments exist."""
    code = rules.clean_code(raw)
    if code is None or rules.code_kind(code) != "remote":
        return None
    return session.scalars(select(RemoteTicket).where(RemoteTicket.checkin_code == code)
                           .with_for_update()).one_or_none()


def poster_key(secret: bytes, site_id: int, day: date) -> str:
    """The key printed in a site's entrance poster on `day` (a new poster each working day)."""
    return hmac.new(secret, f"remote-poster:{site_id}:{day.isoformat()}".encode(), hashlib.sha256).hexdigest()[:16]


@dataclass
class CheckedIn:
    ticket_id: int
    code: str
    service_name_vi: str
    service_name_en: str
    already: bool  # it had checked in before: nothing changed

    def as_json(self) -> dict[str, Any]:
        return {"ticket_id": self.ticket_id, "code": self.code, "service_name_vi": self.service_name_vi,
                "service_name_en": self.service_name_en, "already_checked_in": self.already, "kind": "remote"}


def _expire(session: Session, ticket: Ticket, remote: RemoteTicket, actor: Actor, now: datetime) -> None:
    ticket.state = TicketState.EXPIRED.value
    ticket.finished_at = now
    queue._event(session, "ticket.expired", ticket, session.get(Service, ticket.service_id), actor, now,
                 reason="not_checked_in", checkin_until=remote.expires_at.isoformat())


def _check_in(session: Session, ctx: Context, remote: RemoteTicket, actor: Actor, how: str) -> CheckedIn | Conflict:
    """Check in, or the refusal of a late one (returned, not raised: the expiry it wrote is kept)."""
    now = ctx.clock.now()
    ticket = session.scalars(select(Ticket).where(Ticket.id == remote.ticket_id).with_for_update()).one()
    service = session.get(Service, ticket.service_id)
    result = CheckedIn(ticket.id, ticket.code, service.name_vi, service.name_en, already=False)
    if remote.checked_in_at is not None:
        result.already = True
        return result
    site = session.get(Site, ticket.site_id)
    if ticket.state == TicketState.ABSENT.value and (
            now >= remote.expires_at or ticket.business_day != business_day(now, site.timezone)):
        _expire(session, ticket, remote, actor, now)
        return _late(ticket, remote, site)
    if ticket.state != TicketState.ABSENT.value:
        if ticket.state == TicketState.EXPIRED.value:
            raise _late(ticket, remote, site)
        raise Conflict(f"Số {ticket.code} không còn chờ xác nhận có mặt.",
                       f"Number {ticket.code} is no longer waiting for a check-in.", state=ticket.state)
    site_rules = read_rules(session, ticket.site_id)
    ticket.state = TicketState.WAITING.value
    ticket.queued_at = rules.queue_time(site_rules, remote.taken_at, now)
    remote.checked_in_at, remote.checked_in_by = now, how
    queue._event(session, "ticket.checked_in", ticket, service, actor, now, by=how,
                 placement=site_rules.placement)
    return result


def _late(ticket: Ticket, remote: RemoteTicket, site: Site) -> Conflict:
    from zoneinfo import ZoneInfo

    until = remote.expires_at.astimezone(ZoneInfo(site.timezone))
    return Conflict(f"Số {ticket.code} đã hết hạn xác nhận có mặt lúc {until:%H:%M %d/%m}. Xin mời lấy số mới "
                    "tại ki-ốt.",
                    f"Number {ticket.code} had to check in by {until:%H:%M %d/%m} and has expired. Please take "
                    "a new number at the kiosk.", reason="expired", offer="walk_in")


def _refused_from(session: Session, key: str, now: datetime) -> RateLimited | None:
    if limits.count(session, key, now, FAILURE_WINDOW) < FAILURES_PER_WINDOW:
        return None
    wait = limits.seconds_left(session, key, now, FAILURE_WINDOW)
    return RateLimited(f"Đã nhập sai mã quá nhiều lần. Vui lòng thử lại sau {max(1, (wait + 59) // 60)} phút "
                       "hoặc hỏi cán bộ tại quầy hướng dẫn.",
                       f"Too many wrong codes. Please try again in {max(1, (wait + 59) // 60)} min or ask at the "
                       "information desk.", retry_after=wait)


def checkin_by_code(ctx: Context, actor: Actor, code: object, *, client: str) -> CheckedIn:
    """A kiosk (or staff) checks a number in by its code."""
    if not ((actor.kind == "device" and actor.role == "kiosk") or actor.has_role("clerk")):
        raise Forbidden("Chỉ ki-ốt hoặc cán bộ mới xác nhận có mặt được.", "Only kiosks and staff may check in.")
    key = limits.key("checkin", client)

    def work(session: Session) -> CheckedIn | Exception:
        now = ctx.clock.now()
        refused = _refused_from(session, key, now)
        if refused is not None:
            return refused
        remote = resolve_code(session, code)
        if remote is None or not actor.in_site(remote.site_id):
            limits.bump(session, key, now, FAILURE_WINDOW)  # committed: the miss counts
            return unknown_code()
        return _check_in(session, ctx, remote, actor, "kiosk" if actor.kind == "device" else "staff")

    result = ctx.db.transaction(work)
    if isinstance(result, Exception):
        raise result
    return result


def checkin_by_poster(ctx: Context, *, secret: bytes, site: Site, key: str, device: str, client: str) -> CheckedIn:
    """The phone that took a number checks it in with today's poster at the hall's entrance."""
    rate = limits.key("poster", client)

    def work(session: Session) -> CheckedIn | Exception:
        now = ctx.clock.now()
        refused = _refused_from(session, rate, now)
        if refused is not None:
            return refused
        today = business_day(now, site.timezone)
        good = hmac.compare_digest(key.encode(), poster_key(secret, site.id, today).encode())
        remote = None
        if good and device:
            device_key = limit_key(secret, "device", device)
            remote = session.scalars(select(RemoteTicket).where(
                RemoteTicket.site_id == site.id, RemoteTicket.device_key == device_key,
                RemoteTicket.business_day == today).order_by(RemoteTicket.taken_at.desc()).limit(1)
                .with_for_update()).one_or_none()
        if not good:
            limits.bump(session, rate, now, FAILURE_WINDOW)
            return NotFound("Mã QR này không còn dùng được (áp phích của ngày khác). Hãy quét mã tại cửa vào hôm "
                            "nay, hoặc nhập mã xác nhận tại ki-ốt.",
                            "This QR code no longer works (a poster of another day). Scan today's code at the "
                            "entrance, or type your check-in code at the kiosk.", field="p")
        if remote is None:
            return NotFound("Điện thoại này không giữ số lấy từ xa nào hôm nay. Hãy mở trang từ điện thoại đã lấy "
                            "số, hoặc nhập mã xác nhận tại ki-ốt.",
                            "This phone holds no remote number today. Open the page on the phone that took the "
                            "number, or type your check-in code at the kiosk.")
        return _check_in(session, ctx, remote, Actor(kind="anonymous", name="poster"), "poster")

    result = ctx.db.transaction(work)
    if isinstance(result, Exception):
        raise result
    return result


def expire_due(ctx: Context, actor: Actor, batch: int = 500) -> int:
    """Expire the remote numbers whose check-in window has passed (one event each)."""

    def work(session: Session) -> int:
        now = ctx.clock.now()
        due = list(session.execute(
            select(Ticket, RemoteTicket).join(RemoteTicket, RemoteTicket.ticket_id == Ticket.id).where(
                RemoteTicket.checked_in_at.is_(None), RemoteTicket.expires_at <= now,
                Ticket.state == TicketState.ABSENT.value).order_by(RemoteTicket.expires_at).limit(batch)
            .with_for_update(of=Ticket)))
        for ticket, remote in due:
            _expire(session, ticket, remote, actor, now)
        return len(due)

    return ctx.db.transaction(work)


def erase_keys(session: Session, before_day: date, batch: int) -> dict[int, int]:
    """Retention: the limit keys (hashed phone, browser id) of remote numbers of days before
    `before_day` are erased, and the holds they kept; counts per site."""
    rows = list(session.scalars(select(RemoteTicket).where(
        RemoteTicket.business_day < before_day,
        (RemoteTicket.phone_key != "") | (RemoteTicket.device_key != "")).limit(batch)))
    counts: dict[int, int] = {}
    for r in rows:
        counts[r.site_id] = counts.get(r.site_id, 0) + 1
        r.phone_key, r.device_key = "", ""
    if rows:  # a hold's key is the hashed phone or browser id: the row goes
        session.execute(delete(RemoteHold).where(RemoteHold.ticket_id.in_([r.ticket_id for r in rows])))
    return counts

"""The public side of remote numbers: which services give them now (with waiting counts and
the wait estimate, nothing personal) and taking one with a phone number.

Limits, each a clear refusal naming what is wrong (Vietnamese, then English):
- the site and the service must be open for remote numbers, within the taking hours (409);
- the service's daily quota (409; a number that expired still counts: the quota is of
  numbers given out);
- one live remote ticket per phone number and per browser at a site (409): the key's row in
  `remote_holds` is locked while the ticket is made, so two requests at once never both win;
- TAKES_PER_HOUR per client address (429), counted across processes in `rate_counters`.

The phone number is kept only as a keyed hash (HMAC-SHA256 with the instance secret); the
retention purge erases it when the ticket's day is over.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.domain import remote as rules
from queue_server.domain.business_day import business_day
from queue_server.services.context import Actor, Context
from queue_server.services.errors import Conflict, InvalidInput, RateLimited, not_found
from queue_server.services.queue import tickets as queue
from queue_server.services.queue.counters import waiting_counts
from queue_server.services.queue.estimates import estimate_in, read_hall
from queue_server.services.remote import limits
from queue_server.services.remote.hours import site_sessions
from queue_server.services.remote.settings import read_rules, service_rules
from queue_server.store.tables import RemoteHold, RemoteService, RemoteTicket, Site, Ticket

TAKES_PER_HOUR = 10
LIVE_STATES = ("absent", "waiting", "called", "serving")
REMOTE = Actor(kind="anonymous", name="remote")


def limit_key(secret: bytes, what: str, value: str) -> str:
    """A keyed hash of a phone number or a browser id: enough to compare, not to read back."""
    return hmac.new(secret, f"remote-{what}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


def _local(now: datetime, tz: str):  # noqa: ANN202
    return now.astimezone(ZoneInfo(tz))


def taken_today(session: Session, service_id: int, day) -> int:  # noqa: ANN001
    return session.scalar(select(func.count()).select_from(RemoteTicket).where(
        RemoteTicket.service_id == service_id, RemoteTicket.business_day == day)) or 0


def public_services(ctx: Context, site: Site) -> dict[str, Any]:
    """What the public page lists: the site's rules in words and each service open for remote
    numbers, with people waiting, the expected wait and whether a number may be taken now."""
    with ctx.db.reading() as session:
        now = ctx.clock.now()
        day = business_day(now, site.timezone)
        site_rules = read_rules(session, site.id)
        sessions = site_sessions(ctx, site, day)
        open_rules = [r for r in service_rules(session, site.id) if r.enabled] if site_rules.enabled else []
        counts = waiting_counts(session, site.id, day, [r.service.id for r in open_rules])
        state = read_hall(session, site, now, [r.service.id for r in open_rules]) if open_rules else None
        out = []
        for r in open_rules:
            taken = taken_today(session, r.service.id, day)
            refusal = rules.taking_refusal(site_rules, True, r.daily_quota, taken, sessions,
                                           _local(now, site.timezone).time())
            est = estimate_in(state, r.service.id, "normal", now)
            out.append({"id": r.service.id, "code": r.service.code, "name_vi": r.service.name_vi,
                        "name_en": r.service.name_en, "waiting": counts.get(r.service.id, 0),
                        "estimated_wait_s": est.wait_s, "open_counters": est.counters,
                        "left_today": max(0, r.daily_quota - taken), "available": refusal is None,
                        "refusal_vi": refusal.vi if refusal else "", "refusal_en": refusal.en if refusal else ""})
        windows = rules.taking_windows(site_rules, sessions)
        return {"site": {"id": site.id, "code": site.code, "name": site.name},
                "enabled": site_rules.enabled, "now": now.isoformat(),
                "hours": [f"{a:%H:%M}–{b:%H:%M}" for a, b in windows],
                "checkin_minutes": site_rules.checkin_minutes, "services": out}


def clean_phone(raw: str) -> str:
    phone = rules.normalize_mobile(raw)
    if phone is None:
        raise InvalidInput("Số điện thoại di động không đúng: hãy ghi 10 số, ví dụ 0912 345 678 "
                           "(hoặc +84 912 345 678).",
                           "Not a Vietnamese mobile number: write 10 digits, e.g. 0912 345 678 "
                           "(or +84 912 345 678).", field="phone")
    return phone


@dataclass
class Taken:
    ticket_id: int
    code: str
    checkin_code: str
    expires_at: datetime
    service_name_vi: str
    service_name_en: str


def _hold(session: Session, name: str, now: datetime, *, by_phone: bool) -> RemoteHold:
    """Lock the hold of one limit key; refuse when it holds a live ticket of today.

    Held by a phone number, the refusal does not name the ticket: whoever types someone
    else's number must not learn that person's code. Held by this very browser, it does."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(RemoteHold).values(key=name, ticket_id=None, updated_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    hold = session.scalars(select(RemoteHold).where(RemoteHold.key == name).with_for_update()
                           .execution_options(populate_existing=True)).one()
    if hold.ticket_id is not None:
        held = session.execute(select(Ticket.code, Ticket.state).where(Ticket.id == hold.ticket_id)).one_or_none()
        if held is not None and held.state in LIVE_STATES:
            if by_phone:
                raise Conflict("Số điện thoại này đang giữ một số lấy từ xa chưa xong. Mỗi số điện thoại chỉ giữ "
                               "một số một lúc; hãy dùng số đã lấy (trang theo dõi trên điện thoại đã lấy số).",
                               "This phone number already holds a remote number that is not done. One at a time "
                               "per phone number; use the one taken (its page on the phone that took it).",
                               reason="one_active")
            raise Conflict(f"Điện thoại này đang giữ số {held.code}. Mỗi điện thoại chỉ giữ một số lấy từ xa "
                           "một lúc; hãy dùng số đó, hoặc chờ số đó xong.",
                           f"This browser already holds number {held.code}. One remote number at a time per "
                           "browser; use that one, or wait until it is done.", reason="one_active")
    return hold


def take(ctx: Context, *, secret: bytes, site: Site, service_id: int, phone: str, device: str,
         client: str) -> Taken:
    """Take a remote number: an "absent" ticket of the service, with its check-in code."""
    phone = clean_phone(phone)
    phone_key = limit_key(secret, "phone", phone)
    device_key = limit_key(secret, "device", device) if device else ""
    rate_key = limits.key("take", client)
    window = timedelta(hours=1)

    def work(session: Session) -> Taken:
        conn = session.connection()
        now = ctx.clock.now()
        if limits.count(session, rate_key, now, window) >= TAKES_PER_HOUR:
            wait = limits.seconds_left(session, rate_key, now, window)
            raise RateLimited(f"Đã lấy {TAKES_PER_HOUR} số từ xa trong một giờ từ mạng này. Vui lòng thử lại sau "
                              f"{max(1, wait // 60)} phút, hoặc lấy số tại ki-ốt.",
                              f"{TAKES_PER_HOUR} remote numbers were taken from this network in the last hour; "
                              f"please try again in {max(1, wait // 60)} min, or take a number at the kiosk.",
                              retry_after=wait)
        # the service's rule row, locked: takes of one service are one after another (the quota)
        rule = session.scalars(select(RemoteService).where(RemoteService.service_id == service_id)
                               .with_for_update()).one_or_none()
        service = queue.service_to_issue(conn, service_id)
        if service is None or not service.active or service.site_id != site.id:
            raise not_found("dịch vụ", "Service", service_id)
        day = business_day(now, site.timezone)
        sessions = site_sessions(ctx, site, day)
        site_rules = read_rules(session, site.id)
        refusal = rules.taking_refusal(site_rules, bool(rule and rule.enabled), rule.daily_quota if rule else 0,
                                       taken_today(session, service_id, day), sessions,
                                       _local(now, site.timezone).time())
        if refusal is not None:
            raise Conflict(refusal.vi, refusal.en, reason=refusal.reason)
        holds = [_hold(session, f"p:{site.id}:{phone_key}", now, by_phone=True)]
        if device_key:
            holds.append(_hold(session, f"d:{site.id}:{device_key}", now, by_phone=False))
        limits.bump(session, rate_key, now, window)
        ticket = queue.insert_ticket(conn, service, REMOTE, now, channel="remote", state="absent")
        expires = rules.checkin_deadline(site_rules, now, sessions, site.timezone)
        code = None
        for _ in range(8):  # 31^7 codes: a clash is rare; draw again
            candidate = rules.new_checkin_code(secrets.randbelow)
            try:
                with session.begin_nested():
                    session.add(RemoteTicket(ticket_id=ticket.id, site_id=site.id, service_id=service_id,
                                             business_day=day, checkin_code=candidate, phone_key=phone_key,
                                             device_key=device_key, taken_at=now, expires_at=expires,
                                             checked_in_by=""))
                    session.flush()
                code = candidate
                break
            except IntegrityError:
                continue
        if code is None:
            raise Conflict("Không tạo được mã xác nhận, hãy thử lại.", "Could not make a check-in code; try again.")
        for hold in holds:
            hold.ticket_id, hold.updated_at = ticket.id, now
        return Taken(ticket.id, ticket.code, code, expires, service.name_vi, service.name_en)

    return ctx.db.transaction(work)

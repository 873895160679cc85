"""Login throttling: growing delays and a lockout window, per account and per client address.

Wrong passwords are counted in the database (`rate_counters`, keys ``login:u:…`` for an
account and ``login:a:…`` for a client address), so every server process shares the count:
an attacker spreading attempts over the processes behind a proxy gains nothing. Each process
also remembers the refusals it has decided (until when an account or address must wait), so a
flood against a locked account or address is answered from memory: no database read, no hash.

For one key (account or address), after `free` failures each further attempt must wait
2^(n - free) seconds after the last failure (1, 2, 4 … at most 60 s); at `lockout` failures
the key is locked for `login_lockout_minutes` after the last failure, and that lockout is an
``auth.lockout`` event (staff only) the supervisor sees. Failures are forgotten once the
lockout window has passed without a new one. A successful login clears the account's count
(never the address's, or one valid account would launder an address's guesses).

A username is counted case-folded, so "An" and "an" share a count; an unknown username is
counted like a known one (an attacker learns nothing from the answers).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from queue_server.config import Settings
from queue_server.events import log
from queue_server.services.errors import RateLimited
from queue_server.store.tables import RateCounter, Site

MAX_DELAY_SECONDS = 60


@dataclass(frozen=True)
class Keys:
    account: str
    address: str


def keys(username: str, address: str) -> Keys:
    folded = unicodedata.normalize("NFC", username).casefold()
    return Keys("login:u:" + hashlib.sha256(folded.encode()).hexdigest()[:32],
                "login:a:" + hashlib.sha256(address.encode()).hexdigest()[:32])


def _limits(settings: Settings, key: str) -> tuple[int, int]:
    if key.startswith("login:u:"):
        return settings.login_free_failures, settings.login_lockout_failures
    return settings.login_address_free_failures, settings.login_address_lockout_failures


def not_before(settings: Settings, key: str, failures: int, last: datetime) -> datetime | None:
    """When the next attempt for `key` may be tried, or None when it may be tried now."""
    free, lockout = _limits(settings, key)
    if failures >= lockout:
        return last + timedelta(minutes=settings.login_lockout_minutes)
    if failures >= free:
        return last + timedelta(seconds=min(MAX_DELAY_SECONDS, 2 ** (failures - free)))
    return None


# -- what this process has decided (no database read for a flood against a locked key) ------

_refused: dict[str, datetime] = {}
_refused_lock = threading.Lock()


def _remember(key: str, until: datetime) -> None:
    with _refused_lock:
        if len(_refused) > 20000:
            _refused.clear()
        _refused[key] = until


def forget(key: str | None = None) -> None:
    with _refused_lock:
        if key is None:
            _refused.clear()
        else:
            _refused.pop(key, None)


def refusal_from_memory(k: Keys, now: datetime) -> int | None:
    """Seconds to wait if this process already knows the account or address must wait."""
    with _refused_lock:
        until = max((u for u in (_refused.get(k.account), _refused.get(k.address)) if u is not None), default=None)
    if until is None or until <= now:
        return None
    return _seconds(until, now)


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() + 0.999))


def refusal(session: Session, settings: Settings, k: Keys, now: datetime) -> int | None:
    """Seconds to wait before `k` may try a password, or None (reads the shared counts)."""
    window = timedelta(minutes=settings.login_lockout_minutes)
    waits = []
    for row in session.scalars(select(RateCounter).where(RateCounter.key.in_([k.account, k.address]))):
        if row.window_start <= now - window:
            continue
        until = not_before(settings, row.key, row.count, row.window_start)
        if until is not None and until > now:
            _remember(row.key, until)
            waits.append(_seconds(until, now))
    return max(waits) if waits else None


def throttled(seconds: int) -> RateLimited:
    minutes = (seconds + 59) // 60
    if seconds >= 120:
        vi, en = f"khoảng {minutes} phút", f"about {minutes} minutes"
    else:
        vi, en = f"{seconds} giây", f"{seconds} seconds"
    return RateLimited(f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {vi}, "
                       "hoặc nhờ quản trị viên đặt lại mật khẩu.",
                       f"Too many failed logins. Please try again in {en}, or ask an administrator "
                       "to reset the password.", retry_after=seconds)


def _bump(session: Session, key: str, now: datetime, window: timedelta) -> int:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(RateCounter).values(key=key, window_start=now, count=0)
                    .on_conflict_do_nothing(index_elements=["key"]))
    expired = RateCounter.window_start <= now - window
    return session.execute(
        update(RateCounter).where(RateCounter.key == key)
        .values(count=case((expired, 1), else_=RateCounter.count + 1), window_start=now)
        .returning(RateCounter.count)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def record_failure(session: Session, settings: Settings, k: Keys, now: datetime, *, username: str, address: str,
                   site_id: int | None) -> None:
    """Count a wrong password for the account and the address; a new lockout is an event."""
    window = timedelta(minutes=settings.login_lockout_minutes)
    for key, scope in ((k.account, "account"), (k.address, "address")):
        failures = _bump(session, key, now, window)
        until = not_before(settings, key, failures, now)
        if until is not None:
            _remember(key, until)
        if failures == _limits(settings, key)[1]:
            _lockout_event(session, scope=scope, username=username, address=address, failures=failures,
                           until=until, now=now, site_id=site_id)
    if secrets.randbelow(100) == 0:  # now and then, not on every failure: old counts are dead weight
        session.execute(delete(RateCounter).where(RateCounter.key.like("login:%"),
                                                  RateCounter.window_start < now - timedelta(days=1)))


def record_success(session: Session, k: Keys) -> None:
    session.execute(delete(RateCounter).where(RateCounter.key == k.account))
    forget(k.account)


def _lockout_event(session: Session, *, scope: str, username: str, address: str, failures: int, until: datetime,
                   now: datetime, site_id: int | None) -> None:
    if site_id is None:
        site_id = session.scalars(select(Site.id).order_by(Site.id).limit(1)).first()
        if site_id is None:
            return  # no hall yet: nobody to tell
    log.append(session, site_id=site_id, kind="auth.lockout", at=now, actor="anonymous",
               data={"scope": scope, "username": username[:80], "address": address, "failures": failures,
                     "until": until.isoformat()})


__all__ = ["Keys", "keys", "refusal", "refusal_from_memory", "record_failure", "record_success", "throttled",
           "forget", "not_before"]

"""Who is asking: clerks log in with a password (Argon2id, memory-hard), devices present
a token. Only hashes of passwords and tokens are stored."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.config import Settings
from queue_server.services import login_throttle
from queue_server.services.context import ROLES, Actor, Context
from queue_server.services.errors import InvalidInput, RateLimited, Unauthorized
from queue_server.store.tables import AuthSession, Device, Setting, User

# Argon2id with 64 MiB, as OWASP recommends for interactive logins.
_hasher = PasswordHasher(time_cost=2, memory_cost=65536, parallelism=2)
_DUMMY_HASH = _hasher.hash("motcua-timing-equaliser")
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.",
                           f"Password must have at least {MIN_PASSWORD} characters.", field="password")
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class LoginResult:
    token: str
    csrf_token: str
    actor: Actor
    expires_at: str  # the absolute limit (session_hours); idleness ends it sooner


def _actor_of_user(user: User) -> Actor:
    return Actor(kind="user", id=user.id, role=user.role, site_id=user.site_id, name=user.full_name or user.username,
                 agency_id=user.agency_id)


# -- logging in ------------------------------------------------------------------------------
#
# A login runs in three steps so that no database transaction (on SQLite: the one writer
# lock the kiosks need too) is held while a password is hashed:
#   1. `_prepare`: may this account and address try now (login_throttle), and the stored hash;
#   2. the hash, on its own threads, at most `login_hash_concurrency` at once (`LoginGate`);
#   3. `_finish`: count the failure (perhaps a lockout) or open the session.
# A refused attempt costs no hash. The gate also bounds how many logins a process holds at
# once: beyond that a login is refused at once with 429 and Retry-After (no hash, no thread).

LOGIN_WAITING_PER_SLOT = 8  # logins allowed to wait for each hashing slot


class LoginGate:
    """This process's hashing threads and its bound on logins in flight."""

    def __init__(self, hash_slots: int) -> None:
        self.hash_slots = max(1, hash_slots)
        self.max_pending = self.hash_slots * (1 + LOGIN_WAITING_PER_SLOT)
        self.hashes = ThreadPoolExecutor(self.hash_slots, thread_name_prefix="motcua-argon2",
                                         initializer=_yield_to_the_queue)
        self.steps = ThreadPoolExecutor(4, thread_name_prefix="motcua-login")  # the database steps
        self._pending = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            if self._pending >= self.max_pending:
                raise RateLimited("Máy chủ đang xử lý nhiều lượt đăng nhập. Vui lòng thử lại sau 2 giây.",
                                  "The server is handling many logins. Please try again in 2 seconds.",
                                  retry_after=2)
            self._pending += 1

    def leave(self) -> None:
        with self._lock:
            self._pending -= 1


def _yield_to_the_queue() -> None:
    """Hashing threads (and the lane threads Argon2 starts from them) run at a lower CPU
    priority (Linux nice is per thread and inherited), so kiosks and counters come first."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        pass


_gate: LoginGate | None = None
_gate_lock = threading.Lock()


def login_gate(settings: Settings) -> LoginGate:
    global _gate
    with _gate_lock:
        if _gate is None:
            _gate = LoginGate(settings.login_hash_concurrency)
        return _gate


@dataclass
class _Attempt:
    username: str
    address: str
    keys: login_throttle.Keys
    user_id: int | None
    site_id: int | None
    password_hash: str
    active: bool


def _prepare(ctx: Context, username: str, address: str) -> _Attempt:
    k = login_throttle.keys(username, address)
    now = ctx.clock.now()
    wait = login_throttle.refusal_from_memory(k, now)
    if wait is not None:
        raise login_throttle.throttled(wait)
    with ctx.db.reading() as session:
        wait = login_throttle.refusal(session, ctx.settings, k, now)
        if wait is not None:
            raise login_throttle.throttled(wait)
        user = session.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None:
            return _Attempt(username, address, k, None, None, _DUMMY_HASH, False)
        return _Attempt(username, address, k, user.id, user.site_id, user.password_hash, user.active)


def _verify(attempt: _Attempt, password: str) -> tuple[bool, str | None]:
    """Whether the password is right, and a new hash when the stored one needs renewing."""
    try:
        _hasher.verify(attempt.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    ok = attempt.user_id is not None and attempt.active
    renewed = _hasher.hash(password) if ok and _hasher.check_needs_rehash(attempt.password_hash) else None
    return ok, renewed


def _finish(ctx: Context, attempt: _Attempt, ok: bool, renewed: str | None) -> LoginResult:
    def work(session: Session) -> LoginResult | None:
        now = ctx.clock.now()
        if not ok:
            login_throttle.record_failure(session, ctx.settings, attempt.keys, now, username=attempt.username,
                                          address=attempt.address, site_id=attempt.site_id)
            return None
        user = session.get(User, attempt.user_id)
        if user is None or not user.active:
            return None
        if renewed is not None:
            user.password_hash = renewed
        login_throttle.record_success(session, attempt.keys)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        absolute = now + timedelta(hours=ctx.settings.session_hours)
        session.execute(delete(AuthSession).where(AuthSession.expires_at < now))
        session.add(AuthSession(token_hash=token_hash(token), csrf_token=csrf, user_id=user.id, created_at=now,
                                expires_at=_sliding_expiry(ctx, now, now)))
        return LoginResult(token, csrf, _actor_of_user(user), absolute.isoformat())

    result = ctx.db.transaction(work)
    if result is None:
        raise Unauthorized("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")
    return result


def login(ctx: Context, username: str, password: str, address: str = "local") -> LoginResult:
    """Log in from plain code (the three steps on the calling thread, the hash on the gate's)."""
    gate = login_gate(ctx.settings)
    gate.enter()
    try:
        attempt = _prepare(ctx, username, address)
        ok, renewed = gate.hashes.submit(_verify, attempt, password).result()
        return _finish(ctx, attempt, ok, renewed)
    finally:
        gate.leave()


async def login_async(ctx: Context, username: str, password: str, address: str) -> LoginResult:
    """Log in from a request: nothing runs on the event loop but bookkeeping, and nothing
    takes a thread of the pool the kiosks' and counters' requests use."""
    k = login_throttle.keys(username, address)
    wait = login_throttle.refusal_from_memory(k, ctx.clock.now())
    if wait is not None:  # a flood against a locked account or address stops here
        raise login_throttle.throttled(wait)
    gate = login_gate(ctx.settings)
    gate.enter()
    try:
        loop = asyncio.get_running_loop()
        attempt = await loop.run_in_executor(gate.steps, _prepare, ctx, username, address)
        ok, renewed = await loop.run_in_executor(gate.hashes, _verify, attempt, password)
        return await loop.run_in_executor(gate.steps, _finish, ctx, attempt, ok, renewed)
    finally:
        gate.leave()


def logout(ctx: Context, token: str) -> None:
    def work(session: Session) -> None:
        session.execute(delete(AuthSession).where(AuthSession.token_hash == token_hash(token)))
        revoke_everywhere(session)

    ctx.db.transaction(work)
    forget_token(token_hash(token))


# -- sessions: idle and absolute expiry ---------------------------------------------------------
#
# `auth_sessions.expires_at` slides: min(created + session_hours, last activity +
# session_idle_minutes). Activity is written at most every TOUCH_SECONDS per session, so
# the idle limit holds to within that much and a busy console costs one write a minute.

TOUCH_SECONDS = 60.0


def _sliding_expiry(ctx: Context, created: datetime, now: datetime) -> datetime:
    return min(created + timedelta(hours=ctx.settings.session_hours),
               now + timedelta(minutes=ctx.settings.session_idle_minutes))


@dataclass
class Principal:
    actor: Actor
    csrf_token: str | None  # set for a user session (cookie requests must echo it)


# -- who a token belongs to, without a database read per request ---------------------------
#
# Each process remembers the principal behind a token. An entry holds for at most
# AUTH_CACHE_SECONDS, and only while the revocation generation it was read under is still
# current. Every revocation (logout, a device revoked, a user deactivated or changed) writes
# a new generation in the same transaction; each process reads the generation every
# GENERATION_POLL_SECONDS (`watch_generation`), so a revocation holds on every process within
# about that long. An entry is tagged with the generation read *before* its row was, so a
# lookup racing a revocation is dropped at the next poll. Without a fresh generation (no
# watcher running, the database away) nothing is answered from memory.

AUTH_CACHE_SECONDS = 30.0
GENERATION_POLL_SECONDS = 0.3
GENERATION_FRESH_SECONDS = 1.0
GENERATION_KEY = "auth_generation"


@dataclass
class _Entry:
    deadline: float  # monotonic
    generation: str
    principal: Principal | None
    expires_at: datetime | None  # a session's sliding expiry as last read or written
    touched: datetime  # when this session's activity was last written (site clock)


_auth_cache: dict[str, _Entry] = {}
_auth_lock = threading.Lock()
_generation: tuple[str, float] | None = None  # (value, monotonic time read)


def forget_token(digest: str | None = None) -> None:
    with _auth_lock:
        if digest is None:
            _auth_cache.clear()
        else:
            _auth_cache.pop(digest, None)


def _fresh_generation() -> str | None:
    g = _generation
    if g is None or time.monotonic() - g[1] > GENERATION_FRESH_SECONDS:
        return None
    return g[0]


def known_generation() -> str | None:
    """The revocation generation this process last read (fresh or not): a long-lived
    connection (an event stream) checks its principal again whenever it changes."""
    g = _generation
    return g[0] if g is not None else None


def _adopt_generation(value: str, read_at: float) -> None:
    """Note `value` as read by a read that *started* at `read_at`: then a fresh generation
    always reflects every revocation committed more than GENERATION_FRESH_SECONDS ago."""
    global _generation
    if _generation is None or read_at >= _generation[1]:
        _generation = (value, read_at)


def read_generation(ctx: Context) -> str:
    """The current revocation generation (created on first use) and note it for this process."""

    def work(session: Session) -> str:
        row = session.get(Setting, GENERATION_KEY)
        if row is None:
            row = Setting(key=GENERATION_KEY, value=secrets.token_hex(8))
            session.add(row)
        return row.value

    started = time.monotonic()
    with ctx.db.reading() as session:
        row = session.get(Setting, GENERATION_KEY)
        value = row.value if row is not None else None
    if value is None:
        try:
            value = ctx.db.transaction(work)
        except IntegrityError:  # another process created it at the same moment
            value = ctx.db.transaction(work)
    _adopt_generation(value, started)
    return value


def revoke_everywhere(session: Session) -> None:
    """In the transaction that revokes something: every process drops what it remembers."""
    value = secrets.token_hex(8)
    done = session.execute(update(Setting).where(Setting.key == GENERATION_KEY).values(value=value)
                           .execution_options(synchronize_session=False)).rowcount
    if not done:
        session.add(Setting(key=GENERATION_KEY, value=value))

    def committed(_session: Session) -> None:
        _adopt_generation(value, time.monotonic())
        forget_token()

    event.listen(session, "after_commit", committed, once=True)


async def watch_generation(ctx: Context) -> None:
    """Read the revocation generation every GENERATION_POLL_SECONDS, for as long as the app runs."""
    import logging

    while True:
        try:
            await asyncio.to_thread(read_generation, ctx)
        except Exception:  # noqa: BLE001 - the database away: memory answers nothing until it is back
            logging.getLogger(__name__).debug("reading the revocation generation failed", exc_info=True)
        await asyncio.sleep(GENERATION_POLL_SECONDS)


MISS = object()  # what `remembered` says when this process cannot answer from memory


def remembered(ctx: Context, token: str) -> Principal | None | object:
    """The principal behind `token` if this process knows it for sure, else `MISS`
    (no database read: safe to call on the event loop)."""
    generation = _fresh_generation()
    if generation is None:
        return MISS
    with _auth_lock:
        hit = _auth_cache.get(token_hash(token))
    now = time.monotonic()
    if hit is None or hit.deadline <= now or hit.generation != generation:
        return MISS
    if hit.expires_at is not None:
        if hit.expires_at <= ctx.clock.now():
            return None
        if (ctx.clock.now() - hit.touched).total_seconds() >= TOUCH_SECONDS:
            return MISS  # time to write this session's activity
    return hit.principal


def authenticate(ctx: Context, token: str) -> Principal | None:
    """The user session or the device behind a token, or None."""
    known = remembered(ctx, token)
    if known is not MISS:
        return known
    digest = token_hash(token)
    generation = _fresh_generation() or read_generation(ctx)
    principal, expires_at = _lookup(ctx, digest)
    now = time.monotonic()
    with _auth_lock:
        if len(_auth_cache) > 10000:
            _auth_cache.clear()
        _auth_cache[digest] = _Entry(now + AUTH_CACHE_SECONDS, generation, principal, expires_at, ctx.clock.now())
    return principal


def _lookup(ctx: Context, digest: str) -> tuple[Principal | None, datetime | None]:
    now = ctx.clock.now()
    with ctx.db.reading() as session:
        row = session.scalars(select(AuthSession).where(AuthSession.token_hash == digest)).one_or_none()
        if row is not None:
            if row.expires_at <= now:
                return None, None
            user = session.get(User, row.user_id)
            if user is None or not user.active:
                return None, None
            principal = Principal(_actor_of_user(user), row.csrf_token)
            created = row.created_at
        else:
            device = session.scalars(select(Device).where(Device.token_hash == digest)).one_or_none()
            if device is not None and device.active:
                return Principal(Actor(kind="device", id=device.id, role=device.kind, site_id=device.site_id,
                                       name=device.name), None), None
            return None, None
    expires_at = _sliding_expiry(ctx, created, now)

    def touch(session: Session) -> None:
        session.execute(update(AuthSession).where(AuthSession.token_hash == digest, AuthSession.expires_at > now)
                        .values(expires_at=expires_at).execution_options(synchronize_session=False))

    ctx.db.transaction(touch)
    return principal, expires_at


def new_device_token() -> str:
    return "mcd_" + secrets.token_urlsafe(32)


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"Vai trò “{role}” không hợp lệ (chọn: {', '.join(ROLES)}).",
                           f"Unknown role {role!r} (choose: {', '.join(ROLES)}).", field="role")
    return role


def instance_secret(ctx: Context) -> bytes:
    """A random secret shared by every server process (kept in the database)."""

    def work(session: Session) -> str:
        row = session.get(Setting, "instance_secret")
        if row is None:
            row = Setting(key="instance_secret", value=secrets.token_hex(32))
            session.add(row)
        return row.value

    try:
        return bytes.fromhex(ctx.db.transaction(work))
    except IntegrityError:  # another process created it at the same moment: use theirs
        return bytes.fromhex(ctx.db.transaction(work))


def ticket_key(secret: bytes, ticket_id: int) -> str:
    """Short key that lets a phone (the slip's QR) see one ticket's live position."""
    return hmac.new(secret, f"ticket:{ticket_id}".encode(), hashlib.sha256).hexdigest()[:12]

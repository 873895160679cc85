"""Who is asking: clerks log in with a password (Argon2id, memory-hard), devices present
a token. Only hashes of passwords and tokens are stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.services.context import ROLES, Actor, Context
from queue_server.services.errors import InvalidInput, Unauthorized
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
    expires_at: str


def _actor_of_user(user: User) -> Actor:
    return Actor(kind="user", id=user.id, role=user.role, site_id=user.site_id, name=user.full_name or user.username)


def login(ctx: Context, username: str, password: str) -> LoginResult:
    def work(session: Session) -> LoginResult:
        now = ctx.clock.now()
        user = session.scalars(select(User).where(User.username == username)).one_or_none()
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
            ok = user is not None and user.active
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            raise Unauthorized("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        expires = now + timedelta(hours=ctx.settings.session_hours)
        session.execute(delete(AuthSession).where(AuthSession.expires_at < now))
        session.add(AuthSession(token_hash=token_hash(token), csrf_token=csrf, user_id=user.id, created_at=now,
                                expires_at=expires))
        return LoginResult(token, csrf, _actor_of_user(user), expires.isoformat())

    return ctx.db.transaction(work)


def logout(ctx: Context, token: str) -> None:
    def work(session: Session) -> None:
        session.execute(delete(AuthSession).where(AuthSession.token_hash == token_hash(token)))

    ctx.db.transaction(work)
    forget_token(token_hash(token))


@dataclass
class Principal:
    actor: Actor
    csrf_token: str | None  # set for a user session (cookie requests must echo it)


# Who a token belongs to, remembered for a few seconds so that each request does not
# cost a database read. Logout and revocation clear this process's entry at once; other
# server processes notice within AUTH_CACHE_SECONDS.
AUTH_CACHE_SECONDS = 5.0
_auth_cache: dict[str, tuple[float, Principal | None]] = {}
_auth_lock = threading.Lock()


def forget_token(digest: str | None = None) -> None:
    with _auth_lock:
        if digest is None:
            _auth_cache.clear()
        else:
            _auth_cache.pop(digest, None)


MISS = object()  # what `remembered` says when this process does not know the token


def remembered(token: str) -> Principal | None | object:
    """The principal behind `token` if this process looked it up in the last few seconds,
    else `MISS` (no database read: safe to call on the event loop)."""
    with _auth_lock:
        hit = _auth_cache.get(token_hash(token))
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    return MISS


def authenticate(ctx: Context, token: str) -> Principal | None:
    """The user session or the device behind a token, or None."""
    known = remembered(token)
    if known is not MISS:
        return known
    digest = token_hash(token)
    now = time.monotonic()
    principal = _lookup(ctx, digest)
    with _auth_lock:
        if len(_auth_cache) > 10000:
            _auth_cache.clear()
        _auth_cache[digest] = (now + AUTH_CACHE_SECONDS, principal)
    return principal


def _lookup(ctx: Context, digest: str) -> Principal | None:
    with ctx.db.reading() as session:
        row = session.scalars(select(AuthSession).where(AuthSession.token_hash == digest)).one_or_none()
        if row is not None:
            if row.expires_at < ctx.clock.now():
                return None
            user = session.get(User, row.user_id)
            if user is None or not user.active:
                return None
            return Principal(_actor_of_user(user), row.csrf_token)
        device = session.scalars(select(Device).where(Device.token_hash == digest)).one_or_none()
        if device is not None and device.active:
            return Principal(Actor(kind="device", id=device.id, role=device.kind, site_id=device.site_id,
                                   name=device.name), None)
    return None


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

"""The first start of a real hall: while the database has no user at all, anyone who reaches
the server may create the first administrator (and the hall's site, if there is none yet),
from the /setup page, so no JSON file or terminal is needed. Once a user exists this is
refused, for good.

Two people submitting at once: one transaction inserts the `first_admin` setting (a primary
key), so the second waits for the first and then finds a user, on both engines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.events import log
from queue_server.services import admin, auth
from queue_server.services.context import Context
from queue_server.services.errors import Conflict, InvalidInput
from queue_server.services.queue.policy import validate_policy
from queue_server.store.tables import Setting, Site, User

SETUP_KEY = "first_admin"
DONE = Conflict("Hệ thống đã có người dùng; trang cài đặt ban đầu không còn dùng được. Hãy đăng nhập ở /admin.",
                "This server already has users; the first-start setup is closed. Log in at /admin.")


def needed(ctx: Context) -> dict[str, Any]:
    """Whether the first-start setup is open, and whether a site exists already."""
    with ctx.db.reading() as session:
        users = session.scalar(select(func.count()).select_from(User)) or 0
        sites = [admin.site_json(s) for s in session.scalars(select(Site).order_by(Site.id).limit(1))]
    return {"needed": users == 0, "site": sites[0] if sites else None}


def create_first_admin(ctx: Context, *, username: str, password: str, full_name: str = "",
                       site: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create the first administrator (of every site) and, when the database has no site,
    the hall's site from `site` (code, name, agency code, time zone)."""
    if not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise InvalidInput("Tên đăng nhập chỉ gồm chữ, số, dấu chấm, gạch.",
                           "username may hold letters, digits, '.', '_' and '-' only.", field="username")
    digest = auth.hash_password(password)
    now = ctx.clock.now()

    def work(session: Session) -> dict[str, Any]:
        if session.get(Setting, SETUP_KEY) is not None or session.scalar(select(func.count()).select_from(User)):
            raise DONE
        session.add(Setting(key=SETUP_KEY, value=username))
        session.flush()  # the second of two racing setups waits here (primary key), then finds a user
        hall = session.scalars(select(Site).order_by(Site.id).limit(1)).first()
        if hall is None:
            if not site or not site.get("code") or not site.get("name"):
                raise InvalidInput("Chưa có điểm phục vụ: hãy nhập mã và tên điểm phục vụ.",
                                   "There is no site yet: give its code and name.", field="site")
            hall = Site(code=site["code"], name=admin.display_name(site["name"], "site.name"),
                        agency_code=site.get("agency_code") or "",
                        timezone=admin._check_tz(site.get("timezone") or "Asia/Ho_Chi_Minh"),
                        policy=validate_policy({}), created_at=now)
            session.add(hall)
            session.flush()
        user = User(username=username, full_name=admin.display_name(full_name, "full_name"), role="admin",
                    password_hash=digest, site_id=None, active=True, created_at=now)
        session.add(user)
        session.flush()
        log.append(session, site_id=hall.id, kind="admin.user_created", at=now, actor="setup",
                   data={"user": username, "user_id": user.id, "role": "admin", "user_site_id": None,
                         "by_name": "Cài đặt ban đầu / first-start setup"})
        return {"user": admin.user_json(user), "site": admin.site_json(hall)}

    try:
        return ctx.db.transaction(work)
    except IntegrityError:  # the racing second insert of the setting: the first setup won
        raise DONE from None

"""What every use case needs: the database, the clock, the settings; and who is acting."""

from __future__ import annotations

from dataclasses import dataclass

from queue_server.clock import Clock, SystemClock
from queue_server.config import Settings
from queue_server.store.engine import Database


@dataclass
class Context:
    db: Database
    settings: Settings
    clock: Clock

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Context:
        return cls(db=Database(settings.effective_database_url), settings=settings, clock=clock or SystemClock())


# The hall's staff, ranked: each holds the rights of those before it.
RANKED_ROLES = ("clerk", "supervisor", "admin")
# Outside the ranking: a processor (cán bộ of an agency that processes dossiers, issue 17)
# holds no clerk rights; it acts only on its own agency's hand-offs (services/agencies/).
ROLES = (*RANKED_ROLES, "processor")
DEVICE_KINDS = ("kiosk", "display", "agent")


@dataclass(frozen=True)
class Actor:
    """A logged-in person (clerk, supervisor, admin, processor), a device (kiosk, display, agent) or the system."""

    kind: str  # user | device | system | anonymous
    id: int | None = None
    role: str = ""  # clerk | supervisor | admin, or the device kind
    site_id: int | None = None  # None: every site (users only)
    name: str = ""
    agency_id: int | None = None  # a processor's agency

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}" if self.id is not None else self.kind

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    def has_role(self, *roles: str) -> bool:
        """True when this person holds one of `roles` or a higher one (a processor holds
        "processor" only, and no ranked role holds it)."""
        if self.kind == "system":
            return True
        if self.kind != "user":
            return False
        rank = {r: i for i, r in enumerate(RANKED_ROLES)}
        return any(self.role == r if r not in rank else rank.get(self.role, -1) >= rank[r] for r in roles)

    def in_site(self, site_id: int) -> bool:
        return self.kind == "system" or self.site_id is None or self.site_id == site_id


SYSTEM = Actor(kind="system", name="system")
ANONYMOUS = Actor(kind="anonymous")

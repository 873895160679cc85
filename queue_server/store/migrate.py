"""Bring a database to the newest schema with Alembic (used by `motcua init` and at start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The key of the PostgreSQL advisory lock that lets one process at a time migrate
# (any fixed 64-bit number; this one spells "motcua" in ASCII).
MIGRATION_LOCK_KEY = 0x6D6F74637561


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply every pending migration in one transaction.

    On PostgreSQL several server processes may start at once against an empty or older
    database: each first takes a transaction-level advisory lock, so exactly one runs the
    migrations while the others wait; they then read the version it committed and find
    nothing to do. (SQLite serialises writers itself and runs one server process.)
    """
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")

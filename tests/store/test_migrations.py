"""The Alembic migrations build exactly the schema the code expects, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from queue_server.store import migrate
from queue_server.store.engine import Database
from queue_server.store.tables import Base


def test_migrations_match_the_tables_and_can_run_twice(db_url):
    db = Database(db_url)
    try:
        migrate.upgrade(db.engine)
        migrate.upgrade(db.engine)  # a second start-up finds nothing to do
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"the migrations and tables.py disagree: {diff}"
    finally:
        db.dispose()


def test_the_agencies_migration_goes_down_and_up_keeping_the_accounts(db_url):
    """0015 (agencies) undone and redone on a database that holds users: they keep their
    rows; a processor's agency is gone with the agencies table and comes back empty."""
    from alembic import command
    from sqlalchemy import text

    db = Database(db_url)
    try:
        migrate.upgrade(db.engine)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (username, full_name, role, password_hash, active, created_at) "
                              "VALUES ('an', 'An', 'clerk', 'x', true, CURRENT_TIMESTAMP)"))
        cfg = migrate.alembic_config()
        for target in ("0014", "head"):
            with db.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                (command.downgrade if target == "0014" else command.upgrade)(cfg, target)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT username, agency_id FROM users")).all() == [("an", None)]
            assert conn.execute(text("SELECT count(*) FROM dossier_handoffs")).scalar() == 0
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        db.dispose()

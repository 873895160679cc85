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

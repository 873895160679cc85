"""SQLAlchemy tables, engine set-up (SQLite pragmas, PostgreSQL) and Alembic migrations."""

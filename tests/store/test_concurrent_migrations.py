"""Several server processes starting at once on one PostgreSQL: exactly one migrates, the
others wait for it, none fails (an empty database and one left at an older version)."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine, text

from queue_server.store import migrate
from queue_server.store.backup import head_revision
from queue_server.store.engine import Database
from tests.conftest import ServerProcess

pytestmark = pytest.mark.postgres

HEAD = head_revision()


def _versions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    finally:
        engine.dispose()


def _migrate_at_once(url: str, n: int) -> list[BaseException]:
    """n engines (as n processes would have) call upgrade at the same instant."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def start() -> None:
        db = Database(url)
        try:
            barrier.wait()
            migrate.upgrade(db.engine)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=start) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def _to_revision(url: str, revision: str) -> None:
    db = Database(url)
    try:
        cfg = migrate.alembic_config()
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        db.dispose()


def test_four_starts_at_once_on_an_empty_database_migrate_it_once(pg_url):
    assert _migrate_at_once(pg_url, 4) == []
    assert _versions(pg_url) == [HEAD]


def test_four_starts_at_once_on_an_older_database_upgrade_it_once(pg_url):
    _to_revision(pg_url, "0002")
    assert _versions(pg_url) == ["0002"]
    assert _migrate_at_once(pg_url, 4) == []
    assert _versions(pg_url) == [HEAD]


def test_two_motcua_serve_processes_started_together_on_an_empty_database_both_serve(pg_url, tmp_path: Path):
    servers = []
    for name in ("a", "b"):
        data = tmp_path / name
        data.mkdir()
        servers.append(ServerProcess(data, database_url=pg_url))
    failures: list[BaseException] = []

    def start(server: ServerProcess) -> None:
        try:
            server.start(timeout=120)  # generous: a loaded CI machine starts Python slowly
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failures.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in servers]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(150)
        assert failures == []
        for s in servers:
            assert s.proc is not None and s.proc.poll() is None, s.log.read_text(errors="replace")
            assert httpx.get(s.url + "/api/v1/health", timeout=5).json()["status"] == "ok"
        assert _versions(pg_url) == [HEAD]
    finally:
        for s in servers:
            s.stop()

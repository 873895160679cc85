"""Backups a hall can rely on: taken while tickets are being issued, restored into an empty
place with the same tickets, events and dossiers, numbering going on after it; refusals that
leave nothing half-written (issue 13, item 2)."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from queue_server.services import backups
from queue_server.services.queue import tickets as queue
from queue_server.store.backup import BackupError, create_backup, read_manifest, restore_backup
from queue_server.store.tables import Event, Ticket
from tests.conftest import Hall, fresh_postgres_database, make_ctx


def _rows(url: str) -> tuple[list[tuple], int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tickets = [tuple(r) for r in conn.execute(
                select(Ticket.id, Ticket.code, Ticket.state, Ticket.service_id).order_by(Ticket.id))]
            events = conn.execute(select(func.count()).select_from(Event)).scalar_one()
    finally:
        engine.dispose()
    return tickets, events


@pytest.fixture
def target(db_url: str, tmp_path: Path):
    """An empty place on the same engine to restore into."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'motcua.db'}"
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


def test_a_backup_under_load_restores_the_same_tickets_and_numbering_goes_on(hall: Hall, db_url, target,
                                                                             tmp_path, clock):
    ctx = hall.ctx
    ctx.settings.kiosk_tickets_per_minute = 10**6
    for _ in range(20):
        queue.issue_ticket(ctx, hall.kiosk, hall.a)
    stop = threading.Event()
    issued_meanwhile = []

    def kiosk() -> None:  # a kiosk keeps issuing while the backup runs
        while not stop.is_set():
            issued_meanwhile.append(queue.issue_ticket(ctx, hall.kiosk, hall.b).ticket.code)

    worker = threading.Thread(target=kiosk)
    worker.start()
    try:
        info = create_backup(db_url, tmp_path / "hall.tar.gz")
    finally:
        stop.set()
        worker.join()
    assert issued_meanwhile, "the kiosk issued nothing during the backup"

    restored = restore_backup(tmp_path / "hall.tar.gz", target)
    tickets, events = _rows(target)
    source_tickets, _ = _rows(db_url)
    # a consistent snapshot: what the backup holds is exactly the source's first tickets, unchanged
    assert tickets == source_tickets[:len(tickets)]
    assert len(tickets) >= 20 and restored.counts == info.counts
    assert info.counts["tickets"] == len(tickets) and info.counts["events"] == events

    # the restored hall goes on numbering after the last ticket it holds
    restored_ctx = make_ctx(target, tmp_path / "restored-settings", clock)
    restored_ctx.settings.kiosk_tickets_per_minute = 10**6
    try:
        last_b = max((int(code[1:]) for _, code, _, service in tickets if service == hall.b), default=0)
        nxt = queue.issue_ticket(restored_ctx, hall.kiosk, hall.b).ticket.code
        assert nxt == f"B{last_b + 1:03d}"
    finally:
        restored_ctx.db.dispose()


def test_restore_refuses_a_place_with_data_and_a_newer_schema(hall: Hall, db_url, tmp_path):
    out = tmp_path / "b.tar.gz"
    create_backup(db_url, out)
    with pytest.raises(BackupError, match="đã có dữ liệu.*already holds data"):
        restore_backup(out, db_url)  # onto the running hall itself

    # a backup from a newer Motcua: refused, naming both versions
    newer = tmp_path / "newer.tar.gz"
    manifest = read_manifest(out)
    manifest["revision"] = "9999_from_the_future"
    with tarfile.open(out, "r:gz") as src, tarfile.open(newer, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    fresh = f"sqlite:///{tmp_path / 'fresh' / 'motcua.db'}" if db_url.startswith("sqlite") else None
    if fresh:
        with pytest.raises(BackupError, match="9999_from_the_future.*newest: 0"):
            restore_backup(newer, fresh)
        assert not (tmp_path / "fresh" / "motcua.db").exists()


def test_a_backup_that_cannot_be_written_leaves_no_file_behind(hall: Hall, db_url, tmp_path, monkeypatch):
    with pytest.raises(BackupError, match="không tồn tại.*does not exist"):
        create_backup(db_url, tmp_path / "no-such-folder" / "b.tar.gz")

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tarfile.TarFile, "addfile", disk_full)
    with pytest.raises(BackupError, match="No space left on device"):
        create_backup(db_url, tmp_path / "b.tar.gz")
    assert list(tmp_path.glob("*b.tar.gz*")) == [] and list(tmp_path.glob(".motcua-backup-*")) == []


def test_backups_run_when_due_keep_the_newest_and_are_recorded(hall: Hall, clock, tmp_path):
    ctx = hall.ctx
    ctx.settings.backup_dir = str(tmp_path / "backups")
    ctx.settings.backup_every_hours = 24
    ctx.settings.backup_keep = 2
    assert backups.backup_if_due(ctx) is not None  # none yet: made now
    assert backups.backup_if_due(ctx) is None  # fresh: nothing to do
    for _ in range(3):
        clock.advance(hours=25)
        assert backups.backup_if_due(ctx) is not None
    kept = backups.backups(tmp_path / "backups")
    assert len(kept) == 2 and kept[-1].name == backups.backup_name(clock.now())
    with ctx.db.reading() as session:
        made = session.scalars(select(Event).where(Event.kind == "system.backup")).all()
    assert len(made) == 4 and made[-1].data["file"] == kept[-1].name and made[-1].data["removed"]
    assert "tickets" in made[-1].data["counts"]


def test_backup_and_restore_from_the_command_line_serve_the_same_hall(tmp_path):
    """The contract: `motcua backup`, `motcua restore --data NEWDIR`, then `motcua serve --data
    NEWDIR` answers with the same tickets and the next number continues."""
    import subprocess
    import sys

    import httpx

    from queue_server.clock import SystemClock
    from queue_server.config import load_settings
    from queue_server.services.context import Context
    from queue_server.store import migrate
    from tests.conftest import ROOT, ServerProcess, build_hall

    src = tmp_path / "hall"
    ctx = Context.create(load_settings(env={}, data_dir=str(src)), SystemClock())
    migrate.upgrade(ctx.db.engine)
    hall = build_hall(ctx)
    codes = [queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket.code for _ in range(3)]
    ctx.db.dispose()  # the kiosk's token comes back with the backup

    def motcua(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "queue_server.cli", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})

    made = motcua("backup", "--data", str(src), "--out", str(tmp_path / "hall.tar.gz"))
    assert made.returncode == 0, made.stderr
    assert "3 tickets" in made.stdout
    restored = motcua("restore", "--from", str(tmp_path / "hall.tar.gz"), "--data", str(tmp_path / "new"))
    assert restored.returncode == 0, restored.stderr
    again = motcua("restore", "--from", str(tmp_path / "hall.tar.gz"), "--data", str(tmp_path / "new"))
    assert again.returncode == 2 and "không trống" in again.stderr and "not empty" in again.stderr

    server = ServerProcess(tmp_path / "new").start()
    try:
        auth = {"Authorization": f"Bearer {hall.kiosk_token}"}
        issued = httpx.post(f"{server.url}/api/v1/tickets", json={"service_id": hall.a}, headers=auth)
        assert issued.status_code == 201, issued.text
        assert issued.json()["ticket"]["code"] == "A004" and codes == ["A001", "A002", "A003"]
    finally:
        server.stop()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_running_server_backs_itself_up_and_purges_on_its_own(hall: Hall, clock, tmp_path):
    """The server's own schedule, not only the command: a backup when none is fresh, and the
    daily purge of personal data past retention."""
    import time

    from fastapi.testclient import TestClient

    from queue_server.api.app import create_app
    from queue_server.services import feedback

    ctx = hall.ctx
    ctx.settings.backup_dir = str(tmp_path / "scheduled")
    ctx.settings.retention_feedback_days = 1
    feedback.give_rating(ctx, hall.kiosk, level="satisfied", comment="Gọi tôi: 0912345678")
    clock.advance(days=2)

    def comment() -> str:
        with ctx.db.reading() as session:
            return session.scalars(select(Event).where(Event.kind == "rating.given")).one().data["comment"]

    with TestClient(create_app(ctx.settings, ctx=ctx, maintain_seconds=0.2)):
        deadline = time.monotonic() + 30
        while (not backups.backups(tmp_path / "scheduled") or comment()) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # a few more rounds
    assert len(backups.backups(tmp_path / "scheduled")) == 1  # one, not one per round
    assert comment() == ""  # the daily purge ran
    with ctx.db.reading() as session:
        assert session.scalars(select(Event).where(Event.kind == "system.backup")).first() is not None
        assert session.scalars(select(Event).where(Event.kind == "system.purge")).one().data["comments"] == 1

"""Backups as the hall runs them: on demand (`motcua backup`), and every few hours while a
server runs, into the backup folder with the oldest removed beyond `backup_keep`.

The mechanics (a consistent copy on either engine, restoring into an empty place) are in
`store/backup.py`; this module decides where, when and how many, and records each backup
as a `system.backup` event (staff only) so the supervisor and `motcua doctor` see the last one.
"""

from __future__ import annotations

import fcntl
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.events import log
from queue_server.services.context import Context
from queue_server.store.backup import BackupInfo, create_backup
from queue_server.store.tables import Site

PATTERN = "motcua-*.tar.gz"


def backup_name(now: datetime) -> str:
    return f"motcua-{now:%Y%m%d-%H%M%S}.tar.gz"


def made_at(path: Path) -> datetime | None:
    """When a backup in the folder was made, from its name (UTC, as the clock gives it)."""
    try:
        return datetime.strptime(path.name, "motcua-%Y%m%d-%H%M%S.tar.gz").replace(tzinfo=UTC)
    except ValueError:
        return None


def backups(folder: Path) -> list[Path]:
    """The folder's backups, oldest first (their names sort by time)."""
    return sorted(p for p in folder.glob(PATTERN) if p.is_file())


def newest_backup(folder: Path) -> Path | None:
    found = backups(folder)
    return found[-1] if found else None


def rotate(folder: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest backups; the removed paths."""
    found = backups(folder)
    old = found[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


def make_backup(ctx: Context, out: Path | None = None) -> BackupInfo:
    """A backup now: to `out`, or into the backup folder (then rotated). Recorded as an event."""
    now = ctx.clock.now()
    folder = ctx.settings.effective_backup_dir
    if out is None:
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / backup_name(now)
    info = create_backup(ctx.settings.effective_database_url, out, now=now)
    removed = rotate(folder, ctx.settings.backup_keep) if out.resolve().parent == folder.resolve() else []
    size = info.path.stat().st_size

    def record(session: Session) -> None:
        for site_id in session.scalars(select(Site.id)):
            log.append(session, site_id=site_id, kind="system.backup", at=now, actor="system",
                       data={"file": info.path.name, "bytes": size, "counts": info.counts,
                             "removed": [p.name for p in removed]})

    ctx.db.transaction(record)
    return info


def backup_if_due(ctx: Context) -> BackupInfo | None:
    """Make a backup when the newest in the folder is older than `backup_every_hours` (or
    there is none). Several server processes on one machine take turns through a lock file:
    one backs up, the others find the fresh backup and do nothing."""
    hours = ctx.settings.backup_every_hours
    if hours <= 0:
        return None
    folder = ctx.settings.effective_backup_dir
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # another process is backing up now
        newest = newest_backup(folder)
        now = ctx.clock.now()
        made = made_at(newest) if newest is not None else None
        if made is not None and now - made < timedelta(hours=hours):
            return None
        return make_backup(ctx)

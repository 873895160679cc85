"""Consistent copies of a hall's database while it runs, and restoring one into an empty place.

A backup is one gzip'd tar file holding `manifest.json` (format, engine, schema revision,
when, row counts) and the data: `motcua.db` for SQLite (sqlite3's online backup API, which
copies a consistent snapshot while writers go on), `motcua.pgdump` for PostgreSQL
(`pg_dump --format=custom`; a clear error when the tool is missing). The file is written
beside its destination under a hidden `.partial` name and renamed only when complete, so
a full disk or a killed process never leaves a file that looks like a good backup.

Restoring refuses a place that already holds data, and a backup whose schema revision this
version does not know (it was made by a newer Motcua); an older one is restored and then
migrated forward.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url

from queue_server.store.migrate import alembic_config

FORMAT = "motcua-backup/1"
COUNTED = ("tickets", "events", "dossiers")
SQLITE_MEMBER = "motcua.db"
PG_MEMBER = "motcua.pgdump"


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; says why in Vietnamese, then English."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    engine: str  # "sqlite" | "postgresql"
    revision: str
    created_at: datetime
    counts: dict[str, int]

    def summary(self) -> str:
        counts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        return f"{self.path} ({self.engine}, schema {self.revision}, {counts})"


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def _engine_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"không sao lưu được cơ sở dữ liệu loại {backend}",
                          f"cannot back up a {backend} database")
    return backend


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _read_facts(conn: Connection) -> tuple[str, dict[str, int]]:
    names = set(inspect(conn).get_table_names())
    if "alembic_version" not in names:
        raise BackupError("cơ sở dữ liệu chưa được khởi tạo (chạy motcua init)",
                          "the database has no Motcua schema (run motcua init)")
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    counts = {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in COUNTED if t in names}
    return revision, counts


def _facts(url: str) -> tuple[str, dict[str, int]]:
    """The schema revision and the row counts of the database at `url`."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _read_facts(conn)
    finally:
        engine.dispose()


@contextmanager
def _written_atomically(out: Path) -> Iterator[Path]:
    """A temporary path beside `out`, renamed to `out` only if the block succeeds."""
    out = out.resolve()
    if out.exists():
        raise BackupError(f"tệp {out} đã có; chọn tên khác", f"{out} exists already; choose another name")
    if not out.parent.is_dir():
        raise BackupError(f"thư mục {out.parent} không tồn tại", f"the folder {out.parent} does not exist")
    partial = out.with_name(f".{out.name}.partial")
    try:
        yield partial
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, out)
    except OSError as exc:
        raise BackupError(f"không ghi được bản sao lưu vào {out}: {exc.strerror or exc}",
                          f"could not write the backup to {out}: {exc.strerror or exc}") from exc
    finally:
        if partial.exists():
            partial.unlink()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được",
                          "an in-memory SQLite database cannot be backed up")
    return Path(database)


def _dump_sqlite(url: str, into: Path) -> None:
    source = _sqlite_path(url)
    if not source.exists():
        raise BackupError(f"không thấy cơ sở dữ liệu {source}", f"no database at {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(into)
    try:
        src.backup(dst)  # one consistent snapshot; writers in WAL mode carry on meanwhile
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"bản sao không toàn vẹn: {ok}", f"the copy failed its integrity check: {ok}")
    finally:
        dst.close()
        src.close()


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"máy này không có {name} (cài gói postgresql-client)",
                          f"{name} is not installed on this machine (install postgresql-client)")
    return path


def _dump_postgres(url: str, into: Path) -> tuple[str, dict[str, int]]:
    """pg_dump of one exported snapshot, and the revision and counts read in that same
    snapshot (so the manifest describes exactly what the dump holds)."""
    tool = _pg_tool("pg_dump")
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = _read_facts(conn)
            result = subprocess.run([tool, "--format=custom", "--no-owner", "--no-privileges",
                                     f"--snapshot={snapshot}", f"--file={into}", f"--dbname={_libpq_url(url)}"],
                                    capture_output=True, text=True, timeout=3600)
    finally:
        engine.dispose()
    if result.returncode != 0:
        raise BackupError(f"pg_dump thất bại: {result.stderr.strip()[-500:]}",
                          f"pg_dump failed: {result.stderr.strip()[-500:]}")
    return facts


def create_backup(url: str, out: Path, *, now: datetime | None = None) -> BackupInfo:
    """Write a consistent backup of the database at `url` to `out` (which must not exist)."""
    kind = _engine_kind(url)
    now = now or datetime.now(UTC)
    with _written_atomically(Path(out)) as partial, tempfile.TemporaryDirectory(
            dir=Path(out).resolve().parent, prefix=".motcua-backup-") as work:
        member = Path(work) / (SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER)
        if kind == "sqlite":
            _dump_sqlite(url, member)
            revision, counts = _facts(f"sqlite:///{member}")
        else:
            revision, counts = _dump_postgres(url, member)
        manifest = {"format": FORMAT, "engine": kind, "revision": revision, "created_at": now.isoformat(),
                    "counts": counts}
        (Path(work) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(Path(work) / "manifest.json", arcname="manifest.json")
            tar.add(member, arcname=member.name)
    return BackupInfo(Path(out).resolve(), kind, revision, now, counts)


def read_manifest(src: Path) -> dict[str, Any]:
    try:
        with tarfile.open(src, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member else None
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{src} không phải bản sao lưu Motcua ({exc})",
                          f"{src} is not a Motcua backup ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{src} không phải bản sao lưu Motcua", f"{src} is not a Motcua backup")
    return manifest


def _target_is_empty(url: str, kind: str) -> bool:
    if kind == "sqlite":
        path = _sqlite_path(url)
        return not path.exists() or path.stat().st_size == 0
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def restore_backup(src: Path, url: str) -> BackupInfo:
    """Put the backup `src` into the empty database at `url`, then migrate it to this version."""
    from queue_server.store import migrate
    from queue_server.store.engine import make_engine

    manifest = read_manifest(Path(src))
    kind = _engine_kind(url)
    if manifest["engine"] != kind:
        raise BackupError(f"bản sao lưu là {manifest['engine']}, nơi khôi phục là {kind}",
                          f"the backup is of {manifest['engine']}, the target is {kind}")
    revision = manifest["revision"]
    if revision not in known_revisions():
        raise BackupError(
            f"bản sao lưu có lược đồ {revision}, mới hơn phiên bản này (mới nhất: {head_revision()}); "
            "hãy cập nhật Motcua trước",
            f"the backup's schema {revision} is newer than this version knows (newest: {head_revision()}); "
            "upgrade Motcua first")
    if not _target_is_empty(url, kind):
        raise BackupError("nơi khôi phục đã có dữ liệu; chỉ khôi phục vào nơi trống",
                          "the target already holds data; restore only into an empty place")
    with tempfile.TemporaryDirectory(prefix=".motcua-restore-") as work:
        with tarfile.open(src, "r:gz") as tar:
            member = SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER
            tar.extract(member, work, filter="data")
        data = Path(work) / member
        if kind == "sqlite":
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            shutil.copyfile(data, partial)
            os.replace(partial, target)
        else:
            result = subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                                     "--single-transaction", f"--dbname={_libpq_url(url)}", str(data)],
                                    capture_output=True, text=True, timeout=3600)
            if result.returncode != 0:
                raise BackupError(f"pg_restore thất bại: {result.stderr.strip()[-500:]}",
                                  f"pg_restore failed: {result.stderr.strip()[-500:]}")
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    new_revision, counts = _facts(url)
    return BackupInfo(Path(src).resolve(), kind, new_revision,
                      datetime.fromisoformat(manifest["created_at"]), counts)

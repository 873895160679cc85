"""Personal data kept only as long as configured: a year of dossiers and ratings, then the
purge (issue 13, item 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from queue_server.services import feedback, retention
from queue_server.services.context import SYSTEM
from queue_server.services.dossiers import lookup as dossier_lookup
from queue_server.services.dossiers import reception as dossiers
from queue_server.services.dossiers import reports as dossier_reports
from queue_server.store.tables import Dossier, Event
from tests.dossiers.helpers import APPLICANT, at_local, receive_at

PERSONAL = ("applicant_id_number", "applicant_phone", "applicant_email", "applicant_address")


@pytest.fixture
def year(ctx, hall, clock):
    """A dossier and a rating with a comment every week of 2026 (Mondays); most returned the
    next day, every fifth refused, the last four still open."""
    made = []
    monday = at_local(clock, "2026-01-05 09:00")
    for week in range(52):
        when = (monday + timedelta(weeks=week)).strftime("%Y-%m-%d %H:%M")
        d = receive_at(ctx, clock, hall.clerk, when)
        feedback.give_rating(ctx, hall.kiosk, level="unsatisfied", reasons=["long_wait"],
                             comment=f"Tôi là {APPLICANT['name']}, gọi 0912345678")
        if week < 48:
            clock.advance(days=1)
            if week % 5 == 0:
                dossiers.refuse(ctx, hall.clerk, d["id"], reason="Không thuộc thẩm quyền.")
            else:
                dossiers.result_ready(ctx, hall.clerk, d["id"])
                dossiers.return_result(ctx, hall.clerk, d["id"])
        made.append(d)
    return made


def _dossier_rows(ctx):
    with ctx.db.reading() as session:
        return {d.code: d for d in session.scalars(select(Dossier))}


def test_a_year_later_closed_dossiers_lose_contact_data_and_keep_the_record(ctx, hall, clock, year):
    ctx.settings.retention_dossier_days = 365
    ctx.settings.retention_feedback_days = 180
    at_local(clock, "2027-03-01 08:00")  # closed before 2026-03-01 are due; comments before 2026-09-02
    dry = retention.purge_all(ctx, SYSTEM, dry_run=True)
    assert dry.dry_run and sum(dry.dossiers.values()) == 8  # the January and February Mondays
    assert 30 <= sum(dry.comments.values()) <= 36
    assert all(d.applicant_id_number for d in _dossier_rows(ctx).values())  # a dry run changes nothing

    done = retention.purge_all(ctx, SYSTEM)
    assert done.dossiers == dry.dossiers and done.comments == dry.comments
    rows = _dossier_rows(ctx)
    for d in year:
        row = rows[d["code"]]
        old = row.state in retention.CLOSED and row.state_changed_at < clock.now() - timedelta(days=365)
        held = [getattr(row, name) for name in PERSONAL]
        if old:
            assert held == ["", "", "", ""] and row.delivery_address == ""
        else:
            assert held[0] == APPLICANT["id_number"] and held[1]  # open or recent: kept
        assert row.applicant_name == APPLICANT["name"] and row.procedure_code  # the logbook's columns stay

    # the logbook of January still lists every dossier with its applicant, now without contact data
    _, _, data = dossier_reports.logbook(ctx, hall.supervisor, "csv", start="2026-01-01", end="2026-01-31")
    text = data.decode("utf-8-sig")
    assert text.count(APPLICANT["name"]) == 4 and "0912345678" not in text and "Nguyễn Trãi" not in text

    # the citizen's public lookup of an erased dossier still answers
    first = year[0]
    found = dossier_lookup.lookup(ctx, code=first["code"], key=first["lookup_code"], client="198.51.100.7")
    assert found["code"] == first["code"]

    with ctx.db.reading() as session:
        ratings = session.scalars(select(Event).where(Event.kind == "rating.given").order_by(Event.id)).all()
        purges = session.scalars(select(Event).where(Event.kind == "system.purge")).all()
    erased = [r for r in ratings if r.data.get("comment_erased")]
    assert len(erased) == sum(done.comments.values()) and all(r.data["comment"] == "" for r in erased)
    assert all(r.data["level"] == "unsatisfied" and r.data["reasons"] == ["long_wait"] for r in erased)
    assert ratings[-1].data["comment"]  # recent comments stay
    # each purge is an event with counts, never a name or a number
    assert purges and sum(p.data["dossiers"] for p in purges) == 8
    assert all(APPLICANT["name"] not in str(p.data) and "0912" not in str(p.data) for p in purges)

    assert retention.purge_all(ctx, SYSTEM).total == 0  # nothing twice


def test_purging_in_small_batches_reaches_everything(ctx, hall, clock, year):
    ctx.settings.retention_dossier_days = 30
    ctx.settings.retention_feedback_days = 0  # comments kept
    at_local(clock, "2027-06-01 08:00")
    first = retention.purge(ctx, SYSTEM, batch=5)
    assert sum(first.dossiers.values()) == 5 and not first.comments
    rest = retention.purge_all(ctx, SYSTEM)
    assert sum(rest.dossiers.values()) == 48 - 5
    rows = _dossier_rows(ctx).values()
    assert sum(1 for d in rows if d.applicant_id_number) == 4  # only the open ones
    with ctx.db.reading() as session:
        assert all(e.data["comment"] for e in session.scalars(select(Event).where(Event.kind == "rating.given")))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_motcua_purge_counts_with_dry_run_then_erases(ctx, hall, clock, year, tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    def motcua(*args: str) -> subprocess.CompletedProcess:
        env = {"PATH": "/usr/bin:/bin", "MOTCUA_RETENTION_DOSSIER_DAYS": "1"}
        return subprocess.run([sys.executable, "-m", "queue_server.cli", "purge", "--data", str(tmp_path), *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)

    from datetime import UTC, datetime

    day_ago = datetime.now(UTC) - timedelta(days=1)  # the command runs on the machine's clock
    due = sum(1 for d in _dossier_rows(ctx).values() if d.state in retention.CLOSED and d.state_changed_at < day_ago)
    assert due >= 40
    dry = motcua("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"Sẽ xoá / would erase: {due} hồ sơ / dossiers" in dry.stdout
    assert all(d.applicant_id_number for d in _dossier_rows(ctx).values())
    done = motcua()
    assert done.returncode == 0 and f"Đã xoá / erased: {due} hồ sơ / dossiers" in done.stdout
    assert sum(1 for d in _dossier_rows(ctx).values() if not d.applicant_id_number) == due

"""`motcua dossier sweep`: the overdue flags and the agencies' late steps, once each."""

from __future__ import annotations

from queue_server.cli import main
from queue_server.services.agencies import handoffs
from tests.agencies.helpers import PROCEDURE, build_agencies
from tests.conftest import build_hall, make_ctx
from tests.dossiers.helpers import receive_at


def test_the_sweep_flags_a_step_left_late_once(tmp_path, clock, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    ctx = make_ctx(f"sqlite:///{data / 'motcua.db'}", data, clock)
    hall = build_hall(ctx)
    ag = build_agencies(ctx, hall)
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", PROCEDURE)  # long before the real clock's today
    handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.qldt)
    ctx.db.dispose()
    assert main(["dossier", "sweep", "--data", str(data)]) == 0
    assert "late steps: 1" in capsys.readouterr().out
    assert main(["dossier", "sweep", "--data", str(data)]) == 0
    assert "late steps: 0" in capsys.readouterr().out

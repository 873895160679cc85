"""Following a dossier: hand-offs with who/when/early-on time-late (Mẫu 05), a request for
more documents that restarts the clock (Mẫu 02), refusal (Mẫu 03), result ready, returned,
an apology with a new date (Mẫu 04), and due-soon / overdue flags raised once each."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from queue_server.services.dossiers import reception as dossiers
from queue_server.services.dossiers.reports import supervision
from queue_server.services.errors import Conflict, InvalidInput
from queue_server.store.tables import Event
from tests.dossiers.helpers import at_local, due_local, receive_at


def _kinds(ctx) -> list[str]:
    with ctx.db.reading() as session:
        return [e.kind for e in session.scalars(select(Event).where(Event.kind.like("dossier.%")).order_by(Event.id))]


def test_hand_offs_record_who_when_and_timing(ctx, hall, clock) -> None:
    # kết hôn, 1 working day: received Monday 09:00, due Tuesday 17:00
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", "1.000894")
    at_local(clock, "2026-03-02 10:00")
    dossiers.hand_off(ctx, hall.clerk, d["id"], to_agency="Công chức Tư pháp – Hộ tịch", received_by="Lê Văn Tư")
    at_local(clock, "2026-03-03 16:00")
    dossiers.hand_off(ctx, hall.clerk, d["code"], to_agency="Chủ tịch UBND phường", received_by="Phạm Thị Năm")
    at_local(clock, "2026-03-04 08:00")
    out = dossiers.result_ready(ctx, hall.clerk, d["id"])
    steps = out["steps"]
    handoffs = [s for s in steps if s["kind"] == "handed_off"]
    assert [(s["from_agency"], s["to_agency"], s["received_by"], s["handed_by"], s["timing"]) for s in handoffs] == [
        ("Bộ phận tiếp nhận và trả kết quả", "Công chức Tư pháp – Hộ tịch", "Lê Văn Tư", "an", "early"),
        ("Công chức Tư pháp – Hộ tịch", "Chủ tịch UBND phường", "Phạm Thị Năm", "an", "on_time"),
    ]
    assert steps[-1]["kind"] == "result_ready" and steps[-1]["timing"] == "late"
    assert out["state"] == "result_ready" and out["outcome"] == "late"
    at_local(clock, "2026-03-04 09:00")
    returned = dossiers.return_result(ctx, hall.clerk, d["id"], collected_by="Nguyễn Thị Hồng Nhung")
    assert returned["state"] == "returned" and returned["steps"][-1]["received_by"] == "Nguyễn Thị Hồng Nhung"
    assert _kinds(ctx) == ["dossier.received", "dossier.handed_off", "dossier.handed_off", "dossier.result_ready",
                           "dossier.returned"]
    late = supervision(ctx, hall.supervisor, start="2026-03-01", end="2026-03-31")
    assert [x["code"] for x in late["returned_late"]] == [d["code"]]
    assert late["by_procedure"][0]["key"] == "1.000894" and late["by_procedure"][0]["returned_late"] == 1


def test_supplement_request_stops_then_restarts_the_clock(ctx, hall, clock) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", "1.004194")  # 3 working days -> Thu 5/3
    assert due_local(d) == "2026-03-05 17:00 Thu"
    at_local(clock, "2026-03-03 10:00")
    asked = dossiers.request_supplement(ctx, hall.clerk, d["id"], missing=["Bản sao sổ đỏ có chứng thực"],
                                        reason="Thiếu giấy tờ chứng minh chỗ ở hợp pháp", contact="Lê Văn Tư, 0243 123 4567")
    assert asked["state"] == "supplement_requested" and asked["due_state"] is None  # not counted as late
    at_local(clock, "2026-03-09 14:00")  # the applicant comes back the next Monday
    again = dossiers.supplement(ctx, hall.clerk, d["id"])
    assert again["state"] == "received"
    assert due_local(again) == "2026-03-12 17:00 Thu"  # 3 working days from the day it became complete


def test_refusal_then_papers_returned(ctx, hall, clock) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00")
    refused = dossiers.refuse(ctx, hall.clerk, d["id"], reason="Chỗ ở không thuộc địa bàn phường.")
    assert refused["state"] == "refused"
    with pytest.raises(Conflict):
        dossiers.hand_off(ctx, hall.clerk, d["id"], to_agency="Công an phường")
    back = dossiers.return_result(ctx, hall.clerk, d["id"])
    assert back["state"] == "returned" and back["outcome"] is None  # a refusal is not "late"


def test_apology_promises_a_new_date_after_the_old(ctx, hall, clock) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", "1.000894")  # due Tue 3/3 17:00
    at_local(clock, "2026-03-03 16:00")
    with pytest.raises(InvalidInput):
        dossiers.issue_apology(ctx, hall.clerk, d["id"], reason="Cần xác minh", new_appointment="2026-03-03 10:00")
    out = dossiers.issue_apology(ctx, hall.clerk, d["id"], reason="Cần xác minh thêm tình trạng hôn nhân",
                                 new_appointment="2026-03-06 16:00")
    assert due_local(out) == "2026-03-06 16:00 Fri"
    assert out["due_at"] != out["appointment_at"]  # lateness is still judged on the legal date
    assert out["steps"][-1]["kind"] == "apology"


def test_overdue_flags_before_and_after_the_due_date_once(ctx, hall, clock) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", "1.004222")  # 7 working days: Wed 11/3 17:00
    at_local(clock, "2026-03-09 09:00")
    assert dossiers.flag_overdue(ctx, hall.supervisor) == {"due_soon": 0, "overdue": 0}
    at_local(clock, "2026-03-10 08:00")  # the working day before: due soon
    assert dossiers.flag_overdue(ctx, hall.supervisor) == {"due_soon": 1, "overdue": 0}
    assert dossiers.flag_overdue(ctx, hall.supervisor) == {"due_soon": 0, "overdue": 0}  # once
    listed = supervision(ctx, hall.supervisor)
    assert [x["code"] for x in listed["due"]] == [d["code"]] and listed["late"] == []
    at_local(clock, "2026-03-11 17:01")
    assert dossiers.flag_overdue(ctx, hall.supervisor) == {"due_soon": 0, "overdue": 1}
    listed = supervision(ctx, hall.supervisor)
    assert [x["code"] for x in listed["late"]] == [d["code"]]
    assert listed["by_agency"][0] == {"key": "Bộ phận tiếp nhận và trả kết quả",
                                      "name": "Bộ phận tiếp nhận và trả kết quả", "due": 0, "late": 1,
                                      "returned_late": 0}
    assert _kinds(ctx)[-2:] == ["dossier.due_soon", "dossier.overdue"]


def test_due_soon_skips_back_over_a_weekend(ctx, hall, clock) -> None:
    receive_at(ctx, clock, hall.clerk, "2026-03-05 09:00", "1.000894")  # Thu -> due Fri 6/3
    receive_at(ctx, clock, hall.clerk, "2026-03-06 09:00", "1.000894")  # Fri -> due Mon 9/3: warn from Fri
    at_local(clock, "2026-03-06 10:00")
    assert dossiers.flag_overdue(ctx, hall.supervisor) == {"due_soon": 2, "overdue": 0}

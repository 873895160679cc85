"""A dossier travels desk → department → department → desk, each step signed by the
department's own processor; each row gets its deadline from the route and its mark when it
is handed on; bad hand-offs are refused naming the field; one of two signers wins."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from queue_server.services.agencies import handoffs, inbox, lateness, registry
from queue_server.services.dossiers import reception as dossiers
from queue_server.services.errors import Conflict, Forbidden, InvalidInput
from queue_server.store.tables import Event
from tests.agencies.helpers import PROCEDURE, build_agencies
from tests.dossiers.helpers import at_local, receive_at


@pytest.fixture
def ag(ctx, hall):
    return build_agencies(ctx, hall)


def _kinds(ctx, prefix="dossier.") -> list[str]:
    with ctx.db.reading() as s:
        return [e.kind for e in s.scalars(select(Event).order_by(Event.id)) if e.kind.startswith(prefix)]


def test_a_dossier_travels_desk_qldt_vp_desk_with_deadlines_and_marks(ctx, hall, clock, ag) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", PROCEDURE)
    assert d["route"][0]["name_vi"] == "Phòng Quản lý đô thị" and d["next_route_agency_id"] == ag.qldt
    at_local(clock, "2026-03-02 10:00")
    out = handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.qldt)
    first = out["handoffs"][0]
    # half of 20 working days = 10 days of 7.5 working hours from Monday 10:00
    assert first["step_due_at_vi"] == "10 giờ 00 phút, Thứ Hai, ngày 16/03/2026"
    assert first["state"] == "pending" and not first["off_route"] and out["current_agency_id"] == ag.qldt
    assert out["current_agency"] == "Phòng Quản lý đô thị" and out["state"] == "in_progress"

    box = inbox.inbox(ctx, ag.p_qldt, ag.qldt)
    assert [i["code"] for i in box["pending"]] == [d["code"]] and box["held"] == []
    assert "applicant_id_number" not in box["pending"][0] and box["pending"][0]["applicant_name"]

    at_local(clock, "2026-03-02 14:00")
    signed = handoffs.sign(ctx, ag.p_qldt, first["id"])
    assert signed["received_by"] == "Cán bộ qldt1" and signed["state"] == "held"
    handoffs.add_note(ctx, ag.p_qldt, first["id"], text="Đã kiểm tra hiện trạng thửa đất.")
    at_local(clock, "2026-03-04 10:00")
    handoffs.forward(ctx, ag.p_qldt, first["id"], to_agency_id=ag.vp)
    box_vp = inbox.inbox(ctx, ag.p_vp, ag.vp)
    second = box_vp["pending"][0]
    assert second["from"]["name_vi"] == "Phòng Quản lý đô thị"
    assert second["step_due_at_vi"] == "10 giờ 00 phút, Thứ Năm, ngày 12/03/2026"  # 30%: 6 working days
    assert [s["state"] for s in second["route"]] == ["done", "current"]
    handoffs.sign(ctx, ag.p_vp, second["id"])
    at_local(clock, "2026-03-13 09:00")  # a day after its step deadline
    with pytest.raises(InvalidInput) as no_result:
        handoffs.hand_back(ctx, ag.p_vp, second["id"], result="  ")
    assert no_result.value.extra["errors"][0]["field"] == "result"
    handoffs.hand_back(ctx, ag.p_vp, second["id"], result="Giấy chứng nhận đã ký, số CS 01234.")

    d = dossiers.get_dossier(ctx, hall.clerk, d["id"])
    assert d["state"] == "result_ready" and d["current_agency_id"] is None
    rows = [(h["from_name"], h["to_name"], h["received_by"], h["timing"]) for h in d["handoffs"]]
    assert rows == [
        ("Bộ phận tiếp nhận và trả kết quả", "Phòng Quản lý đô thị", "Cán bộ qldt1", "early"),
        ("Phòng Quản lý đô thị", "Văn phòng UBND phường", "Cán bộ vp1", "late"),
        ("Văn phòng UBND phường", "Bộ phận tiếp nhận và trả kết quả", "", "early"),
    ]
    desk_row = d["handoffs"][2]
    handoffs.sign(ctx, hall.clerk, desk_row["id"])
    d = dossiers.get_dossier(ctx, hall.clerk, d["id"])
    assert d["handoffs"][2]["received_by"] == "an" and d["handoffs"][2]["state"] == "done"
    assert _kinds(ctx) == ["dossier.received", "dossier.handed_off", "dossier.handoff_signed",
                           "dossier.processing_note", "dossier.handed_off", "dossier.handed_off",
                           "dossier.handoff_signed", "dossier.handed_back", "dossier.handoff_signed"]
    load = {a["code"]: a for a in inbox.load(ctx, hall.supervisor)["agencies"]}
    assert (load["QLDT"]["done_on_time"], load["VP"]["done_late"], load["TNMT"]["pending"]) == (1, 1, 0)


def test_events_hold_no_names_and_have_no_public_form(ctx, hall, clock, ag) -> None:
    from queue_server.events import projection

    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", PROCEDURE)
    out = handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.qldt)
    handoffs.sign(ctx, ag.p_qldt, out["handoffs"][0]["id"])
    with ctx.db.reading() as s:
        events = [e for e in s.scalars(select(Event).order_by(Event.id)) if e.kind.startswith("dossier.hand")]
    assert events and all(not projection.has_public_form(e.kind) for e in events)
    text = repr([e.data for e in events])
    for personal in ("Nguyễn Thị Hồng Nhung", "001198012345", "0912345678", "Cán bộ qldt1"):
        assert personal not in text


def test_another_agencys_processor_and_a_clerk_get_403(ctx, hall, clock, ag) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", PROCEDURE)
    h = handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.qldt)["handoffs"][0]
    for who in (ag.p_vp, hall.clerk, hall.supervisor):
        with pytest.raises(Forbidden):
            handoffs.sign(ctx, who, h["id"])
    with pytest.raises(Forbidden):
        inbox.inbox(ctx, ag.p_vp, ag.qldt)
    # a processor has no clerk rights: it cannot receive or hand off at the desk
    with pytest.raises(Forbidden):
        handoffs.hand_to_agency(ctx, ag.p_qldt, d["id"], to_agency_id=ag.vp)
    with pytest.raises(Forbidden):
        dossiers.receive_dossier(ctx, ag.p_qldt, {"procedure_code": PROCEDURE})


def test_off_route_needs_a_reason_and_takes_the_replaced_steps_share(ctx, hall, clock, ag) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", PROCEDURE)
    with pytest.raises(InvalidInput) as err:
        handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.tnmt)
    assert err.value.extra["errors"][0]["field"] == "reason"
    out = handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.tnmt, reason="Đất có tranh chấp ranh giới")
    row = out["handoffs"][0]
    assert row["off_route"] and row["reason"] == "Đất có tranh chấp ranh giới"
    assert row["step_due_at_vi"] == "09 giờ 00 phút, Thứ Hai, ngày 16/03/2026"  # QLDT's half of the time


def test_two_processors_signing_at_once_one_succeeds(ctx, hall, clock, ag) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", PROCEDURE)
    h = handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.qldt)["handoffs"][0]
    results: list[str] = []
    start = threading.Barrier(2)

    def signer(who) -> None:  # noqa: ANN001
        start.wait()
        try:
            handoffs.sign(ctx, who, h["id"])
            results.append("ok")
        except Conflict as exc:
            results.append("409 " + exc.message_vi)

    threads = [threading.Thread(target=signer, args=(p,)) for p in (ag.p_qldt, ag.p_qldt2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["409 Hồ sơ đã được ký nhận.", "ok"]
    assert _kinds(ctx).count("dossier.handoff_signed") == 1


def test_supplement_and_refusal_go_back_to_the_desk(ctx, hall, clock, ag) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", PROCEDURE)
    h = handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.qldt)["handoffs"][0]
    with pytest.raises(Conflict):
        handoffs.forward(ctx, ag.p_qldt, h["id"], to_agency_id=ag.vp)  # not signed for yet
    handoffs.sign(ctx, ag.p_qldt, h["id"])
    handoffs.ask_supplement(ctx, ag.p_qldt, h["id"], missing=["Bản vẽ sơ đồ thửa đất"], reason="Thiếu sơ đồ")
    d = dossiers.get_dossier(ctx, hall.clerk, d["id"])
    assert d["state"] == "supplement_requested" and d["current_agency_id"] is None
    assert d["steps"][-1]["kind"] == "supplement_requested"  # the desk prints Mẫu 02 from it
    dossiers.supplement(ctx, hall.clerk, d["id"])
    # the route starts again at the same step
    assert dossiers.get_dossier(ctx, hall.clerk, d["id"])["next_route_agency_id"] == ag.qldt
    h2 = handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.qldt)["handoffs"][-1]
    assert not h2["off_route"]
    handoffs.refuse(ctx, ag.p_qldt, h2["id"], reason="Đất nằm trong quy hoạch giao thông")
    d = dossiers.get_dossier(ctx, hall.clerk, d["id"])
    assert d["state"] == "refused" and d["steps"][-1]["kind"] == "refused"
    assert d["handoffs"][-2]["state"] == "refused" and d["handoffs"][-1]["to_agency_id"] is None


def test_a_late_step_flags_its_agency_once_and_the_apology_is_prompted_before_the_due_date(
        ctx, hall, clock, ag) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", PROCEDURE)
    h = handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.qldt)["handoffs"][0]
    handoffs.sign(ctx, ag.p_qldt, h["id"])
    at_local(clock, "2026-03-16 08:00")
    assert lateness.sweep(ctx, hall.supervisor) == {"step_late": 0, "apology_needed": 0}
    at_local(clock, "2026-03-16 10:00")  # QLDT's deadline passed; the total can still be met
    assert lateness.sweep(ctx, hall.supervisor) == {"step_late": 1, "apology_needed": 0}
    assert dossiers.get_dossier(ctx, hall.clerk, d["id"])["apology_needed"] is False
    # a week later VP's 6 days and the desk's return day no longer fit before Monday 30/03 17:00
    at_local(clock, "2026-03-23 10:00")
    assert lateness.sweep(ctx, hall.supervisor) == {"step_late": 0, "apology_needed": 1}
    assert lateness.sweep(ctx, hall.supervisor) == {"step_late": 0, "apology_needed": 0}
    with ctx.db.reading() as s:
        late = [e for e in s.scalars(select(Event).where(Event.kind == "dossier.step_late"))]
    assert [(e.data["agency_id"], e.data["handoff_id"]) for e in late] == [(ag.qldt, h["id"])]
    d = dossiers.get_dossier(ctx, hall.clerk, d["id"])
    assert d["apology_needed"] is True and d["forecast_at"] > d["due_at"]
    assert d["due_state"] != "overdue"  # prompted before the due date, not after
    box = inbox.inbox(ctx, ag.p_qldt, ag.qldt)
    assert [i["handoff_id"] for i in box["late"]] == [h["id"]] and box["held"] == []
    load = {a["code"]: a for a in inbox.load(ctx, hall.supervisor)["agencies"]}
    assert load["QLDT"]["late"] == 1 and load["VP"]["late"] == 0


def test_routes_name_known_agencies_and_processors_need_one(ctx, hall, ag) -> None:
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM

    with pytest.raises(InvalidInput) as err:
        registry.set_route(ctx, SYSTEM, PROCEDURE, [{"agency": "KHONGCO", "share": 0.5}], site=hall.site_id)
    assert err.value.extra["field"] == "route[0].agency"
    with pytest.raises(InvalidInput) as err:
        admin.create_user(ctx, SYSTEM, username="p9", password="mat-khau-an-toan", role="processor")
    assert err.value.extra["field"] == "agency_id"
    with pytest.raises(Conflict):
        registry.create_agency(ctx, SYSTEM, site=hall.site_id, code="qldt", name_vi="Trùng")
    route = registry.get_route(ctx, hall.clerk, PROCEDURE, site=hall.site_id)["route"]
    assert [(r["agency_code"], r["share"]) for r in route] == [("QLDT", 0.5), ("VP", 0.3)]
    # a processor: its own agency first, then the others it may forward to
    assert [a["code"] for a in registry.list_agencies(ctx, ag.p_vp)] == ["VP", "QLDT", "TNMT"]


def test_while_an_agency_holds_the_dossier_the_desk_cannot_end_or_move_it(ctx, hall, clock, ag) -> None:
    """Result, refusal, supplement request, free-text hand-off: each refused naming the agency
    that holds the dossier, and nothing written; the agency's row stays open in its inbox.
    Once the agency hands it back (here asking for documents), the desk can refuse it."""
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", PROCEDURE)
    handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.qldt)
    before = (dossiers.get_dossier(ctx, hall.clerk, d["id"]), _kinds(ctx))
    for attempt in (lambda: dossiers.result_ready(ctx, hall.clerk, d["id"]),
                    lambda: dossiers.refuse(ctx, hall.clerk, d["id"], reason="Sai thủ tục"),
                    lambda: dossiers.request_supplement(ctx, hall.clerk, d["id"], missing=["Bản vẽ"], reason="Thiếu"),
                    lambda: dossiers.hand_off(ctx, hall.clerk, d["id"], to_agency="Phòng Tư pháp")):
        with pytest.raises(Conflict) as err:
            attempt()
        assert "đang ở Phòng Quản lý đô thị" in err.value.message_vi
        assert "is with Phòng Quản lý đô thị" in err.value.message_en
    assert (dossiers.get_dossier(ctx, hall.clerk, d["id"]), _kinds(ctx)) == before
    assert [i["code"] for i in inbox.inbox(ctx, ag.p_qldt, ag.qldt)["pending"]] == [d["code"]]
    with pytest.raises(Conflict):
        handoffs.hand_to_agency(ctx, hall.clerk, d["id"], to_agency_id=ag.vp)  # not at the desk
    row = before[0]["handoffs"][0]
    handoffs.sign(ctx, ag.p_qldt, row["id"])
    handoffs.ask_supplement(ctx, ag.p_qldt, row["id"], missing=["Bản vẽ hiện trạng"], reason="Thiếu bản vẽ")
    refused = dossiers.refuse(ctx, hall.clerk, d["id"], reason="Người nộp không bổ sung bản vẽ")
    assert refused["state"] == "refused" and refused["current_agency_id"] is None


def test_a_processor_made_clerk_loses_its_agency(ctx, hall, ag) -> None:
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM

    changed = admin.update_user(ctx, SYSTEM, ag.p_tnmt.id, role="clerk")
    assert changed["role"] == "clerk" and changed["agency_id"] is None
    again = admin.update_user(ctx, SYSTEM, ag.p_tnmt.id, role="processor", agency_id=ag.vp)
    assert again["agency_id"] == ag.vp and again["site_id"] == hall.site_id
    with pytest.raises(InvalidInput) as err:
        admin.update_user(ctx, SYSTEM, ag.p_vp.id, role="supervisor", agency_id=ag.vp)
    assert err.value.extra["field"] == "agency_id"

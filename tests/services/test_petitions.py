"""Citizens' feedback and petitions (phản ánh, kiến nghị; issue 12 item 5), on both engines:
a citizen sends one and gets a code, a supervisor handles and answers it, the citizen reads
the answer back with the code; personal data stays out of events and is erased after the
retention period."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from queue_server.domain import petitions as rules
from queue_server.events.log import EventRecord
from queue_server.events.projection import public_event
from queue_server.services import retention
from queue_server.services.context import ANONYMOUS, SYSTEM
from queue_server.services.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from queue_server.services.feedback import petitions
from queue_server.store.tables import Event, Petition

TEXT = "Cán bộ quầy 2 hướng dẫn chưa rõ thủ tục đăng ký khai sinh, tôi phải đi lại ba lần."
NAME = "Trần Thị Bình"
PHONE = "0912 345 678"


def send(ctx, hall, client="ip:a", **kw):  # noqa: ANN001, ANN201
    args = {"category": "procedure", "text": TEXT, **kw}
    return petitions.submit(ctx, kw.pop("actor", ANONYMOUS), client=client, site_id=hall.site_id,
                            **{k: v for k, v in args.items() if k != "actor"})


def events(ctx, prefix="petition."):  # noqa: ANN001, ANN201
    with ctx.db.reading() as session:
        return list(session.scalars(select(Event).where(Event.kind.like(prefix + "%")).order_by(Event.id)))


def test_a_citizen_sends_one_and_reads_the_answer_back_by_code(ctx, hall):
    sent = send(ctx, hall, name=NAME, phone=PHONE)
    code = sent["code"]
    assert rules.code_is_well_formed(rules.normalize_code(code)) and len(code) == 11  # ABC-DEF-GHK
    assert sent["state"] == "new" and sent["category_vi"] == "Thủ tục hành chính"

    first = petitions.read_back(ctx, code=code.lower().replace("-", " "), client="ip:b")  # as typed on a phone
    assert first["state_vi"] == "Mới tiếp nhận" and first["answer"] == "" and first["answered_at"] is None

    inbox = petitions.inbox(ctx, hall.supervisor, hall.site_id)
    assert inbox["total"] == 1 and inbox["counts"]["new"] == 1
    row = inbox["items"][0]
    assert row["code"] == code and row["has_contact"] and "contact_phone" not in row
    opened = petitions.detail(ctx, hall.supervisor, row["id"])
    assert opened["contact_name"] == NAME and opened["contact_phone"] == "0912345678" and opened["text"] == TEXT

    petitions.change_state(ctx, hall.supervisor, row["id"], "in_progress")
    assert petitions.read_back(ctx, code=code, client="ip:b")["state_vi"] == "Đang xử lý"
    petitions.answer(ctx, hall.supervisor, row["id"], "Bộ phận đã nhắc nhở cán bộ và dán bảng hướng dẫn tại quầy 2.")

    back = petitions.read_back(ctx, code=code, client="ip:b")
    assert back["state"] == "answered" and back["answer"].startswith("Bộ phận đã nhắc nhở")
    assert back["answered_at"] and back["created_at"] and back["category"] == "procedure"
    shown = str(back)
    assert NAME not in shown and "0912345678" not in shown and "giam" not in shown and TEXT not in shown

    kinds = [e.kind for e in events(ctx)]
    assert kinds == ["petition.submitted", "petition.contact_read", "petition.state_changed", "petition.answered"]


def test_events_carry_no_personal_data_and_have_no_public_form(ctx, hall):
    sent = send(ctx, hall, name=NAME, phone=PHONE)
    petitions.answer(ctx, hall.supervisor, sent["id"], "Đã tiếp thu, xin cảm ơn ông/bà.", close=True)
    stored = events(ctx)
    assert [e.kind for e in stored] == ["petition.submitted", "petition.answered", "petition.state_changed"]
    for e in stored:
        data = str(e.data)
        assert NAME not in data and "0912345678" not in data and "khai sinh" not in data and "tiếp thu" not in data
        record = EventRecord(e.id, 0, e.site_id, e.kind, e.at, e.ticket_id, e.counter_id, e.actor, e.data)
        assert public_event(record) is None  # the code in it is the citizen's key: never public
    assert stored[0].data["category"] == "procedure" and stored[0].data["has_contact"] is True
    assert stored[-1].data["state"] == "closed" and stored[-1].data["from_state"] == "answered"


def test_the_inbox_filters_by_state_and_category_and_pages(ctx, hall, clock):
    ids = []
    for i in range(5):
        ids.append(send(ctx, hall, client=f"ip:{i}", category="waiting_time" if i % 2 else "facilities")["id"])
        clock.advance(60)
    petitions.change_state(ctx, hall.supervisor, ids[0], "closed")
    page1 = petitions.inbox(ctx, hall.supervisor, hall.site_id, page_size=2)
    assert page1["total"] == 5 and page1["pages"] == 3 and [r["id"] for r in page1["items"]] == [ids[4], ids[3]]
    page3 = petitions.inbox(ctx, hall.supervisor, hall.site_id, page=3, page_size=2)
    assert [r["id"] for r in page3["items"]] == [ids[0]]
    new = petitions.inbox(ctx, hall.supervisor, hall.site_id, state="new")
    assert new["total"] == 4 and new["counts"] == {"new": 4, "in_progress": 0, "answered": 0, "closed": 1}
    waiting = petitions.inbox(ctx, hall.supervisor, hall.site_id, category="waiting_time")
    assert {r["id"] for r in waiting["items"]} == {ids[1], ids[3]}
    with pytest.raises(InvalidInput):
        petitions.inbox(ctx, hall.supervisor, hall.site_id, state="lost")


def test_only_supervisors_read_and_handle_the_inbox(ctx, hall):
    sent = send(ctx, hall, name=NAME, phone=PHONE)
    for who in (hall.clerk, hall.kiosk, ANONYMOUS):
        with pytest.raises(Forbidden):
            petitions.inbox(ctx, who, hall.site_id)
        with pytest.raises(Forbidden):
            petitions.detail(ctx, who, sent["id"])
        with pytest.raises(Forbidden):
            petitions.answer(ctx, who, sent["id"], "Trả lời")


def test_states_move_only_where_they_may(ctx, hall):
    sent = send(ctx, hall)
    with pytest.raises(Conflict, match="viết câu trả lời"):
        petitions.change_state(ctx, hall.supervisor, sent["id"], "answered")
    petitions.change_state(ctx, hall.supervisor, sent["id"], "closed")
    with pytest.raises(Conflict, match="đã đóng"):
        petitions.answer(ctx, hall.supervisor, sent["id"], "Trả lời muộn")
    reopened = petitions.change_state(ctx, hall.supervisor, sent["id"], "in_progress")
    assert reopened["state"] == "in_progress" and reopened["may_answer"]
    with pytest.raises(NotFound):
        petitions.change_state(ctx, hall.supervisor, sent["id"] + 100, "closed")


@pytest.mark.parametrize(("change", "field"), [
    ({"category": "weather"}, "category"),
    ({"text": "Chậm"}, "text"),  # too short to act on
    ({"text": "x" * 2001}, "text"),
    ({"text": "Nội dung có ký tự đảo chiều \u202e ở giữa câu"}, "text"),
    ({"text": "Nội dung có ký tự điều khiển \x1b[2J ở giữa"}, "text"),
    ({"name": NAME, "phone": "12345"}, "phone"),
    ({"name": NAME}, "phone"),  # a name without a way to answer
    ({"name": "Tên \u202e lạ", "phone": PHONE}, "name"),
])
def test_bad_input_is_refused_naming_the_field(ctx, hall, change, field):
    with pytest.raises(InvalidInput) as refused:
        send(ctx, hall, **change)
    assert refused.value.extra["field"] == field and refused.value.message_vi and refused.value.message_en
    assert events(ctx) == []


def test_text_keeps_its_lines_in_nfc(ctx, hall):
    decomposed = "Phòng chờ\r\nthiếu ghế".replace("ế", "e\u0302\u0301")
    sent = send(ctx, hall, text=decomposed + " ngồi cho người già.")
    opened = petitions.detail(ctx, hall.supervisor, sent["id"])
    assert opened["text"] == "Phòng chờ\nthiếu ghế ngồi cho người già."


def test_sending_is_limited_per_client_and_per_kiosk(ctx, hall, clock):
    for _ in range(petitions.SUBMITS_PER_HOUR_WEB):
        send(ctx, hall, client="ip:same")
    with pytest.raises(RateLimited) as limited:
        send(ctx, hall, client="ip:same")
    assert limited.value.extra["retry_after"] > 0 and "một giờ" in limited.value.message_vi
    send(ctx, hall, client="ip:other")  # a neighbour is not held back
    clock.advance(3601)
    send(ctx, hall, client="ip:same")  # a new hour
    kiosk_sent = send(ctx, hall, client=f"device:{hall.kiosk.id}", actor=hall.kiosk)
    assert kiosk_sent["state"] == "new"
    with ctx.db.reading() as session:
        assert session.get(Petition, kiosk_sent["id"]).channel == "kiosk"


def test_reading_back_tells_a_typo_from_an_unknown_code_and_limits_guessing(ctx, hall):
    code = rules.normalize_code(send(ctx, hall)["code"])
    swapped = code[1] + code[0] + code[2:] if code[0] != code[1] else code[:8] + ("A" if code[8] != "A" else "B")
    with pytest.raises(InvalidInput, match="9 ký tự"):
        petitions.read_back(ctx, code=swapped, client="ip:g")
    unknown = rules.new_code()
    while unknown == code:
        unknown = rules.new_code()
    for _ in range(petitions.READ_FAILURES_PER_WINDOW):
        with pytest.raises(NotFound):
            petitions.read_back(ctx, code=unknown, client="ip:g")
    with pytest.raises(RateLimited):
        petitions.read_back(ctx, code=code, client="ip:g")  # even a right code waits now
    assert petitions.read_back(ctx, code=code, client="ip:owner")["state"] == "new"


def test_contact_data_is_erased_after_the_retention_once_the_case_is_over(ctx, hall, clock):
    ctx.settings.retention_feedback_days = 30
    ctx.settings.retention_dossier_days = 0
    answered = send(ctx, hall, client="ip:1", name=NAME, phone=PHONE)
    closed = send(ctx, hall, client="ip:2", name=NAME, phone=PHONE)
    still_open = send(ctx, hall, client="ip:3", name=NAME, phone=PHONE)
    petitions.answer(ctx, hall.supervisor, answered["id"], "Đã trả lời qua điện thoại.")
    petitions.change_state(ctx, hall.supervisor, closed["id"], "closed")
    petitions.change_state(ctx, hall.supervisor, still_open["id"], "in_progress")
    clock.advance(days=29)
    assert retention.purge_all(ctx, SYSTEM).total == 0  # not yet
    clock.advance(days=2)
    dry = retention.purge_all(ctx, SYSTEM, dry_run=True)
    assert sum(dry.petitions.values()) == 2
    done = retention.purge_all(ctx, SYSTEM)
    assert done.petitions == {hall.site_id: 2} and done.as_json()["petitions"] == 2
    with ctx.db.reading() as session:
        rows = {p.id: p for p in session.scalars(select(Petition))}
    for gone in (answered["id"], closed["id"]):
        assert rows[gone].contact_name == "" and rows[gone].contact_phone == "" and rows[gone].contact_erased_at
        assert rows[gone].text == TEXT  # the case itself stays for the reports
    assert rows[still_open["id"]].contact_phone == "0912345678"  # an open case keeps its way to answer
    assert rows[answered["id"]].answer == "Đã trả lời qua điện thoại."
    purge = events(ctx, "system.purge")
    assert purge[-1].data["petitions"] == 2 and NAME not in str(purge[-1].data)
    assert petitions.inbox(ctx, hall.supervisor, hall.site_id, state="answered")["items"][0]["contact_erased"]
    assert retention.purge_all(ctx, SYSTEM).total == 0  # nothing twice


def test_codes_are_checked_by_their_last_character():
    code = rules.new_code()
    assert rules.code_is_well_formed(code)
    for i in range(rules.CODE_LENGTH):  # every single wrong character is caught
        for c in rules.ALPHABET:
            if c != code[i]:
                assert not rules.code_is_well_formed(code[:i] + c + code[i + 1:])
    for i in range(rules.CODE_LENGTH - 1):  # and every swap of two different neighbours
        if code[i] != code[i + 1]:
            assert not rules.code_is_well_formed(code[:i] + code[i + 1] + code[i] + code[i + 2:])
    assert rules.format_code("ABCDEFGHK") == "ABC-DEF-GHK"

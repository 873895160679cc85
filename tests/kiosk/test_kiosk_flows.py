"""The kiosk as a citizen uses it: the real Kivy app offscreen, driven by touches, against a
real server process and a simulated slip printer."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from queue_server.services.dossiers import lookup as dossier_lookup
from queue_server.services.errors import NotFound
from queue_server.store.tables import Ticket
from tests.kiosk.conftest import APPLICANT, HALL_TZ, shot, slip_text


def ticket_count(hall) -> int:
    with hall.ctx.db.reading() as session:
        return session.scalar(select(func.count()).select_from(Ticket))


def wait_ticket(driver, printing: str | None = None):
    app = driver.app
    screen = app.screens["ticket"]
    driver.wait(lambda: screen.params.get("state") in ("issued", "error"), 10, "a number or an error")
    if printing:
        driver.wait(lambda: screen.params.get("printing") == printing, 15, f"printing {printing}")
    driver.settle()
    return screen


def test_taking_a_number_shows_the_code_and_prints_the_same_code(kiosk, kiosk_hall, slip_printer):
    app = kiosk.app
    shot(kiosk, "01-home")
    before_jobs = len(slip_printer.jobs)
    kiosk.tap(app.screens["home"].buttons["take_number"])
    kiosk.wait(lambda: app.screens["services"].buttons, 10, "the services")
    shot(kiosk, "02-services")
    services = app.screens["services"].buttons
    assert set(services) >= {"HT", "CT", "CA"}
    assert "Đang chờ" in services["HT"].text and "Dự kiến chờ" in services["HT"].text  # counter 1 is open
    kiosk.tap(services["HT"])
    assert app.current == "priority"
    shot(kiosk, "03-priority")
    assert set(app.screens["priority"].buttons) == {"normal", "elderly", "disabled", "pregnant", "meritorious"}
    kiosk.tap(app.screens["priority"].buttons["normal"])
    screen = wait_ticket(kiosk, "printed")
    shot(kiosk, "04-ticket-printed")
    issued = screen.params["issued"]
    assert screen.code_label.text == issued.code and issued.code.startswith("A")
    assert "Đã in phiếu" in screen.status_label.text
    # before the call the counters are where it may be served, not an order to go there now
    shown = " ".join(w.text for w in screen.walk() if isinstance(getattr(w, "text", None), str))
    assert issued.counters and f"Các quầy phục vụ: {', '.join(map(str, issued.counters))}" in shown
    assert "Vui lòng chờ đến khi số được gọi" in shown and "Mời đến quầy" not in shown
    jobs = slip_printer.wait_for_jobs(before_jobs + 1)
    printed = slip_text(slip_printer, jobs[-1])
    assert issued.code in printed  # what the citizen holds says what the screen says
    assert "Các quầy phục vụ:" in printed and "Số thứ tự của Ông/Bà" in printed
    assert [e.data["code"] for e in kiosk_hall.events("ticket.issued")][-1] == issued.code
    kiosk.tap(screen.done_button)
    assert app.current == "home"


def test_a_service_with_no_counter_open_says_so_before_the_number_and_shows_no_invented_wait(kiosk):
    app = kiosk.app
    closed = next(s for s in app.services_data["services"] if not s["open_counters"])
    # a name with markup in it is shown as written, never restyling the screen
    odd = dict(closed, name_vi="[size=300]Đất đai[/size] & nhà ở", prefix="[b]")
    label = app.screens["services"]._label(odd)
    assert "[size=300]" not in label and "&bl;size=300&br;Đất đai" in label and "&amp; nhà ở" in label
    app.go("services")
    kiosk.settle()
    assert "Chưa có quầy mở" in app.screens["services"].buttons[closed["code"]].text
    kiosk.tap(app.screens["services"].buttons[closed["code"]])
    assert app.current == "priority"
    screen = app.screens["priority"]
    assert screen.no_counter_label is not None and "chưa biết thời gian chờ" in screen.no_counter_label.text
    shot(kiosk, "03b-priority-no-counter-open")
    kiosk.tap(screen.buttons["normal"])
    ticket = wait_ticket(kiosk, "printed")
    shown = " ".join(w.text for w in ticket.walk() if isinstance(getattr(w, "text", None), str))
    assert "Thời gian chờ dự kiến: chưa xác định" in shown and "sắp đến lượt" not in shown
    assert "Quầy sẽ được thông báo khi gọi số" in shown  # no counter to name yet
    kiosk.tap(ticket.done_button)


def test_a_double_tap_issues_one_number(kiosk, kiosk_hall):
    app = kiosk.app
    app.go("priority", service=app.services_data["services"][1])
    kiosk.settle()
    before = ticket_count(kiosk_hall)
    button = app.screens["priority"].buttons["normal"]
    kiosk.tap(button)
    kiosk.tap(button)  # the finger comes down again on the same spot
    wait_ticket(kiosk)
    kiosk.settle()
    assert ticket_count(kiosk_hall) == before + 1
    # two presses faster than any reply: the second is ignored while the first is in flight
    app.go("priority", service=app.services_data["services"][1])
    kiosk.settle()
    before = ticket_count(kiosk_hall)
    app.screens["priority"].choose("normal")
    app.screens["priority"].choose("normal")
    app.take_number(app.services_data["services"][1])
    wait_ticket(kiosk)
    kiosk.settle()
    assert ticket_count(kiosk_hall) == before + 1


def test_paper_out_keeps_the_code_tells_the_hall_and_prints_again_when_paper_is_back(kiosk, kiosk_hall,
                                                                                   slip_printer):
    app = kiosk.app
    slip_printer.set_state("paper-out")
    reports_before = len(kiosk_hall.events("kiosk.print_failed"))
    app.go("priority", service=app.services_data["services"][0])
    kiosk.settle()
    kiosk.tap(app.screens["priority"].buttons["normal"])
    screen = wait_ticket(kiosk, "failed")
    shot(kiosk, "05-ticket-paper-out")
    issued = screen.params["issued"]
    assert screen.code_label.text == issued.code  # the number stays on screen
    assert "CHƯA IN ĐƯỢC PHIẾU" in screen.status_label.text and "hết giấy" in screen.status_label.text
    assert issued.code in screen.status_label.text
    kiosk.wait(lambda: len(kiosk_hall.events("kiosk.print_failed")) > reports_before, 10, "the report")
    report = kiosk_hall.events("kiosk.print_failed")[-1]
    assert report.ticket_id == issued.ticket_id and report.data["code"] == issued.code
    assert "PaperOut" in report.data["reason"]
    jobs_before = len(slip_printer.jobs)
    slip_printer.set_state("ok")
    kiosk.tap(screen.reprint_button)
    screen = wait_ticket(kiosk, "printed")
    shot(kiosk, "06-ticket-reprinted")
    jobs = slip_printer.wait_for_jobs(jobs_before + 1)
    assert issued.code in slip_text(slip_printer, jobs[-1])
    assert screen.code_label.text == issued.code


def test_when_the_server_is_down_the_kiosk_says_so_gives_no_number_and_recovers(kiosk, kiosk_hall):
    app = kiosk.app
    before = ticket_count(kiosk_hall)
    kiosk_hall.server.kill()
    kiosk.wait(lambda: not app.online, 10, "the offline banner")
    kiosk.settle()
    assert app.banner.height > 0 and "MẤT KẾT NỐI" in app.banner_label.text
    shot(kiosk, "07-offline-home")
    kiosk.tap(app.screens["home"].buttons["take_number"])
    kiosk.settle()
    assert app.screens["services"].buttons == {}  # no button that could pretend to issue
    shot(kiosk, "08-offline-services")
    app.go("dossier")  # nor can a dossier be looked up, and the screen says why
    kiosk.settle()
    dossier = app.screens["dossier"]
    dossier.code_input.text, dossier.key_input.text = "000.00.06.H56-260302-0001", "ABC234"
    kiosk.tap(dossier.lookup_button)
    kiosk.wait(lambda: dossier.params.get("pending") is None, 10, "the lookup")
    kiosk.settle()
    assert "MẤT KẾT NỐI MÁY CHỦ" in dossier.message_label.text and "tra cứu" in dossier.message_label.text
    # the catalogue is still browsable and searchable from the kiosk's cache
    app.go("procedures")
    kiosk.settle()
    kiosk.type(app.screens["procedures"].keyboard, "thuong tru")
    assert "1.004222" in app.screens["procedures"].result_buttons
    kiosk.tap(app.screens["procedures"].result_buttons["1.004222"])
    kiosk.tap(app.screens["procedure"].take_button)
    kiosk.tap(app.screens["priority"].buttons["normal"])
    screen = wait_ticket(kiosk)
    shot(kiosk, "09-offline-no-number")
    assert screen.params["state"] == "error" and screen.code_label is None
    assert ticket_count(kiosk_hall) == before
    kiosk_hall.restart()
    kiosk.wait(lambda: app.online, 15, "the kiosk to reconnect by itself")
    kiosk.settle()
    assert app.banner.height == 0
    app.go("services")
    kiosk.wait(lambda: app.screens["services"].buttons, 10, "the services again")


def test_an_idle_kiosk_returns_home_in_vietnamese(kiosk):
    app = kiosk.app
    kiosk.tap(app.screens["home"].buttons["procedures"])
    kiosk.tap(app.top_lang_button)
    assert app.lang == "en" and app.current == "procedures"
    app.idle_timeout = 1
    kiosk.wait(lambda: app.current == "home", 5, "the idle return")
    assert app.lang == "vi"
    assert "Lấy số thứ tự" in app.screens["home"].buttons["take_number"].text


def test_the_home_clock_shows_the_halls_time_whatever_the_pcs_zone(kiosk, monkeypatch):
    # a kiosk PC left on UTC-10 by its installer must still show Vietnam's time
    monkeypatch.setenv("TZ", "Pacific/Honolulu")
    time.tzset()
    try:
        home = kiosk.app.screens["home"]
        home.tick()
        hall = datetime.now(HALL_TZ)
        assert home.clock_label.text in {f"{hall:%H:%M}", f"{hall - timedelta(minutes=1):%H:%M}"}
        assert home.date_label.text.endswith(f"{hall:%d/%m/%Y}") or hall.hour == 0
        assert datetime.now().hour != hall.hour  # the PC's own clock reads another hour
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_language_switch_shows_english_with_vietnamese_beside_it(kiosk):
    app = kiosk.app
    kiosk.tap(app.screens["home"].buttons["language"])
    assert app.lang == "en"
    text = app.screens["home"].buttons["take_number"].text
    assert text.index("Take a number") < text.index("Lấy số thứ tự")
    shot(kiosk, "10-home-english")


def test_search_without_diacritics_and_by_code(kiosk):
    app = kiosk.app
    kiosk.tap(app.screens["home"].buttons["procedures"])
    screen = app.screens["procedures"]
    assert set(screen.field_buttons) >= {"HT", "CT", "CTR"}
    shot(kiosk, "11-procedures-fields")
    kiosk.type(screen.keyboard, "dang ky khai sinh")
    assert screen.search_input.text == "dang ky khai sinh"
    assert list(screen.result_buttons)[0] == "1.001193"
    assert "Đăng ký khai sinh" in screen.result_buttons["1.001193"].text
    shot(kiosk, "12-search-no-diacritics")
    kiosk.tap(screen.keyboard.keys["\x18"])
    kiosk.type(screen.keyboard, "1.001193")
    assert list(screen.result_buttons)[0] == "1.001193"
    kiosk.tap(screen.keyboard.keys["\x18"])
    kiosk.type(screen.keyboard, "ho tich")  # a field's name finds its procedures
    assert "1.000894" in screen.result_buttons
    kiosk.tap(screen.keyboard.keys["\x18"])
    kiosk.type(screen.keyboard, ["k", "ê", "\u0301", "t", " ", "h", "ô", "n"])  # with the tone keys
    assert screen.search_input.text == "kết hôn"
    assert list(screen.result_buttons)[0] == "1.000894"
    kiosk.tap(screen.keyboard.keys["\x18"])
    kiosk.type(screen.keyboard, "dang ki ket hon")  # a wrong vowel still finds it
    assert list(screen.result_buttons)[0] == "1.000894"
    kiosk.tap(screen.keyboard.keys["\x18"])
    kiosk.tap(screen.field_buttons["CT"])
    assert app.current == "field" and "2.000815" in app.screens["field"].result_buttons
    shot(kiosk, "13-field")


def test_a_procedure_page_takes_a_number_for_the_right_service(kiosk, kiosk_hall):
    app = kiosk.app
    kiosk.tap(app.screens["home"].buttons["procedures"])
    screen = app.screens["procedures"]
    kiosk.tap(screen.keyboard.keys["\x18"])
    kiosk.type(screen.keyboard, "1.004222")
    kiosk.tap(screen.result_buttons["1.004222"])
    page = app.screens["procedure"]
    assert app.current == "procedure"
    texts = "\n".join(w.text for w in page.walk() if hasattr(w, "text") and isinstance(w.text, str))
    for expected in ("Đăng ký thường trú", "Thành phần hồ sơ", "Bản chính", "Lệ phí", "Thời hạn",
                     "Nơi nộp hồ sơ", "Trình tự thực hiện", "Căn cứ pháp lý", "Luật Cư trú"):
        assert expected in texts, expected
    shot(kiosk, "14-procedure")
    page.scroll.scroll_y = 0
    shot(kiosk, "15-procedure-end")
    kiosk.tap(page.take_button)
    assert app.current == "priority"
    assert "Cư trú" in app.screens["priority"].body.children[-1].text
    kiosk.tap(app.screens["priority"].buttons["elderly"])
    ticket = wait_ticket(kiosk)
    issued = ticket.params["issued"]
    assert issued.code.startswith("G")  # CA: the ward police's residence queue
    with kiosk_hall.ctx.db.reading() as session:
        row = session.get(Ticket, issued.ticket_id)
        assert (row.procedure_code, row.priority) == ("1.004222", "elderly")


def test_an_unhappy_rating_with_a_reason_and_a_comment_is_stored_as_an_event(kiosk, kiosk_hall):
    app = kiosk.app
    kiosk.tap(app.screens["home"].buttons["rating"])
    screen = app.screens["rating"]
    shot(kiosk, "16-rating")
    kiosk.tap(screen.faces["unsatisfied"])
    kiosk.tap(screen.reason_buttons["long_wait"])
    assert screen.reason_buttons["long_wait"].text.startswith("☑")  # ticked in words, not only colour
    kiosk.pump(2)
    # every reason in full view on the portrait screen, none behind a scroll box
    assert all(visible(b, screen) for b in screen.reason_buttons.values())
    shot(kiosk, "17-rating-reasons")
    kiosk.tap(screen.comment_input)
    kiosk.pump(2)
    kiosk.type(screen.keyboard, ["c", "h", "ơ", "\u0300", " ", "l", "â", "u"])
    kiosk.pump(2)
    # with the keyboard open the reasons stay in sight and chosen, between the faces and the keys
    keys_top = screen.keyboard.to_window(screen.keyboard.x, screen.keyboard.top)[1]
    faces_bottom = screen.faces_row.to_window(screen.faces_row.x, screen.faces_row.y)[1]
    for btn in screen.reason_buttons.values():
        assert visible(btn, screen) and btn.to_window(btn.x, btn.y)[1] >= keys_top
        assert btn.to_window(btn.x, btn.top)[1] <= faces_bottom
    assert visible(screen.send_button, screen) and visible(screen.keyboard, screen)
    kiosk.tap(screen.reason_buttons["unclear_guidance"])  # a second reason while typing
    assert screen.reason_buttons["long_wait"].text.startswith("☑")
    assert screen.reason_buttons["unclear_guidance"].text.startswith("☑")
    assert screen.comment_input.text == "chờ lâu" and screen.keyboard.parent is not None
    shot(kiosk, "18-rating-comment")
    before = len(kiosk_hall.events("rating.given"))
    kiosk.tap(screen.send_button)
    kiosk.wait(lambda: screen.params.get("sent"), 10, "the thanks")
    shot(kiosk, "19-rating-thanks")
    events = kiosk_hall.events("rating.given")
    assert len(events) == before + 1
    assert events[-1].data["level"] == "unsatisfied"
    assert events[-1].data["reasons"] == ["long_wait", "unclear_guidance"]
    assert events[-1].data["comment"] == "chờ lâu"


# -- dossier lookup --------------------------------------------------------------------------

def hall_time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(HALL_TZ).strftime("%d/%m/%Y %H:%M")


def open_dossier_screen(kiosk):
    app = kiosk.app
    kiosk.tap(app.screens["home"].buttons["dossier"])
    assert app.current == "dossier"
    return app.screens["dossier"]


def scan(screen, box, text: str) -> None:
    """A keyboard-wedge scanner: what it read, typed one key at a time, then Enter."""
    box.focus = True
    for ch in text:
        box.insert_text(ch)
    box.dispatch("on_text_validate")


def visible(widget, view) -> bool:
    """`widget` lies wholly inside the scroll view's window area (the citizen sees all of it)."""
    x0, y0 = widget.to_window(widget.x, widget.y)
    x1, y1 = widget.to_window(widget.right, widget.top)
    vx0, vy0 = view.to_window(view.x, view.y)
    vx1, vy1 = view.to_window(view.right, view.top)
    return vx0 - 1 <= x0 and x1 <= vx1 + 1 and vy0 - 1 <= y0 and y1 <= vy1 + 1


def wait_lookup(kiosk, screen) -> None:
    kiosk.wait(lambda: screen.params.get("pending") is None, 10, "the lookup's answer")
    kiosk.settle()


def test_a_dossier_typed_by_its_codes_shows_procedure_status_due_date_and_only_the_masked_name(
        kiosk, hall_dossiers):
    app, d = kiosk.app, hall_dossiers["fresh"]
    screen = open_dossier_screen(kiosk)
    # the keyboard holds what codes hold: digits, letters, dot and dash; no tones, no space
    assert set(screen.keyboard.keys) >= set("0123456789abcdefghijklmnopqrstuvwxyz.-\b\x18")
    assert not set(screen.keyboard.keys) & {"\u0301", "\u0300", "\u0309", "\u0303", "\u0323", "đ", "ă", "ơ", " "}
    kiosk.type(screen.keyboard, d["code"].lower())
    assert screen.code_input.text == d["code"]  # codes are upper case, whatever was typed
    kiosk.tap(screen.key_input)
    kiosk.type(screen.keyboard, d["lookup_code"].lower())
    assert screen.key_input.text == d["lookup_code"]
    kiosk.tap(screen.lookup_button)
    wait_lookup(kiosk, screen)
    assert screen.params.get("result"), screen.texts()
    shown = screen.texts()
    assert "Đăng ký thường trú" in shown
    assert screen.status_label.text == "Đang giải quyết"  # handed to the ward police
    assert screen.due_label.text.startswith(hall_time(d["appointment_at"]))  # dd/mm/yyyy hh:mm, hall time
    assert "N*** T** H*** N" in screen.applicant_label.text
    for private in (APPLICANT["name"], "Nhung", APPLICANT["id_number"], "0912", "Nguyễn Trãi", "Lê Văn Tư"):
        assert private not in shown, private
    assert [label.text for label in screen.step_labels] == ["[b]1. Tiếp nhận hồ sơ[/b]", "[b]2. Chuyển hồ sơ[/b]"]
    assert "Công an phường An Bình" in shown and "QUÁ HẠN" not in shown
    shot(kiosk, "20-dossier-result")
    kiosk.tap(app.top_lang_button)
    assert screen.status_label.text == "In progress"
    assert "Permanent residence registration" in screen.texts()
    assert "N*** T** H*** N" in screen.applicant_label.text
    shot(kiosk, "21-dossier-result-english")
    kiosk.tap(app.top_lang_button)
    kiosk.tap(screen.another_button)  # the next citizen starts with empty boxes
    assert app.current == "dossier" and screen.code_input.text == "" and screen.key_input.text == ""


def test_scanning_the_receipts_qr_fills_both_codes_and_an_overdue_dossier_says_so_in_words(
        kiosk, kiosk_hall, hall_dossiers):
    d = hall_dossiers["late"]
    screen = open_dossier_screen(kiosk)
    url = f"{kiosk_hall.url}/dossiers/lookup?" + urlencode({"code": d["code"], "key": d["lookup_code"]})
    scan(screen, screen.code_input, url)
    # the request is on its way: both boxes hold what the QR said
    assert (screen.code_input.text, screen.key_input.text) == (d["code"], d["lookup_code"])
    wait_lookup(kiosk, screen)
    assert screen.params.get("result"), screen.texts()
    shown = screen.texts()
    assert "Đăng ký kết hôn" in shown
    assert "QUÁ HẠN" in shown and "quá ngày hẹn trả kết quả" in shown  # said, not only coloured
    assert screen.due_label.text.startswith(hall_time(d["appointment_at"]))
    assert "⚠ Quá hạn" in shown  # the hand-off came after its step was due
    assert "Cần bổ sung: Giấy xác nhận tình trạng hôn nhân" in shown
    assert [label.text for label in screen.step_labels] == [
        "[b]1. Tiếp nhận hồ sơ[/b]", "[b]2. Chuyển hồ sơ[/b]", "[b]3. Yêu cầu bổ sung, hoàn thiện hồ sơ[/b]",
        "[b]4. Đã bổ sung hồ sơ[/b]"]
    assert APPLICANT["name"] not in shown
    shot(kiosk, "22-dossier-overdue")
    view = screen.timeline_scroll
    assert view.children[0].height > view.height  # four steps do not fit: the list scrolls
    view.scroll_y = 0
    shot(kiosk, "23-dossier-overdue-timeline-end")
    view.scroll_y = 1
    kiosk.tap(kiosk.app.top_lang_button)
    assert "OVERDUE" in screen.texts() and "Late" in screen.texts()
    shot(kiosk, "24-dossier-overdue-english")
    kiosk.tap(kiosk.app.top_lang_button)
    kiosk.tap(screen.another_button)
    scan(screen, screen.key_input, url)  # the QR read while the lookup code box had the focus
    assert (screen.code_input.text, screen.key_input.text) == (d["code"], d["lookup_code"])
    wait_lookup(kiosk, screen)
    assert screen.params.get("result") and "Đăng ký kết hôn" in screen.texts()


def test_a_wrong_lookup_code_finds_nothing_and_does_not_say_which_code_was_wrong(kiosk, hall_dossiers):
    d = hall_dossiers["fresh"]
    screen = open_dossier_screen(kiosk)
    scan(screen, screen.code_input, d["code"])  # the receipt's barcode holds the dossier code alone
    assert screen.key_input.focus and screen.keyboard.target is screen.key_input  # Enter moved on
    wrong = "ZZZZZZ" if d["lookup_code"] != "ZZZZZZ" else "YYYYYY"
    scan(screen, screen.key_input, wrong)
    wait_lookup(kiosk, screen)
    assert not screen.params.get("result")
    wrong_key = screen.message_label.text
    assert "KHÔNG TÌM THẤY HỒ SƠ" in wrong_key and "cả hai mã" in wrong_key
    assert screen.code_input.text == d["code"]  # kept, to be corrected
    assert visible(screen.message_label, screen.form_scroll) and visible(screen.code_input, screen.form_scroll)
    assert screen.form_scroll.scroll_y == 1  # a form that fits stays at the top (no gap above it)
    shot(kiosk, "25-dossier-not-found")
    screen.code_input.text = d["code"][:-4] + "9999"  # an unknown dossier, with a right-looking key
    screen.key_input.text = d["lookup_code"]
    kiosk.tap(screen.lookup_button)
    wait_lookup(kiosk, screen)
    assert screen.message_label.text == wrong_key  # the same words: nothing to learn from it


def test_a_prankster_guessing_from_many_phones_cannot_block_the_owner_at_the_kiosk(kiosk, kiosk_hall, hall_dossiers):
    d = hall_dossiers["guessed"]
    for i in range(20):  # someone keeps guessing this dossier's lookup code from many phones
        with pytest.raises(NotFound):
            dossier_lookup.lookup(kiosk_hall.ctx, code=d["code"], key=f"GUESS{i}", client=f"ip:phone-{i}")
    screen = open_dossier_screen(kiosk)
    screen.code_input.text, screen.key_input.text = d["code"], d["lookup_code"]
    kiosk.tap(screen.lookup_button)
    wait_lookup(kiosk, screen)
    assert screen.params.get("result"), screen.texts()  # its owner, at the kiosk, still gets through

    shot(kiosk, "26-dossier-owner-after-guessing")


def test_every_screen_has_a_way_back_and_big_targets(kiosk):
    app = kiosk.app
    for name in ("services", "procedures", "dossier", "rating"):
        app.go(name)
        kiosk.settle()
        assert app.back_button.height >= 90 and app.back_button.opacity == 1
        kiosk.tap(app.back_button)
        assert app.current == "home"
    small = [w for w in app.screens["procedures"].keyboard.keys.values() if w.height < 90 or w.width < 90]
    assert not small


# -- feedback and petitions --------------------------------------------------------------------

def test_a_petition_typed_at_the_kiosk_gets_a_code_that_reads_it_back(kiosk, kiosk_hall):
    import httpx

    app = kiosk.app
    kiosk.tap(app.screens["home"].buttons["petition"])
    screen = app.screens["petition"]
    assert app.current == "petition"
    shot(kiosk, "40-petition")
    kiosk.tap(screen.send_button)
    assert "Hãy chọn nội dung liên quan" in screen.status_label.text  # said, nothing sent
    kiosk.tap(screen.category_buttons["facilities"])
    assert screen.category_buttons["facilities"].text.startswith("☑")
    kiosk.tap(screen.text_input)
    kiosk.type(screen.keyboard, "thiê")
    kiosk.tap(screen.keyboard.keys["\u0301"])  # the tone goes on the letter before: ế
    kiosk.type(screen.keyboard, "u ghe cho nguoi gia")
    kiosk.tap(screen.phone_input)
    kiosk.type(screen.keyboard, "0912345678")
    kiosk.pump(2)
    assert screen.text_input.text == "thiếu ghe cho nguoi gia" and screen.phone_input.text == "0912345678"
    assert visible(screen.send_button, screen) and visible(screen.keyboard, screen)
    shot(kiosk, "41-petition-typed")
    before = len(kiosk_hall.events("petition.submitted"))
    kiosk.tap(screen.send_button)
    kiosk.wait(lambda: screen.params.get("code"), 10, "the code")
    code = screen.params["code"]
    assert code in screen.code_label.text
    shot(kiosk, "42-petition-code")
    events = kiosk_hall.events("petition.submitted")
    assert len(events) == before + 1 and events[-1].data["channel"] == "kiosk"
    assert "0912345678" not in str(events[-1].data)
    back = httpx.get(f"{kiosk_hall.url}/api/v1/petitions/lookup", params={"code": code}).json()
    assert back["category"] == "facilities" and back["state"] == "new" and "0912345678" not in str(back)
    kiosk.tap(screen.home_button)
    assert app.current == "home"


# -- check-in of a number taken from a phone ------------------------------------------------------

def remote_number(kiosk_hall, monkeypatch, phone: str) -> object:
    """A number taken from a phone through the server's services, whatever the time of day
    (the test hall is open around the clock for it)."""
    from datetime import time as dtime

    from queue_server.services.context import SYSTEM
    from queue_server.services.remote import numbers, settings
    from queue_server.store.tables import Service, Site

    ctx = kiosk_hall.ctx
    site_id = kiosk_hall.info["site_id"]
    with ctx.db.reading() as session:
        site = session.get(Site, site_id)
        service = session.scalars(select(Service).where(Service.site_id == site_id).order_by(Service.sort_order)).first()
    settings.update_settings(ctx, SYSTEM, site_id, {"enabled": True})
    settings.update_service(ctx, SYSTEM, service.id, enabled=True, daily_quota=50)
    monkeypatch.setattr(numbers, "site_sessions", lambda *_: [(dtime(0, 0), dtime(23, 59))])
    return numbers.take(ctx, secret=b"kiosk-test" * 4, site=site, service_id=service.id, phone=phone,
                        device=f"browser-{phone}", client=f"ip:{phone}")


def test_a_remote_number_checks_in_by_its_code_typed_on_the_kiosk(kiosk, kiosk_hall, monkeypatch):
    app = kiosk.app
    taken = remote_number(kiosk_hall, monkeypatch, "0912 000 111")
    home = app.screens["home"]
    assert "Tôi đã đặt lịch / đã lấy số từ xa" in home.buttons["checkin"].text
    kiosk.tap(home.buttons["checkin"])
    assert app.current == "checkin"
    screen = app.screens["checkin"]
    wrong = "R2345678" if taken.checkin_code != "R2345678" else "R2345679"
    kiosk.type(screen.keyboard, wrong.lower())
    assert screen.code_input.text == wrong  # codes are upper case, whatever was typed
    kiosk.tap(screen.checkin_button)
    kiosk.wait(lambda: screen.params.get("pending") is None, 10, "the check-in's answer")
    kiosk.settle()
    assert "KHÔNG TÌM THẤY MÃ NÀY" in screen.message_label.text
    shot(kiosk, "40-checkin-not-found")
    kiosk.tap(screen.keyboard.keys["\x18"])  # clear, then the right code, by touch
    assert screen.code_input.text == ""
    kiosk.type(screen.keyboard, taken.checkin_code.lower())
    shot(kiosk, "41-checkin-typed")
    kiosk.tap(screen.checkin_button)
    kiosk.wait(lambda: screen.params.get("pending") is None, 10, "the check-in's answer")
    kiosk.settle()
    assert screen.params.get("result"), screen.texts()
    assert screen.code_label.text == taken.code
    assert "Đã xác nhận có mặt" in screen.texts() and "Số người chờ trước Ông/Bà" in screen.texts()
    shot(kiosk, "42-checkin-done")
    with kiosk_hall.ctx.db.reading() as session:
        assert session.get(Ticket, taken.ticket_id).state == "waiting"
    checked = [e for e in kiosk_hall.events("ticket.checked_in") if e.ticket_id == taken.ticket_id]
    assert len(checked) == 1 and checked[0].data["by"] == "kiosk"
    kiosk.tap(app.top_lang_button)
    assert "You are checked in" in screen.texts()
    kiosk.tap(app.top_lang_button)
    kiosk.tap(screen.home_button)
    assert app.current == "home"


def test_a_scanner_typing_the_qr_checks_in_at_once(kiosk, kiosk_hall, monkeypatch):
    app = kiosk.app
    taken = remote_number(kiosk_hall, monkeypatch, "0912 000 222")
    kiosk.tap(app.screens["home"].buttons["checkin"])
    screen = app.screens["checkin"]
    scan(screen, screen.code_input, f"{kiosk_hall.url}/checkin?c={taken.checkin_code}")
    kiosk.wait(lambda: screen.params.get("pending") is None, 10, "the check-in's answer")
    kiosk.settle()
    assert screen.params.get("result") and screen.code_label.text == taken.code


def test_a_qr_held_up_to_the_kiosks_camera_checks_in_once(kiosk, kiosk_hall, monkeypatch, tmp_path):
    """`checkin_camera`: the citizen holds the phone's QR up to the kiosk's camera on the
    check-in screen; it checks in without typing, and the phone left there is not read again."""
    import qrcode

    from kiosk.camera import QrCamera

    app = kiosk.app
    taken = remote_number(kiosk_hall, monkeypatch, "0912 000 333")
    held = tmp_path / "held.png"
    app.camera = QrCamera(f"file://{held}")
    try:
        kiosk.tap(app.screens["home"].buttons["checkin"])
        screen = app.screens["checkin"]
        kiosk.settle()
        assert screen.params.get("result") is None  # nothing held up yet
        qrcode.make(f"{kiosk_hall.url}/checkin?c={taken.checkin_code}").save(held)
        kiosk.wait(lambda: screen.params.get("result"), 10, "the check-in by camera")
        kiosk.settle()
        assert screen.code_label.text == taken.code and "Đã xác nhận có mặt" in screen.texts()
        shot(kiosk, "43-checkin-camera")
        import time

        shown = time.monotonic()
        kiosk.wait(lambda: time.monotonic() - shown > 1.5, 5, "a few more looks of the camera")
        checked = [e for e in kiosk_hall.events("ticket.checked_in") if e.ticket_id == taken.ticket_id]
        assert len(checked) == 1
    finally:
        app.camera = None
        app.go("home")

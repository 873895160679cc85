"""The kiosk as a citizen uses it: the real Kivy app offscreen, driven by touches, against a
real server process and a simulated slip printer."""

from __future__ import annotations

from sqlalchemy import func, select

from queue_server.store.tables import Ticket
from tests.kiosk.conftest import shot, slip_text


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
    assert "Quầy" in kiosk.app.screens["ticket"].body.children[-2].children[-1].text or issued.counters
    jobs = slip_printer.wait_for_jobs(before_jobs + 1)
    printed = slip_text(slip_printer, jobs[-1])
    assert issued.code in printed  # what the citizen holds says what the screen says
    assert [e.data["code"] for e in kiosk_hall.events("ticket.issued")][-1] == issued.code
    kiosk.tap(screen.done_button)
    assert app.current == "home"


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
    shot(kiosk, "17-rating-reasons")
    kiosk.tap(screen.comment_input)
    kiosk.type(screen.keyboard, ["c", "h", "ơ", "\u0300", " ", "l", "â", "u"])
    shot(kiosk, "18-rating-comment")
    before = len(kiosk_hall.events("rating.given"))
    kiosk.tap(screen.send_button)
    kiosk.wait(lambda: screen.params.get("sent"), 10, "the thanks")
    shot(kiosk, "19-rating-thanks")
    events = kiosk_hall.events("rating.given")
    assert len(events) == before + 1
    assert events[-1].data["level"] == "unsatisfied"
    assert events[-1].data["reasons"] == ["long_wait"]
    assert events[-1].data["comment"] == "chờ lâu"


def test_dossier_lookup_says_not_available_until_the_server_has_it(kiosk):
    app = kiosk.app
    kiosk.tap(app.screens["home"].buttons["dossier"])
    screen = app.screens["dossier"]
    kiosk.type(screen.keyboard, "h56-0361")
    assert screen.code_input.text == "H56-0361"  # codes are upper case, whatever was typed
    screen.key_input.text = "AB12CD"
    kiosk.tap(screen.lookup_button)
    kiosk.wait(lambda: "CHƯA HỖ TRỢ" in screen.result_label.text, 10, "the not-available message")
    shot(kiosk, "20-dossier-not-available")


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

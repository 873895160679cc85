"""Hall and counter displays: they follow the hall live, survive a server restart without
losing or repeating a call, show only what their URL asks for, and handle sound honestly."""

from __future__ import annotations

import pytest

from queue_server.services.queue import tickets as queue
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.conftest import screenshot, wait_until
from tests.e2e.test_console_and_hall import audio_requests

pytestmark = pytest.mark.slow


def tile_code(number: int) -> str:
    return f"() => document.querySelector(\".tile[data-counter='{number}'] .tile-code\").textContent"


def wait_tile(page, number: int, code: str) -> None:  # noqa: ANN001
    page.wait_for_function(f"() => ({tile_code(number)})() === '{code}'")


def test_the_hall_display_survives_a_server_restart_without_losing_or_repeating_a_call(served, new_page):
    served.issue(served.hall.a, 3)
    served.post(f"/api/v1/counters/{served.hall.c3}/open")
    served.post(f"/api/v1/counters/{served.hall.c1}/open")
    hall = new_page(1920, 1080)
    heard = audio_requests(hall)
    hall.goto(f"{served.url}/display/hall")
    hall.wait_for_selector(".tile[data-counter='3']")
    assert served.post(f"/api/v1/counters/{served.hall.c3}/call-next").json()["code"] == "A001"
    wait_tile(hall, 3, "A001")

    served.server.kill()
    hall.wait_for_function("() => document.body.dataset.stream === 'reconnecting'")
    assert "kết nối lại" in hall.inner_text("#status")
    # while the server is down, another server process (here: the use case itself) calls A002
    called = queue.call_next(served.ctx, served.hall.supervisor, served.hall.c1)
    assert called.code == "A002"
    served.server.start()

    wait_tile(hall, 1, "A002")
    hall.wait_for_function("() => document.body.dataset.stream === 'live'")
    served.post(f"/api/v1/counters/{served.hall.c3}/start")
    assert served.post(f"/api/v1/counters/{served.hall.c3}/call-next").json()["code"] == "A003"
    wait_tile(hall, 3, "A003")
    assert hall.locator("#calls li .c-code").all_inner_texts() == ["A003", "A002", "A001"]
    wait_until(lambda: len(heard) >= 3, timeout=30, page=hall, message="three announcements")
    hall.wait_for_timeout(1000)
    assert [u.rsplit("/vi/", 1)[1] for u in heard] == ["A001/3.wav", "A002/1.wav", "A003/3.wav"]
    assert hall.errors == []


def test_the_counter_display_shows_the_call_and_the_paused_state(served, new_page):
    served.issue(served.hall.b, 1)
    screen = new_page(800, 480)
    screen.goto(f"{served.url}/display/counter/2")
    screen.wait_for_function("() => document.body.dataset.state === 'closed'")
    assert screen.inner_text("#state-vi").lower() == "quầy đóng"

    served.post(f"/api/v1/counters/{served.hall.c2}/open")
    screen.wait_for_function("() => document.body.dataset.state === 'open'")
    served.post(f"/api/v1/counters/{served.hall.c2}/call-next")
    screen.wait_for_function("() => document.querySelector('#code').textContent === 'B001'")
    assert screen.is_hidden("#state-banner")
    screen.wait_for_function("() => document.querySelector('#main').classList.contains('flash')")
    screen.wait_for_timeout(4500)  # let the flash end for the picture
    screenshot(screen, "counter-display-called-800x480")

    served.post(f"/api/v1/counters/{served.hall.c2}/pause")
    screen.wait_for_function("() => document.body.dataset.state === 'paused'")
    assert screen.is_visible("#state-banner")
    assert screen.inner_text("#state-vi").lower() == "tạm dừng"
    assert screen.inner_text("#code") == "B001"  # still at the counter, greyed
    screenshot(screen, "counter-display-paused-800x480")

    served.post(f"/api/v1/counters/{served.hall.c2}/open")
    served.post(f"/api/v1/counters/{served.hall.c2}/finish")
    screen.wait_for_function("() => document.querySelector('#code').textContent === '—'")
    assert screen.is_hidden("#state-banner")
    assert screen.errors == []


def test_a_screen_shows_only_the_counters_and_services_in_its_url_and_can_be_muted(served, new_page):
    served.issue(served.hall.a, 2)
    served.issue(served.hall.b, 1)
    for counter in (served.hall.c1, served.hall.c2, served.hall.c3):
        served.post(f"/api/v1/counters/{counter}/open")
    screen = new_page(1366, 768)
    heard = audio_requests(screen)
    screen.goto(f"{served.url}/display/hall?section=Tầng 1:1&section=Tầng 2:2&services=CT&mute=1")
    screen.wait_for_selector(".tile[data-counter='2']")
    assert screen.locator(".group h2").all_inner_texts() == ["Tầng 1", "Tầng 2"]
    assert screen.locator(".tile").evaluate_all("ts => ts.map(t => t.dataset.counter)") == ["1", "2"]
    assert screen.locator("#waiting tr").evaluate_all("rs => rs.map(r => r.dataset.service)") == ["CT"]
    assert "Bật tiếng" in screen.inner_text("#sound")

    served.post(f"/api/v1/counters/{served.hall.c3}/call-next")  # counter 3 is not on this screen
    served.post(f"/api/v1/counters/{served.hall.c2}/call-next")  # B001 at counter 2 is
    wait_tile(screen, 2, "B001")
    served.post(f"/api/v1/counters/{served.hall.c1}/call-next")  # A002 at counter 1: not a CT call
    wait_tile(screen, 1, "A002")
    assert screen.locator("#calls li .c-code").all_inner_texts() == ["B001"]
    screen.wait_for_timeout(500)
    assert heard == []  # muted by its URL

    screen.click("#sound")  # unmute with the button; a recall is heard
    assert "Tắt tiếng" in screen.inner_text("#sound")
    served.post(f"/api/v1/counters/{served.hall.c2}/recall")
    wait_until(lambda: heard, page=screen, message="the recall's announcement")
    assert heard[0].endswith("/vi/B001/2.wav")
    screenshot(screen, "hall-display-sections-1366x768")


def strict_autoplay(browser):  # noqa: ANN001, ANN201
    """A browser that plays sound only after someone has touched the page (the other tests allow it)."""
    return browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=[a for a in CHROMIUM_ARGS if not a.startswith("--autoplay-policy")]
        + ["--autoplay-policy=document-user-activation-required"])


def test_without_autoplay_the_display_asks_for_a_click_then_speaks_only_what_is_still_current(served, browser):
    served.issue(served.hall.a, 2)
    served.post(f"/api/v1/counters/{served.hall.c3}/open")
    served.post(f"/api/v1/counters/{served.hall.c1}/open")
    strict = strict_autoplay(browser)
    try:
        page = strict.new_page(viewport={"width": 1920, "height": 1080})
        heard = audio_requests(page)
        # Playwright's waits run scripts in the page as if a user had touched it, which lifts the
        # policy; so nothing touches the page until the display has asked and been refused.
        with page.expect_console_message(lambda m: "chặn âm thanh" in m.text):
            page.goto(f"{served.url}/display/hall")
        assert page.is_visible("#unlock-button")
        served.post(f"/api/v1/counters/{served.hall.c3}/call-next")
        wait_tile(page, 3, "A001")
        served.post(f"/api/v1/counters/{served.hall.c1}/call-next")
        wait_tile(page, 1, "A002")
        served.post(f"/api/v1/counters/{served.hall.c3}/start")
        served.post(f"/api/v1/counters/{served.hall.c3}/finish")  # A001 came and was served meanwhile
        page.wait_for_function(f"() => ({tile_code(3)})() === '—'")
        page.wait_for_timeout(500)
        assert heard == []  # the calls wait for the click
        # the prompt sits in the footer: it covers no counter's tile
        prompt = page.locator("#unlock-button").bounding_box()
        for tile in page.locator(".tile").all():
            box = tile.bounding_box()
            assert prompt["y"] >= box["y"] + box["height"] or prompt["x"] >= box["x"] + box["width"], box
        screenshot(page, "hall-display-click-to-enable-sound-1920x1080")
        page.click("#unlock-button", force=True)  # it pulses to be seen, so it is never "stable"
        page.wait_for_selector("#unlock", state="hidden")
        wait_until(lambda: heard, page=page, message="the waiting announcement after the click")
        page.wait_for_timeout(4000)
        assert [u.rsplit("/vi/", 1)[1] for u in heard] == ["A002/1.wav"]  # never the finished A001
    finally:
        strict.close()


def test_calls_older_than_the_screens_speak_age_are_shown_but_never_spoken_late(served, browser):
    served.issue(served.hall.a, 1)
    served.post(f"/api/v1/counters/{served.hall.c3}/open")
    strict = strict_autoplay(browser)
    try:
        page = strict.new_page(viewport={"width": 1920, "height": 1080})
        heard = audio_requests(page)
        with page.expect_console_message(lambda m: "chặn âm thanh" in m.text):
            page.goto(f"{served.url}/display/hall?speak_age=2")
        served.post(f"/api/v1/counters/{served.hall.c3}/call-next")
        wait_tile(page, 3, "A001")
        page.wait_for_timeout(3000)  # nobody touched the screen for longer than its speak age
        page.click("#unlock-button", force=True)
        page.wait_for_selector("#unlock", state="hidden")
        page.wait_for_timeout(1500)
        assert heard == []  # still on the tile and in the list, but not said three seconds late
        assert page.locator("#calls li .c-code").all_inner_texts() == ["A001"]
    finally:
        strict.close()


def test_a_burst_of_recalls_is_said_once(served, new_page):
    served.issue(served.hall.a, 1)
    served.post(f"/api/v1/counters/{served.hall.c3}/open")
    hall = new_page(1920, 1080)
    heard = audio_requests(hall)
    hall.goto(f"{served.url}/display/hall")
    hall.wait_for_selector(".tile[data-counter='3']")
    served.post(f"/api/v1/counters/{served.hall.c3}/call-next")
    wait_until(lambda: heard, page=hall, message="the call")
    for _ in range(3):  # a clerk pressing recall again and again
        served.post(f"/api/v1/counters/{served.hall.c3}/recall")
    hall.wait_for_function("() => window.motcuaHall.state.calls[0].kind === 'ticket.recalled'")
    hall.wait_for_timeout(6000)
    assert [u.rsplit("/vi/", 1)[1] for u in heard] == ["A001/3.wav"]
    served.post(f"/api/v1/counters/{served.hall.c3}/recall")  # a recall after a pause is said again
    wait_until(lambda: len(heard) == 2, page=hall, message="the later recall")
    assert hall.errors == []


def test_recent_calls_show_five_or_more_beside_seven_long_service_names_at_1080p(served, new_page):
    from queue_server.services import admin
    from queue_server.services.context import SYSTEM

    long_names = [
        ("DD", "C", "Đất đai – Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở", "Land and housing certificates"),
        ("XD", "D", "Xây dựng – Cấp giấy phép xây dựng nhà ở riêng lẻ", "Building permits for private houses"),
        ("KD", "E", "Đăng ký kinh doanh hộ gia đình và hợp tác xã", "Household business registration"),
        ("LD", "F", "Lao động, thương binh và xã hội – Trợ cấp xã hội", "Labour, invalids and social affairs"),
        ("TP", "G", "Tư pháp – Chứng thực chữ ký, hợp đồng, giao dịch", "Justice: certifying signatures"),
    ]
    for i, (code, prefix, vi, en) in enumerate(long_names):
        admin.create_service(served.ctx, SYSTEM, served.hall.site_id, code=code, prefix=prefix, name_vi=vi,
                             name_en=en, sort_order=10 + i)
    served.issue(served.hall.a, 8)
    for counter in (served.hall.c1, served.hall.c3):
        served.post(f"/api/v1/counters/{counter}/open")
    hall = new_page(1920, 1080)
    hall.goto(f"{served.url}/display/hall")
    hall.wait_for_selector("#waiting tr[data-service='TP']")
    for i in range(8):  # eight different tickets called in turn at counters 3 and 1
        counter = served.hall.c3 if i % 2 == 0 else served.hall.c1
        if i >= 2:
            served.post(f"/api/v1/counters/{counter}/finish")
        served.post(f"/api/v1/counters/{counter}/call-next")
    hall.wait_for_function("() => window.motcuaHall.state.calls.length >= 8")
    hall.wait_for_timeout(800)
    screenshot(hall, "hall-display-seven-services-1920x1080")
    visible = hall.evaluate("""() => {
        const panel = document.querySelector('#calls').getBoundingClientRect();
        return [...document.querySelectorAll('#calls li')]
            .filter(li => li.getBoundingClientRect().bottom <= panel.bottom + 1).length; }""")
    assert visible >= 5, visible
    assert hall.locator("#waiting tr").count() == 7
    cut = hall.evaluate("""() => [...document.querySelectorAll('#waiting .w-name')]
        .filter(td => td.scrollWidth > td.clientWidth + 1).map(td => td.textContent)""")
    assert cut == []  # every service's name readable in full, wrapped or smaller
    assert hall.evaluate("() => { const p = document.querySelector('#waiting-panel');"
                         " return p.scrollHeight <= p.clientHeight + 1; }")  # and no row below the edge
    assert hall.errors == []

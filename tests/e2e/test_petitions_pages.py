"""Feedback and petitions in Chromium against a real server (issue 12 item 5): a citizen's
phone (360x640) sends one and gets a code, the supervisor's inbox (1366x768) takes it on and
answers it, the phone reads the answer back with the code and sees no name or phone."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot

TEXT = "Quầy số 2 không có ghế chờ cho người cao tuổi, tôi phải đứng gần một tiếng."
NAME = "Phạm Thị Dung"
ANSWER = "Bộ phận đã bố trí thêm 6 ghế ưu tiên trước quầy số 2 từ ngày 04/12. Xin cảm ơn bà."


def test_a_citizen_sends_a_petition_the_supervisor_answers_and_the_code_reads_it_back(served, new_page):
    phone = new_page(360, 640)
    phone.goto(f"{served.url}/feedback")
    phone.wait_for_selector("#categories .fb-cat[data-code='facilities']")
    assert phone.inner_text("#site-name") == "UBND Phường 1"  # where petitions are received
    screenshot(phone, "feedback-top-360x640")
    phone.click("#send")
    assert "Hãy chọn nội dung liên quan" in phone.inner_text("#error")
    phone.click(".fb-cat[data-code='facilities']")
    phone.fill("#text", TEXT)
    phone.check("#want-answer")
    phone.fill("#name", NAME)
    phone.fill("#phone", "0987 654 321")
    screenshot(phone, "feedback-form-360x640")
    phone.click("#send")
    phone.wait_for_selector("#sent:not([hidden])")
    code = phone.inner_text("#sent-code")
    assert len(code) == 11 and code.count("-") == 2
    # the whole page fits a phone's width: nothing to scroll sideways
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "feedback-sent-360x640")

    desk = new_page(1366, 768)
    desk.goto(f"{served.url}/supervisor")
    desk.fill("#username", "giam")
    desk.fill("#password", PASSWORD)
    desk.click("#login-button")
    desk.wait_for_selector("#view-monitor:not([hidden])")
    desk.click("#to-feedback")  # the monitor's header leads to the inbox
    desk.wait_for_selector(f"#rows tr[data-code='{code}']")
    assert desk.inner_text(".pf-tab[data-state='new'] .sv-count") == "1"
    desk.click(f"#rows tr[data-code='{code}']")
    desk.wait_for_selector("#detail:not([hidden])")
    assert desk.inner_text("#d-text") == TEXT
    assert desk.inner_text("#d-contact") == f"{NAME} · 0987654321"
    desk.click("#d-moves [data-move='in_progress']")
    desk.wait_for_selector("#detail[data-state='in_progress']")
    desk.fill("#d-answer", ANSWER)
    desk.check("#d-close")
    desk.click("#d-send")
    desk.wait_for_selector("#detail[data-state='closed']")
    assert desk.inner_text("#message-vi").startswith(f"Đã gửi trả lời phản ánh {code}")
    assert desk.locator("#d-answer").is_disabled()  # a closed one is reopened before a new answer
    desk.click(".pf-tab[data-state='closed']")
    desk.wait_for_selector(f"#rows tr[data-code='{code}'] .st-closed")
    desk.click(f"#rows tr[data-code='{code}']")
    desk.wait_for_selector("#d-moves [data-move='in_progress']")
    screenshot(desk, "feedback-inbox-1366x768")

    phone.click("#tab-lookup")
    phone.fill("#lookup-code", code.replace("-", "").lower())  # as a citizen types it
    phone.click("#lookup-go")
    phone.wait_for_selector("#result:not([hidden])")
    assert phone.inner_text("#result-answer") == ANSWER
    assert phone.inner_text("#result-state") == "Đã đóng"
    assert phone.inner_text("#result-category").startswith("Cơ sở vật chất")
    body = phone.inner_text("body")
    assert NAME not in body and "0987654321" not in body and "0987 654 321" not in body
    phone.locator("#result").scroll_into_view_if_needed()
    screenshot(phone, "feedback-answer-360x640")

    phone.fill("#lookup-code", "ABCDEFGHJ")
    phone.click("#lookup-go")
    phone.wait_for_selector("#error:not([hidden])")
    assert phone.locator("#result").is_hidden()
    assert phone.errors == [] and desk.errors == []


def test_the_answer_page_opens_from_a_link_with_the_code(served, new_page):
    import httpx

    sent = httpx.post(f"{served.url}/api/v1/petitions", json={"category": "waiting_time", "text": TEXT}).json()
    phone = new_page(360, 640)
    phone.goto(f"{served.url}/feedback?code={sent['code']}")
    phone.wait_for_selector("#result:not([hidden])")
    assert phone.inner_text("#result-state") == "Mới tiếp nhận"
    assert phone.is_visible("#result-none") and phone.errors == []

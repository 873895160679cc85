"""The citizen's phone: the QR code printed on the slip opens a live position page (Chromium at
360x640) that follows the ticket through the call, a server restart and a network cut, vibrates
and notifies when the ticket is called, and says what to do once it is over."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from queue_server.services.queue import tickets as queue
from tests.e2e.conftest import screenshot, wait_until

pytestmark = pytest.mark.slow

# Recorded by the page's browser: vibrations, notifications constructed, permission requests.
SPIES = """(() => {
  window.__vibrations = [];
  navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
  window.__notes = [];
  window.__asked = 0;
  const Real = window.Notification;
  if (!Real) return;
  class Spy extends Real {
    constructor(title, options) { super(title, options); window.__notes.push({ title, body: options && options.body }); }
  }
  Object.defineProperty(Spy, "permission", { get: () => Real.permission });
  Spy.requestPermission = (...args) => { window.__asked += 1; return Real.requestPermission(...args); };
  window.Notification = Spy;
})();"""


def phone(new_page):  # noqa: ANN001, ANN201
    page = new_page(360, 640)
    page.add_init_script(SPIES)
    return page


def issue(served, service_id: int) -> dict:  # noqa: ANN001
    r = httpx.post(f"{served.url}/api/v1/tickets", json={"service_id": service_id},
                   headers={"Authorization": f"Bearer {served.hall.kiosk_token}"})
    assert r.status_code == 201, r.text
    return r.json()


def wait_state(page, state: str, timeout: float = 15000) -> None:  # noqa: ANN001
    page.wait_for_function(f"() => document.body.dataset.state === '{state}'", timeout=timeout)


def wait_live(page) -> None:  # noqa: ANN001
    page.wait_for_function("() => document.body.dataset.stream === 'live'", timeout=15000)


def test_the_slips_qr_opens_the_page_and_it_shows_the_call(served, new_page, tmp_path: Path):
    import zxingcpp
    from PIL import Image, ImageOps

    from hardware.sim.printer import VirtualPrinter
    from kiosk.client import KioskClient
    from kiosk.tickets import TicketFlow
    from tests.hardware.emupos_helper import decode

    served.issue(served.hall.a, 2)  # two citizens ahead
    printer = VirtualPrinter("127.0.0.1", 0, name="phone-test").start()
    flow = TicketFlow(KioskClient(served.url, served.hall.kiosk_token), printer_url=printer.url)
    try:
        issued = flow.issue(served.hall.a)
        assert flow.print(issued) is None
        wait_until(lambda: printer.jobs, message="the slip printed")
        profile = flow.printer.profile
        decoded = decode(printer.jobs[-1].data, profile, tmp_path / "slip")
    finally:
        flow.close()
        printer.stop()
    found = []
    for block in decoded.blocks:
        image = ImageOps.expand(Image.open(block["png"]).convert("L"), border=16, fill=255)
        found += [r.text for r in zxingcpp.read_barcodes(image)]
    assert len(found) == 1, decoded.blocks
    url = found[0]
    assert urlsplit(url).path == f"/t/{issued.ticket_id}" and url.startswith(served.url)

    page = phone(new_page)
    page.goto(url)
    assert page.inner_text("#code") == issued.code == "A003"
    assert page.inner_text("#service") == "Hộ tịch"
    wait_live(page)
    assert page.inner_text("#state-words") == "Đang chờ đến lượt"
    assert page.inner_text("#ahead") == "2"
    assert page.is_hidden("#counter-box")
    screenshot(page, "phone-waiting-360x640")

    # "alert me when 1 is ahead": the first call brings it there
    page.select_option("#alert-n", "1")
    served.post(f"/api/v1/counters/{served.hall.c3}/open")
    served.post(f"/api/v1/counters/{served.hall.c1}/open")
    served.post(f"/api/v1/counters/{served.hall.c3}/call-next")
    page.wait_for_function("() => document.querySelector('#ahead').textContent === '1'")
    page.wait_for_selector("#alert-banner", state="visible")
    assert "còn 1 người" in page.inner_text("#alert-banner")
    assert page.evaluate("window.__vibrations.length") == 1
    screenshot(page, "phone-near-360x640")

    served.post(f"/api/v1/counters/{served.hall.c1}/call-next")  # A002 to counter 1
    page.wait_for_function("() => document.querySelector('#ahead').textContent === '0'")
    served.post(f"/api/v1/counters/{served.hall.c3}/start")
    assert served.post(f"/api/v1/counters/{served.hall.c3}/call-next").json()["code"] == "A003"
    wait_state(page, "called")
    assert page.is_visible("#counter-box") and page.inner_text("#counter") == "3"
    assert page.inner_text("#state-words") == "Đến lượt Ông/Bà! Xin mời đến"
    assert page.evaluate("window.__vibrations.length") == 2  # the call vibrates, once
    assert page.title().startswith("A003")
    screenshot(page, "phone-called-360x640")

    # a recall vibrates again and says so
    served.post(f"/api/v1/counters/{served.hall.c3}/recall")
    page.wait_for_function("() => window.__vibrations.length === 3")
    assert "gọi lại" in page.inner_text("#next-step")

    # the English switch, kept on the next visit
    page.click("#lang")
    assert page.inner_text("#state-words") == "Your turn! Please go to"
    assert page.text_content("#t-counter") == "Counter"
    screenshot(page, "phone-called-en-360x640")
    page.reload()
    assert page.inner_text("#lang") == "Tiếng Việt"
    assert page.inner_text("#state-words") == "Your turn! Please go to"
    assert page.evaluate("window.__vibrations.length") == 0  # a call already on screen is not announced again
    assert page.errors == []


def test_the_page_catches_up_after_a_server_restart(served, new_page):
    served.issue(served.hall.a, 1)
    body = issue(served, served.hall.a)
    served.post(f"/api/v1/counters/{served.hall.c3}/open")
    page = phone(new_page)
    page.goto(body["position_url"])
    wait_live(page)
    assert page.inner_text("#ahead") == "1"

    served.server.kill()
    page.wait_for_function("() => document.body.dataset.stream === 'reconnecting'")
    assert "thử lại" in page.inner_text("#live")
    # while this server is down, another process (here: the use case itself) calls A001, then A002
    assert queue.call_next(served.ctx, served.hall.supervisor, served.hall.c3).code == "A001"
    queue.finish(served.ctx, served.hall.supervisor, served.hall.c3, None)
    assert queue.call_next(served.ctx, served.hall.supervisor, served.hall.c3).code == "A002"
    served.server.start()

    wait_state(page, "called", timeout=20000)
    wait_live(page)
    assert page.inner_text("#counter") == "3"
    assert page.evaluate("window.__vibrations.length") == 1
    assert page.errors == []


def test_the_page_catches_up_after_the_network_is_cut_and_restored(served, new_page):
    body = issue(served, served.hall.b)
    served.post(f"/api/v1/counters/{served.hall.c2}/open")
    page = phone(new_page)
    page.goto(body["position_url"])
    wait_live(page)

    page.context.set_offline(True)
    page.wait_for_function("() => document.body.dataset.stream === 'offline'")
    assert "mất mạng" in page.inner_text("#live")
    screenshot(page, "phone-offline-360x640")
    assert served.post(f"/api/v1/counters/{served.hall.c2}/call-next").json()["code"] == "B001"
    page.wait_for_timeout(1500)
    assert page.evaluate("document.body.dataset.state") == "waiting"  # the cut was real: nothing came

    page.context.set_offline(False)
    wait_state(page, "called")
    wait_live(page)
    assert page.inner_text("#counter") == "2"
    assert page.errors == []


def test_notifications_are_asked_for_on_the_button_only_and_shown_when_called(served, new_page):
    body = issue(served, served.hall.a)
    served.post(f"/api/v1/counters/{served.hall.c3}/open")
    page = phone(new_page)
    page.goto(body["position_url"])
    wait_live(page)
    assert page.is_visible("#notify")
    assert page.evaluate("window.__asked") == 0  # nothing asked before the citizen presses the button

    page.context.grant_permissions(["notifications"], origin=served.url)
    page.click("#notify")
    page.wait_for_function("() => document.querySelector('#notify-state').textContent.includes('đã bật')")
    assert page.evaluate("window.__asked") == 1
    assert page.is_hidden("#notify")

    served.post(f"/api/v1/counters/{served.hall.c3}/call-next")
    wait_state(page, "called")
    notes = page.evaluate("window.__notes")
    assert notes == [{"title": "Đến lượt Ông/Bà: số A001", "body": "Xin mời đến quầy 3."}]
    assert page.errors == []


def test_wrong_key_shows_the_same_page_as_an_unknown_ticket(served, new_page):
    body = issue(served, served.hall.a)
    tid = body["ticket"]["id"]
    unknown = httpx.get(f"{served.url}/t/{tid + 99}?k={body['position_key']}")
    wrong = httpx.get(f"{served.url}/t/{tid}?k=WRONG")
    assert (wrong.status_code, wrong.content) == (unknown.status_code, unknown.content) and wrong.status_code == 404
    page = phone(new_page)
    answer = page.goto(f"{served.url}/t/{tid}?k=WRONG")
    assert answer.status == 404
    assert page.inner_text(".ph-state-words") == "Không tìm thấy số này"
    assert "A001" not in page.content()
    screenshot(page, "phone-not-found-360x640")


def test_finished_cancelled_and_no_show_tickets_say_so_and_what_to_do_next(served, new_page):
    done, gone, absent = (issue(served, served.hall.a) for _ in range(3))
    c3 = served.hall.c3
    served.post(f"/api/v1/counters/{c3}/open")
    pages = {}
    for name, body in (("finished", done), ("cancelled", gone), ("no_show", absent)):
        pages[name] = phone(new_page)
        pages[name].goto(body["position_url"])
        wait_live(pages[name])

    served.post(f"/api/v1/counters/{c3}/call-next")  # A001
    served.post(f"/api/v1/counters/{c3}/finish")
    wait_state(pages["finished"], "finished")
    assert pages["finished"].inner_text("#state-words") == "Đã phục vụ xong"
    assert "lấy số mới tại ki-ốt" in pages["finished"].inner_text("#next-step")
    assert pages["finished"].is_hidden("#facts") and pages["finished"].is_hidden("#alerts")
    screenshot(pages["finished"], "phone-finished-360x640")

    assert served.post(f"/api/v1/tickets/{gone['ticket']['id']}/cancel", {"reason": "thử"}).status_code == 200
    wait_state(pages["cancelled"], "cancelled")
    assert pages["cancelled"].inner_text("#state-words") == "Số này đã bị huỷ"
    assert "lấy số mới tại ki-ốt" in pages["cancelled"].inner_text("#next-step")
    screenshot(pages["cancelled"], "phone-cancelled-360x640")

    # the clerk marks A003 absent (the hall's rule: after enough calls and time; relaxed here)
    served.post(f"/api/v1/counters/{c3}/call-next")
    served.ctx.settings.no_show_min_calls = 1
    served.ctx.settings.no_show_min_seconds = 0
    queue.no_show(served.ctx, served.hall.supervisor, c3, None)
    wait_state(pages["no_show"], "no_show")
    page = pages["no_show"]
    assert page.inner_text("#state-words") == "Ông/Bà đã được gọi nhưng không có mặt"
    assert "đến quầy 3 và báo cán bộ để được xếp lại lượt" in page.inner_text("#next-step")
    screenshot(page, "phone-no-show-360x640")
    # what the page advises is what the hall can do: the clerk puts the number back in the queue
    assert served.post(f"/api/v1/tickets/{absent['ticket']['id']}/requeue").status_code == 200
    wait_state(page, "waiting")
    assert page.is_visible("#facts")
    for p in pages.values():
        assert p.errors == []


def test_where_notifications_come_only_from_a_service_worker_the_page_uses_it(served, new_page):
    """Chrome on Android refuses `new Notification()`: the page shows it through its service worker."""
    body = issue(served, served.hall.b)
    served.post(f"/api/v1/counters/{served.hall.c2}/open")
    page = phone(new_page)
    page.add_init_script("""(() => {
      const Spy = window.Notification;
      class AndroidLike extends Spy {
        constructor() { throw new TypeError("Illegal constructor. Use ServiceWorkerRegistration.showNotification()"); }
      }
      Object.defineProperty(AndroidLike, "permission", { get: () => Spy.permission });
      AndroidLike.requestPermission = (...args) => Spy.requestPermission(...args);
      window.Notification = AndroidLike;
      window.__swNotes = [];
      const show = ServiceWorkerRegistration.prototype.showNotification;
      ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
        window.__swNotes.push({ title, body: options && options.body });
        return show.call(this, title, options);
      };
    })();""")
    page.context.grant_permissions(["notifications"], origin=served.url)
    page.goto(body["position_url"])
    wait_live(page)
    page.click("#notify")
    page.wait_for_function("async () => !!(await navigator.serviceWorker.getRegistration('/t/'))")
    served.post(f"/api/v1/counters/{served.hall.c2}/call-next")
    wait_state(page, "called")
    page.wait_for_function("() => window.__swNotes.length === 1")
    assert page.evaluate("window.__swNotes") == [{"title": "Đến lượt Ông/Bà: số B001", "body": "Xin mời đến quầy 2."}]
    assert page.errors == []


def test_a_phone_waking_up_reads_what_it_missed_while_asleep(served, new_page):
    body = issue(served, served.hall.a)
    served.post(f"/api/v1/counters/{served.hall.c3}/open")
    page = phone(new_page)
    page.goto(body["position_url"])
    wait_live(page)
    # asleep: the phone froze the page and its connection went quiet (here: the stream is stopped)
    page.evaluate("window.motcuaPhone.stream.stop()")
    served.post(f"/api/v1/counters/{served.hall.c3}/call-next")
    page.wait_for_timeout(1500)
    assert page.evaluate("document.body.dataset.state") == "waiting"
    # awake: the page is visible again
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    wait_state(page, "called")
    wait_live(page)
    assert page.inner_text("#counter") == "3"
    assert page.evaluate("window.__vibrations.length") == 1

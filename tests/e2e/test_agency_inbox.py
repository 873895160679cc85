"""Một cửa liên thông in the browser (issue 17): a dossier travels desk → department A →
department B → desk, each step signed for and acted on by that agency's own processor in
its inbox page; one agency never sees another's dossiers; the desk sees the hand-offs (the
rows of the control slip, Mẫu 05) with their marks. On SQLite, and on PostgreSQL.

The setup (agencies, processor accounts, the procedure's route) goes through the admin API
as /admin would send it; every step of the dossier itself is clicked in a page.
Screenshots (1366×768) go to artifacts/web/agency-*.png for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from queue_server.clock import SystemClock
from queue_server.services import admin
from queue_server.services.context import SYSTEM
from queue_server.services.dossiers import reception as dossiers
from queue_server.store.tables import DossierHandoff
from tests.conftest import PASSWORD, ServerProcess, build_hall, fresh_postgres_database, make_ctx
from tests.dossiers.helpers import payload, pdf_text
from tests.e2e.conftest import screenshot, wait_until

pytestmark = pytest.mark.slow

PROCEDURE = "1.004222"


@dataclass
class LienThong:
    url: str
    ctx: object
    hall: object
    a: dict  # Phòng Tư pháp (first on the route)
    b: dict  # Văn phòng UBND (second)
    c: dict  # Phòng Tài chính (not on the route)
    admin_headers: dict


def _login(url: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{url}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _setup(url: str, ctx, hall) -> LienThong:  # noqa: ANN001
    admin.create_user(ctx, SYSTEM, username="quan", password=PASSWORD, role="admin", full_name="Quản Trị",
                      site_id=hall.site_id)
    h = _login(url, "quan")
    site = httpx.get(f"{url}/api/v1/admin/sites", headers=h).json()[0]["code"]
    made = {}
    for code, name in (("TP", "Phòng Tư pháp"), ("VP", "Văn phòng UBND"), ("TC", "Phòng Tài chính")):
        r = httpx.post(f"{url}/api/v1/agencies", json={"site": site, "code": code, "name_vi": name}, headers=h)
        assert r.status_code == 201, r.text
        made[code] = r.json()
    for username, code in (("tuphap", "TP"), ("tuphap2", "TP"), ("vanphong", "VP")):
        r = httpx.post(f"{url}/api/v1/admin/users", headers=h, json={
            "username": username, "password": PASSWORD, "role": "processor", "full_name": username.title(),
            "site_id": hall.site_id, "agency_id": made[code]["id"]})
        assert r.status_code in (200, 201), r.text
    r = httpx.put(f"{url}/api/v1/procedures/{PROCEDURE}/route?site={site}", headers=h,
                  json={"route": [{"agency": "TP", "share": 0.5}, {"agency": "VP", "share": 0.3}]})
    assert r.status_code == 200, r.text
    return LienThong(url, ctx, hall, made["TP"], made["VP"], made["TC"], h)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def lien_thong(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LienThong]:
    data = tmp_path / "data"
    data.mkdir()
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{data / 'motcua.db'}"
    else:
        url, drop = fresh_postgres_database()
    ctx = make_ctx(url, data, SystemClock())
    hall = build_hall(ctx)
    server = ServerProcess(data, database_url=None if drop is None else url).start(timeout=120)
    try:
        yield _setup(server.url, ctx, hall)
    finally:
        server.stop()
        ctx.db.dispose()
        if drop is not None:
            drop()


def _desk(page, url: str, code: str) -> None:  # noqa: ANN001
    page.goto(f"{url}/dossiers/reception?dossier={code}")
    if page.is_visible("#login-user"):
        page.fill("#login-user", "an")
        page.fill("#login-pass", PASSWORD)
        page.click("#login-submit")
    page.wait_for_selector(f"#desk-detail[data-code='{code}']")


def _inbox(page, url: str, username: str) -> None:  # noqa: ANN001
    page.goto(f"{url}/agencies/inbox")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("#view-inbox:not([hidden])")
    page.wait_for_selector("#lists:not([aria-busy])")


def _item(page, lst: str, code: str):  # noqa: ANN001, ANN202
    return page.locator(f"#list-{lst} li[data-code='{code}']")


def test_a_dossier_travels_desk_two_departments_and_back_each_signed_in_its_own_inbox(lien_thong, new_page):
    lt = lien_thong
    d = dossiers.receive_dossier(lt.ctx, lt.hall.clerk, payload(PROCEDURE))
    code = d["code"]

    # the two departments' inboxes are open before anything is handed: they fill in live
    tuphap = new_page()
    _inbox(tuphap, lt.url, "tuphap")
    assert tuphap.inner_text("#agency-name") == "Phòng Tư pháp"
    vanphong = new_page()
    _inbox(vanphong, lt.url, "vanphong")
    wait_until(lambda: tuphap.get_attribute("#live", "data-state") == "live", page=tuphap, message="inbox stream live")

    # the desk: the route's first agency is preselected; another one asks for a reason
    desk = new_page()
    _desk(desk, lt.url, code)
    assert desk.input_value("#handoff-agency") == str(lt.a["id"])
    assert desk.is_hidden("#handoff-reason-box")
    desk.select_option("#handoff-agency", str(lt.c["id"]))
    assert desk.is_visible("#handoff-reason-box")
    desk.click("#handoff-submit")
    desk.wait_for_selector("#handoff-form [data-error='reason']")  # off the route without a reason: refused, beside the field
    desk.select_option("#handoff-agency", str(lt.a["id"]))
    desk.click("#handoff-submit")
    desk.wait_for_selector("#handoffs tr[data-seq='1']")
    assert "Phòng Tư pháp" in desk.inner_text("#handoffs tr[data-seq='1']")
    # while the agency holds it, the desk keeps only the apology letter: the agency asks for
    # documents, refuses or returns the result from its inbox
    assert "Phòng Tư pháp đang xử lý hồ sơ" in desk.inner_text("#held-note")
    agency_does = "#desk-detail [data-action='refuse'], #desk-detail [data-action='supplement-request'], " \
                  "#desk-detail [data-action='result-ready']"
    assert desk.locator(agency_does).count() == 0
    assert desk.locator("#desk-detail [data-action='apology']").count() == 1
    screenshot(desk, "agency-desk-handed")

    # department A: it arrives in "chờ ký nhận" without a reload; signed, it moves to "đang xử lý"
    _item(tuphap, "pending", code).wait_for()
    assert _item(vanphong, "pending", code).count() == 0  # not B's yet
    _item(tuphap, "pending", code).click()
    screenshot(tuphap, "agency-inbox-pending")
    tuphap.click("#act-sign")
    _item(tuphap, "held", code).wait_for()
    assert _item(tuphap, "pending", code).count() == 0
    assert "Tuphap" in tuphap.inner_text("#d-received")
    tuphap.click(".ag-tabs [data-act=note]")
    tuphap.fill("#note-text", "Đã kiểm tra trích lục, đủ điều kiện.")
    tuphap.click("#form-note button[type=submit]")
    # this note's own message (the sign's success message may still be showing)
    wait_until(lambda: "Đã ghi chú xử lý" in tuphap.inner_text("#message"), page=tuphap, message="note saved")
    # forward: the route's next agency is preselected
    tuphap.click(".ag-tabs [data-act=forward]")
    wait_until(lambda: tuphap.input_value("#fwd-agency") == str(lt.b["id"]), page=tuphap, message="next agency preselected")
    assert tuphap.is_hidden("#fwd-reason-box")
    screenshot(tuphap, "agency-inbox-forward")
    tuphap.click("#form-forward button[type=submit]")
    wait_until(lambda: _item(tuphap, "held", code).count() == 0, page=tuphap, message="forwarded away from A")

    # department B signs, tries to return without a result (the server's field error shows
    # beside the result box), then returns with the result
    _item(vanphong, "pending", code).wait_for()
    _item(vanphong, "pending", code).click()
    vanphong.click("#act-sign")
    _item(vanphong, "held", code).wait_for()
    _item(vanphong, "held", code).click()
    vanphong.click(".ag-tabs [data-act=return]")
    vanphong.click("#form-return button[type=submit]")
    vanphong.wait_for_selector("#form-return [data-error-for=result]")
    assert vanphong.is_visible("#ret-result.invalid")
    screenshot(vanphong, "agency-inbox-return-refused")
    vanphong.fill("#ret-result", "Đã ký giấy chứng nhận, chuyển một cửa trả công dân.")
    vanphong.click("#form-return button[type=submit]")
    wait_until(lambda: _item(vanphong, "held", code).count() == 0, page=vanphong, message="returned to the desk")

    # the desk: three hand-offs, each A and B row finished with a mark
    _desk(desk, lt.url, code)
    desk.wait_for_selector("#handoffs tr[data-seq='3']")
    assert desk.locator("#held-note").count() == 0  # back at the desk
    rows = [desk.inner_text(f"#handoffs tr[data-seq='{i}']") for i in (1, 2, 3)]
    assert "Phòng Tư pháp" in rows[0] and "Văn phòng UBND" in rows[1] and "Bộ phận" in rows[2]
    for seq in (1, 2):
        assert desk.get_attribute(f"#handoffs tr[data-seq='{seq}']", "data-timing") in ("early", "on_time")
    # the desk signs for the hand back: the result is there, and the row is done
    assert "Đã ký giấy chứng nhận" in desk.inner_text("#returned-what")
    screenshot(desk, "agency-desk-back")
    desk.click("#returned-sign")
    desk.wait_for_selector("#handoffs tr[data-seq='3']")
    wait_until(lambda: desk.locator("#returned-box").count() == 0, page=desk, message="hand back signed")
    assert "An" in desk.inner_text("#handoffs tr[data-seq='3']")  # received by the desk's clerk
    for page in (desk, tuphap, vanphong):
        assert page.errors == []


def test_an_agency_sees_only_its_own_dossiers(lien_thong, new_page):
    lt = lien_thong
    mine = dossiers.receive_dossier(lt.ctx, lt.hall.clerk, payload(PROCEDURE))
    theirs = dossiers.receive_dossier(lt.ctx, lt.hall.clerk, payload(PROCEDURE))
    clerk = _login(lt.url, "an")
    for d, agency, reason in ((mine, lt.a, None), (theirs, lt.b, "Phòng Tư pháp đã xác minh trước")):
        body = {"to_agency_id": agency["id"], **({"reason": reason} if reason else {})}
        r = httpx.post(f"{lt.url}/api/v1/dossiers/{d['id']}/handoffs", json=body, headers=clerk)
        assert r.status_code == 200, r.text

    page = new_page()
    _inbox(page, lt.url, "tuphap")
    _item(page, "pending", mine["code"]).wait_for()
    assert page.locator(f"li[data-code='{theirs['code']}']").count() == 0
    screenshot(page, "agency-inbox-own-only")
    # nor by asking the server directly, with the page's own session
    other = page.context.request.get(f"{lt.url}/api/v1/agencies/{lt.b['id']}/inbox")
    assert other.status == 403
    held_by_b = httpx.get(f"{lt.url}/api/v1/agencies/{lt.b['id']}/inbox", headers=_login(lt.url, "vanphong")).json()
    handoff = held_by_b["pending"][0]["handoff_id"]
    r = httpx.post(f"{lt.url}/api/v1/handoffs/{handoff}/sign", json={}, headers=_login(lt.url, "tuphap"))
    assert r.status_code == 403, r.text

    # its own dossier lacks a document: signed, it asks the desk for a supplement; without
    # the missing documents the server's refusal shows beside the box; then the dossier goes
    # back to the desk, which has Mẫu 02 listing what is missing
    _item(page, "pending", mine["code"]).click()
    page.click("#act-sign")
    _item(page, "held", mine["code"]).wait_for()
    _item(page, "held", mine["code"]).click()
    page.click(".ag-tabs [data-act=supplement]")
    page.fill("#sup-reason", "Thiếu giấy tờ")
    page.click("#form-supplement button[type=submit]")
    page.wait_for_selector("#form-supplement [data-error-for=missing]")
    page.fill("#sup-missing", "Bản sao trích lục khai sinh\nẢnh 4x6")
    page.click("#form-supplement button[type=submit]")
    wait_until(lambda: _item(page, "held", mine["code"]).count() == 0, page=page, message="back to the desk")
    assert "Đã gửi yêu cầu bổ sung" in page.inner_text("#message")
    back = httpx.get(f"{lt.url}/api/v1/dossiers/{mine['id']}", headers=clerk).json()
    assert back["state"] == "supplement_requested" and back["current_agency_id"] is None
    letter = httpx.get(f"{lt.url}/api/v1/dossiers/{mine['id']}/letters/supplement.pdf", headers=clerk)
    assert letter.status_code == 200
    text = " ".join(pdf_text(letter.content))
    assert "Bản sao trích lục khai sinh" in text and "Ảnh 4x6" in text

def test_two_staff_of_one_agency_sign_at_once_one_succeeds_the_other_is_told(lien_thong, new_page):
    lt = lien_thong
    d = dossiers.receive_dossier(lt.ctx, lt.hall.clerk, payload(PROCEDURE))
    r = httpx.post(f"{lt.url}/api/v1/dossiers/{d['id']}/handoffs", json={"to_agency_id": lt.a["id"]},
                   headers=_login(lt.url, "an"))
    assert r.status_code == 200, r.text
    first, second = new_page(), new_page()
    _inbox(first, lt.url, "tuphap")
    _inbox(second, lt.url, "tuphap2")
    for page in (first, second):
        _item(page, "pending", d["code"]).wait_for()
        _item(page, "pending", d["code"]).click()
    first.click("#act-sign")
    _item(first, "held", d["code"]).wait_for()
    second.evaluate("() => document.querySelector('#act-sign').click()")  # the stale page still offers it
    second.wait_for_selector("#message[data-kind=error]")
    assert "ký nhận" in second.inner_text("#message-vi")
    _item(second, "held", d["code"]).wait_for()  # and it shows the dossier as signed now


def test_an_admin_sets_up_an_agency_its_processor_and_a_route_in_admin_and_the_processor_signs_in(lien_thong, new_page):
    lt = lien_thong
    page = new_page()
    page.goto(f"{lt.url}/admin#agencies")
    page.fill("#username", "quan")
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("#tab-agencies:not([hidden]):not([aria-busy])")
    page.wait_for_selector("#agc-rows tr[data-code='TP']")

    # an agency
    page.click("#agc-new")
    page.fill("#agc-code", "DC")
    page.fill("#agc-name-vi", "Phòng Địa chính")
    page.fill("#agc-name-en", "Land registry")
    page.click("#agc-save")
    page.wait_for_selector("#agc-rows tr[data-code='DC']")
    assert page.inner_text("#message-vi") == "Đã lưu cơ quan Phòng Địa chính."

    # its own hours (it also works on Saturday mornings; its steps' deadlines count them): until
    # ticked, the desk's hours show greyed; a wrong session is refused beside its day
    def hours_of(code: str) -> dict | None:
        agencies = httpx.get(f"{lt.url}/api/v1/agencies", headers=lt.admin_headers).json()["agencies"]
        return next(a for a in agencies if a["code"] == code)["hours"]

    page.click("#agc-rows tr[data-code='DC']")
    assert not page.is_checked("#agc-hours-own") and page.is_disabled("#agc-hours-mon")
    assert page.input_value("#agc-hours-mon") != ""  # the desk's hours, shown
    page.check("#agc-hours-own")
    page.fill("#agc-hours-mon", "07:30-11:30, 25:00-26:00")
    page.click("#agc-save")
    page.wait_for_selector("#agc-hours-mon.bad")
    assert "hours.mon" in page.inner_text("#message")
    assert hours_of("DC") is None  # nothing saved
    page.fill("#agc-hours-mon", "07:30-11:30, 13:30-17:00")
    page.fill("#agc-hours-sat", "07:30 – 11:30")
    page.click("#agc-save")
    wait_until(lambda: (hours_of("DC") or {}).get("sat") == ["07:30-11:30"], page=page, message="own hours saved")
    assert hours_of("DC")["mon"] == ["07:30-11:30", "13:30-17:00"]
    page.click("#agc-rows tr[data-code='DC']")
    assert page.is_checked("#agc-hours-own") and page.input_value("#agc-hours-sat") == "07:30-11:30"
    screenshot(page, "agency-admin-hours")
    page.click("#agc-cancel")
    # a duplicate code: refused, and the page says why
    page.click("#agc-new")
    page.fill("#agc-code", "DC")
    page.fill("#agc-name-vi", "Trùng mã")
    page.click("#agc-save")
    page.wait_for_selector("#message[data-kind=error]")
    assert page.locator("#agc-rows tr[data-code='DC']").count() == 1
    page.click("#agc-cancel")

    # its processor: the password is shown once
    page.click("#prc-new")
    page.fill("#prc-username", "diachinh")
    page.fill("#prc-fullname", "Phạm Địa Chính")
    dc = page.get_attribute("#agc-rows tr[data-code='DC']", "data-id")
    page.select_option("#prc-agency", dc)
    page.click("#prc-save")
    page.wait_for_selector("#prc-secret:not([hidden])")
    password = page.inner_text("#prc-password").strip()
    page.wait_for_selector("#prc-rows tr[data-username='diachinh']")
    assert "Phòng Địa chính" in page.inner_text("#prc-rows tr[data-username='diachinh']")

    # the procedure's route: the two steps set up before, and one more
    page.select_option("#rte-procedure", PROCEDURE)
    page.wait_for_selector("#rte-rows tr[data-step='2']")
    page.click("#rte-add")
    page.select_option("#rte-rows tr[data-step='3'] select", "DC")
    page.fill("#rte-rows tr[data-step='3'] input", "10")
    assert "90%" in page.inner_text("#rte-total")
    page.click("#rte-save")
    page.wait_for_selector("#message[data-kind=success]")

    def saved_route() -> list[tuple[str, float]]:
        route = httpx.get(f"{lt.url}/api/v1/procedures/{PROCEDURE}/route", headers=lt.admin_headers).json()["route"]
        return [(s["agency_code"], s["share"]) for s in route]

    # the success message on screen may be an earlier save's: wait for the server's answer
    wait_until(lambda: saved_route() == [("TP", 0.5), ("VP", 0.3), ("DC", 0.1)], page=page, message="route saved")
    screenshot(page, "agency-admin-tab")

    # the new account opens its agency's inbox
    inbox = new_page()
    inbox.goto(f"{lt.url}/agencies/inbox")
    inbox.fill("#username", "diachinh")
    inbox.fill("#password", password)
    inbox.click("#login-button")
    inbox.wait_for_selector("#view-inbox:not([hidden])")
    wait_until(lambda: inbox.inner_text("#agency-name") == "Phòng Địa chính", page=inbox, message="agency name")
    # a clerk is not a processor: the inbox page says so
    clerk = new_page()
    clerk.goto(f"{lt.url}/agencies/inbox")
    clerk.fill("#username", "an")
    clerk.fill("#password", PASSWORD)
    clerk.click("#login-button")
    clerk.wait_for_selector("#login-error:not([hidden])")
    assert "cơ quan xử lý" in clerk.inner_text("#login-error-vi")


def test_a_late_step_flags_its_agency_live_and_on_the_head_of_units_table(lien_thong, new_page):
    lt = lien_thong
    d = dossiers.receive_dossier(lt.ctx, lt.hall.clerk, payload(PROCEDURE))
    r = httpx.post(f"{lt.url}/api/v1/dossiers/{d['id']}/handoffs", json={"to_agency_id": lt.a["id"]},
                   headers=_login(lt.url, "an"))
    assert r.status_code == 200, r.text
    tuphap, vanphong = new_page(), new_page()
    _inbox(tuphap, lt.url, "tuphap")
    _inbox(vanphong, lt.url, "vanphong")
    _item(tuphap, "pending", d["code"]).wait_for()
    wait_until(lambda: tuphap.get_attribute("#live", "data-state") == "live", page=tuphap, message="inbox stream live")

    # the step's deadline passes (as if days went by), and the server's round sweeps
    def overdue(session) -> None:  # noqa: ANN001
        session.execute(update(DossierHandoff).where(DossierHandoff.dossier_id == d["id"])
                        .values(step_due_at=datetime.now(UTC) - timedelta(hours=1)))
    lt.ctx.db.transaction(overdue)
    swept = httpx.post(f"{lt.url}/api/v1/agencies/sweep", headers=_login(lt.url, "giam"))
    assert swept.status_code == 200, swept.text

    # A's inbox moves it to "quá hạn" by itself; B has nothing late
    _item(tuphap, "late", d["code"]).wait_for()
    assert "Quá hạn" in _item(tuphap, "late", d["code"]).inner_text()
    assert tuphap.inner_text("#n-late") == "1"
    screenshot(tuphap, "agency-inbox-late")
    vanphong.reload()
    vanphong.wait_for_selector("#view-inbox:not([hidden]) #lists:not([aria-busy])")
    assert vanphong.inner_text("#n-late") == "0"

    # the head of the one-stop unit sees which agency is late
    head = new_page()
    head.goto(f"{lt.url}/dossiers/supervisor")
    head.fill("#login-user", "giam")
    head.fill("#login-pass", PASSWORD)
    head.click("#login-submit")
    head.wait_for_selector("#agency-load table")
    head.wait_for_selector("#agency-load:not([aria-busy])")
    row_a = head.inner_text(f"#agency-load tr[data-agency='{lt.a['id']}']").split("\t")
    row_b = head.inner_text(f"#agency-load tr[data-agency='{lt.b['id']}']").split("\t")
    assert row_a[0] == "Phòng Tư pháp" and row_a[3] == "1"  # Quá hạn
    assert row_b[0] == "Văn phòng UBND" and row_b[3] == "0"
    screenshot(head, "agency-head-of-unit")


def _hand(lt: LienThong, d: dict, agency: dict) -> None:
    r = httpx.post(f"{lt.url}/api/v1/dossiers/{d['id']}/handoffs", json={"to_agency_id": agency["id"]},
                   headers=_login(lt.url, "an"))
    assert r.status_code == 200, r.text


def test_an_agency_refuses_with_a_reason_and_the_desk_signs_the_dossier_back(lien_thong, new_page):
    lt = lien_thong
    d = dossiers.receive_dossier(lt.ctx, lt.hall.clerk, payload(PROCEDURE))
    _hand(lt, d, lt.a)
    page = new_page()
    _inbox(page, lt.url, "tuphap")
    _item(page, "pending", d["code"]).click()
    page.click("#act-sign")
    _item(page, "held", d["code"]).wait_for()
    page.click(".ag-tabs [data-act=refuse]")
    page.click("#form-refuse button[type=submit]")
    page.wait_for_selector("#form-refuse [data-error-for=reason]")  # no reason: refused beside the box
    page.fill("#ref-reason", "Thửa đất đang có tranh chấp, không đủ điều kiện đăng ký.")
    page.click("#form-refuse button[type=submit]")
    wait_until(lambda: _item(page, "held", d["code"]).count() == 0, page=page, message="refused away")
    assert "từ chối" in page.inner_text("#message-vi")

    desk = new_page()
    _desk(desk, lt.url, d["code"])
    assert "tranh chấp" in desk.inner_text("#returned-what")
    assert desk.locator("#desk-detail a[href$='letters/refusal.pdf']").count() == 1  # Mẫu 03 from the desk
    desk.click("#returned-sign")
    wait_until(lambda: desk.locator("#returned-box").count() == 0, page=desk, message="refusal signed for")
    screenshot(desk, "agency-desk-refused")


def test_the_desk_is_prompted_for_the_apology_before_the_due_date_and_issues_it(lien_thong, new_page):
    lt = lien_thong
    d = dossiers.receive_dossier(lt.ctx, lt.hall.clerk, payload(PROCEDURE))
    _hand(lt, d, lt.a)
    # department A's step will end after the dossier's due date (its deadline moved past it)
    due = datetime.fromisoformat(d["due_at"])

    def beyond(session) -> None:  # noqa: ANN001
        session.execute(update(DossierHandoff).where(DossierHandoff.dossier_id == d["id"])
                        .values(step_due_at=due + timedelta(days=3)))
    lt.ctx.db.transaction(beyond)

    desk = new_page()
    _desk(desk, lt.url, d["code"])
    assert "Cần gửi phiếu xin lỗi và hẹn lại ngày trả" in desk.inner_text("#apology-banner")
    desk.click("#apology-open")
    form = desk.locator("details[data-action=apology][open] form")
    assert form.locator("[data-field=new_appointment]").input_value()  # the forecast, to confirm or change
    form.locator("[data-field=reason]").fill("Phòng Tư pháp cần xác minh thêm tại địa phương.")
    screenshot(desk, "agency-desk-apology")
    form.locator("button[type=submit]").click()
    wait_until(lambda: desk.locator("#apology-banner").count() == 0
               and desk.locator("#desk-detail a[href$='letters/apology.pdf']").count() == 1,
               page=desk, message="apology issued")


@pytest.mark.postgres
def test_across_sites_a_ward_desk_hands_to_a_city_department_on_another_process_and_back(tmp_path, new_page):
    """Two server processes on one PostgreSQL: the ward's desk on one, the city department's
    inbox on the other; the hand-off appears in the open inbox by itself (the event stream
    across processes) and the result comes back to the ward's desk."""
    url, drop = fresh_postgres_database()
    data = tmp_path / "data"
    data.mkdir()
    ctx = make_ctx(url, data, SystemClock())
    ward, city_server = None, None
    try:
        hall = build_hall(ctx)
        city = admin.create_site(ctx, SYSTEM, code="thanh-pho", name="UBND Thành phố", agency_code="000.00.00.H26")
        ward = ServerProcess(data, database_url=url).start(timeout=120)
        city_server = ServerProcess(data, database_url=url).start(timeout=120)
        admin.create_user(ctx, SYSTEM, username="quan", password=PASSWORD, role="admin", full_name="Quản Trị")
        h = _login(ward.url, "quan")
        r = httpx.post(f"{ward.url}/api/v1/agencies", headers=h,
                       json={"site": "thanh-pho", "code": "QLDT", "name_vi": "Phòng Quản lý đô thị thành phố"})
        assert r.status_code == 201, r.text
        qldt = r.json()
        r = httpx.post(f"{ward.url}/api/v1/admin/users", headers=h, json={
            "username": "dothi", "password": PASSWORD, "role": "processor", "site_id": city["id"], "agency_id": qldt["id"]})
        assert r.status_code in (200, 201), r.text
        r = httpx.put(f"{ward.url}/api/v1/procedures/{PROCEDURE}/route?site=phuong-1", headers=h,
                      json={"route": [{"agency": "thanh-pho:QLDT", "share": 0.6}]})
        assert r.status_code == 200, r.text
        d = dossiers.receive_dossier(ctx, hall.clerk, payload(PROCEDURE))

        inbox = new_page()
        _inbox(inbox, city_server.url, "dothi")
        wait_until(lambda: inbox.get_attribute("#live", "data-state") == "live", page=inbox, message="city stream live")
        desk = new_page()
        _desk(desk, ward.url, d["code"])
        assert desk.input_value("#handoff-agency") == str(qldt["id"])  # the route's city department, preselected
        desk.click("#handoff-submit")
        desk.wait_for_selector("#handoffs tr[data-seq='1']")

        _item(inbox, "pending", d["code"]).wait_for()  # on the other process, without a reload
        _item(inbox, "pending", d["code"]).click()
        inbox.click("#act-sign")
        _item(inbox, "held", d["code"]).wait_for()
        inbox.click(".ag-tabs [data-act=return]")
        inbox.fill("#ret-result", "Đồng ý cấp phép xây dựng.")
        inbox.click("#form-return button[type=submit]")
        wait_until(lambda: _item(inbox, "held", d["code"]).count() == 0, page=inbox, message="returned to the ward")
        screenshot(inbox, "agency-inbox-city")

        _desk(desk, ward.url, d["code"])
        assert "Đồng ý cấp phép" in desk.inner_text("#returned-what")
        assert d["code"].startswith("000.00.01.H01-")  # the ward's numbering throughout
        assert "thành phố" in desk.inner_text("#handoffs tr[data-seq='1']")
    finally:
        for server in (ward, city_server):
            if server is not None:
                server.stop()
        ctx.db.dispose()
        drop()


def test_forwarding_off_the_route_needs_a_reason_written_beside_the_choice(lien_thong, new_page):
    lt = lien_thong
    d = dossiers.receive_dossier(lt.ctx, lt.hall.clerk, payload(PROCEDURE))
    _hand(lt, d, lt.a)
    page = new_page()
    _inbox(page, lt.url, "tuphap")
    _item(page, "pending", d["code"]).click()
    page.click("#act-sign")
    _item(page, "held", d["code"]).wait_for()
    page.click(".ag-tabs [data-act=forward]")
    wait_until(lambda: page.locator(f"#fwd-agency option[value='{lt.c['id']}']").count() == 1, page=page,
               message="the site's other agencies offered")
    assert page.locator(f"#fwd-agency option[value='{lt.a['id']}']").count() == 0  # never to itself
    page.select_option("#fwd-agency", str(lt.c["id"]))
    assert page.is_visible("#fwd-reason-box")
    page.click("#form-forward button[type=submit]")
    page.wait_for_selector("#form-forward [data-error-for=reason]")
    page.fill("#fwd-reason", "Cần Phòng Tài chính xác định nghĩa vụ tài chính trước.")
    page.click("#form-forward button[type=submit]")
    wait_until(lambda: _item(page, "held", d["code"]).count() == 0, page=page, message="forwarded off the route")
    desk = new_page()
    _desk(desk, lt.url, d["code"])
    row = desk.inner_text("#handoffs tr[data-seq='2']")
    assert "Phòng Tài chính" in row and "Ngoài quy trình" in row and "nghĩa vụ tài chính" in row

"""The kiosk's parts without a screen: configuration, the HTTP client's errors, the offline
catalogue cache, the one-number-at-a-time guard."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.cache import CatalogCache
from kiosk.client import (
    DossierNotFound,
    KioskClient,
    NotAvailable,
    NotModified,
    Offline,
    RateLimited,
    ServerRefused,
    Unconfirmed,
)
from kiosk.config import KioskConfigError, load_config
from kiosk.dossier_view import DossierView, parse_scan
from kiosk.tickets import Issued, TicketFlow


def test_config_from_toml_then_environment_then_command_line(tmp_path):
    toml = tmp_path / "motcua.toml"
    toml.write_text('port = 8000\n[kiosk]\nserver_url = "http://hall:8000/"\norientation = "landscape"\n'
                    'idle_timeout_s = 60\n', encoding="utf-8")
    config = load_config(str(toml), env={"MOTCUA_KIOSK_IDLE_TIMEOUT_S": "30"}, language="en")
    assert config.server_url == "http://hall:8000" and config.size == (1920, 1080)
    assert (config.idle_timeout_s, config.language) == (30, "en")
    with pytest.raises(KioskConfigError, match="orientation"):
        load_config(env={"MOTCUA_KIOSK_ORIENTATION": "sideways"})
    with pytest.raises(KioskConfigError, match="unknown key kiosk.colour"):
        toml.write_text("[kiosk]\ncolour = 1\n", encoding="utf-8")
        load_config(str(toml), env={})


def test_the_token_can_come_from_the_demo_devices_file(tmp_path):
    devices = tmp_path / "demo-devices.json"
    devices.write_text(json.dumps({"kiosk": {"id": 1, "token": "mcd_abc"}}), encoding="utf-8")
    assert load_config(env={}, device_token_file=str(devices)).token() == "mcd_abc"


def client_with(handler) -> KioskClient:
    return KioskClient("http://hall", "mcd_x", transport=httpx.MockTransport(handler))


def problem(status: int, detail: str, detail_en: str, type_: str = "x") -> httpx.Response:
    return httpx.Response(status, json={"detail": detail, "detail_en": detail_en, "type": type_})


def test_an_unreachable_server_is_offline_and_an_unanswered_issue_is_unconfirmed():
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    client = client_with(refuse)
    with pytest.raises(Offline):
        client.services()
    assert client.online is False and client.health() is False

    def silent(request):
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(Unconfirmed) as caught:  # a ticket may exist: the screen must not offer a blind retry
        client_with(silent).issue(1)
    assert "chưa xác nhận" in caught.value.message_vi


def test_a_lost_answer_is_asked_again_under_the_same_key_and_only_then_unconfirmed():
    seen = []

    def first_answer_lost(request):
        seen.append(request.headers.get("Idempotency-Key"))
        if len(seen) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(201, json={"ticket": {"id": 7, "code": "A007"}})

    reply = client_with(first_answer_lost).issue(1, request_key="k-1234567890")
    assert reply["ticket"]["code"] == "A007"
    assert seen == ["k-1234567890", "k-1234567890"]  # same key: the server cannot make a second number

    def always_silent(request):
        seen.append(request.headers.get("Idempotency-Key"))
        raise httpx.ReadTimeout("slow", request=request)

    seen.clear()
    with pytest.raises(Unconfirmed):
        client_with(always_silent).issue(1, request_key="k-abcdefghij")
    assert len(seen) == 2


def test_a_proxys_bad_gateway_on_an_issue_is_asked_again_under_the_same_key():
    # nginx answers 502 when the server process it sent the request to died mid-way: that
    # process may have committed the ticket, so the kiosk asks again with the same key
    seen = []

    def process_died(request):
        seen.append(request.headers.get("Idempotency-Key"))
        if len(seen) == 1:
            return httpx.Response(502, text="<html>502 Bad Gateway</html>")
        return httpx.Response(201, json={"ticket": {"id": 8, "code": "A008"}})

    assert client_with(process_died).issue(1, request_key="k-0987654321")["ticket"]["code"] == "A008"
    assert seen == ["k-0987654321", "k-0987654321"]

    def unavailable(request):  # the server itself said 503: nothing was issued
        return httpx.Response(503, json={"detail": "x", "detail_en": "x"})

    with pytest.raises(Offline) as caught:
        client_with(unavailable).issue(1, request_key="k-0987654321")
    assert not isinstance(caught.value, Unconfirmed)


def test_server_problems_keep_the_servers_own_words():
    client = client_with(lambda r: problem(409, "Dịch vụ đang tạm dừng.", "Service paused."))
    with pytest.raises(ServerRefused) as caught:
        client.issue(1)
    assert caught.value.message_vi == "Dịch vụ đang tạm dừng." and caught.value.status == 409
    with pytest.raises(RateLimited):
        client_with(lambda r: problem(429, "Quá nhiều", "Too many")).issue(1)
    with pytest.raises(Offline):
        client_with(lambda r: problem(503, "CSDL", "DB down")).issue(1)


def test_dossier_lookup_is_not_available_from_a_server_without_the_route():
    missing_route = client_with(lambda r: problem(404, "Không tìm thấy", "Not Found", "https://x/problems/404"))
    with pytest.raises(NotAvailable):
        missing_route.dossier_lookup("A", "B")
    with pytest.raises(NotAvailable):
        client_with(lambda r: httpx.Response(405, json={"detail": "Method Not Allowed"})).dossier_lookup("A", "B")


def test_dossier_lookup_tells_not_found_too_many_tries_and_offline_apart():
    asked = []

    def found(request):
        asked.append(dict(request.url.params))
        return httpx.Response(200, json={"code": "X-1", "state_vi": "Đang giải quyết"})

    assert client_with(found).dossier_lookup("000.00.06.H56-260302-0001", "ABC234")["state_vi"] == "Đang giải quyết"
    assert asked == [{"code": "000.00.06.H56-260302-0001", "key": "ABC234"}]
    unknown = client_with(lambda r: problem(404, "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này.",
                                            "No dossier matches this dossier code and lookup code.",
                                            "https://x/problems/not_found"))
    with pytest.raises(DossierNotFound) as caught:
        unknown.dossier_lookup("A", "B")
    assert "mã hồ sơ và mã tra cứu" in caught.value.message_vi
    limited = client_with(lambda r: httpx.Response(429, headers={"Retry-After": "540"},
                                                   json={"detail": "Tra cứu sai quá nhiều lần.",
                                                         "detail_en": "Too many wrong lookups."}))
    with pytest.raises(RateLimited) as caught:
        limited.dossier_lookup("A", "B")
    assert caught.value.retry_after == 540

    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(Offline):
        client_with(refuse).dossier_lookup("A", "B")


def test_the_receipts_qr_gives_both_codes_in_any_letter_case():
    url = "http://10.0.0.2:8000/dossiers/lookup?code=000.00.06.H56-260302-0001&key=ABC234"
    assert parse_scan(url) == ("000.00.06.H56-260302-0001", "ABC234")
    assert parse_scan(url.upper()) == ("000.00.06.H56-260302-0001", "ABC234")  # the code box upper-cases
    assert parse_scan("https://hall/dossiers/lookup?key=abc-234&code=000.00.06.h56-260302-0001#top") == (
        "000.00.06.H56-260302-0001", "ABC234")
    for not_a_receipt in ("000.00.06.H56-260302-0001", "ABC234", "https://hall/dossiers/lookup?code=X", ""):
        assert parse_scan(not_a_receipt) is None


@given(agency=st.from_regex(r"[0-9A-Z]{3}(\.[0-9A-Z]{2}){2}\.[A-Z][0-9]{2}", fullmatch=True),
       day=st.dates(), number=st.integers(1, 99999),
       key=st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZ23456789", min_size=6, max_size=6),
       host=st.sampled_from(["http://127.0.0.1:8000", "https://motcua.phuong-an-binh.gov.vn"]),
       upper=st.booleans())
def test_any_receipt_url_the_server_prints_scans_back_to_its_codes(agency, day, number, key, host, upper):
    code = f"{agency}-{day:%y%m%d}-{number:04d}"
    url = f"{host}/dossiers/lookup?" + urlencode({"code": code, "key": key})  # as the server writes it
    assert parse_scan(url.upper() if upper else url) == (code, key)


REPLY = {
    "code": "000.00.06.H56-260302-0001", "site": "UBND phường An Bình",
    "procedure": {"code": "1.000894", "name_vi": "Đăng ký kết hôn", "name_en": "Marriage registration"},
    "applicant": "N*** T** H*** N", "state": "in_progress", "state_vi": "Đang giải quyết",
    "state_en": "In progress", "received_at": "2026-03-02T02:00:00+00:00",
    "appointment_at": "2026-03-06T10:00:00+00:00", "due_at": "2026-03-03T10:00:00+00:00",
    "due_state": "overdue", "due_state_vi": "Quá hạn", "due_state_en": "Overdue",
    "current_agency": "Công chức Tư pháp – Hộ tịch", "result_delivery_vi": "Tại quầy",
    "result_delivery_en": "At the counter", "calendar_missing_years": [2027],
    "timeline": [
        {"kind": "received", "name_vi": "Tiếp nhận hồ sơ", "name_en": "Received", "at": "2026-03-02T02:00:00+00:00",
         "agency": "Bộ phận một cửa", "timing": None, "timing_vi": None},
        {"kind": "handed_off", "name_vi": "Chuyển hồ sơ", "name_en": "Handed over",
         "at": "2026-03-03T11:00:00+00:00", "agency": "Công chức Tư pháp – Hộ tịch", "timing": "late",
         "timing_vi": "Quá hạn"},
        {"kind": "apology", "name_vi": "Xin lỗi và hẹn lại ngày trả", "name_en": "Apology and new date",
         "at": "2026-03-04T03:00:00+00:00", "agency": "", "timing": None, "timing_vi": None,
         "new_appointment_vi": "17 giờ 00 phút, Thứ Sáu, ngày 06/03/2026"},
    ],
}


def test_the_lookup_reply_reads_in_the_halls_time_with_lateness_in_words():
    vi = DossierView.from_reply(REPLY, "Asia/Ho_Chi_Minh", "vi")
    assert (vi.procedure, vi.status, vi.applicant) == ("Đăng ký kết hôn", "Đang giải quyết", "N*** T** H*** N")
    assert vi.received == "02/03/2026 09:00 (Thứ Hai)"  # UTC+7
    assert vi.due == "06/03/2026 17:00 (Thứ Sáu)" and vi.first_due == "03/03/2026 17:00 (Thứ Ba)"
    assert vi.overdue and vi.due_state_text == "Quá hạn"
    assert [(s.name, s.timing, s.late) for s in vi.timeline] == [
        ("Tiếp nhận hồ sơ", "", False), ("Chuyển hồ sơ", "Quá hạn", True),
        ("Xin lỗi và hẹn lại ngày trả", "", False)]
    assert vi.timeline[2].details == ["Hẹn lại: 06/03/2026 17:00 (Thứ Sáu)"]
    assert "2027" in vi.calendar_note
    en = DossierView.from_reply(REPLY, "Asia/Ho_Chi_Minh", "en")
    assert (en.procedure, en.status, en.due_state_text) == ("Marriage registration", "In progress", "Overdue")
    assert en.due == "06/03/2026 17:00 (Friday)" and en.timeline[1].timing == "Late"
    waiting = DossierView.from_reply({**REPLY, "state": "supplement_requested", "due_state": None, "timeline": [
        {"kind": "supplement_requested", "name_vi": "Yêu cầu bổ sung", "at": "2026-03-03T02:00:00+00:00",
         "missing": ["Giấy xác nhận tình trạng hôn nhân"]}]}, "Asia/Ho_Chi_Minh", "vi")
    assert waiting.missing == ["Giấy xác nhận tình trạng hôn nhân"] and not waiting.overdue


CATALOG = {"version": "v1", "fields": [{"code": "HT", "name": {"vi": "Hộ tịch", "en": "Civil status"}}],
           "services": [],
           "procedures": [{"code": "1.001193", "field": "HT", "name": {"vi": "Đăng ký khai sinh", "en": "Birth"},
                           "keywords": ["làm giấy khai sinh"], "service_id": 1},
                          {"code": "1.000894", "field": "HT", "name": {"vi": "Đăng ký kết hôn", "en": "Marriage"},
                           "keywords": [], "service_id": 1}]}


def test_the_cached_catalogue_survives_a_restart_and_searches_without_diacritics(tmp_path):
    calls = []

    def serve(request):
        calls.append(request.headers.get("if-none-match"))
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, json=CATALOG, headers={"etag": '"v1"'})

    cache = CatalogCache(tmp_path)
    assert cache.refresh(client_with(serve)) is True
    assert cache.refresh(client_with(serve)) is False and calls == [None, '"v1"']
    again = CatalogCache(tmp_path)  # the kiosk restarts with the server down
    assert again.load()
    assert [p["code"] for p in again.search("dang ky khai sinh")][:1] == ["1.001193"]
    assert [p["code"] for p in again.search("1.000894")] == ["1.000894"]
    assert sorted(p["code"] for p in again.search("ho tich")) == ["1.000894", "1.001193"]
    with pytest.raises(NotModified):
        client_with(serve).catalog('"v1"')


def test_a_second_issue_while_the_first_is_in_flight_is_ignored():
    release = threading.Event()
    served = []

    def slow(request):
        served.append(1)
        release.wait(5)
        return httpx.Response(201, json={"ticket": {"id": 1, "code": "A001", "issued_at": "2026-03-02T01:30:00+00:00"},
                                         "people_ahead": 0, "estimated_wait_s": None, "counters": []})

    flow = TicketFlow(client_with(slow))
    results = []
    first = threading.Thread(target=lambda: results.append(flow.issue(1)))
    first.start()
    while not served:
        pass
    assert flow.issue(1) is None  # the double tap
    release.set()
    first.join(5)
    assert results[0].code == "A001" and len(served) == 1
    assert results[0].issued_at.hour == 8  # shown and printed in the hall's time (Asia/Ho_Chi_Minh)


def test_a_print_failure_while_the_server_is_down_is_reported_when_it_is_back():
    from hardware.sim.printer import virtual_printer

    virtual_printer("kiosk-parts", state="paper-out")
    up = threading.Event()
    reports = []

    def server(request):
        if not up.is_set():
            raise httpx.ConnectError("refused", request=request)
        reports.append(json.loads(request.content))
        return httpx.Response(201, json={"stored": True})

    flow = TicketFlow(client_with(server), printer_url="sim://kiosk-parts?status_timeout=0.3")
    issued = Issued.from_reply({"ticket": {"id": 7, "code": "B004", "issued_at": "2026-03-02T01:30:00Z"},
                                "people_ahead": 2, "estimated_wait_s": 300, "counters": [2]}, "Asia/Ho_Chi_Minh")
    error = flow.print(issued)
    assert error is not None and "hết giấy" in error.message_vi and not issued.printed
    deadline = time.monotonic() + 5
    while flow._flushing.locked() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert flow.pending_reports == 1 and reports == []  # kept, not lost
    up.set()
    assert flow.flush_reports() == 1
    assert reports == [{"ticket_id": 7, "reason": reports[0]["reason"]}] and "PaperOut" in reports[0]["reason"]
    assert flow.pending_reports == 0
    flow.close()


def test_the_kiosk_never_imports_the_server(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import sys, kiosk.app, kiosk.cache, kiosk.client, kiosk.cli, kiosk.config, kiosk.driver, "
            "kiosk.dossier_view, kiosk.screens, kiosk.tickets, kiosk.tour, vnsearch; "
            "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('queue_server', 'tests'))}))")
    env = {"PYTHONPATH": str(ROOT), "KIVY_NO_ARGS": "1", "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_CONSOLELOG": "1",
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_server_text_is_never_taken_as_kivy_markup() -> None:
    pytest.importorskip("kivy")
    from kiosk.screens import esc, shown

    assert esc("[size=300]Hộ tịch[/size] & co") == "&bl;size=300&br;Hộ tịch&bl;/size&br; &amp; co"
    assert shown({"vi": "[b]Đăng ký[/b]", "en": "x"}, "vi") == "&bl;b&br;Đăng ký&bl;/b&br;"
    assert esc(None) == ""

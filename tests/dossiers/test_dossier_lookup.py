"""Public progress lookup: what a citizen sees (name masked, no personal data), a wrong
lookup code that answers exactly like an unknown dossier, and failures rate-limited in the
database so that every server process shares the count."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from queue_server.services.context import Context
from queue_server.services.dossiers import lookup as dossier_lookup
from queue_server.services.dossiers import reception as dossiers
from queue_server.services.errors import NotFound, RateLimited
from tests.dossiers.helpers import APPLICANT, at_local, receive_at


@pytest.fixture
def received(ctx, hall, clock):
    return receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00", "1.000894")


@pytest.fixture
def client(hall, ctx):
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def test_citizen_sees_progress_with_the_name_masked(ctx, hall, clock, received) -> None:
    at_local(clock, "2026-03-02 10:00")
    dossiers.hand_off(ctx, hall.clerk, received["id"], to_agency="Công chức Tư pháp – Hộ tịch", received_by="Lê Văn Tư")
    view = dossier_lookup.lookup(ctx, code=received["code"].lower(), key=received["lookup_code"].lower(), client="a")
    assert view["applicant"] == "N*** T** H*** N"  # Nguyễn Thị Hồng Nhung
    assert view["procedure"]["name_vi"] == "Đăng ký kết hôn"
    assert view["state_vi"] == "Đang giải quyết" and view["current_agency"] == "Công chức Tư pháp – Hộ tịch"
    assert view["appointment_at_vi"] == "17 giờ 00 phút, Thứ Ba, ngày 03/03/2026"
    assert view["due_state"] == "due_soon"
    assert [s["name_vi"] for s in view["timeline"]] == ["Tiếp nhận hồ sơ", "Chuyển hồ sơ"]
    dumped = repr(view)
    for private in (APPLICANT["name"], APPLICANT["id_number"], "0912345678", APPLICANT["email"], "Nguyễn Trãi",
                    "Lê Văn Tư", received["lookup_code"]):
        assert private not in dumped


def test_wrong_lookup_code_answers_like_an_unknown_dossier(client, received) -> None:
    wrong = client.get("/api/v1/dossiers/lookup", params={"code": received["code"], "key": "ZZZZZZ"})
    unknown = client.get("/api/v1/dossiers/lookup", params={"code": "000.00.01.H01-260302-9999",
                                                            "key": received["lookup_code"]})
    assert wrong.status_code == unknown.status_code == 404
    # the same answer, but for the request id every answer carries
    assert {k: v for k, v in wrong.json().items() if k != "request_id"} == \
        {k: v for k, v in unknown.json().items() if k != "request_id"}
    assert wrong.json()["detail"].startswith("Không tìm thấy hồ sơ")
    right = client.get("/api/v1/dossiers/lookup", params={"code": received["code"], "key": received["lookup_code"]})
    assert right.status_code == 200 and right.headers["cache-control"] == "no-store"


def _wrong(ctx, code: str, client: str, key: str = "WRONGWRONG") -> str:
    try:
        dossier_lookup.lookup(ctx, code=code, key=key, client=client)
    except NotFound:
        return "checked"
    except RateLimited:
        return "refused"
    raise AssertionError("a wrong key was accepted")


def test_enumeration_from_one_address_is_throttled(ctx, clock, received) -> None:
    """One try every 3 s for a quarter of an hour, each at another dossier code: after the
    ten free failures only one try in 30 s is even checked."""
    answers = []
    for i in range(300):
        answers.append(_wrong(ctx, f"000.00.01.H01-260302-{i:04d}", "ip:guesser"))
        clock.advance(seconds=3)
    assert answers[:10] == ["checked"] * 10
    assert answers.count("checked") <= 10 + 900 // 30 + 1
    assert answers.count("refused") >= 250


def test_a_guesser_behind_the_same_address_delays_a_citizen_by_seconds_not_minutes(ctx, clock, received) -> None:
    for i in range(10):
        _wrong(ctx, received["code"], "ip:cafe-wifi", key=f"WRONG{i:05d}")
    # the citizen on the same Wi-Fi, with the receipt in hand
    assert dossier_lookup.lookup(ctx, code=received["code"], key=received["lookup_code"], client="ip:cafe-wifi")
    assert _wrong(ctx, received["code"], "ip:cafe-wifi") == "refused"  # the guesser's next try waits
    with pytest.raises(RateLimited) as caught:
        dossier_lookup.lookup(ctx, code=received["code"], key=received["lookup_code"], client="ip:cafe-wifi")
    assert caught.value.extra["retry_after"] <= 30
    clock.advance(seconds=30)
    assert dossier_lookup.lookup(ctx, code=received["code"], key=received["lookup_code"], client="ip:cafe-wifi")


def test_a_prankster_failing_on_one_dossier_does_not_block_its_owner(ctx, received) -> None:
    for i in range(40):  # many addresses, all wrong, all at the same dossier
        _wrong(ctx, received["code"], f"ip:bot-{i % 8}", key=f"WRONG{i:05d}")
    # the owner's phone has made no mistakes: its correct key still passes
    view = dossier_lookup.lookup(ctx, code=received["code"], key=received["lookup_code"], client="ip:owner")
    assert view["code"] == received["code"]
    # a client that has been failing may not check this dossier any more, even with the right key
    with pytest.raises(RateLimited):
        dossier_lookup.lookup(ctx, code=received["code"], key=received["lookup_code"], client="ip:bot-1")


def test_a_kiosk_serves_many_citizens_so_its_typos_are_allowed_more_often(ctx, received) -> None:
    for i in range(25):  # more than a phone's 10: these are different citizens' typos
        with pytest.raises(NotFound):
            dossier_lookup.lookup(ctx, code=received["code"], key=f"TYPO{i:06d}", client="device:1")
    assert dossier_lookup.lookup(ctx, code=received["code"], key=received["lookup_code"], client="device:1")


def test_the_count_is_shared_by_server_processes(ctx, clock, received) -> None:
    """A second Context (its own engine and pool, as another process has) sees the same count."""
    other = Context.create(ctx.settings, clock)
    try:
        for i in range(5):
            assert _wrong(ctx, f"{received['code']}{i}", "ip:phone-9") == "checked"
            assert _wrong(other, f"{received['code']}{i + 5}", "ip:phone-9") == "checked"
        assert _wrong(ctx, received["code"], "ip:phone-9") == "checked"  # the slowed client's one try
        assert _wrong(other, received["code"], "ip:phone-9") == "refused"  # ... taken, whichever process asks
    finally:
        other.db.dispose()


def test_old_six_character_keys_still_work(ctx, received) -> None:
    from sqlalchemy import update

    from queue_server.store.tables import Dossier

    assert len(received["lookup_code"]) == 10
    with ctx.db.writing() as session:
        session.execute(update(Dossier).where(Dossier.id == received["id"]).values(lookup_code="ABC234"))
    assert dossier_lookup.lookup(ctx, code=received["code"], key="abc234", client="ip:old-receipt")


def test_rate_limited_over_http_with_retry_after(client, received) -> None:
    for _ in range(11):
        r = client.get("/api/v1/dossiers/lookup", params={"code": received["code"], "key": "NOPE222222"})
        assert r.status_code == 404
    r = client.get("/api/v1/dossiers/lookup", params={"code": received["code"], "key": received["lookup_code"]})
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 30
    assert r.json()["detail"].startswith("Tra cứu sai quá nhiều lần")


def test_staff_api_needs_login_and_gives_field_errors(client, hall, received) -> None:
    from tests.conftest import PASSWORD

    assert client.get(f"/api/v1/dossiers/{received['id']}").status_code == 401
    session = client.post("/api/v1/auth/login", json={"username": "an", "password": PASSWORD}).json()
    csrf = {"X-CSRF-Token": session["csrf_token"]}
    detail = client.get(f"/api/v1/dossiers/{received['code']}")
    assert detail.status_code == 200 and detail.json()["applicant"]["name"] == APPLICANT["name"]
    bad = client.post("/api/v1/dossiers", headers=csrf, json={
        "procedure_code": "1.000894", "applicant": {**APPLICANT, "id_number": "12345"},
        "documents": [{"name": "Tờ khai", "originals": 1}]})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"] == [{"field": "applicant.id_number", "message": "Số CCCD phải gồm đúng 12 chữ số.",
                                     "message_en": "A citizen ID (CCCD) number has exactly 12 digits."}]
    pdf = client.get(f"/api/v1/dossiers/{received['id']}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    slip = client.get(f"/api/v1/dossiers/{received['id']}/receipt.bin")
    assert slip.status_code == 200 and slip.content.startswith(b"\x1b@")
    assert client.get("/api/v1/dossier-reports/supervision").status_code == 403  # clerks do not supervise


def test_receipt_slip_prints_on_the_configured_printer(client, ctx, received) -> None:
    from hardware.sim.printer import virtual_printer
    from tests.conftest import PASSWORD

    session = client.post("/api/v1/auth/login", json={"username": "an", "password": PASSWORD}).json()
    csrf = {"X-CSRF-Token": session["csrf_token"]}
    r = client.post(f"/api/v1/dossiers/{received['id']}/receipt/print", headers=csrf, json={})
    assert r.status_code == 422 and "printer_url" in r.json()["detail"]
    name = f"dossier-desk-{id(ctx)}"
    ctx.settings.extra["dossiers"] = {"printer_url": f"sim://{name}"}
    r = client.post(f"/api/v1/dossiers/{received['id']}/receipt/print", headers=csrf, json={})
    assert r.status_code == 200 and r.json()["printed"] is True
    jobs = virtual_printer(name).wait_for_jobs(1)
    assert len(jobs) == 1 and jobs[0].data.startswith(b"\x1b@") and len(jobs[0].data) > 2000

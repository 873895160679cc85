"""The petitions API (phản ánh, kiến nghị) as the /feedback page, a kiosk and the supervisor's
inbox use it: anyone sends and reads back by code, only supervisors read the inbox, bad input
is a 4xx naming what is wrong in Vietnamese and English."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from queue_server.api.app import create_app
from tests.conftest import PASSWORD

NAME = "Lê Văn Cường"
TEXT = "Nhà vệ sinh tầng 1 hỏng vòi nước đã hai tuần, đề nghị sửa giúp."


@pytest.fixture
def client(hall, ctx):
    with TestClient(create_app(ctx.settings, ctx=ctx)) as c:
        yield c


def bearer(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.cookies.clear()  # the calls without this header stay anonymous
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_a_citizen_sends_one_a_supervisor_answers_and_the_code_shows_the_answer_only(client, hall):
    options = client.get("/api/v1/petitions/options").json()
    assert [c["vi"] for c in options["categories"]][:2] == ["Thủ tục hành chính", "Thái độ cán bộ"]
    assert options["site"]["name"] == "UBND Phường 1"  # where petitions are received, published

    sent = client.post("/api/v1/petitions", json={"category": "facilities", "text": TEXT, "name": NAME,
                                                  "phone": "+84 912 345 678"})
    assert sent.status_code == 201, sent.text
    code = sent.json()["code"]
    assert "contact_phone" not in sent.json() and sent.headers["cache-control"] == "no-store"

    anonymous = client.get("/api/v1/petitions")
    assert anonymous.status_code == 401 and anonymous.json()["detail"] == "Vui lòng đăng nhập."
    assert client.get(f"/api/v1/petitions/{sent.json()['id']}").status_code == 401
    assert client.post(f"/api/v1/petitions/{sent.json()['id']}/answer", json={"answer": "x"}).status_code == 401
    clerk = client.get("/api/v1/petitions", headers=bearer(client, "an"))
    assert clerk.status_code == 403 and clerk.json()["detail_en"].startswith("Only supervisors")

    boss = bearer(client, "giam")
    inbox = client.get("/api/v1/petitions?state=new", headers=boss).json()
    assert inbox["total"] == 1 and inbox["items"][0]["code"] == code
    pid = inbox["items"][0]["id"]
    opened = client.get(f"/api/v1/petitions/{pid}", headers=boss).json()
    assert opened["contact_name"] == NAME and opened["contact_phone"] == "0912345678"
    answered = client.post(f"/api/v1/petitions/{pid}/answer", headers=boss,
                           json={"answer": "Đã thay vòi nước ngày 03/12. Cảm ơn ông đã phản ánh."})
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    assert client.post(f"/api/v1/petitions/{pid}/state", headers=boss, json={"state": "closed"}).status_code == 200

    back = client.get("/api/v1/petitions/lookup", params={"code": code})
    assert back.status_code == 200
    body = back.json()
    assert body["answer"].startswith("Đã thay vòi nước") and body["state_vi"] == "Đã đóng"
    assert body["category_vi"] == "Cơ sở vật chất" and body["created_at"] and body["answered_at"]
    assert NAME not in back.text and "0912345678" not in back.text and "912 345 678" not in back.text
    assert TEXT not in back.text and "Giam" not in back.text


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"category": "weather", "text": TEXT}, 422, "category"),
    ({"category": "other"}, 422, "text"),
    ({"category": "other", "text": "ngắn"}, 422, "text"),
    ({"category": "other", "text": "x" * 5000}, 422, "text"),
    ({"category": "other", "text": TEXT + "\u202e"}, 422, "text"),
    ({"category": "other", "text": TEXT, "name": NAME, "phone": "không có"}, 422, "phone"),
    ({"category": "other", "text": TEXT, "name": NAME}, 422, "phone"),
    ({"category": "other", "text": "a\x00b" * 5}, 422, "text"),
])
def test_bad_input_answers_422_naming_the_field_in_both_languages(client, body, status, field):
    r = client.post("/api/v1/petitions", json=body)
    assert r.status_code == status, r.text
    problem = r.json()
    assert field in str(problem) and problem["detail"] and problem["detail_en"]
    assert client.get("/api/v1/petitions/lookup", params={"code": "ABC"}).status_code == 422


def test_the_inbox_refuses_a_wrong_filter_and_a_move_that_is_not_allowed(client, hall):
    boss = bearer(client, "giam")
    assert client.get("/api/v1/petitions?state=lost", headers=boss).status_code == 422
    assert client.get("/api/v1/petitions?page_size=1000", headers=boss).status_code == 422
    pid = client.post("/api/v1/petitions", json={"category": "waiting_time", "text": TEXT}).json()["id"]
    wrong = client.post(f"/api/v1/petitions/{pid}/state", headers=boss, json={"state": "answered"})
    assert wrong.status_code == 409 and "viết câu trả lời" in wrong.json()["detail"]
    assert client.get("/api/v1/petitions/99999999", headers=boss).status_code == 404


def test_a_kiosk_sends_for_its_hall_and_a_web_client_is_limited(client, hall):
    kiosk = {"Authorization": f"Bearer {hall.kiosk_token}"}
    r = client.post("/api/v1/petitions", json={"category": "staff_attitude", "text": TEXT}, headers=kiosk)
    assert r.status_code == 201
    for _ in range(4):
        assert client.post("/api/v1/petitions", json={"category": "other", "text": TEXT}).status_code == 201
    # the kiosk's petition does not count against the web client (the same test address)
    assert client.post("/api/v1/petitions", json={"category": "other", "text": TEXT}).status_code == 201
    limited = client.post("/api/v1/petitions", json={"category": "other", "text": TEXT})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "một giờ" in limited.json()["detail"]

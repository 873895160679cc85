"""Public surfaces carry no personal data: every event kind the hall emits, as an anonymous
subscriber, a hall display and the hall agent receive it, holds only its allowed public
fields (no clerk's name, no priority class, no free-text reason, no acting user); kinds
with no public form never reach them; staff still get the whole event. The display
snapshot, the public counter list and the ticket position answer hold no name or priority
either. On both engines, against a real server process."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import func, select

from queue_server.events import projection
from queue_server.services import admin, catalog, catalog_files, feedback
from queue_server.services.admin import holidays
from queue_server.services.context import SYSTEM, Actor
from queue_server.services.dossiers import reception as dossiers
from queue_server.services.queue import counters
from queue_server.services.queue import tickets as queue
from tests.conftest import ServerProcess, build_hall
from tests.dossiers.helpers import payload
from tests.sse import SSEReader

SECRET_NAME = "Trần Thị Bí Mật"  # the clerk at counter 3
SECRET_REASON = "Công dân Lê Văn Riêng Tư xin huỷ"  # a cancel reason naming someone
PRIORITIES = ("elderly", "disabled", "pregnant", "meritorious")

# The allowed public fields of each kind's data, written out here independently of the code.
T = {"code", "ticket_id", "service_id", "service_code", "service_name_vi", "service_name_en", "state"}
TC = T | {"counter_number", "counter_name"}
C = {"counter_number", "counter_name", "state"}
ALLOWED = {
    "ticket.issued": T | {"number"},
    "ticket.called": TC | {"call_count", "channel"}, "ticket.recalled": TC | {"call_count", "channel"},
    "ticket.serving": TC, "ticket.checked_in": T | {"channel"},
    "ticket.finished": TC,
    "ticket.no_show": TC, "ticket.cancelled": TC, "ticket.expired": TC,
    "ticket.transferred": TC | {"to_service_id", "to_service_code", "to_service_name_vi", "new_ticket_id"},
    "ticket.queued": T | {"transferred_from"},
    "ticket.requeued": T | {"from_counter_number"},
    "counter.opened": C, "counter.paused": C, "counter.closed": C,
    "hall.notice_changed": {"notice"},  # the text an admin wrote for the hall TV, never who wrote it
}
ENVELOPE = {"id", "site_id", "kind", "at", "ticket_id", "counter_id", "data"}
# Every kind the system emits (services/**: log.append, _event, _counter_event, _admin_event, _step).
STAFF_ONLY = {
    "dossier.received", "dossier.handed_off", "dossier.refused",
    "admin.site_updated", "admin.service_created", "admin.service_updated", "admin.counter_created",
    "admin.counter_updated", "admin.device_created", "admin.device_revoked",
    "rating.given", "kiosk.print_failed", "catalog.imported", "admin.holidays_updated", "admin.holidays_removed",
    "admin.remote_settings_changed", "admin.remote_service_changed",
}


def test_the_code_and_this_test_agree_on_which_kinds_are_public():
    assert set(projection.PUBLIC_FIELDS) == set(ALLOWED)
    assert {k: set(v) for k, v in projection.PUBLIC_FIELDS.items()} == ALLOWED


def test_a_kind_nobody_decided_on_has_no_public_form():
    assert not projection.has_public_form("hall.something_new")
    assert projection.public_data("auth.locked_out", {"username": "an"}) is None


@pytest.fixture
def served(ctx, db_url, tmp_path):
    hall = build_hall(ctx)
    server = ServerProcess(tmp_path, database_url=db_url).start()
    yield hall, server
    server.stop()


def login(server: ServerProcess, username: str, password: str) -> dict[str, str]:
    r = httpx.post(f"{server.url}/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def no_secrets(payload_: object) -> None:
    text = json.dumps(payload_, ensure_ascii=False)
    assert SECRET_NAME not in text and SECRET_REASON not in text
    for p in PRIORITIES:
        assert p not in text, f"priority class {p!r} in a public answer: {text}"
    assert "priority" not in text and "clerk" not in text
    assert "912345678" not in text and "912 345 678" not in text  # a remote number's phone


from queue_server.services.remote import checkin as remote_checkin  # noqa: E402
from queue_server.services.remote import numbers as remote_numbers  # noqa: E402
from queue_server.services.remote import settings as remote_settings  # noqa: E402
from queue_server.store.tables import Event, Site  # noqa: E402


def emit_every_kind(ctx, hall, clerk: Actor) -> int:
    """Make the hall emit each kind at least once; returns the id of a last marker ticket."""
    kiosk = hall.kiosk
    t1 = queue.issue_ticket(ctx, kiosk, hall.a, priority="elderly").ticket
    counters.set_state(ctx, clerk, hall.c3, "open")  # the counter event names the clerk
    queue.call_next(ctx, clerk, hall.c3)
    queue.recall(ctx, clerk, hall.c3)
    queue.start(ctx, clerk, hall.c3)
    queue.finish(ctx, clerk, hall.c3)
    feedback.give_rating(ctx, kiosk, level="unsatisfied", reasons=["long_wait"], comment="Chờ lâu",
                         ticket_id=t1.id)
    t2 = queue.issue_ticket(ctx, kiosk, hall.a, priority="disabled").ticket
    feedback.report_print_failure(ctx, kiosk, ticket_id=t2.id, reason="hết giấy")
    queue.call_next(ctx, clerk, hall.c3)
    ctx.clock.advance(seconds=ctx.settings.no_show_min_seconds)
    queue.no_show(ctx, clerk, hall.c3)
    queue.requeue(ctx, clerk, t2.id)
    queue.call_next(ctx, clerk, hall.c3)
    moved = queue.transfer(ctx, clerk, hall.c3, hall.b)
    queue.cancel(ctx, hall.supervisor, moved.id, SECRET_REASON)
    counters.set_state(ctx, clerk, hall.c3, "paused")
    counters.set_state(ctx, clerk, hall.c3, "closed")
    d = dossiers.receive_dossier(ctx, clerk, payload())
    dossiers.hand_off(ctx, clerk, d["id"], to_agency="Phòng Tư pháp", received_by="Phạm Văn Nhận")
    dossiers.refuse(ctx, hall.supervisor, d["id"], reason="Thiếu giấy tờ của ông Phạm")
    admin.update_site(ctx, SYSTEM, hall.site_id, name="UBND Phường 1 (mới)")
    admin.update_site(ctx, SYSTEM, hall.site_id, display_notice="Giờ làm việc: 7:30–11:30, 13:30–17:00")
    holidays.save_year(ctx, SYSTEM, 2029, status="provisional", site_id=hall.site_id, working_days=[],
                       days_off=[{"date": "2029-01-01", "kind": "holiday", "name_vi": "Tết Dương lịch"}])
    holidays.remove_year(ctx, SYSTEM, 2029, site_id=hall.site_id)
    svc = admin.create_service(ctx, SYSTEM, hall.site_id, code="ZZ", prefix="Z", name_vi="Đất đai",
                               name_en="Land")
    admin.update_service(ctx, SYSTEM, svc["id"], name_en="Land administration")
    counter = admin.create_counter(ctx, SYSTEM, hall.site_id, number=40, services={svc["id"]: 1})
    admin.update_counter(ctx, SYSTEM, counter["id"], name="Quầy 4 – Đất đai")
    device = admin.create_device(ctx, SYSTEM, hall.site_id, kind="kiosk", name="Ki-ốt 2")
    admin.revoke_device(ctx, SYSTEM, device["id"])
    catalog.import_catalog(ctx, SYSTEM, catalog_files.read_catalog_file(catalog_files.DEMO_CATALOG),
                           site=hall.site_id)
    # a number taken from a phone (its phone number is never in an event), checked in at the kiosk
    remote_settings.update_settings(ctx, SYSTEM, hall.site_id, {"enabled": True})
    remote_settings.update_service(ctx, SYSTEM, hall.a, enabled=True, daily_quota=5)
    with ctx.db.reading() as s:
        site_row = s.get(Site, hall.site_id)
    taken = remote_numbers.take(ctx, secret=b"k" * 32, site=site_row, service_id=hall.a, phone="0912 345 678",
                                device="browser", client="ip:1")
    remote_checkin.checkin_by_code(ctx, kiosk, taken.checkin_code, client="device:1")
    queue.issue_ticket(ctx, kiosk, hall.a, priority="pregnant")  # left waiting, then expired
    ctx.clock.advance(days=1)
    assert queue.expire_stale(ctx, SYSTEM) >= 1
    return queue.issue_ticket(ctx, kiosk, hall.a, priority="meritorious").ticket.id


def take_until(reader: SSEReader, ticket_id: int) -> list[dict]:
    got: list[dict] = []
    while not (got and got[-1]["kind"] == "ticket.issued" and got[-1]["ticket_id"] == ticket_id):
        got += reader.take(1, timeout=30)
        got[-1].pop("received_at")  # added by the test's reader
    return got


def test_every_event_kind_reaches_public_subscribers_only_in_its_public_form(served, ctx):
    hall, server = served
    made = admin.create_user(ctx, SYSTEM, username="bimat", password="mat-khau-rat-dai", role="clerk",
                             full_name=SECRET_NAME, site_id=hall.site_id)
    clerk = Actor(kind="user", id=made["id"], role="clerk", site_id=hall.site_id, name=SECRET_NAME)
    display = admin.create_device(ctx, SYSTEM, hall.site_id, kind="display", name="Màn hình sảnh")
    # a stream without Last-Event-ID starts at what the server's hub has read, which may be
    # just before the account and the screen made above (another process wrote them): only
    # what comes after them is this test's
    with ctx.db.reading() as s:
        before = s.scalar(select(func.max(Event.id))) or 0
    readers = {
        "anonymous": SSEReader(f"{server.url}/api/v1/events").start(),
        "display": SSEReader(f"{server.url}/api/v1/events",
                             headers={"Authorization": f"Bearer {display['token']}"}).start(),
        "agent": SSEReader(f"{server.url}/api/v1/events",
                           headers={"Authorization": f"Bearer {hall.agent_token}"}).start(),
        "staff": SSEReader(f"{server.url}/api/v1/events", headers=login(server, "giam", "mat-khau-an-toan")).start(),
    }
    try:
        marker = emit_every_kind(ctx, hall, clerk)
        got = {name: [e for e in take_until(reader, marker) if e["id"] > before] for name, reader in readers.items()}
    finally:
        for reader in readers.values():
            reader.stop()

    staff = got["staff"]
    assert {e["kind"] for e in staff} == set(ALLOWED) | STAFF_ONLY  # every kind was triggered
    # staff still get the whole event: the priority class, the clerk's name, the reason, who acted
    first_call = next(e for e in staff if e["kind"] == "ticket.called")
    assert first_call["data"]["priority"] == "elderly" and first_call["actor"] == f"user:{clerk.id}"
    assert next(e for e in staff if e["kind"] == "counter.opened")["data"]["clerk"] == SECRET_NAME
    assert next(e for e in staff if e["kind"] == "ticket.cancelled")["data"]["reason"] == SECRET_REASON

    for audience in ("anonymous", "display", "agent"):
        public = got[audience]
        # nothing public is lost, nothing private arrives, in the same order
        assert [e["id"] for e in public] == [e["id"] for e in staff if e["kind"] in ALLOWED], audience
        for event in public:
            assert set(event) <= ENVELOPE, (audience, event)
            assert set(event["data"]) <= ALLOWED[event["kind"]], (audience, event)
            no_secrets(event)
        # and still what screens need: the code, the counter, the state
        call = next(e for e in public if e["kind"] == "ticket.called")
        assert call["data"]["code"] == first_call["data"]["code"] and call["data"]["counter_number"] == 3
        assert call["ticket_id"] == first_call["ticket_id"] and call["counter_id"] == hall.c3
        assert next(e for e in public if e["kind"] == "counter.paused")["data"]["state"] == "paused"


def test_the_snapshot_the_counter_list_and_the_position_answer_hold_no_name_or_priority(served, ctx):
    hall, server = served
    made = admin.create_user(ctx, SYSTEM, username="bimat", password="mat-khau-rat-dai", role="clerk",
                             full_name=SECRET_NAME, site_id=hall.site_id)
    kiosk = {"Authorization": f"Bearer {hall.kiosk_token}"}
    issued = httpx.post(f"{server.url}/api/v1/tickets", json={"service_id": hall.a, "priority": "elderly"},
                        headers=kiosk).json()
    waiting = httpx.post(f"{server.url}/api/v1/tickets", json={"service_id": hall.a, "priority": "pregnant"},
                         headers=kiosk).json()
    clerk = login(server, "bimat", "mat-khau-rat-dai")
    assert httpx.post(f"{server.url}/api/v1/counters/{hall.c3}/open", headers=clerk).status_code == 200
    assert httpx.post(f"{server.url}/api/v1/counters/{hall.c3}/call-next", headers=clerk).status_code == 200

    snap = httpx.get(f"{server.url}/api/v1/display/snapshot").json()
    no_secrets(snap)
    tile = next(c for c in snap["counters"] if c["number"] == 3)
    assert tile["current"]["code"] == issued["ticket"]["code"] and tile["state"] == "open"
    assert snap["last_calls"][0]["code"] == issued["ticket"]["code"]

    public_list = httpx.get(f"{server.url}/api/v1/counters").json()
    no_secrets(public_list)
    assert next(c for c in public_list if c["number"] == 3)["current"]["code"] == issued["ticket"]["code"]

    display = admin.create_device(ctx, SYSTEM, hall.site_id, kind="display", name="Màn hình quầy 3")
    one = httpx.get(f"{server.url}/api/v1/counters/{hall.c3}",
                    headers={"Authorization": f"Bearer {display['token']}"}).json()
    no_secrets(one)
    assert one["current"]["code"] == issued["ticket"]["code"]

    for answer in (issued, waiting):
        r = httpx.get(f"{server.url}/api/v1/tickets/{answer['ticket']['id']}/position",
                      params={"k": answer["position_key"]})
        assert r.status_code == 200, r.text
        no_secrets(r.json())
        assert r.json()["ticket"]["code"] == answer["ticket"]["code"]
    called = httpx.get(f"{server.url}/api/v1/tickets/{issued['ticket']['id']}/position",
                       params={"k": issued["position_key"]}).json()
    assert called["ticket"]["state"] == "called" and called["ticket"]["counter_number"] == 3
    behind = httpx.get(f"{server.url}/api/v1/tickets/{waiting['ticket']['id']}/position",
                       params={"k": waiting["position_key"]}).json()
    assert behind["ticket"]["state"] == "waiting" and "people_ahead" in behind

    # staff see who works where and the priority class
    staff = login(server, "giam", "mat-khau-an-toan")
    staffed = httpx.get(f"{server.url}/api/v1/counters", headers=staff).json()
    row = next(c for c in staffed if c["number"] == 3)
    assert row["clerk_name"] == SECRET_NAME and row["clerk_id"] == made["id"]
    assert row["current"]["priority"] == "elderly"
    assert httpx.get(f"{server.url}/api/v1/tickets/{waiting['ticket']['id']}",
                     headers=staff).json()["priority"] == "pregnant"

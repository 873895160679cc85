"""Receiving a dossier at the counter: field errors for a wrong CCCD, phone or e-mail; the
dossier code and logbook line; codes unique with no gap when many counters receive at once
(SQLite and PostgreSQL); the link to the ticket being served."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select

from queue_server.services.dossiers import reception as dossiers
from queue_server.services.errors import Forbidden, InvalidInput
from queue_server.services.queue import tickets as queue
from queue_server.store.tables import Event
from tests.dossiers.helpers import APPLICANT, at_local, payload, receive_at


def _errors(exc: InvalidInput) -> dict[str, str]:
    return {e["field"]: e["message"] for e in exc.extra["errors"]}


def test_every_wrong_field_is_reported_at_once(ctx, hall, clock) -> None:
    at_local(clock, "2026-03-02 09:00")
    bad = payload(applicant={**APPLICANT, "id_number": "00119801234", "phone": "12345", "email": "nhung@"},
                  sets=0)
    with pytest.raises(InvalidInput) as caught:
        dossiers.receive_dossier(ctx, hall.clerk, bad)
    errors = _errors(caught.value)
    assert errors["applicant.id_number"] == "Số CCCD phải gồm đúng 12 chữ số."
    assert errors["applicant.phone"].startswith("Số điện thoại không hợp lệ")
    assert errors["applicant.email"].startswith("Địa chỉ thư điện tử không hợp lệ")
    assert "sets" in errors
    assert caught.value.status == 422


@pytest.mark.parametrize(("field", "value"), [
    ("id_number", "0011980123456"), ("id_number", "00119801234A"), ("phone", "0123456789"),
    ("phone", "091234567"), ("email", "nhung@localhost"), ("email", "a b@vi-du.vn"), ("name", "   "),
    ("address", ""),
])
def test_one_wrong_applicant_field(ctx, hall, clock, field, value) -> None:
    at_local(clock, "2026-03-02 09:00")
    with pytest.raises(InvalidInput) as caught:
        dossiers.receive_dossier(ctx, hall.clerk, payload(applicant={**APPLICANT, field: value}))
    assert list(_errors(caught.value)) == [f"applicant.{field}"]


def test_unknown_procedure_and_nothing_ticked(ctx, hall, clock) -> None:
    with pytest.raises(InvalidInput) as caught:
        dossiers.receive_dossier(ctx, hall.clerk, payload("9.999999", documents=[
            {"name": "Tờ khai", "originals": 1, "received": False}]))
    errors = _errors(caught.value)
    assert set(errors) == {"procedure_code", "documents"}


def test_phone_and_id_are_stored_as_written_normally(ctx, hall, clock) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00",
                   applicant={**APPLICANT, "phone": "+84 912.345.678", "id_number": "001 198 012 345",
                              "email": "Hong.Nhung@Vi-Du.VN"})
    assert d["applicant"]["phone"] == "0912345678"
    assert d["applicant"]["id_number"] == "001198012345"
    assert d["applicant"]["email"] == "hong.nhung@vi-du.vn"


def test_code_lookup_code_logbook_and_fee(ctx, hall, clock) -> None:
    first = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00")
    second = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:05", sets=2)
    assert first["code"] == "000.00.01.H01-260302-0001"
    assert second["code"] == "000.00.01.H01-260302-0002"
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{10}", first["lookup_code"])  # 10 characters since issue 10
    assert first["logbook"] == {"book": "01/2026", "line": 1} and second["logbook"]["line"] == 2
    assert first["fee_vnd"] == 20000 and second["fee_vnd"] == 40000  # thường trú: 20.000 đ per set
    next_day = receive_at(ctx, clock, hall.clerk, "2026-03-03 08:00")
    assert next_day["code"].endswith("-260303-0001")  # the daily counter restarts
    assert next_day["logbook"]["line"] == 3  # the logbook line runs through the year


def test_reception_is_linked_to_the_ticket_being_served(ctx, hall, clock) -> None:
    from queue_server.services.queue import counters

    at_local(clock, "2026-03-02 09:00")
    ticket = queue.issue_ticket(ctx, hall.kiosk, hall.a).ticket
    counters.set_state(ctx, hall.clerk, hall.c3, "open")
    queue.call_next(ctx, hall.clerk, hall.c3)
    queue.start(ctx, hall.clerk, hall.c3)
    d = dossiers.receive_dossier(ctx, hall.clerk, payload(ticket_id=ticket.id))
    assert d["ticket_id"] == ticket.id and d["counter_id"] == hall.c3
    listed = dossiers.dossiers_of_ticket(ctx, hall.clerk, ticket.id)
    assert [x["code"] for x in listed] == [d["code"]]
    with ctx.db.reading() as session:
        event = session.scalars(select(Event).where(Event.kind == "dossier.received")).one()
    assert event.ticket_id == ticket.id and event.data["counter_number"] == 3


def test_received_event_carries_no_personal_data(ctx, hall, clock) -> None:
    d = receive_at(ctx, clock, hall.clerk, "2026-03-02 09:00")
    with ctx.db.reading() as session:
        events = list(session.scalars(select(Event).where(Event.kind.like("dossier.%"))))
    assert events and not any(e.kind.startswith(("ticket.", "counter.", "hall.")) for e in events)
    dumped = repr([e.data for e in events])
    for secret in ("Nguyễn", "001198012345", "0912345678", "hong.nhung", "Nguyễn Trãi", d["lookup_code"]):
        assert secret not in dumped


def test_only_staff_receive(ctx, hall, clock) -> None:
    at_local(clock, "2026-03-02 09:00")
    with pytest.raises(Forbidden):
        dossiers.receive_dossier(ctx, hall.kiosk, payload())


@pytest.mark.slow
def test_concurrent_receptions_get_every_number_once(ctx, hall, clock) -> None:
    """Threads at several counters receive at the same moment: codes 0001..N, no duplicate, no gap."""
    at_local(clock, "2026-03-02 09:00")
    threads_n, each = 12, 4
    barrier = threading.Barrier(threads_n)
    results: list[dict] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def counter_clerk() -> None:
        try:
            barrier.wait()
            for _ in range(each):
                d = dossiers.receive_dossier(ctx, hall.clerk, payload())
                with lock:
                    results.append(d)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    workers = [threading.Thread(target=counter_clerk) for _ in range(threads_n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert not failures, failures[:1]
    total = threads_n * each
    numbers = sorted(int(d["code"].rsplit("-", 1)[1]) for d in results)
    assert numbers == list(range(1, total + 1))
    assert len({d["code"] for d in results}) == total
    assert sorted(d["logbook"]["line"] for d in results) == list(range(1, total + 1))

"""A day with a backlog: 3,000 people waiting, on both engines. Calling, the position
answer and the estimate read the heads of the lines and counts, and still do what they do
with a short queue."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from queue_server.services.context import SYSTEM
from queue_server.services.errors import InvalidInput
from queue_server.services.queue import hall as hall_views
from queue_server.services.queue import tickets as queue
from queue_server.services.queue.backlog import load_backlog
from queue_server.store.tables import Event, Ticket

BACKLOG = 3000


@pytest.fixture
def backlog(hall, ctx):
    """3,000 waiting, A and B in turn, one in 25 elderly, queued a second apart up to now."""
    load_backlog(ctx, SYSTEM, [hall.a, hall.b], BACKLOG, priority_every=25)
    hall.open_all()
    return hall


def waiting_of(ctx, service_id: int, priority: str | None = None) -> list[Ticket]:
    with ctx.db.reading() as s:
        stmt = select(Ticket).where(Ticket.service_id == service_id, Ticket.state == "waiting")
        if priority:
            stmt = stmt.where(Ticket.priority == priority)
        return list(s.scalars(stmt.order_by(Ticket.queued_at, Ticket.id)))


def test_a_backlog_is_numbered_like_issued_tickets_with_an_event_each(backlog, ctx):
    with ctx.db.reading() as s:
        numbers = sorted(s.scalars(select(Ticket.number).where(Ticket.service_id == backlog.a)))
        events = s.scalar(select(func.count()).select_from(Event).where(Event.kind == "ticket.issued"))
    assert numbers == list(range(1, BACKLOG // 2 + 1))
    assert events == BACKLOG
    after = queue.issue_ticket(ctx, backlog.kiosk, backlog.a)
    assert after.ticket.number == BACKLOG // 2 + 1  # the kiosk's numbering continues


def test_calls_at_3000_waiting_follow_the_policy_from_the_heads(backlog, ctx):
    """Ratio 1:2 at a counter serving A only: the oldest elderly citizen of A, then the two
    oldest normal tickets of A; at a counter serving B only, B's oldest elderly first."""
    elderly_a = waiting_of(ctx, backlog.a, "elderly")
    normal_a = waiting_of(ctx, backlog.a, "normal")
    calls = []
    for _ in range(3):
        t = queue.call_next(ctx, backlog.supervisor, backlog.c3)
        calls.append(t.id)
        queue.finish(ctx, backlog.supervisor, backlog.c3, t.id)
    assert calls == [elderly_a[0].id, normal_a[0].id, normal_a[1].id]
    first_elderly_b = waiting_of(ctx, backlog.b, "elderly")[0].id
    b = queue.call_next(ctx, backlog.supervisor, backlog.c2)
    assert b.id == first_elderly_b


def test_the_position_answer_counts_people_ahead_in_a_long_queue(backlog, ctx):
    a = waiting_of(ctx, backlog.a, "normal")
    first, middle, last = a[0], a[len(a) // 2], a[-1]
    ahead = {t.id: hall_views.ticket_position(ctx, t.id)["people_ahead"] for t in (first, middle, last)}
    assert ahead[first.id] < 10  # at the front: a few elderly citizens at most
    assert ahead[first.id] < ahead[middle.id] < ahead[last.id]
    # behind every A ticket queued before it, and never behind more people than are waiting
    assert ahead[last.id] >= len(a) - 1
    assert ahead[last.id] <= BACKLOG
    assert hall_views.ticket_position(ctx, last.id)["estimated_wait_s"] > 0


def test_a_new_ticket_at_3000_waiting_is_told_a_long_wait(backlog, ctx):
    issued = queue.issue_ticket(ctx, backlog.kiosk, backlog.a)
    assert issued.people_ahead >= BACKLOG // 2
    assert issued.estimated_wait_s >= 3600  # hours, not minutes
    services = {s["id"]: s for s in hall_views.kiosk_services(ctx, _site(ctx, backlog.site_id))}
    assert services[backlog.a]["waiting"] == BACKLOG // 2 + 1
    assert services[backlog.a]["estimated_wait_s"] >= 3600


def test_a_backlog_of_nothing_or_of_an_unknown_service_is_refused(hall, ctx):
    with pytest.raises(InvalidInput, match="count"):
        load_backlog(ctx, SYSTEM, [hall.a], 0)
    with pytest.raises(Exception, match="999"):
        load_backlog(ctx, SYSTEM, [999], 10)


def _site(ctx, site_id):
    from queue_server.store.tables import Site

    with ctx.db.reading() as s:
        site = s.get(Site, site_id)
        s.expunge(site)
        return site

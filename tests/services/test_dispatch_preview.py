"""The dispatch preview: the next calls a counter would make under the policy being edited,
given today's waiting tickets. What it shows is what calling then does; nothing is saved."""

from __future__ import annotations

import pytest

from queue_server.services import admin
from queue_server.services.context import SYSTEM
from queue_server.services.errors import InvalidInput
from queue_server.services.queue import preview
from queue_server.services.queue import tickets as queue


@pytest.fixture
def busy(hall, ctx, clock):
    """Counter 1 serves Hộ tịch (A) and Chứng thực (B); eleven people waiting, some elderly or
    disabled, the first for 70 minutes (past the site's 60-minute maximum wait)."""
    hall.open_all()
    plan = [(hall.b, "normal"), (hall.a, "normal"), (hall.a, "elderly"), (hall.b, "normal"), (hall.a, "normal"),
            (hall.b, "disabled"), (hall.a, "normal"), (hall.b, "normal"), (hall.a, "pregnant"), (hall.a, "normal"),
            (hall.b, "normal")]
    for i, (service, priority) in enumerate(plan):
        queue.issue_ticket(ctx, hall.kiosk, service, priority=priority)
        clock.advance(minutes=50 if i == 0 else 2)
    return hall


def calls_made(ctx, hall, clock, n: int) -> list[str]:  # noqa: ANN001
    """The counter calls `n` times, a second apart (the ratio rule orders its recent calls by
    their time; the waits all grow alike, so no other choice changes)."""
    codes = []
    for _ in range(n):
        clock.advance(seconds=1)
        called = queue.call_next(ctx, hall.supervisor, hall.c1)
        if called is None:
            break
        codes.append(called.code)
        queue.start(ctx, hall.supervisor, hall.c1)  # the next call finishes this one
    return codes


def test_the_preview_is_what_calling_then_does(busy, ctx, clock):
    shown = preview.preview(ctx, busy.supervisor, busy.c1)
    codes = [c["code"] for c in shown["calls"]]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert shown["calls"][0] == {**shown["calls"][0], "code": "B001", "reason": "overdue"}  # waited past 60 minutes
    assert {c["reason"] for c in shown["calls"]} >= {"overdue", "priority", "normal"}
    assert calls_made(ctx, busy, clock, 10) == codes


def test_a_policy_being_edited_changes_the_preview_and_nothing_is_saved(busy, ctx, clock):
    site_before = admin.list_sites(ctx)[0]["policy"]
    ratio = [c["code"] for c in preview.preview(ctx, busy.supervisor, busy.c1)["calls"]]
    strict = preview.preview(ctx, busy.supervisor, busy.c1,
                             policy={"mode": "strict", "max_wait_seconds": None})
    strict_codes = [c["code"] for c in strict["calls"]]
    assert strict_codes != ratio
    # strict with no escalation: the three priority tickets first (weights equal: the longest wait first)
    assert [c["priority"] for c in strict["calls"][:3]] == ["elderly", "disabled", "pregnant"]
    assert all(c["priority"] == "normal" and c["reason"] == "normal" for c in strict["calls"][3:])
    assert admin.list_sites(ctx)[0]["policy"] == site_before
    # what the preview showed is what calling does once the policy is saved
    admin.update_site(ctx, SYSTEM, busy.site_id, policy=strict["policy"])
    assert calls_made(ctx, busy, clock, 10) == strict_codes


def test_edited_weights_and_a_counter_that_serves_one_service(busy, ctx):
    only_a = preview.preview(ctx, busy.supervisor, busy.c1, services=[{"service_id": busy.a, "weight": 1}])
    assert {c["service_code"] for c in only_a["calls"]} == {"HT"}
    assert len(only_a["calls"]) == 6  # all of Hộ tịch's six, and nothing more
    nothing = preview.preview(ctx, busy.supervisor, busy.c1, services=[])
    assert nothing["calls"] == []


def test_a_wrong_policy_is_refused_naming_the_setting(busy, ctx):
    with pytest.raises(InvalidInput, match="ratio_normal"):
        preview.preview(ctx, busy.supervisor, busy.c1, policy={"ratio_normal": 0})

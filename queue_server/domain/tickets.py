"""Ticket life cycle: the states a ticket goes through and which moves are allowed.

    waiting --call--> called --start--> serving --finish--> finished
       ^                |  ^               |
       |             no_show|recall         +--transfer--> transferred (a new waiting
       +---requeue------+                                  ticket carries the code on)
    waiting/called --cancel--> cancelled;  stale tickets of a past day --> expired

    absent --check_in--> waiting   (a number taken from a phone waits outside the queue,
    absent --expire--> expired      "chưa có mặt", until it checks in at the hall:
    absent --cancel--> cancelled    domain/remote.py, docs/remote-numbers.md)
"""

from __future__ import annotations

import re
from enum import StrEnum


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ABSENT = "absent"  # a remote number not checked in yet: never called, not counted as waiting


class Action(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    REQUEUE = "requeue"
    TRANSFER = "transfer"
    CANCEL = "cancel"
    EXPIRE = "expire"
    CHECK_IN = "check_in"


# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[TicketState], TicketState]] = {
    Action.CALL: (frozenset({TicketState.WAITING}), TicketState.CALLED),
    Action.RECALL: (frozenset({TicketState.CALLED}), TicketState.CALLED),
    Action.START: (frozenset({TicketState.CALLED}), TicketState.SERVING),
    # finishing a called ticket is allowed: the clerk served without pressing start
    Action.FINISH: (frozenset({TicketState.CALLED, TicketState.SERVING}), TicketState.FINISHED),
    Action.NO_SHOW: (frozenset({TicketState.CALLED}), TicketState.NO_SHOW),
    Action.REQUEUE: (frozenset({TicketState.NO_SHOW}), TicketState.WAITING),
    Action.TRANSFER: (frozenset({TicketState.CALLED, TicketState.SERVING}), TicketState.TRANSFERRED),
    Action.CANCEL: (frozenset({TicketState.WAITING, TicketState.CALLED, TicketState.ABSENT}), TicketState.CANCELLED),
    Action.EXPIRE: (frozenset({TicketState.WAITING, TicketState.CALLED, TicketState.SERVING, TicketState.ABSENT}),
                    TicketState.EXPIRED),
    Action.CHECK_IN: (frozenset({TicketState.ABSENT}), TicketState.WAITING),
}

# States in which a ticket occupies its counter.
AT_COUNTER = frozenset({TicketState.CALLED, TicketState.SERVING})
FINAL = frozenset(
    {TicketState.FINISHED, TicketState.TRANSFERRED, TicketState.CANCELLED, TicketState.EXPIRED}
)

STATE_LABELS_VI: dict[TicketState, str] = {
    TicketState.WAITING: "đang chờ",
    TicketState.CALLED: "đã được gọi",
    TicketState.SERVING: "đang được phục vụ",
    TicketState.FINISHED: "đã hoàn thành",
    TicketState.NO_SHOW: "vắng mặt",
    TicketState.TRANSFERRED: "đã chuyển",
    TicketState.CANCELLED: "đã huỷ",
    TicketState.EXPIRED: "hết hạn",
    TicketState.ABSENT: "chưa có mặt",
}


def next_state(state: TicketState, action: Action) -> TicketState | None:
    """The state after `action`, or None when the action is not allowed from `state`."""
    sources, target = TRANSITIONS[action]
    return target if state in sources else None


_PREFIX = re.compile(r"^[A-Z]{1,3}$")


def validate_prefix(prefix: str) -> str:
    """A ticket prefix is one to three capital Latin letters (what a LED board can show)."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"ticket prefix must be 1-3 capital letters A-Z, got {prefix!r}")
    return prefix


def display_code(prefix: str, number: int, width: int) -> str:
    """`A` + 12 at width 3 -> `A012`. Numbers past the width keep every digit (A1000)."""
    if number < 1:
        raise ValueError(f"ticket numbers start at 1, got {number}")
    return f"{prefix}{number:0{width}d}"

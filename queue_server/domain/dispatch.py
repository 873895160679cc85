"""Stand-in dispatch (FIFO by class); replaced by the full policy module."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class PriorityClass(StrEnum):
    NORMAL = "normal"
    ELDERLY = "elderly"
    DISABLED = "disabled"
    PREGNANT = "pregnant"
    MERITORIOUS = "meritorious"


@dataclass(frozen=True)
class WaitingTicket:
    id: int
    service_id: int
    priority: PriorityClass
    queued_at: datetime
    front: bool
    number: int


@dataclass(frozen=True)
class CounterView:
    id: int
    weights: Mapping[int, int]


@dataclass(frozen=True)
class DispatchPolicy:
    mode: str = "ratio"
    ratio_priority: int = 1
    ratio_normal: int = 2
    max_wait_seconds: int | None = 3600
    extra: dict = field(default_factory=dict)


def choose_next(waiting: Sequence[WaitingTicket], counter: CounterView, policy: DispatchPolicy,
                now: datetime, recent: Sequence[PriorityClass]) -> WaitingTicket | None:
    eligible = [t for t in waiting if t.service_id in counter.weights]
    if not eligible:
        return None
    return min(eligible, key=lambda t: (t.priority == PriorityClass.NORMAL, not t.front, t.queued_at, t.id))

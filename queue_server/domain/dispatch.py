"""Dispatch policy: which waiting ticket a counter calls next.

A pure function of plain data (the waiting tickets, the counter, the policy, the
time and the classes this counter called recently); no clock, no I/O. The rules,
in the order they apply (docs/dispatch-policy.md explains them for supervisors):

1. Only tickets of services the counter serves are eligible.
2. Escalation: if `max_wait_seconds` is set and some eligible queue holds a
   ticket that has waited that long, the queue whose oldest ticket is oldest is
   served (its head is called), so no ticket waits forever.
3. Tickets transferred "to the front" of their new service come next, earliest first.
4. Class: a queue is a (service, tier) pair, the tier being "priority" (elderly,
   disabled, pregnant, meritorious) or "normal". In strict mode a waiting
   priority ticket always goes first; in ratio mode the counter keeps
   `ratio_priority` priority calls per `ratio_normal` normal calls, using the
   classes it called recently instead of stored state.
5. Service: within the chosen tier, the head of the queue with the largest
   weight x seconds waited is called (ties: older ticket, then smaller id).
6. Within a queue the order is strict FIFO: front-placed first, then
   `queued_at`, then id.

0. Appointments (đặt lịch hẹn). A ticket checked in from a booking carries `due_at`, the
   start of its slot, and waits in its service's *appointment line*, ordered by (due_at, id).
   Once due (`now >= due_at`), the earliest due appointment of the counter's services is
   called before every walk-in rule below, as long as appointments took fewer than the
   service's quota `A` of the counter's last `APPOINTMENT_WINDOW - 1` calls (`recent_appointments`);
   otherwise the walk-in rules decide this call. With nobody else waiting, a due appointment
   is called whatever the quota, and an appointment checked in early is called only when
   nothing else waits. So, in any `APPOINTMENT_WINDOW` consecutive calls of a counter while
   walk-ins wait, at most `A` are appointments (walk-ins keep moving); and while due
   appointments wait, at least `A` of any `APPOINTMENT_WINDOW` consecutive calls are
   appointments, so the due appointment with k due ones before it (of the counter's services,
   with one quota) is called within ceil((k + 1) / A) x APPOINTMENT_WINDOW calls of the counter.
   Walk-in lines never hold appointments: rules 2-6 and their FIFO and escalation hold among
   walk-ins exactly as before, at a pace of at least W - A of every W calls.

The same queue machinery drives the wait estimate (estimate.py), so the estimate
simulates exactly the order in which counters will call.

Bounded view: a *line* is the waiting tickets of one service, one class and one placement
(front or not), in call order. Rules 2-6 only ever look at the first ticket of each
(service, tier) queue's front part and of its other part, and each of those is the first
ticket of one line. So `choose_next` over the first ticket of every line (`queue_heads`)
picks exactly what it picks over every waiting ticket (an appointment line, one per service,
is a line too: rule 0 reads its head only); the server reads those heads
through an index instead of reading the whole queue (`WaitingLine` carries the first few
tickets of a line and how many wait in it, for the estimate's bounded replay).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Literal, TypeAlias

__all__ = [
    "APPOINTMENT_WINDOW",
    "DEFAULT_APPOINTMENT_QUOTA",
    "appointment_quota",
    "CounterView",
    "Decision",
    "DispatchPolicy",
    "PRIORITY_CLASSES",
    "PriorityClass",
    "QueueSet",
    "Reason",
    "WaitingLine",
    "WaitingTicket",
    "choose_next",
    "decide_next",
    "line_key",
    "queue_heads",
    "require_aware",
    "waiting_lines",
]


class PriorityClass(StrEnum):
    """Who the ticket is for; every class but `normal` is a priority class."""

    NORMAL = "normal"
    ELDERLY = "elderly"
    DISABLED = "disabled"
    PREGNANT = "pregnant"
    MERITORIOUS = "meritorious"

    @property
    def is_priority(self) -> bool:
        return self is not PriorityClass.NORMAL


PRIORITY_CLASSES: frozenset[PriorityClass] = frozenset(c for c in PriorityClass if c.is_priority)

Mode: TypeAlias = Literal["strict", "ratio"]
Reason: TypeAlias = Literal["appointment", "overdue", "front", "priority", "normal"]

APPOINTMENT_WINDOW = 10
"""Appointments' share of calls is counted over a counter's last this many calls."""


def require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")


def _int_field(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class WaitingTicket:
    """A ticket waiting to be called.

    `queued_at` orders it in its queue: the issue time, or the original arrival
    of a transferred ticket. `front` marks a ticket transferred "to the front"
    of its new service. `due_at` (appointments only) is the start of the booked slot.
    """

    id: int
    service_id: int
    priority: PriorityClass
    queued_at: datetime
    front: bool = False
    number: int = 0
    due_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.priority, PriorityClass):
            try:
                object.__setattr__(self, "priority", PriorityClass(self.priority))
            except ValueError:
                allowed = ", ".join(c.value for c in PriorityClass)
                raise ValueError(f"priority must be one of {allowed}, got {self.priority!r}") from None
        require_aware(self.queued_at, "queued_at")
        if self.due_at is not None:
            require_aware(self.due_at, "due_at")

    @property
    def is_appointment(self) -> bool:
        return self.due_at is not None


LineKey: TypeAlias = tuple[int, PriorityClass, bool, bool]


def line_key(t: WaitingTicket) -> LineKey:
    """The line a ticket waits in: (service, class, placed at the front, appointment).
    Every appointment of a service waits in one line: (service, normal, False, True)."""
    if t.due_at is not None:
        return (t.service_id, PriorityClass.NORMAL, False, True)
    return (t.service_id, t.priority, t.front, False)


def _due_key(t: WaitingTicket) -> tuple[datetime, int]:
    return (t.due_at or t.queued_at, t.id)


@dataclass(frozen=True, slots=True)
class WaitingLine:
    """The first tickets of one line in call order, and how many wait in it in all."""

    service_id: int
    priority: PriorityClass
    front: bool
    head: tuple[WaitingTicket, ...]
    count: int
    appointment: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "priority", PriorityClass(self.priority))
        if self.count < len(self.head) or (self.count > 0 and not self.head):
            raise ValueError(f"a line of {self.count} tickets cannot start with {len(self.head)} known ones")

    @property
    def complete(self) -> bool:
        """Every ticket of the line is in `head`."""
        return len(self.head) == self.count


def waiting_lines(waiting: Iterable[WaitingTicket], per_line: int) -> list[WaitingLine]:
    """The bounded view of a full list: each line's first `per_line` tickets and its count."""
    groups: dict[LineKey, list[WaitingTicket]] = {}
    for t in waiting:
        groups.setdefault(line_key(t), []).append(t)
    out = []
    for (service_id, priority, front, appt), tickets in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1].value, kv[0][2], kv[0][3])):
        tickets.sort(key=_due_key if appt else _key)
        out.append(WaitingLine(service_id, priority, front, tuple(tickets[: max(1, per_line)]), len(tickets), appt))
    return out


def queue_heads(waiting: Iterable[WaitingTicket]) -> list[WaitingTicket]:
    """The first ticket of every line: all that `choose_next` needs to decide."""
    return [line.head[0] for line in waiting_lines(waiting, 1)]


@dataclass(frozen=True, slots=True)
class CounterView:
    """A counter as dispatch sees it: which services it serves, with what weight."""

    id: int
    weights: Mapping[int, int]

    def __post_init__(self) -> None:
        checked = {}
        for service_id, weight in dict(self.weights).items():
            checked[service_id] = _int_field(f"weights[{service_id}]", weight, 1)
        object.__setattr__(self, "weights", MappingProxyType(checked))


@dataclass(frozen=True, slots=True)
class DispatchPolicy:
    """How a hall orders its queues (see docs/dispatch-policy.md).

    mode: "strict" (a waiting priority ticket always goes first) or "ratio"
        (`ratio_priority` priority calls per `ratio_normal` normal calls, per counter).
    max_wait_seconds: escalation; a ticket that has waited this long is called
        before anything else, oldest first. None switches escalation off.
    priority_classes: the classes the hall honours as priority; a ticket of any
        other class queues as normal.
    """

    mode: Mode = "strict"
    ratio_priority: int = 1
    ratio_normal: int = 2
    max_wait_seconds: int | None = None
    priority_classes: frozenset[PriorityClass] = field(default=PRIORITY_CLASSES)

    def __post_init__(self) -> None:
        if self.mode not in ("strict", "ratio"):
            raise ValueError(f"mode must be 'strict' or 'ratio', got {self.mode!r}")
        _int_field("ratio_priority", self.ratio_priority, 1)
        _int_field("ratio_normal", self.ratio_normal, 1)
        if self.max_wait_seconds is not None:
            _int_field("max_wait_seconds", self.max_wait_seconds, 1)
        try:
            classes = frozenset(PriorityClass(c) for c in self.priority_classes)
        except (TypeError, ValueError):
            raise ValueError(
                f"priority_classes must list priority classes, got {self.priority_classes!r}"
            ) from None
        if PriorityClass.NORMAL in classes:
            raise ValueError("priority_classes must not contain 'normal'")
        object.__setattr__(self, "priority_classes", classes)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> DispatchPolicy:
        """Build from a config table (e.g. TOML `[dispatch]`); unknown keys are an error."""
        known = {"mode", "ratio_priority", "ratio_normal", "max_wait_seconds", "priority_classes"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown dispatch setting {unknown[0]!r}; known: {', '.join(sorted(known))}")
        kwargs = dict(values)
        if "priority_classes" in kwargs:
            raw = kwargs["priority_classes"]
            if isinstance(raw, str) or not isinstance(raw, Iterable):
                raise ValueError(f"priority_classes must be a list, got {raw!r}")
            kwargs["priority_classes"] = frozenset(raw)  # type: ignore[arg-type]
        return cls(**kwargs)  # type: ignore[arg-type]

    def is_priority(self, priority: PriorityClass) -> bool:
        return priority in self.priority_classes

    @property
    def recent_window(self) -> int:
        """How many of a counter's latest calls `recent` needs to hold (older ones are ignored)."""
        return self.ratio_priority + self.ratio_normal - 1

    def wants_priority(self, recent: Sequence[PriorityClass]) -> bool:
        """Ratio mode: should the next call be a priority one, given the recent calls?

        Among the last `p + n - 1` calls, fewer than `p` priority calls means a
        priority call is due. Once both classes keep waiting, every run of
        `p + n` consecutive calls then holds exactly `p` priority calls.
        """
        taken = sum(1 for c in recent[: self.recent_window] if c in self.priority_classes)
        return taken < self.ratio_priority


@dataclass(frozen=True, slots=True)
class Decision:
    """The ticket to call and why (for the event log and the supervisor's screen)."""

    ticket: WaitingTicket
    reason: Reason


def _key(t: WaitingTicket) -> tuple[datetime, int]:
    return (t.queued_at, t.id)


class _Queue:
    """One (service, tier) queue: front-placed tickets first, then the rest; each by (queued_at, id)."""

    __slots__ = ("fronts", "rest", "fi", "ri")

    def __init__(self) -> None:
        self.fronts: list[WaitingTicket] = []
        self.rest: list[WaitingTicket] = []
        self.fi = 0
        self.ri = 0

    def add(self, t: WaitingTicket) -> None:
        (self.fronts if t.front else self.rest).append(t)

    def sort(self) -> None:
        self.fronts.sort(key=_key)
        self.rest.sort(key=_key)

    def insert(self, t: WaitingTicket) -> None:
        target = self.fronts if t.front else self.rest
        start = self.fi if t.front else self.ri
        target.insert(bisect.bisect_left(target, _key(t), lo=start, key=_key), t)

    def __bool__(self) -> bool:
        return self.fi < len(self.fronts) or self.ri < len(self.rest)

    def head(self) -> WaitingTicket:
        return self.fronts[self.fi] if self.fi < len(self.fronts) else self.rest[self.ri]

    def oldest(self) -> WaitingTicket:
        if self.fi < len(self.fronts) and self.ri < len(self.rest):
            return min(self.fronts[self.fi], self.rest[self.ri], key=_key)
        return self.head()

    def pop(self) -> WaitingTicket:
        if self.fi < len(self.fronts):
            self.fi += 1
            return self.fronts[self.fi - 1]
        self.ri += 1
        return self.rest[self.ri - 1]


class _AppointmentLine:
    """One service's appointments in call order: (due_at, id)."""

    __slots__ = ("items", "i")

    def __init__(self) -> None:
        self.items: list[WaitingTicket] = []
        self.i = 0

    def __bool__(self) -> bool:
        return self.i < len(self.items)

    def head(self) -> WaitingTicket:
        return self.items[self.i]

    def insert(self, t: WaitingTicket) -> None:
        self.items.insert(bisect.bisect_left(self.items, _due_key(t), lo=self.i, key=_due_key), t)

    def pop(self) -> WaitingTicket:
        self.i += 1
        return self.items[self.i - 1]


DEFAULT_APPOINTMENT_QUOTA = APPOINTMENT_WINDOW // 2


def appointment_quota(share_percent: int) -> int:
    """Calls per APPOINTMENT_WINDOW that appointments of a service may take (rounded down,
    so the share is never exceeded); 10..90 % gives 1..9."""
    return max(1, min(APPOINTMENT_WINDOW - 1, share_percent * APPOINTMENT_WINDOW // 100))


class QueueSet:
    """The waiting tickets split into (service, tier) queues and per-service appointment
    lines, in call order.

    Built once and then consumed call by call; estimate.py uses it to replay the
    policy over many calls without re-sorting. `quota` gives, per service, how many of a
    counter's last APPOINTMENT_WINDOW calls its appointments may take (rule 0; a service
    not named gets DEFAULT_APPOINTMENT_QUOTA).
    """

    def __init__(self, waiting: Iterable[WaitingTicket], policy: DispatchPolicy,
                 quota: Mapping[int, int] | None = None) -> None:
        self.policy = policy
        self.quota = dict(quota or {})
        self.queues: dict[tuple[int, bool], _Queue] = {}
        self.appointments: dict[int, _AppointmentLine] = {}
        for t in waiting:
            if t.due_at is not None:
                self._line(t).items.append(t)
            else:
                self._queue(t).add(t)
        for q in self.queues.values():
            q.sort()
        for line in self.appointments.values():
            line.items.sort(key=_due_key)

    def _queue(self, t: WaitingTicket) -> _Queue:
        key = (t.service_id, self.policy.is_priority(t.priority))
        q = self.queues.get(key)
        if q is None:
            q = self.queues[key] = _Queue()
        return q

    def _line(self, t: WaitingTicket) -> _AppointmentLine:
        line = self.appointments.get(t.service_id)
        if line is None:
            line = self.appointments[t.service_id] = _AppointmentLine()
        return line

    def add(self, t: WaitingTicket) -> None:
        """Add one ticket to an already built set, keeping call order."""
        if t.due_at is not None:
            self._line(t).insert(t)
        else:
            self._queue(t).insert(t)

    def may_take_appointment(self, service_id: int, recent_appointments: Sequence[bool]) -> bool:
        """Rule 0's share: fewer than the quota among the counter's last W - 1 calls."""
        quota = self.quota.get(service_id, DEFAULT_APPOINTMENT_QUOTA)
        return sum(1 for a in recent_appointments[: APPOINTMENT_WINDOW - 1] if a) < quota

    def decide(
        self,
        counter: CounterView,
        now: datetime,
        recent: Sequence[PriorityClass] = (),
        recent_appointments: Sequence[bool] = (),
    ) -> Decision | None:
        """What `counter` calls at `now`; the ticket stays queued (see `take`).

        `recent_appointments`: whether each of the counter's latest calls was an
        appointment, most recent first (rule 0's share)."""
        policy = self.policy
        eligible = [
            (service_id, tier, q)
            for (service_id, tier), q in self.queues.items()
            if q and service_id in counter.weights
        ]
        booked = [line.head() for sid, line in self.appointments.items() if line and sid in counter.weights]
        if booked:
            due = [t for t in booked if t.due_at <= now]  # type: ignore[operator]
            if not eligible:
                return Decision(min(due or booked, key=_due_key), "appointment")
            allowed = [t for t in due if self.may_take_appointment(t.service_id, recent_appointments)]
            if allowed:
                return Decision(min(allowed, key=_due_key), "appointment")
        if not eligible:
            return None

        if policy.max_wait_seconds is not None:
            overdue = [
                q.oldest()
                for _, _, q in eligible
                if (now - q.oldest().queued_at).total_seconds() >= policy.max_wait_seconds
            ]
            if overdue:
                oldest = min(overdue, key=_key)
                return Decision(self._queue(oldest).head(), "overdue")

        fronts = [q.head() for _, _, q in eligible if q.head().front]
        if fronts:
            return Decision(min(fronts, key=_key), "front")

        has_priority = any(tier for _, tier, _ in eligible)
        has_normal = any(not tier for _, tier, _ in eligible)
        if has_priority and has_normal:
            tier = policy.mode == "strict" or policy.wants_priority(recent)
        else:
            tier = has_priority

        def rank(q: _Queue) -> tuple[float, datetime, int]:
            # largest weight x seconds waited first; ties: the older ticket, then the smaller id
            head = q.head()
            waited = max(0.0, (now - head.queued_at).total_seconds())
            return (-counter.weights[head.service_id] * waited, head.queued_at, head.id)

        best = min((q for _, t, q in eligible if t == tier), key=rank)
        return Decision(best.head(), "priority" if tier else "normal")

    def take(self, ticket: WaitingTicket) -> None:
        """Remove a ticket returned by `decide` (it is always the head of its queue)."""
        if ticket.due_at is not None:
            line = self._line(ticket)
            if not line or line.head() != ticket:
                raise ValueError(f"ticket {ticket.id} is not at the head of its appointment line")
            line.pop()
            return
        q = self._queue(ticket)
        if not q or q.head() != ticket:
            raise ValueError(f"ticket {ticket.id} is not at the head of its queue")
        q.pop()

    def __len__(self) -> int:
        return (sum(len(q.fronts) - q.fi + len(q.rest) - q.ri for q in self.queues.values())
                + sum(len(line.items) - line.i for line in self.appointments.values()))


def decide_next(
    waiting: Sequence[WaitingTicket],
    counter: CounterView,
    policy: DispatchPolicy,
    now: datetime,
    recent: Sequence[PriorityClass] = (),
    recent_appointments: Sequence[bool] = (),
    quota: Mapping[int, int] | None = None,
) -> Decision | None:
    """Like `choose_next`, also saying why the ticket was chosen."""
    require_aware(now, "now")
    return QueueSet((t for t in waiting if t.service_id in counter.weights), policy, quota).decide(
        counter, now, recent, recent_appointments
    )


def choose_next(
    waiting: Sequence[WaitingTicket],
    counter: CounterView,
    policy: DispatchPolicy,
    now: datetime,
    recent: Sequence[PriorityClass] = (),
    recent_appointments: Sequence[bool] = (),
    quota: Mapping[int, int] | None = None,
) -> WaitingTicket | None:
    """The ticket `counter` should call at `now`, or None when nothing it serves is waiting.

    `recent` is the classes of the tickets this counter called today, most
    recent first; ratio mode reads its ratio from them. `recent_appointments` says which
    of those latest calls were appointments (rule 0's share, per `quota`: service -> calls
    per APPOINTMENT_WINDOW).
    """
    decision = decide_next(waiting, counter, policy, now, recent, recent_appointments, quota)
    return decision.ticket if decision else None

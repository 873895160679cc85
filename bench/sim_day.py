"""A simulated day in a ward hall, to measure the wait estimate against reality.

Seeded and deterministic. The hall issues numbers 7:30-11:15 and 13:30-16:45
local time (Asia/Ho_Chi_Minh; open 7:30-11:30 and 13:30-17:00, the kiosk stops a
little before closing and clerks finish whoever is waiting). Arrivals are a
Poisson stream whose rate peaks at 8-10h and 14-15h. Five services with lognormal
service times of different lengths; 4-8 counters, each with a main service
(weight 3) and some others (weight 1), each clerk a little faster or slower; a
few priority tickets; some citizens do not show up when called (the clerk
recalls, then marks a no-show). Calling a number costs the citizen's walk to
the counter.

The real dispatch (`choose_next`) decides every call. At every issue the harness
records our estimate (`estimate_wait`) and the naive one (`naive_estimate`) from
what a server would know at that moment (waiting tickets, what each counter is
busy with and since when, the last occupancy times), then the actual wait
(issue to first call).
"""

from __future__ import annotations

import heapq
import math
import random
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from queue_server.domain.dispatch import (
    CounterView,
    DispatchPolicy,
    PriorityClass,
    WaitingTicket,
    choose_next,
)
from queue_server.domain.estimate import (
    REPLAY_CALLS,
    DurationSample,
    OpenCounter,
    ServiceTimes,
    Serving,
    WaitEstimate,
    arrival_rates,
    estimate_wait,
    naive_estimate,
)

SITE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2025, 3, 4)  # a Tuesday

# (local start, local end, relative arrival rate) while the kiosk issues numbers
ARRIVAL_PROFILE: tuple[tuple[time, time, float], ...] = (
    (time(7, 30), time(8, 0), 0.8),
    (time(8, 0), time(10, 0), 1.7),
    (time(10, 0), time(11, 15), 0.7),
    (time(13, 30), time(14, 0), 0.7),
    (time(14, 0), time(15, 0), 1.4),
    (time(15, 0), time(16, 45), 0.6),
)

PRIORITY_MIX: tuple[tuple[PriorityClass, float], ...] = (
    (PriorityClass.ELDERLY, 0.05),
    (PriorityClass.DISABLED, 0.01),
    (PriorityClass.PREGNANT, 0.015),
    (PriorityClass.MERITORIOUS, 0.01),
)


@dataclass(frozen=True)
class ServiceSpec:
    id: int
    name: str
    share: float  # of arrivals
    median_s: float  # lognormal median of the service itself (walk excluded)
    sigma: float

    @property
    def mean_s(self) -> float:
        return self.median_s * math.exp(self.sigma**2 / 2)


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(1, "Chứng thực", 0.35, 150, 0.5),
    ServiceSpec(2, "Hộ tịch", 0.25, 420, 0.5),
    ServiceSpec(3, "Đất đai – Xây dựng", 0.12, 780, 0.6),
    ServiceSpec(4, "Trả kết quả", 0.18, 120, 0.6),
    ServiceSpec(5, "Cư trú – Lĩnh vực khác", 0.10, 360, 0.7),
)


@dataclass(frozen=True)
class CounterSpec:
    id: int
    weights: dict[int, int]
    speed: float  # multiplies service times: 1.2 = a slower clerk


@dataclass(frozen=True)
class DayConfig:
    seed: int
    services: tuple[ServiceSpec, ...]
    counters: tuple[CounterSpec, ...]
    policy: DispatchPolicy
    expected_arrivals: float
    no_show_share: float = 0.06
    walk_s: tuple[float, float] = (10.0, 40.0)
    no_show_s: tuple[float, float] = (60.0, 150.0)
    history_per_service: int = 20  # yesterday's occupancy samples the estimators start from
    sample_window: int = 60  # occupancy samples kept per service
    use_arrivals: bool = True  # feed recent issue rates to the estimate
    replay_calls: int = REPLAY_CALLS  # the estimate's exact replay; the closed form after it


@dataclass
class TicketRecord:
    id: int
    service_id: int
    priority: PriorityClass
    issued_s: float
    estimate: WaitEstimate
    naive: WaitEstimate
    called_s: float | None = None
    counter_id: int | None = None
    no_show: bool = False

    @property
    def wait_s(self) -> float:
        assert self.called_s is not None
        return self.called_s - self.issued_s


@dataclass
class CallRecord:
    counter_id: int
    ticket_id: int
    service_id: int
    priority: PriorityClass
    called_s: float
    free_s: float


@dataclass
class DayResult:
    config: DayConfig
    tickets: list[TicketRecord] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)
    left_waiting: int = 0

    def mae(self) -> tuple[float, float]:
        """Mean absolute error of (our estimate, naive estimate), seconds."""
        ours = [abs(t.estimate.wait_seconds - t.wait_s) for t in self.tickets]
        naive = [abs(t.naive.wait_seconds - t.wait_s) for t in self.tickets]
        return sum(ours) / len(ours), sum(naive) / len(naive)


def _local(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second


def make_day(seed: int, *, scale: float = 1.0) -> DayConfig:
    """A random but plausible hall for `seed`; `scale` shrinks the day's arrivals (for tests)."""
    rng = random.Random(f"hall-{seed}")
    services = SERVICES
    n_counters = rng.randint(4, 8)
    workload = {s.id: s.share * (s.mean_s + 25) for s in services}
    ids = [s.id for s in services]
    counters: list[CounterSpec] = []
    # main services: the heaviest workloads first, then drawn by workload
    ranked = sorted(ids, key=lambda i: -workload[i])
    for c in range(1, n_counters + 1):
        main = ranked[c - 1] if c <= 3 else rng.choices(ids, weights=[workload[i] for i in ids])[0]
        weights = {main: 3}
        for other in ids:
            if other != main and rng.random() < 0.35:
                weights[other] = 1
        speed = min(1.35, max(0.75, rng.lognormvariate(0, 0.15)))
        counters.append(CounterSpec(c, weights, speed))
    for s in ids:  # every service served somewhere
        if not any(s in c.weights for c in counters):
            rng.choice(counters).weights[s] = 1
    mean_occupancy = sum(s.share * (s.mean_s + 25) for s in services)
    capacity = sum(1 / c.speed for c in counters) / mean_occupancy  # tickets per second
    issuing_s = sum(_local(b) - _local(a) for a, b, _ in ARRIVAL_PROFILE)
    utilisation = rng.uniform(0.7, 0.85)
    if seed % 2:
        policy = DispatchPolicy(mode="ratio", ratio_priority=1, ratio_normal=2, max_wait_seconds=3600)
    else:
        policy = DispatchPolicy(mode="strict", max_wait_seconds=3600)
    return DayConfig(
        seed=seed,
        services=services,
        counters=tuple(counters),
        policy=policy,
        expected_arrivals=utilisation * capacity * issuing_s * scale,
    )


def _arrivals(config: DayConfig, rng: random.Random) -> list[float]:
    """Local seconds-of-day of every arrival (non-homogeneous Poisson)."""
    issuing = sum((_local(b) - _local(a)) * r for a, b, r in ARRIVAL_PROFILE)
    per_unit = config.expected_arrivals / issuing
    out: list[float] = []
    for a, b, r in ARRIVAL_PROFILE:
        t, end, rate = _local(a), _local(b), per_unit * r
        while True:
            t += rng.expovariate(rate)
            if t >= end:
                break
            out.append(t)
    return out


def simulate(config: DayConfig) -> DayResult:
    rng = random.Random(f"day-{config.seed}")
    base = datetime.combine(DAY, time(0), SITE_TZ).astimezone(UTC)

    def at(s: float) -> datetime:
        return base + timedelta(seconds=s)

    specs = {s.id: s for s in config.services}
    counters = {c.id: c for c in config.counters}
    views = {c.id: CounterView(c.id, c.weights) for c in config.counters}

    def draw_priority() -> PriorityClass:
        u = rng.random()
        for cls, p in PRIORITY_MIX:
            if u < p:
                return cls
            u -= p
        return PriorityClass.NORMAL

    history = random.Random(f"history-{config.seed}")
    samples: dict[int, deque[DurationSample]] = defaultdict(lambda: deque(maxlen=config.sample_window))
    for s in config.services:
        for _ in range(config.history_per_service):
            occupancy = history.uniform(*config.walk_s) + history.lognormvariate(math.log(s.median_s), s.sigma)
            samples[s.id].append(DurationSample(s.id, occupancy, None))

    result = DayResult(config)
    records: dict[int, TicketRecord] = {}
    waiting: dict[int, WaitingTicket] = {}
    numbers: dict[int, int] = defaultdict(int)
    serving: dict[int, tuple[int, float]] = {}  # counter -> (service, called at)
    recent: dict[int, list[PriorityClass]] = {c: [] for c in counters}
    idle: set[int] = set(counters)
    events: list[tuple[float, int, str, int]] = []
    seq = 0

    def push(t: float, kind: str, ref: int) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, ref))

    for t in _arrivals(config, rng):
        push(t, "arrive", 0)

    next_id = 0
    while events:
        now_s, _, kind, ref = heapq.heappop(events)
        now = at(now_s)
        if kind == "arrive":
            next_id += 1
            spec = rng.choices(config.services, weights=[s.share for s in config.services])[0]
            priority = draw_priority()
            numbers[spec.id] += 1
            open_counters = [
                OpenCounter(
                    c,
                    counters[c].weights,
                    Serving(serving[c][0], at(serving[c][1])) if c in serving else None,
                    tuple(recent[c]),
                )
                for c in sorted(counters)
            ]
            times = ServiceTimes([x for q in samples.values() for x in q])
            pending = list(waiting.values())
            rates = (
                arrival_rates(((r.service_id, r.priority, at(r.issued_s)) for r in records.values()), now)
                if config.use_arrivals
                else ()
            )
            ours = estimate_wait(spec.id, priority, pending, open_counters, times, config.policy, now, rates,
                                 replay_calls=config.replay_calls)
            naive = naive_estimate(spec.id, pending, open_counters, times)
            assert isinstance(ours, WaitEstimate) and isinstance(naive, WaitEstimate)
            ticket = WaitingTicket(next_id, spec.id, priority, now, number=numbers[spec.id])
            waiting[ticket.id] = ticket
            records[ticket.id] = TicketRecord(ticket.id, spec.id, priority, now_s, ours, naive)
            for c in sorted(idle):
                if spec.id in counters[c].weights:
                    idle.discard(c)
                    push(now_s, "free", c)
        else:  # a counter is free and calls the next number
            c = ref
            if c in serving:  # the occupancy becomes known when the counter is free again
                service_id, called_s = serving.pop(c)
                samples[service_id].append(DurationSample(service_id, now_s - called_s, c))
            ticket = choose_next(list(waiting.values()), views[c], config.policy, now, recent[c])
            if ticket is None:
                idle.add(c)
                continue
            del waiting[ticket.id]
            recent[c].insert(0, ticket.priority)
            record = records[ticket.id]
            record.called_s, record.counter_id = now_s, c
            if rng.random() < config.no_show_share:
                record.no_show = True
                occupancy = rng.uniform(*config.no_show_s)
            else:
                spec = specs[ticket.service_id]
                occupancy = rng.uniform(*config.walk_s) + counters[c].speed * rng.lognormvariate(
                    math.log(spec.median_s), spec.sigma
                )
            serving[c] = (ticket.service_id, now_s)
            result.calls.append(CallRecord(c, ticket.id, ticket.service_id, ticket.priority, now_s, now_s + occupancy))
            push(now_s + occupancy, "free", c)

    result.tickets = [records[i] for i in sorted(records)]
    result.left_waiting = len(waiting)
    return result

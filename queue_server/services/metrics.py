"""What `/metrics` says, in Prometheus' text format (the official prometheus-client).

One `Metrics` per application (a registry of its own, so several apps in one process, as in
the tests, never mix their figures):

- **counters** of tickets issued, called, finished, no-show, cancelled and transferred by
  site and service, counted from the events this process commits (a commit listener of the
  database: on rollback nothing is counted). Each server process counts its own writes, so
  behind a proxy Prometheus scrapes every process and sums (`sum by (site, service)`);
- a **histogram of request durations** by method and route template (never the raw path:
  a prankster's made-up paths do not become new series);
- **database errors** answered as 503, and the event hub's read failures;
- read when scraped: tickets **waiting** by service now (one grouped count per site), the
  open **event streams**, and the event hub's state (seconds since it last read the log,
  the delay from an event's time to its delivery by the hub).

Only codes and counts: no name, ID number, phone or priority class is ever a label.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from queue_server.domain.business_day import business_day
from queue_server.events.log import EventRecord
from queue_server.services.context import Context
from queue_server.services.queue.queries import IS_WAITING
from queue_server.store.tables import Service, Site, Ticket

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# event kind -> the counter it adds one to (the part after motcua_tickets_ and before _total)
COUNTED_KINDS = {
    "ticket.issued": "issued",
    "ticket.called": "called",
    "ticket.finished": "finished",
    "ticket.no_show": "no_show",
    "ticket.cancelled": "cancelled",
    "ticket.transferred": "transferred",
}
COUNTER_HELP = {
    "issued": "Tickets issued (lượt số đã cấp), by site and service",
    "called": "Calls of a ticket to a counter (lượt gọi), first calls and out-of-order calls, by site and service",
    "finished": "Tickets served to the end (lượt đã phục vụ xong), by site and service",
    "no_show": "Tickets marked absent after their calls (vắng mặt), by site and service",
    "cancelled": "Tickets cancelled by staff (đã hủy), by site and service",
    "transferred": "Tickets transferred to another service (chuyển quầy), by the service they left",
}
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DELIVERY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class HubState(Protocol):
    """What the collector reads of the event hub (events.hub.EventHub)."""

    subscribers: int
    read_failures: int
    last_read_monotonic: float


class Metrics:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.registry = CollectorRegistry(auto_describe=True)
        self.tickets = {
            name: Counter(f"motcua_tickets_{name}", COUNTER_HELP[name], ["site", "service"], registry=self.registry)
            for name in COUNTED_KINDS.values()
        }
        self.requests = Histogram("motcua_request_duration_seconds",
                                  "HTTP request durations by method and route template",
                                  ["method", "route"], buckets=REQUEST_BUCKETS, registry=self.registry)
        self.database_errors = Counter("motcua_database_errors",
                                       "Requests answered 503 because the database could not be reached",
                                       registry=self.registry)
        self.delivery = Histogram("motcua_event_hub_delivery_seconds",
                                  "Seconds from an event's time to its delivery by this process's event hub",
                                  buckets=DELIVERY_BUCKETS, registry=self.registry)
        self.hub: HubState | None = None
        self._sites: dict[int, str] = {}
        self.registry.register(_Scraped(self))
        ctx.db.add_commit_listener(self.committed)

    def close(self) -> None:
        self.ctx.db.remove_commit_listener(self.committed)

    # -- fed as things happen ------------------------------------------------------------
    def committed(self, items: list) -> None:
        """A commit listener: count the ticket events this process just committed."""
        for item in items:
            if isinstance(item, EventRecord):
                name = COUNTED_KINDS.get(item.kind)
                if name is not None:
                    service = str(item.data.get("service_code") or item.data.get("service_id") or "")
                    self.tickets[name].labels(self.site_code(item.site_id), service).inc()

    def delivered(self, events: Iterable[EventRecord]) -> None:
        """An observer of the event hub: how late each event reached this process's screens."""
        now = datetime.now(UTC)
        for event in events:
            self.delivery.observe(max(0.0, (now - event.at).total_seconds()))

    def request_done(self, method: str, route: str, seconds: float) -> None:
        self.requests.labels(method, route).observe(seconds)

    def site_code(self, site_id: int) -> str:
        code = self._sites.get(site_id)
        if code is None:
            with self.ctx.db.reading() as session:
                self._sites = {s.id: s.code for s in session.execute(select(Site.id, Site.code))}
            code = self._sites.get(site_id, str(site_id))
        return code

    # -- the answer ------------------------------------------------------------------
    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _Scraped(Collector):
    """Figures read at each scrape: waiting tickets now, the event hub and its streams."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> list[Metric]:
        return []  # read at scrape time only (the database is not asked at registration)

    def collect(self) -> Iterator[Metric]:
        waiting = GaugeMetricFamily("motcua_tickets_waiting", "Tickets waiting now (đang chờ), by site and service",
                                    labels=["site", "service"])
        for site, service, n in waiting_now(self.metrics.ctx):
            waiting.add_metric([site, service], n)
        yield waiting
        hub = self.metrics.hub
        if hub is None:
            return
        yield GaugeMetricFamily("motcua_event_streams", "Event streams (SSE) open on this process now",
                                value=hub.subscribers)
        yield GaugeMetricFamily("motcua_event_hub_last_read_age_seconds",
                                "Seconds since this process's event hub last read the event log",
                                value=max(0.0, time.monotonic() - hub.last_read_monotonic))
        yield CounterMetricFamily("motcua_event_hub_read_failures", "Reads of the event log that failed",
                                  value=hub.read_failures)


def waiting_now(ctx: Context) -> list[tuple[str, str, int]]:
    """(site code, service code, tickets waiting) for every active service, zeros included;
    one grouped count per site, on the waiting-tickets index (not a read of the queue)."""
    out: list[tuple[str, str, int]] = []
    with ctx.db.reading() as session:
        sites = session.scalars(select(Site)).all()
        for site in sites:
            day = business_day(ctx.clock.now(), site.timezone)
            services = session.execute(select(Service.id, Service.code).where(
                Service.site_id == site.id, Service.active.is_(True)).order_by(Service.code)).all()
            counts: dict[int, Any] = dict(session.execute(
                select(Ticket.service_id, func.count()).where(
                    IS_WAITING, Ticket.business_day == day, Ticket.service_id.in_([sid for sid, _ in services]))
                .group_by(Ticket.service_id)).all())
            out.extend((site.code, code, int(counts.get(sid, 0))) for sid, code in services)
    return out


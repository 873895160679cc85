"""The FastAPI application: routers, error shapes, and the event hub's lifetime."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from queue_server.api import admin as admin_routes
from queue_server.api import agencies as agency_routes
from queue_server.api import announcements as announcement_routes
from queue_server.api import appointments as appointment_routes
from queue_server.api import auth as auth_routes
from queue_server.api import catalog as catalog_routes
from queue_server.api import dossiers as dossier_routes
from queue_server.api import events as event_routes
from queue_server.api import feedback as feedback_routes
from queue_server.api import metrics as metrics_routes
from queue_server.api import monitor as monitor_routes
from queue_server.api import notifications as notification_routes
from queue_server.api import pages as page_routes
from queue_server.api import petitions as petition_routes
from queue_server.api import phone as phone_routes
from queue_server.api import problems
from queue_server.api import remote as remote_routes
from queue_server.api import reports as report_routes
from queue_server.api import setup as setup_routes
from queue_server.api import tickets as ticket_routes
from queue_server.api.deps import get_ctx
from queue_server.api.headers import SecurityHeaders
from queue_server.api.request_log import RequestLog
from queue_server.clock import Clock
from queue_server.config import Settings
from queue_server.events.hub import EventHub
from queue_server.services import appointments, auth
from queue_server.services.agencies import lateness as agency_lateness
from queue_server.services.auth import instance_secret
from queue_server.services.context import SYSTEM, Context
from queue_server.services.dossiers import reception as dossiers
from queue_server.services.metrics import Metrics
from queue_server.services.queue import tickets as queue
from queue_server.services.remote import checkin as remote_checkin
from queue_server.services.reports import figures as report_figures
from queue_server.store import migrate
from queue_server.store.engine import DatabaseUnavailable

logger = logging.getLogger("motcua")


SWEEP_SECONDS = 300
DOSSIER_SWEEP_SECONDS = 60
MAINTAIN_SECONDS = 600  # how often a server checks whether a backup or a purge is due
MESSAGE_SECONDS = 2.0  # how often the outbox turns new events into messages and sends what is due


async def _every(seconds: float, work: Callable[[], object], what: str) -> None:
    """Run `work` in a thread every `seconds` (the first time `seconds` after start-up, so a
    server restarted again and again does not redo it at each start), for as long as the app
    runs; a failure is logged and the next round tries again."""
    import asyncio

    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(work)
        except Exception:
            logger.exception("%s failed", what)


def _backup_if_due(ctx: Context) -> None:
    """A backup when the newest is older than backup_every_hours."""
    from queue_server.services import backups

    made = backups.backup_if_due(ctx)
    if made is not None:
        logger.info("backup written: %s", made.summary())


def _purge_once_a_day(ctx: Context) -> Callable[[], None]:
    """Personal data past its retention erased, at the first round of each day."""
    from queue_server.services import retention

    done_on: list[date] = []

    def work() -> None:
        today = ctx.clock.now().date()
        if done_on and done_on[-1] == today:
            return
        report = retention.purge_all(ctx, SYSTEM)
        done_on.append(today)
        if report.total:
            logger.info("personal data past retention erased: %s", report.as_json())

    return work


def _messages_round(ctx: Context, secret: bytes) -> Callable[[], None]:
    """One round of the outbox: messages for the new events, then what is due to the webhook."""
    from queue_server.services import notifications, site_setup
    from queue_server.services.appointments import booking_key
    from queue_server.services.auth import ticket_key

    def booking_url(site, booking_id: int) -> str:  # noqa: ANN001
        return f"{site_setup.public_url(ctx, site)}/appointments/b/{booking_id}?k={booking_key(secret, booking_id)}"

    def work() -> None:
        done = notifications.run_once(ctx, lambda tid: site_setup.ticket_position_url(ctx, tid, ticket_key(secret, tid)),
                                      booking_url)
        if done.failed:
            logger.warning("messages the webhook refused for good: %d", done.failed)

    return work


def _end_streams_on_signals(hub: EventHub) -> None:
    """Chain onto the server's SIGTERM/SIGINT handlers: open event streams end at once, so a
    shutdown neither waits out its grace period nor cancels them mid-write."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return  # e.g. under a test client: no signals to chain onto
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handler(signum, frame, previous=previous):  # noqa: ANN001, ANN202
            hub.end_streams_threadsafe()
            previous(signum, frame)

        signal.signal(sig, handler)


HUB_STALE_AFTER_S = 10.0  # the hub reads the log at least every poll interval (0.25 to 0.5 s)


def _hub_health(hub: EventHub | None) -> dict[str, Any]:
    if hub is None:
        return {"ok": False, "error": "not started"}
    age = time.monotonic() - hub.last_read_monotonic
    ok = not hub.stopping and age < HUB_STALE_AFTER_S
    return {"ok": ok, "last_read_s": round(age, 2), "streams": hub.subscribers, "read_failures": hub.read_failures}


def create_app(settings: Settings, *, clock: Clock | None = None, ctx: Context | None = None,
               poll_interval: float | None = None, dossier_sweep_seconds: float = DOSSIER_SWEEP_SECONDS,
               maintain_seconds: float = MAINTAIN_SECONDS) -> FastAPI:
    ctx = ctx or Context.create(settings, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import asyncio

        await asyncio.to_thread(migrate.upgrade, ctx.db.engine)
        app.state.secret = await asyncio.to_thread(instance_secret, ctx)
        expired = await asyncio.to_thread(queue.expire_stale, ctx, SYSTEM)
        if expired:
            logger.info("closed %d tickets left open from earlier days", expired)
        hub = EventHub(ctx.db, poll_interval=poll_interval or (0.5 if ctx.db.is_postgres else 0.25))
        await hub.start()
        app.state.hub = hub
        hub.observers.append(figures.delivered)
        figures.hub = hub
        _end_streams_on_signals(hub)
        # after midnight (site time) close what was left open the day before, with its events
        sweeper = asyncio.create_task(_every(SWEEP_SECONDS, lambda: queue.expire_stale(ctx, SYSTEM),
                                             "closing stale tickets"), name="stale-ticket-sweeper")
        await asyncio.to_thread(auth.read_generation, ctx)
        revocations = asyncio.create_task(auth.watch_generation(ctx), name="revocation-watcher")
        backups = asyncio.create_task(_every(maintain_seconds, lambda: _backup_if_due(ctx), "the scheduled backup"),
                                      name="backups")
        purges = asyncio.create_task(_every(maintain_seconds, _purge_once_a_day(ctx), "the daily purge"),
                                     name="personal-data-purge")
        # closed days summarised for the reports in the background, so a morning's report reads
        # kept summaries only
        report_days = asyncio.create_task(_every(maintain_seconds, lambda: report_figures.keep_closed(ctx),
                                                 "summarising closed days for the reports"), name="report-days")
        # bookings never checked in become no-shows once their slot's check-in has closed
        no_shows = asyncio.create_task(_every(SWEEP_SECONDS, lambda: appointments.mark_no_shows(ctx, SYSTEM),
                                              "marking appointments' no-shows"), name="appointment-no-shows")
        # due soon / overdue dossiers, one event each: scheduled here, not run by the reports
        # that read them (a read writes nothing)
        dossier_sweeper = asyncio.create_task(_every(dossier_sweep_seconds, lambda: dossiers.flag_overdue(ctx, SYSTEM),
                                                     "flagging overdue dossiers"), name="dossier-sweeper")
        # agencies' late steps and the desk's apology prompts (before the due date), once each
        step_sweeper = asyncio.create_task(_every(dossier_sweep_seconds, lambda: agency_lateness.sweep(ctx, SYSTEM),
                                                  "flagging agencies' late steps"), name="agency-step-sweeper")
        # messages out to the hall's SMS/Zalo gateway (only with a webhook configured)
        messages = asyncio.create_task(_every(MESSAGE_SECONDS, _messages_round(ctx, app.state.secret),
                                              "messages to the webhook"), name="messages") \
            if ctx.settings.webhook_url else None
        # remote numbers whose check-in window has passed expire (one event each)
        remote_sweeper = asyncio.create_task(_every(dossier_sweep_seconds, lambda: remote_checkin.expire_due(ctx, SYSTEM),
                                                    "expiring remote numbers not checked in"), name="remote-sweeper")
        try:
            yield
        finally:
            if messages is not None:
                messages.cancel()
            remote_sweeper.cancel()
            revocations.cancel()
            sweeper.cancel()
            backups.cancel()
            purges.cancel()
            dossier_sweeper.cancel()
            step_sweeper.cancel()
            no_shows.cancel()
            report_days.cancel()
            await hub.stop()
            figures.close()
            ctx.db.dispose()

    app = FastAPI(
        title="Motcua",
        version="0.1.0",
        description="Hệ thống xếp hàng cho Bộ phận một cửa — queue server API",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.metrics = figures = Metrics(ctx)
    app.add_middleware(SecurityHeaders)  # CSP, nosniff, Referrer-Policy, frame protection on every answer
    problems.install(app)
    app.add_middleware(RequestLog)  # one log line per request; X-Request-ID on every answer
    # the pages last: their paths ("/", "/console"...) never shadow the API
    for module in (auth_routes, ticket_routes, admin_routes, event_routes, catalog_routes, feedback_routes,
                   petition_routes, dossier_routes, announcement_routes, phone_routes, remote_routes, monitor_routes,
                   report_routes, metrics_routes, setup_routes, notification_routes, appointment_routes, agency_routes,
                   page_routes):
        app.include_router(module.router)
    app.include_router(appointment_routes.pages)

    @app.get("/api/v1/health", tags=["health"], responses={503: {"description": "the database or the event hub is not working"}})
    def health(c: Context = Depends(get_ctx)) -> JSONResponse:
        """Whether this process can serve: its database answers and its event hub (the live
        stream of every screen) reads the log. 200 when both work, 503 when either does not."""
        database: dict[str, Any] = {"engine": c.db.engine.dialect.name}
        try:
            with c.db.reading() as session:
                session.execute(text("SELECT 1"))
            database["ok"] = True
        except DatabaseUnavailable as exc:
            database.update(ok=False, error=str(exc))
        hub = getattr(app.state, "hub", None)
        hub_state = _hub_health(hub)
        ok = database["ok"] and hub_state["ok"]
        body = {"status": "ok" if ok else "unavailable", "database": database["engine"],
                "checks": {"database": database, "event_hub": hub_state}}
        if not ok:
            failing = [words for words, good in ((("cơ sở dữ liệu không trả lời", "the database does not answer"),
                                                   database["ok"]),
                                                  (("luồng sự kiện không đọc được nhật ký",
                                                    "the event hub cannot read the log"), hub_state["ok"]))
                       if not good]
            body["detail"] = "Máy chủ chưa phục vụ được: " + ", ".join(vi for vi, _ in failing) + "."
            body["detail_en"] = "This server cannot serve: " + ", ".join(en for _, en in failing) + "."
        return JSONResponse(body, status_code=200 if ok else 503, headers=None if ok else {"Retry-After": "5"})

    return app

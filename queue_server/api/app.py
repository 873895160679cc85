"""The FastAPI application: routers, error shapes, and the event hub's lifetime."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from sqlalchemy import text

from queue_server.api import admin as admin_routes
from queue_server.api import announcements as announcement_routes
from queue_server.api import auth as auth_routes
from queue_server.api import catalog as catalog_routes
from queue_server.api import dossiers as dossier_routes
from queue_server.api import events as event_routes
from queue_server.api import feedback as feedback_routes
from queue_server.api import pages as page_routes
from queue_server.api import problems
from queue_server.api import tickets as ticket_routes
from queue_server.api.deps import get_ctx
from queue_server.clock import Clock
from queue_server.config import Settings
from queue_server.events.hub import EventHub
from queue_server.services import auth
from queue_server.services.auth import instance_secret
from queue_server.services.context import SYSTEM, Context
from queue_server.services.dossiers import reception as dossiers
from queue_server.services.queue import tickets as queue
from queue_server.store import migrate

logger = logging.getLogger("motcua")


SWEEP_SECONDS = 300


async def _sweep_stale_tickets(ctx: Context) -> None:
    """After midnight (site time) close what was left open the day before, with its events."""
    import asyncio

    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await asyncio.to_thread(queue.expire_stale, ctx, SYSTEM)
        except Exception:  # the sweep must never stop; the next round tries again
            logger.exception("closing stale tickets failed")
        try:  # dossiers that became due soon or overdue: one event each (dossier.due_soon / .overdue)
            await asyncio.to_thread(dossiers.flag_overdue, ctx, SYSTEM)
        except Exception:
            logger.exception("flagging overdue dossiers failed")


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


def create_app(settings: Settings, *, clock: Clock | None = None, ctx: Context | None = None,
               poll_interval: float | None = None) -> FastAPI:
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
        _end_streams_on_signals(hub)
        sweeper = asyncio.create_task(_sweep_stale_tickets(ctx), name="stale-ticket-sweeper")
        await asyncio.to_thread(auth.read_generation, ctx)
        revocations = asyncio.create_task(auth.watch_generation(ctx), name="revocation-watcher")
        try:
            yield
        finally:
            revocations.cancel()
            sweeper.cancel()
            await hub.stop()
            ctx.db.dispose()

    app = FastAPI(
        title="Motcua",
        version="0.1.0",
        description="Hệ thống xếp hàng cho Bộ phận một cửa — queue server API",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    problems.install(app)
    # the pages last: their paths ("/", "/console"...) never shadow the API
    for module in (auth_routes, ticket_routes, admin_routes, event_routes, catalog_routes, feedback_routes,
                   dossier_routes, announcement_routes, page_routes):
        app.include_router(module.router)

    @app.get("/api/v1/health", tags=["health"])
    def health(c: Context = Depends(get_ctx)) -> dict[str, Any]:
        with c.db.reading() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "database": c.db.engine.dialect.name}

    return app
